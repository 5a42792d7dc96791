#!/usr/bin/env bash
# Issue 14's sweep bar: the 1,000-point hardware-only sweep of ResNet-50 (ImageNet shapes)
# over crossbar rows x cols x ADC bits (workloads/sweeps/imagenet_resnet50_hw1000.json)
# with --jobs JOBS (default 2) must finish in under 30 minutes on 2 cores. Prints the wall
# time, the points done and failed, and PASS/FAIL.
#   scripts/bench_sweep1000.sh [BUILD_DIR] [JOBS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
jobs="${2:-2}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
"$build/reram" sweep --plan "$root/workloads/sweeps/imagenet_resnet50_hw1000.json" --jobs "$jobs" -o "$out/sweep" \
  > "$out/log" 2>&1 || true
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc)
read -r done failed < <(/usr/bin/python3 - "$out/sweep" <<'P'
import csv, glob, json, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "results.csv")))) if os.path.exists(os.path.join(d, "results.csv")) else []
ok = sum(1 for r in rows if (r.get("status") or "ok") == "ok")
print(ok, len(rows) - ok)
P
)
printf 'sweep of 1000 points (ResNet-50 ImageNet shapes, 100 crossbar shapes x 10 ADC resolutions), --jobs %s on %s cores:\n' "$jobs" "$(nproc)"
printf '  wall %.1f s (%.1f min), points ok %s, failed %s   limit 30 min\n' "$wall" "$(echo "$wall / 60" | bc -l)" "$done" "$failed"
tail -3 "$out/log"
if [ "$(echo "$wall < 1800" | bc)" = 1 ] && [ "$done" -ge 1000 ]; then echo PASS; else echo FAIL; exit 1; fi
