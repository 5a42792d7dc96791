#!/bin/bash
# Pruning overhead: wall time of one LGD / ADMM training epoch versus one plain training
# epoch of the same net, options and data, measured in the same process
# (`reram prune --measure-plain-epoch`). The bar (issue 4): at most 15% more.
#   usage: scripts/bench_prune_overhead.sh [RERAM] [NET.json] [WEIGHTS.npz] [TRAIN_LIMIT] [GRANULARITY]
#   env:   THREADS (torch threads, default 1)
# Run it on an otherwise idle machine: the two epochs are timed back to back, so load
# from other processes shows up as noise in the ratio.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RERAM=${1:-$ROOT/build/reram}
NET=${2:-$ROOT/workloads/fmnist/vgg_fmnist.json}
WEIGHTS=${3:-${NET%.json}.npz}
LIMIT=${4:-10000}
GRAN=${5:-column}
THREADS=${THREADS:-1}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
status=0
echo "net $NET, $LIMIT training images, $THREADS thread(s), keep 0.25"
printf "%-6s %-10s %12s %12s %9s\n" optimizer granularity plain_s pruning_s overhead
for opt in lgd admm; do
  "$RERAM" prune --network "$NET" --weights "$WEIGHTS" --arch "$ROOT/arch_configs/default.json" \
    --granularity "$GRAN" --optimizer "$opt" --keep-crossbars 0.25 --prune-epochs 1 --measure-plain-epoch \
    --train-limit "$LIMIT" --test-limit 200 --threads "$THREADS" --quiet -o "$OUT/m_$opt.json" --report "$OUT/r_$opt.json" > /dev/null 2>&1
  /usr/bin/python3 - "$OUT/r_$opt.json" "$opt" "$GRAN" <<'PY' || status=1
import json, sys
r = json.load(open(sys.argv[1]))["optimizer_log"]
plain, pr = r["plain_epoch_seconds"], r["epoch_seconds"][0]
ov = pr / plain - 1.0
print(f"{sys.argv[2]:<6} {sys.argv[3]:<10} {plain:12.2f} {pr:12.2f} {100*ov:8.1f}%")
sys.exit(0 if ov <= 0.15 else 1)
PY
done
exit $status
