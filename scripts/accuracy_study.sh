#!/usr/bin/env bash
# Accuracy of the trained VGG-style Fashion-MNIST net on crossbar hardware (issue 6,
# docs/validation.md "Accuracy on hardware"): float vs quantised vs hardware, ADC
# resolution, stuck-at faults, device-to-device variation, read noise, IR drop.
#
#   scripts/accuracy_study.sh [RERAM_BINARY] [SAMPLES] [OUT_DIR] [SEEDS]
#
# Defaults: build/reram, the first 2000 test images, out/accuracy_study, seeds "1 2 3"
# (all seeds for the stuck-at curve and the steep part of the variation curve; the
# differential-encoding comparison rows use the first seed).
# Every run is `reram eval --network workloads/fmnist/vgg_fmnist.json --weights
# workloads/fmnist/vgg_fmnist.npz --arch arch_configs/default.json` (128x128 crossbars,
# 2-bit cells, offset encoding, 8-bit weights and inputs, 1-bit DAC) with the overrides
# listed below, the ADC/input ranges set on the first 256 training images. The
# device studies use a 9-bit ADC (lossless for ideal devices: 128 rows x 3 levels < 512
# codes) so that they measure the devices, not the ADC. One JSON per run in OUT_DIR
# (existing ones are reused: the study resumes), then OUT_DIR/table.md and table.csv.
# TABLE_ONLY=1 builds the table from the runs present without running the missing ones.
# Runs one eval at a time on one thread; run it on an otherwise idle machine.
# Cost: ~35 runs, ~40 s CPU each at 2000 images (differential 2x, read noise 4x): about
# 35 min on one core.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build/reram}" samples="${2:-2000}" out="${3:-$root/out/accuracy_study}" seeds="${4:-1 2 3}"
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
  if [[ -n "${TABLE_ONLY:-}" ]]; then
    echo "  $name: not run (TABLE_ONLY)"
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
diff=(--set crossbar.sign_encoding=differential)
first_seed="${seeds%% *}"
# Precision: the float and quantised references come with the lossless run.
run precision_adc9_lossless "${lossless[@]}"
run precision_adc8_full --skip-float --set precision.adc_bits=8
run precision_adc7_full --skip-float --set precision.adc_bits=7
run precision_adc6_full --skip-float --set precision.adc_bits=6
run precision_adc6_calibrated --skip-float --set precision.adc_bits=6 --set nonideal.adc_range=calibrated
run precision_adc5_calibrated --skip-float --set precision.adc_bits=5 --set nonideal.adc_range=calibrated
run precision_adc4_calibrated --skip-float --set precision.adc_bits=4 --set nonideal.adc_range=calibrated
run diff_precision_adc6_full --skip-float "${diff[@]}" --set precision.adc_bits=6
run diff_precision_adc6_calibrated --skip-float "${diff[@]}" --set precision.adc_bits=6 --set nonideal.adc_range=calibrated
# Stuck-at faults: total rate split evenly between stuck-off (G_min) and stuck-on (G_max).
for rate in 0.01 0.05 0.10; do
  half=$(awk -v r="$rate" 'BEGIN {printf "%.4f", r / 2}')
  for s in $seeds; do
    run "stuck_${rate}_seed$s" --skip-float "${lossless[@]}" --set nonideal.seed="$s" \
      --set nonideal.stuck_on_rate="$half" --set nonideal.stuck_off_rate="$half"
  done
  run "diff_stuck_${rate}_seed$first_seed" --skip-float "${diff[@]}" "${lossless[@]}" --set nonideal.seed="$first_seed" \
    --set nonideal.stuck_on_rate="$half" --set nonideal.stuck_off_rate="$half"
done
# Device-to-device variation (lognormal sigma); all seeds where the curve is steep.
for sigma in 0.02 0.05 0.1 0.2; do
  for s in $seeds; do
    [[ "$sigma" == 0.05 || "$sigma" == 0.1 || "$s" == "$first_seed" ]] || continue
    run "variation_${sigma}_seed$s" --skip-float "${lossless[@]}" --set nonideal.seed="$s" --set nonideal.variation_sigma="$sigma"
  done
  [[ "$sigma" == 0.02 ]] || run "diff_variation_${sigma}_seed$first_seed" --skip-float "${diff[@]}" "${lossless[@]}" \
    --set nonideal.seed="$first_seed" --set nonideal.variation_sigma="$sigma"
done
# Read noise (4x the cost of a plain run: one normal draw per column and read) and IR drop.
run read_noise_0.1 --skip-float "${lossless[@]}" --set nonideal.read_noise_sigma=0.1
for k in 0.01 0.05; do
  run "ir_drop_${k}" --skip-float "${lossless[@]}" --set nonideal.ir_drop="$k"
done
run diff_ir_drop_0.05 --skip-float "${diff[@]}" "${lossless[@]}" --set nonideal.ir_drop=0.05

/usr/bin/python3 - "$out" "$samples" <<'P'
import csv, glob, json, os, re, statistics, sys
out, samples = sys.argv[1], int(sys.argv[2])
runs = {os.path.basename(f)[:-5]: json.load(open(f)) for f in glob.glob(os.path.join(out, "*.json"))}
base = runs["precision_adc9_lossless"]["result"]
ref_q = base["accuracy_quantized"]
rows = []  # (group, encoding, setting, accuracies over seeds)
def add(group, setting, names, enc="offset"):
    accs = [runs[n]["result"]["accuracy_on_hardware"] for n in names if n in runs]
    if accs:
        rows.append((group, enc, setting, accs))
def by_prefix(prefix):
    return sorted(n for n in runs if n.startswith(prefix))
rows.append(("reference", "-", "float (no quantisation)", [base["accuracy_float"]]))
rows.append(("reference", "-", "quantised (8-bit weights, 8-bit inputs, exact sums)", [ref_q]))
add("ADC", "9-bit ADC, full range (lossless)", ["precision_adc9_lossless"])
for b, rng in [(8, "full"), (7, "full"), (6, "full"), (6, "calibrated"), (5, "calibrated"), (4, "calibrated")]:
    add("ADC", f"{b}-bit ADC, {rng} range", [f"precision_adc{b}_{rng}"])
    add("ADC", f"{b}-bit ADC, {rng} range", [f"diff_precision_adc{b}_{rng}"], "differential")
for rate in ["0.01", "0.05", "0.10"]:
    what = f"{float(rate) * 100:g} % of cells (half on, half off)"
    add("stuck-at faults", what, by_prefix(f"stuck_{rate}_seed"))
    add("stuck-at faults", what, by_prefix(f"diff_stuck_{rate}_seed"), "differential")
for sigma in ["0.02", "0.05", "0.1", "0.2"]:
    add("variation", f"lognormal sigma {sigma}", by_prefix(f"variation_{sigma}_seed"))
    add("variation", f"lognormal sigma {sigma}", by_prefix(f"diff_variation_{sigma}_seed"), "differential")
add("read noise", "relative sigma 0.1 per cell and read", ["read_noise_0.1"])
for k in ["0.01", "0.05"]:
    add("IR drop", f"ir_drop {k}", [f"ir_drop_{k}"])
    add("IR drop", f"ir_drop {k}", [f"diff_ir_drop_{k}"], "differential")
with open(os.path.join(out, "table.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["group", "encoding", "setting", "seeds", "accuracy_mean", "accuracy_min", "accuracy_max",
                "drop_vs_quantized_pct_points"])
    for g, e, s, a in rows:
        m = statistics.mean(a)
        w.writerow([g, e, s, len(a), f"{m:.4f}", f"{min(a):.4f}", f"{max(a):.4f}", f"{100 * (ref_q - m):.2f}"])
lines = [f"Test images: {samples} (first of the Fashion-MNIST test split); arch_configs/default.json; "
         "device rows use a 9-bit (lossless) ADC.", "",
         "| group | encoding | setting | seeds | accuracy % (mean) | min-max % | drop vs quantised (pp) |",
         "|---|---|---|---|---|---|---|"]
for g, e, s, a in rows:
    m = statistics.mean(a)
    spread = f"{100 * min(a):.2f}-{100 * max(a):.2f}" if len(a) > 1 else ""
    lines.append(f"| {g} | {e} | {s} | {len(a)} | {100 * m:.2f} | {spread} | {100 * (ref_q - m):.2f} |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
P
