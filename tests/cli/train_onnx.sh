#!/usr/bin/env bash
# Imported ONNX weights are fine-tuned the same way as the project's own networks: a small CNN
# exported by torch (BatchNorm, Flatten, Gemm) starts from its ONNX initialisers (chance
# accuracy), one epoch on a Fashion-MNIST subset lifts it well above chance, and the trained
# .npz is accepted back by `reram eval --network model.onnx --weights`.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if ! /usr/bin/python3 -c "import torch, onnx" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks torch/onnx (python3-torch, python3-onnx); cannot export the model"; exit 0
fi
/usr/bin/python3 - "$t/m.onnx" <<'P' || { echo "FAIL export"; exit 1; }
import sys, torch, torch.nn as nn
torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1, 8, 5, stride=2), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(8 * 6 * 6, 32), nn.ReLU(), nn.Linear(32, 10)).eval()
torch.onnx.export(m, torch.zeros(1, 1, 28, 28), sys.argv[1], opset_version=13)
P
fail=0
"$bin" train --network "$t/m.onnx" --data fashion-mnist --epochs 0 --test-limit 500 --threads 1 --quiet \
  -o "$t/w0.npz" --report "$t/r0.json" >/dev/null 2>"$t/err0" || { echo "FAIL evaluate-only run"; cat "$t/err0"; exit 1; }
"$bin" train --network "$t/m.onnx" --data fashion-mnist --epochs 1 --train-limit 4096 --test-limit 500 --lr 0.05 \
  --threads 1 --quiet -o "$t/w1.npz" --report "$t/r1.json" >/dev/null 2>"$t/err1" || { echo "FAIL fine-tune"; cat "$t/err1"; exit 1; }
/usr/bin/python3 - "$t/r0.json" "$t/r1.json" <<'P' || fail=1
import json, sys
def final(p):
    r = json.load(open(p))
    for k in ("test_accuracy", "final_test_accuracy"):
        if k in r: return r[k]
    return r["epochs"][-1]["test_accuracy"] if r.get("epochs") else r["initial_test_accuracy"]
a0, a1 = final(sys.argv[1]), final(sys.argv[2])
print(f"onnx weights: {a0:.3f} before, {a1:.3f} after one epoch")
assert json.load(open(sys.argv[2]))["initial_weights"] == "network", "did not start from the ONNX initialisers"
assert a0 < 0.3, f"untrained ONNX model already at {a0}"
assert a1 > 0.6, f"fine-tuning from ONNX weights reached only {a1}"
P
"$bin" eval --network "$t/m.onnx" --weights "$t/w1.npz" --arch "$src/arch_configs/default.json" --set precision.adc_bits=9 \
  --data fashion-mnist --samples 64 -o "$t/e.json" >/dev/null 2>"$t/erre" || { echo "FAIL eval of the fine-tuned ONNX weights"; cat "$t/erre"; fail=1; }
exit $fail
