# Sourced by the Slurm CLI tests after `set -euo pipefail`, with RERAM and SRC set:
# a temp dir T, fail(), and a single-node Slurm started by scripts/slurm-local.sh (stopped
# and T removed on exit), its environment sourced. Where the daemons cannot start
# (slurm-local.sh exit 77) the test exits 0 with a SKIPPED line.
T=$(mktemp -d)
cleanup() { bash "$SRC/scripts/slurm-local.sh" stop "$T/slurm" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

set +e
bash "$SRC/scripts/slurm-local.sh" start "$T/slurm" > "$T/start.log" 2>&1
rc=$?
set -e
if [ $rc -eq 77 ]; then echo "SKIPPED: $(tail -1 "$T/start.log")"; exit 0; fi
[ $rc -eq 0 ] || { cat "$T/start.log"; fail "slurm-local.sh start exited $rc"; }
. "$T/slurm/env.sh"
