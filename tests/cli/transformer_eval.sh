#!/usr/bin/env bash
# The shipped small ViT (workloads/fmnist/vit_fmnist.{json,npz}) end to end: with a
# lossless ADC the hardware model agrees with the quantised reference on every image and
# stays within a point of the float model; `reram sim` runs it with the attention products
# on either implementation and reports both.
set -u
bin=$1 src=$2 net=$2/workloads/fmnist/vit_fmnist.json arch=$2/arch_configs/default.json py=/usr/bin/python3
. "$src/tests/cli/lib/expect_error.sh"  # the scratch directory $t and fail=0
"$bin" eval --network "$net" --weights "$src/workloads/fmnist/vit_fmnist.npz" --arch "$arch" \
  --set precision.adc_bits=auto --samples 500 --threads 1 -q -o "$t/eval.json" || { echo "FAIL eval"; fail=1; }
$py - "$t/eval.json" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["result"]
assert r["samples"] == 500
assert r["hardware_agrees_with_quantized"] == 1.0, r["hardware_agrees_with_quantized"]
assert r["accuracy_on_hardware"] >= r["accuracy_float"] - 0.01, (r["accuracy_on_hardware"], r["accuracy_float"])
assert r["accuracy_float"] > 0.8, r["accuracy_float"]  # trained, not chance
print("ok   vit_fmnist on hardware: %.1f %% (float %.1f %%), hw == quantised on all 500" %
      (100 * r["accuracy_on_hardware"], 100 * r["accuracy_float"]))
P
for mode in digital crossbar; do
  "$bin" sim --network "$net" --arch "$arch" --set chip.dynamic_products=$mode -q -o "$t/$mode.json" 2>/dev/null \
    || { echo "FAIL sim $mode"; fail=1; }
done
$py - "$t/digital.json" "$t/crossbar.json" <<'P' || fail=1
import json, sys
d, x = (json.load(open(p)) for p in sys.argv[1:3])
assert d["dynamic_products"]["mode"] == "digital" and x["dynamic_products"]["mode"] == "crossbar"
assert d["dynamic_products"]["crossbar_energy_pj"] == x["dynamic_products"]["crossbar_energy_pj"]
assert d["components"]["matmul"]["dynamic_pj"] > 0 and x["components"]["matmul"]["dynamic_pj"] == 0
assert x["components"]["cell_write"]["dynamic_pj"] > 0
print("ok   sim: products digital %.0f pJ, on crossbars %.0f pJ" %
      (d["dynamic_products"]["digital_energy_pj"], d["dynamic_products"]["crossbar_energy_pj"]))
P
exit $fail
