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

# lenet_plan NAME EXTRA SHAPES ADC_BITS: $T/plan.json, a sweep of workloads/fmnist/lenet5.json
# on arch_configs/default.json over crossbar.shape (SHAPES, a JSON list) and
# precision.adc_bits (ADC_BITS), with EXTRA plan keys ('"key": value,' or ''); then its run
# on the local backend into $T/local, the reference the Slurm runs are compared with.
lenet_plan() {
  cat >"$T/plan.json" <<JSON
{"name": "$1", "network": "$SRC/workloads/fmnist/lenet5.json", "arch": "$SRC/arch_configs/default.json",
 "set": ["chip.tiles=\"auto\""], $2
 "axes": [{"key": "crossbar.shape", "values": $3}, {"key": "precision.adc_bits", "values": $4}]}
JSON
  "$RERAM" sweep --plan "$T/plan.json" -o "$T/local" --jobs 2 -q 2>"$T/local.log" || { cat "$T/local.log"; fail "local run"; }
}
