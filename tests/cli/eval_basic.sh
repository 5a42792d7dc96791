#!/usr/bin/env bash
# `reram eval` end to end on a few Fashion-MNIST images: with a lossless ADC the hardware
# model must agree with the quantised reference on every image; a mapping written by
# `reram map` evaluates to the same numbers as --network; the report records the
# version and the resolved arch.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail=0
py=/usr/bin/python3
arch=$src/arch_configs/default.json
net=$src/workloads/fmnist/lenet5.json
common=(--arch "$arch" --set 'chip.tiles="auto"' --samples 40 --calibration-samples 32 --batch 16 -q)

# 9-bit ADC >= 128 rows x 3 levels x 1-bit DAC: lossless.
"$bin" eval --network "$net" --random-weights 3 "${common[@]}" --set precision.adc_bits=9 --no-shortcut -o "$t/lossless.json" \
  || { echo "FAIL lossless run"; fail=1; }
$py - "$t/lossless.json" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
res = r["result"]
assert r["reram_version"], "no version"
assert r["arch"]["precision"]["adc_bits"] == 9, r["arch"]["precision"]
assert res["samples"] == 40
for k in ("accuracy_float", "accuracy_quantized", "accuracy_on_hardware"):
    assert 0.0 <= res[k] <= 1.0, k
assert res["hardware_agrees_with_quantized"] == 1.0, res["hardware_agrees_with_quantized"]
assert res["accuracy_on_hardware"] == res["accuracy_quantized"]
assert res["model"]["adc_lossless_crossbars"] == res["model"]["crossbars"] > 0
print("ok   lossless: hw == quantised on all", res["samples"], "images")
# Measured input bit density: one entry per weight layer, a level fraction in [0, 1]
# (ReLU outputs quantised to 8 bits set far fewer than half their bits).
d = res["input_bit_density"]
names = [l["name"] for l in res["model"]["layers"]]
assert sorted(d) == sorted(names), (d, names)
assert all(0.0 <= v <= 1.0 for v in d.values()), d
print("ok   input bit density measured per layer:", {k: round(v, 3) for k, v in d.items()})
P
# ... and `reram sim --input-density` prices the reads with it (and echoes it).
"$bin" sim --network "$net" --arch "$arch" --set 'chip.tiles="auto"' --input-density "$t/lossless.json" -q -o "$t/sim_d.json" \
  2>/dev/null || { echo "FAIL sim --input-density"; fail=1; }
$py - "$t/lossless.json" "$t/sim_d.json" <<'P' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))["result"]["input_bit_density"]; s = json.load(open(sys.argv[2]))
e = s["inputs"]["input_bit_density"]
assert sorted(e) == sorted(d) and all(abs(e[k] - d[k]) <= 1e-8 for k in d), (e, d)
print("ok   sim --input-density takes the eval report")
P

# The VGG-style net on 128x128 crossbars (8-bit weights and inputs, 2-bit cells, 1-bit DAC)
# with a lossless 9-bit ADC (128 rows x 3 levels = 384 < 512), through the bit-serial path
# (--no-shortcut), both sign encodings: the hardware predictions must equal the quantised
# reference's on every one of 48 test images. Trained weights when the workload has them.
vgg=$src/workloads/fmnist/vgg_fmnist.json
if [ -f "$src/workloads/fmnist/vgg_fmnist.npz" ]; then vw=(--weights "$src/workloads/fmnist/vgg_fmnist.npz"); else vw=(--random-weights 5); fi
for enc in offset differential; do
  "$bin" eval --network "$vgg" "${vw[@]}" --arch "$arch" --set 'chip.tiles="auto"' --set precision.adc_bits=9 \
    --set crossbar.sign_encoding="$enc" --samples 48 --calibration-samples 32 --batch 16 --no-shortcut -q -o "$t/vgg_$enc.json" \
    || { echo "FAIL vgg lossless run ($enc)"; fail=1; }
  $py - "$t/vgg_$enc.json" "$enc" "${vw[0]}" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
res = r["result"]
assert r["arch"]["crossbar"]["rows"] == 128 and r["arch"]["crossbar"]["sign_encoding"] == sys.argv[2]
assert res["samples"] == 48
assert res["model"]["lossless_shortcut_allowed"] is False
assert res["hardware_agrees_with_quantized"] == 1.0, res["hardware_agrees_with_quantized"]
assert res["accuracy_on_hardware"] == res["accuracy_quantized"]
print("ok   vgg lossless (%s, %s): hw == quantised on all 48 images, accuracy %.3f"
      % (sys.argv[2], sys.argv[3].lstrip("-"), res["accuracy_on_hardware"]))
P
done

# A 3-bit ADC is lossy: the model must notice (predictions differ on some image).
"$bin" eval --network "$net" --random-weights 3 "${common[@]}" --set precision.adc_bits=3 -o "$t/lossy.json" \
  || { echo "FAIL lossy run"; fail=1; }
$py - "$t/lossy.json" <<'P' || fail=1
import json, sys
res = json.load(open(sys.argv[1]))["result"]
assert res["model"]["adc_lossless_crossbars"] == 0
assert res["hardware_agrees_with_quantized"] < 1.0, res
print("ok   lossy: agreement", res["hardware_agrees_with_quantized"])
P

# Mapping file round trip: seeded LeNet-5 weights from numpy, `reram map` writes the
# mapping (+ .npz), and `eval --mapping` must give the same accuracies as `--network --weights`.
$py - "$t/w.npz" <<'P' || fail=1
import sys, numpy as np
g = np.random.default_rng(7)
shapes = {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
          "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120), "fc2.bias": (84,),
          "fc3.weight": (10, 84), "fc3.bias": (10,)}
fan_in = lambda s: int(np.prod(s[1:])) if len(s) > 1 else 1
np.savez(sys.argv[1], **{k: (g.standard_normal(s) * (1.5 / np.sqrt(fan_in(s)) if len(s) > 1 else 0.1)).astype(np.float32)
                         for k, s in shapes.items()})
P
"$bin" map --network "$net" --weights "$t/w.npz" --arch "$arch" --set 'chip.tiles="auto"' -o "$t/m.json" -q 2>/dev/null \
  || { echo "FAIL map"; fail=1; }
"$bin" eval --mapping "$t/m.json" "${common[@]}" -o "$t/viamap.json" 2>/dev/null || { echo "FAIL eval --mapping"; fail=1; }
"$bin" eval --network "$net" --weights "$t/w.npz" "${common[@]}" -o "$t/vianet.json" 2>/dev/null || { echo "FAIL eval --network"; fail=1; }
$py - "$t/viamap.json" "$t/vianet.json" <<'P' || fail=1
import json, sys
a, b = (json.load(open(f))["result"] for f in sys.argv[1:3])
for k in ("accuracy_float", "accuracy_quantized", "accuracy_on_hardware"):
    assert a[k] == b[k], (k, a[k], b[k])
assert a["hardware_agrees_with_quantized"] == b["hardware_agrees_with_quantized"]
print("ok   mapping round trip:", {k: a[k] for k in ("accuracy_float", "accuracy_quantized", "accuracy_on_hardware")})
P
echo "$( [ $fail -eq 0 ] && echo PASS || echo FAIL )"
exit $fail
