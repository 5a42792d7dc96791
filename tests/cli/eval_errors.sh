#!/usr/bin/env bash
# `reram eval` on bad input: one-line error naming the problem, non-zero exit.
set -u
bin=$1; src=$2
. "$src/tests/cli/lib/expect_error.sh"  # also makes $t and sets fail=0
arch=$src/arch_configs/default.json
/usr/bin/python3 - "$t/w.npz" <<'P'
import sys, numpy as np
g = np.random.default_rng(1)
shapes = {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
          "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120), "fc2.bias": (84,),
          "fc3.weight": (10, 84), "fc3.bias": (10,)}
np.savez(sys.argv[1], **{k: g.standard_normal(s).astype(np.float32) for k, s in shapes.items()})
P
"$bin" map --network "$src/workloads/fmnist/lenet5.json" --weights "$t/w.npz" --arch "$arch" --set 'chip.tiles="auto"' -o "$t/m.json" -q 2>/dev/null || { echo "FAIL map"; fail=1; }
net=$src/workloads/fmnist/lenet5.json
# A 9-bit ADC keeps the arch free of the lossy-ADC warning, so stderr holds only the error.
r=(--network "$net" --random-weights 1 --arch "$arch" --set 'chip.tiles="auto"' --set precision.adc_bits=9 --samples 4 --calibration-samples 4)
expect_error adc-zero "adc_bits" "$bin" eval "${r[@]}" --set precision.adc_bits=0
expect_error on-off-ratio "g_max_us" "$bin" eval "${r[@]}" --set crossbar.g_max_us=0.5
expect_error on-off-ratio-one "on/off ratio" "$bin" eval "${r[@]}" --set crossbar.g_max_us=1.0
expect_error negative-read-noise "read_noise_sigma" "$bin" eval "${r[@]}" --set nonideal.read_noise_sigma=-0.01
expect_error negative-ir-drop "ir_drop" "$bin" eval "${r[@]}" --set nonideal.ir_drop=-0.1
expect_error negative-sigma "variation_sigma" "$bin" eval "${r[@]}" --set nonideal.variation_sigma=-0.1
expect_error stuck-rate "stuck_on_rate" "$bin" eval "${r[@]}" --set nonideal.stuck_on_rate=1.2
expect_error adc-range "adc_range" "$bin" eval "${r[@]}" --set nonideal.adc_range=auto
expect_error adc-per-column "per_crossbar" "$bin" eval "${r[@]}" --set precision.adc_bits=per_column
expect_error per-crossbar-calibrated "adc_range" "$bin" eval "${r[@]}" --set precision.adc_bits=per_crossbar --set nonideal.adc_range=calibrated
expect_error negative-drift "drift_nu_mean" "$bin" eval "${r[@]}" --set nonideal.drift_nu_mean=-0.1
expect_error zero-t0 "drift_t0_s" "$bin" eval "${r[@]}" --set nonideal.drift_t0_s=0
expect_error pulse-limit "write_verify_max_pulses" "$bin" eval "${r[@]}" --set nonideal.write_verify_max_pulses=0
expect_error negative-program-sigma "program_sigma" "$bin" eval "${r[@]}" --set nonideal.program_sigma=-1
expect_error zero-trials "--trials" "$bin" eval "${r[@]}" --trials 0
expect_error unknown-nonideal "unknown key" "$bin" eval "${r[@]}" --set nonideal.variation=0.1
a9=(--arch "$arch" --set 'chip.tiles="auto"' --set precision.adc_bits=9)
expect_error no-weights "weights" "$bin" eval --network "$net" "${a9[@]}" --samples 4
expect_error both-inputs "exactly one" "$bin" eval --network "$net" --mapping "$t/m.json" "${a9[@]}"
expect_error missing-mapping "nope.json" "$bin" eval --mapping "$t/nope.json" "${a9[@]}"
expect_error geometry-mismatch "re-map" "$bin" eval --mapping "$t/m.json" "${a9[@]}" --set crossbar.rows=64
expect_error bad-samples "must be >= 0" "$bin" eval --network "$net" --random-weights 1 "${a9[@]}" --samples -3
expect_error bad-data "not found" "$bin" eval "${r[@]}" --data "$t/nodata"
echo "$( [ $fail -eq 0 ] && echo PASS || echo FAIL )"
exit $fail
