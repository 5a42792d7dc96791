#!/bin/bash
# The device study of issue 18 (docs/functional-model.md §9, "Devices over time and chips
# in numbers"), on the trained VGG-style Fashion-MNIST net at 128x128 crossbars, 8-bit
# weights and inputs, 2-bit cells (arch_configs/default.json, lossless "auto" ADC):
#   1. drift: hardware accuracy at time_s = 0 ... 1e8 s for seeds 1-3, compensation on/off;
#   2. write-verify: residual programming error, pulses per cell (functional model and the
#      simulator's expectation), programming energy and time, accuracy, per tolerance;
#   3. Monte-Carlo: 20 chip instances of two non-ideal settings, mean and 95% interval;
#   4. ADCs sized per crossbar: the dense net and a column-pruned one (a quarter of the
#      crossbars, pruned here), ADC energy and area saved against the uniform lossless
#      resolution with the survey and SAR ADC models (arch_configs/isaac_physical.json),
#      and the hardware accuracy of both on every test image.
# Writes OUT/*.json and OUT/tables.md (scripts/device_tables.py).
#   usage: scripts/device_study.sh [OUT]
#   env:   RERAM (build/reram), SAMPLES (2000 test images for 1-2), MC_SAMPLES (500, for each
#          of the 20 trials of 3; 4 uses all 10,000),
#          THREADS (2), PYTHON (/usr/bin/python3)
# About 30 minutes on 2 cores (a run with drift or programming error: ~26 s on 2,000 images).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/results/devices}
RERAM=${RERAM:-$ROOT/build/reram}
SAMPLES=${SAMPLES:-2000}
MC_SAMPLES=${MC_SAMPLES:-500}
THREADS=${THREADS:-2}
PY=${PYTHON:-/usr/bin/python3}
NET=$ROOT/workloads/fmnist/vgg_fmnist.json
W=$ROOT/workloads/fmnist/vgg_fmnist.npz
GEOM="--set precision.weight_bits=8 --set precision.input_bits=8 --set crossbar.cell_bits=2 --set chip.tiles=auto"
ARCH="--arch $ROOT/arch_configs/default.json $GEOM --set precision.adc_bits=auto"
mkdir -p "$OUT"

run() {  # run NAME CMD...: skipped when OUT/NAME.json exists (rerun after an interruption)
  local name=$1
  shift
  if [ -s "$OUT/$name.json" ]; then return; fi
  echo "[$(date +%T)] $name" >&2
  "$@" -o "$OUT/$name.json" -q
}

"$RERAM" map --network "$NET" --weights "$W" $ARCH -q -o "$OUT/dense.map.json"
[ -s "$OUT/column_k0.25.map.json" ] ||
  "$RERAM" prune --network "$NET" --weights "$W" $ARCH --finetune-epochs 2 --prune-epochs 1 --lr 0.01 \
    --train-limit 30000 --test-limit 0 --threads "$THREADS" --quiet --granularity column --keep-crossbars 0.25 \
    --seed 1 -o "$OUT/column_k0.25.map.json" --report "$OUT/column_k0.25.prune.json"

EVAL="$RERAM eval --mapping $OUT/dense.map.json $ARCH --samples $SAMPLES --threads $THREADS --skip-float"
DRIFT="--set nonideal.drift_nu_mean=0.02 --set nonideal.drift_nu_sigma=0.01"
for seed in 1 2 3; do
  for t in 0 100 10000 1000000 100000000; do
    for comp in true false; do
      run "drift_s${seed}_t${t}_comp${comp}" $EVAL $DRIFT --set nonideal.seed=$seed --set nonideal.time_s=$t \
        --set nonideal.drift_compensation=$comp
    done
  done
done

for tol in 0 0.05 0.02 0.01 0.005; do
  WV="--set nonideal.program_sigma=0.04 --set nonideal.write_verify_tolerance=$tol"
  WV="$WV --set nonideal.write_verify_max_pulses=100"
  run "wv_tol${tol}" $EVAL $WV
  run "wv_tol${tol}_sim" "$RERAM" sim --mapping "$OUT/dense.map.json" $ARCH $WV
done

MC="$RERAM eval --mapping $OUT/dense.map.json $ARCH --samples $MC_SAMPLES --threads $THREADS --skip-float --trials 20"
run mc_variation $MC --set nonideal.variation_sigma=0.05
run mc_stuck $MC --set nonideal.stuck_off_rate=0.005

PHYS="--arch $ROOT/arch_configs/isaac_physical.json $GEOM"
for map in dense column_k0.25; do
  for ab in auto per_crossbar; do
    run "adc_${map}_${ab}_eval" "$RERAM" eval --mapping "$OUT/$map.map.json" $PHYS --set precision.adc_bits=$ab \
      --threads "$THREADS" --skip-float
    for adc in survey sar; do
      run "adc_${map}_${adc}_${ab}_sim" "$RERAM" sim --mapping "$OUT/$map.map.json" $PHYS \
        --set precision.adc_bits=$ab --set technology.adc.model=$adc
    done
  done
done

"$PY" "$ROOT/scripts/device_tables.py" "$OUT" > "$OUT/tables.md.tmp" && mv "$OUT/tables.md.tmp" "$OUT/tables.md"
cat "$OUT/tables.md"
