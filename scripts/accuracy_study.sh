#!/usr/bin/env bash
# Accuracy of the trained VGG-style Fashion-MNIST net on crossbar hardware (issue 6,
# docs/validation.md "Accuracy on hardware"): float vs quantised vs hardware, ADC
# resolution, stuck-at faults, device-to-device variation, read noise, IR drop.
#
#   scripts/accuracy_study.sh [RERAM_BINARY] [SAMPLES] [OUT_DIR] [SEEDS]
#
# Defaults: build/reram, the first 2000 test images, results/accuracy_study, seeds "1 2 3".
# Every run is `reram eval --network workloads/fmnist/vgg_fmnist.json --weights
# workloads/fmnist/vgg_fmnist.npz --arch arch_configs/default.json` (128x128 crossbars,
# 2-bit cells, offset encoding, 8-bit weights and inputs, 1-bit DAC) with the overrides
# listed below, the ADC/input ranges set on the first 256 training images. The
# device studies use a 9-bit ADC (lossless for ideal devices: 128 rows x 3 levels < 512
# codes) so that they measure the devices, not the ADC. One JSON per run in OUT_DIR
# (existing ones are reused: the study resumes), then OUT_DIR/table.md and table.csv.
# Runs one eval at a time on one thread; on the shared machine wrap it in
# /work/helper/heavy.sh. Cost: about 40 s CPU per run at 2000 images (~25 runs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="${1:-$root/build/reram}"
samples="${2:-2000}"
out="${3:-$root/results/accuracy_study}"
seeds="${4:-1 2 3}"
network="$root/workloads/fmnist/vgg_fmnist.json"
weights="$root/workloads/fmnist/vgg_fmnist.npz"
arch="$root/arch_configs/default.json"

[[ -x "$bin" ]] || { echo "accuracy_study: reram binary '$bin' not found (build it, or pass its path)" >&2; exit 2; }
[[ -f "$weights" ]] || { echo "accuracy_study: $weights not found (scripts/train_workloads.sh trains it)" >&2; exit 2; }
[[ "$samples" =~ ^[1-9][0-9]*$ ]] || { echo "accuracy_study: SAMPLES must be a positive integer, got '$samples'" >&2; exit 2; }
for s in $seeds; do
  [[ "$s" =~ ^[0-9]+$ ]] || { echo "accuracy_study: SEEDS must be non-negative integers, got '$s'" >&2; exit 2; }
done
mkdir -p "$out"

# run NAME [--set k=v]... : one evaluation, skipped when OUT_DIR/NAME.json exists.
run() {
  local name="$1"
  shift
  local f="$out/$name.json"
  if [[ -f "$f" ]]; then
    echo "  $name: done before"
    return
  fi
  local t0=$SECONDS
  OMP_NUM_THREADS=1 "$bin" eval --network "$network" --weights "$weights" --arch "$arch" --set 'chip.tiles="auto"' \
    --data fashion-mnist --samples "$samples" --calibration-samples 256 -q -o "$f.tmp" "$@" 2>"$out/$name.err" \
    || { echo "accuracy_study: run $name failed:" >&2; cat "$out/$name.err" >&2; exit 1; }
  mv "$f.tmp" "$f"
  rm -f "$out/$name.err"
  echo "  $name: $((SECONDS - t0)) s"
}

echo "accuracy study: $samples test images, results in $out"
lossless=(--set precision.adc_bits=9)
# Precision: the float and quantised references come with the lossless run.
run precision_adc9_lossless "${lossless[@]}"
run precision_adc8_full --skip-float --set precision.adc_bits=8
run precision_adc7_full --skip-float --set precision.adc_bits=7
run precision_adc6_full --skip-float --set precision.adc_bits=6
run precision_adc6_calibrated --skip-float --set precision.adc_bits=6 --set nonideal.adc_range=calibrated
run precision_adc5_calibrated --skip-float --set precision.adc_bits=5 --set nonideal.adc_range=calibrated
run precision_adc4_calibrated --skip-float --set precision.adc_bits=4 --set nonideal.adc_range=calibrated
# Stuck-at faults: total rate split evenly between stuck-off (G_min) and stuck-on (G_max).
for rate in 0.01 0.05 0.10; do
  half=$(awk -v r="$rate" 'BEGIN {printf "%.4f", r / 2}')
  for s in $seeds; do
    run "stuck_${rate}_seed$s" --skip-float "${lossless[@]}" --set nonideal.seed="$s" \
      --set nonideal.stuck_on_rate="$half" --set nonideal.stuck_off_rate="$half"
  done
done
# Device-to-device variation (lognormal sigma).
for sigma in 0.05 0.1 0.2 0.3 0.5; do
  for s in $seeds; do
    [[ "$sigma" == 0.5 || "$sigma" == 0.3 || "$s" == "${seeds%% *}" ]] || continue  # extra seeds where it matters
    run "variation_${sigma}_seed$s" --skip-float "${lossless[@]}" --set nonideal.seed="$s" --set nonideal.variation_sigma="$sigma"
  done
done
# Read noise and first-order IR drop (one seed each).
for sigma in 0.05 0.2; do
  run "read_noise_${sigma}" --skip-float "${lossless[@]}" --set nonideal.read_noise_sigma="$sigma"
done
for k in 0.05 0.2; do
  run "ir_drop_${k}" --skip-float "${lossless[@]}" --set nonideal.ir_drop="$k"
done

/usr/bin/python3 - "$out" "$samples" <<'P'
import csv, glob, json, os, re, statistics, sys
out, samples = sys.argv[1], int(sys.argv[2])
runs = {os.path.basename(f)[:-5]: json.load(open(f)) for f in glob.glob(os.path.join(out, "*.json"))}
base = runs["precision_adc9_lossless"]["result"]
ref_q = base["accuracy_quantized"]
rows = []  # (group, setting, accuracies over seeds)
def add(group, setting, names):
    accs = [runs[n]["result"]["accuracy_on_hardware"] for n in names if n in runs]
    if accs:
        rows.append((group, setting, accs))
rows.append(("reference", "float (no quantisation)", [base["accuracy_float"]]))
rows.append(("reference", "quantised (8-bit weights, 8-bit inputs, exact sums)", [ref_q]))
add("ADC", "9-bit ADC, full range (lossless)", ["precision_adc9_lossless"])
for b, rng in [(8, "full"), (7, "full"), (6, "full"), (6, "calibrated"), (5, "calibrated"), (4, "calibrated")]:
    add("ADC", f"{b}-bit ADC, {rng} range", [f"precision_adc{b}_{rng}"])
def by_prefix(prefix):
    return sorted(n for n in runs if n.startswith(prefix))
for rate in ["0.01", "0.05", "0.10"]:
    add("stuck-at faults", f"{float(rate) * 100:g} % of cells (half on, half off)", by_prefix(f"stuck_{rate}_seed"))
for sigma in ["0.05", "0.1", "0.2", "0.3", "0.5"]:
    add("variation", f"lognormal sigma {sigma}", by_prefix(f"variation_{sigma}_seed"))
for sigma in ["0.05", "0.2"]:
    add("read noise", f"relative sigma {sigma} per cell and read", [f"read_noise_{sigma}"])
for k in ["0.05", "0.2"]:
    add("IR drop", f"ir_drop {k}", [f"ir_drop_{k}"])
with open(os.path.join(out, "table.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["group", "setting", "seeds", "accuracy_mean", "accuracy_min", "accuracy_max", "drop_vs_quantized_pct_points"])
    for g, s, a in rows:
        m = statistics.mean(a)
        w.writerow([g, s, len(a), f"{m:.4f}", f"{min(a):.4f}", f"{max(a):.4f}", f"{100 * (ref_q - m):.2f}"])
lines = [f"Test images: {samples} (first of the Fashion-MNIST test split); arch_configs/default.json; "
         "device rows use a 9-bit (lossless) ADC.", "",
         "| group | setting | seeds | accuracy % (mean) | min-max % | drop vs quantised (pp) |",
         "|---|---|---|---|---|---|"]
for g, s, a in rows:
    m = statistics.mean(a)
    spread = f"{100 * min(a):.2f}-{100 * max(a):.2f}" if len(a) > 1 else ""
    lines.append(f"| {g} | {s} | {len(a)} | {100 * m:.2f} | {spread} | {100 * (ref_q - m):.2f} |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
P
