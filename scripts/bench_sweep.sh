#!/usr/bin/env bash
# Times the 100-point hardware-only sweep (workloads/sweeps/cifar10_resnet18_hw100.json:
# dense ResNet-18, CIFAR-10 shapes, crossbar rows x cols x ADC bits) with --jobs 2 from an
# empty directory, then re-runs it on the finished directory (which must do no work).
# Usage: scripts/bench_sweep.sh [RERAM_BINARY] [OUT_DIR] [JOBS]
# CPU-heavy (about 2-4 min on 2 cores): on the shared machine run it through the heavy slot.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
reram="${1:-$here/build/reram}" out="${2:-$(mktemp -d)/hw100}" jobs="${3:-2}"
plan="$here/workloads/sweeps/cifar10_resnet18_hw100.json"
rm -rf "$out"
echo "== first run: reram sweep --plan $plan -o $out --jobs $jobs" >&2
t0=$(date +%s.%N)
"$reram" sweep --plan "$plan" -o "$out" --jobs "$jobs" -q 2> "$out.first.log" || { cat "$out.first.log" >&2; exit 1; }
t1=$(date +%s.%N)
tail -2 "$out.first.log" >&2
echo "== re-run on the finished directory" >&2
"$reram" sweep --plan "$plan" -o "$out" --jobs "$jobs" -q 2> "$out.second.log" || { cat "$out.second.log" >&2; exit 1; }
t2=$(date +%s.%N)
tail -2 "$out.second.log" >&2
points=$(grep -c ',ok,' "$out/results.csv" || true)
first=$(echo "$t1 - $t0" | bc -l)
second=$(echo "$t2 - $t1" | bc -l)
printf 'points ok: %s\nfirst run: %.1f s (--jobs %s, %d cores)\nre-run:    %.1f s, %s\n' "$points" "$first" "$jobs" "$(nproc)" \
  "$second" "$(grep -o 'stages run [0-9]*, reused from cache [0-9]*' "$out.second.log")"
grep -q "0 done now, 100 already finished, 0 failed, 0 not run; stages run 0" "$out.second.log" || { echo "re-run did work" >&2; exit 1; }
