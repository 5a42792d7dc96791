#!/usr/bin/env bash
# Benchmark for the functional hardware model's speed bars (issue 6):
#   1. in one run, the bare partial-sum products (one product per input-bit step, weight
#      slice and operation-unit read of every crossbar, all batch vectors at once) and the
#      full hardware model on the same batch: full model <= 2x the bare products;
#   2. 2,000 Fashion-MNIST test images through the VGG-style net on 128x128 crossbars
#      (8-bit inputs, 1-bit DAC, 8-bit weights, 2-bit cells; arch_configs/default.json,
#      8-bit ADC) in under 60 s on one core;
#   3. (issue 14) all 10,000 test images, float, quantised and hardware models, with
#      --threads 2 in under 60 s wall on 2 cores, and the same report bit for bit (every
#      accuracy, agreement, input bit density) as --threads 1. Skipped with THREADED=0.
#
#   scripts/bench_functional.sh [RERAM_BINARY] [IMAGES] [BENCH_IMAGES]
#
# Runs `reram eval` pinned to CPU 0 (taskset), with the lossless shortcut disabled so every
# crossbar goes through the bit-serial path, the float references skipped, and
# --benchmark BENCH_IMAGES (default 128) for bar 1. Bar 2 is judged on the CPU time of the
# whole command (loading, calibration on 256 training images, the extra benchmark batch and
# all IMAGES (default 2000) images: conservative), measured by /usr/bin/time; the wall
# time is printed too but is only meaningful on an idle core. Uses the trained
# workloads/fmnist/vgg_fmnist.npz when present, seeded random weights otherwise (the cost
# does not depend on the weight values). Prints PASS/FAIL; exits 1 on FAIL.
# Run it on an otherwise idle machine (one heavy job at a time).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build/reram}" images="${2:-2000}" bench_images="${3:-128}"
network="$root/workloads/fmnist/vgg_fmnist.json" arch="$root/arch_configs/default.json"
limit_s=60
limit_ratio=2

. "$root/scripts/lib/bench_checks.sh"
need_tools bench_functional "$bin"
for v in "$images" "$bench_images"; do
  if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
    echo "bench_functional: IMAGES and BENCH_IMAGES must be positive integers, got '$v'" >&2
    exit 2
  fi
done

weights=(--random-weights 1)
weights_desc="seeded random weights"
if [[ -f "$root/workloads/fmnist/vgg_fmnist.npz" ]]; then
  weights=(--weights "$root/workloads/fmnist/vgg_fmnist.npz")
  weights_desc="workloads/fmnist/vgg_fmnist.npz"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run_timed bench_functional "$work" env OMP_NUM_THREADS=1 taskset -c 0 "$bin" eval --network "$network" "${weights[@]}" \
  --arch "$arch" --set 'chip.tiles="auto"' --data fashion-mnist --samples "$images" --calibration-samples 256 \
  --skip-float --no-shortcut --threads 1 --benchmark "$bench_images" -q -o "$work/eval.json"

read -r samples hw_cpu bare full ratio crossbars accuracy < <(/usr/bin/python3 - "$work/eval.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))["result"]
b = r["benchmark"]
print(r["samples"], r["hardware_cpu_time_s"], b["bare_products_cpu_s"], b["hardware_model_cpu_s"], b["ratio"],
      b["crossbars"], r["accuracy_on_hardware"])
P
)

echo "reram eval: VGG-style Fashion-MNIST net ($weights_desc), arch_configs/default.json (128x128, 2-bit cells,"
echo "            8-bit weights/inputs, 1-bit DAC, 8-bit ADC), $crossbars crossbars, bit-serial path (--no-shortcut)"
echo "binary:     $bin"
echo "machine:    $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), pinned to CPU 0"
printf 'bar 1:      %d images: bare products %.3f s CPU, full hardware model %.3f s CPU, ratio %.2f   limit %d\n' \
  "$bench_images" "$bare" "$full" "$ratio" "$limit_ratio"
printf 'bar 2:      %d test images: whole command %.2f s CPU (hardware model alone %.2f s CPU), wall %.2f s   limit %d s\n' \
  "$samples" "$cpu" "$hw_cpu" "$wall" "$limit_s"
note=""
[[ "$weights_desc" == "seeded random weights" ]] && note=" (chance: random weights)"
printf 'accuracy:   %.4f on hardware%s\n' "$accuracy" "$note"
if awk -v w="$wall" -v c="$cpu" 'BEGIN {exit !(w > 1.2 * c)}'; then
  echo "warning:    wall time well above CPU time: the core was shared with other processes"
fi

status=PASS
awk -v r="$ratio" -v l="$limit_ratio" 'BEGIN {exit !(r <= l)}' || status=FAIL
awk -v c="$cpu" -v l="$limit_s" 'BEGIN {exit !(c < l)}' || status=FAIL
((samples == images)) || status=FAIL

if [[ "${THREADED:-1}" != 0 ]]; then
  for t in 2 1; do
    s0=$(date +%s.%N)
    if ! OMP_NUM_THREADS=1 "$bin" eval --network "$network" "${weights[@]}" --arch "$arch" --set 'chip.tiles="auto"' \
        --data fashion-mnist --threads "$t" -q -o "$work/full$t.json" 2>"$work/stderr.txt"; then
      echo "bench_functional: reram eval --threads $t failed:" >&2
      cat "$work/stderr.txt" >&2
      exit 1
    fi
    s1=$(date +%s.%N)
    eval "wall$t=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')"
  done
  read -r n3 same acc3 < <(/usr/bin/python3 - "$work/full1.json" "$work/full2.json" <<'P'
import json, sys
a, b = (json.load(open(f))["result"] for f in sys.argv[1:3])
for r in (a, b):
    for k in ("time_s", "threads", "hardware_cpu_time_s"): r.pop(k)
print(b["samples"], "yes" if a == b else "NO", b["accuracy_on_hardware"])
P
)
  printf 'bar 3:      %d test images, float + quantised + hardware: --threads 2 %.2f s wall (--threads 1 %.2f s, speed-up %.2f)   limit %d s\n' \
    "$n3" "$wall2" "$wall1" "$(awk -v a="$wall1" -v b="$wall2" 'BEGIN {print a / b}')" "$limit_s"
  printf '            report identical for 1 and 2 threads: %s (hardware accuracy %.4f)\n' "$same" "$acc3"
  awk -v w="$wall2" -v l="$limit_s" 'BEGIN {exit !(w < l)}' || status=FAIL
  [[ "$same" == yes ]] || status=FAIL
fi
echo "$status"
[[ "$status" == PASS ]]
