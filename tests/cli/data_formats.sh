#!/usr/bin/env bash
# --data beyond Fashion-MNIST on files generated here in the exact formats (no download):
# CIFAR-10 binary batches train and evaluate a tiny 3x32x32 net; an npz data set evaluates;
# bad data sets are one-line errors naming the file and the problem.
set -u
bin=$1; src=$2
. "$src/tests/cli/lib/expect_error.sh"  # also makes $t and sets fail=0
EXPECT_ONE_LINE=warnings
mkdir -p "$t/c10/cifar-10-batches-bin"
/usr/bin/python3 - "$t" <<'P'
import sys, numpy as np
t = sys.argv[1]
g = np.random.default_rng(3)
def batch(n, seed):
    r = np.random.default_rng(seed)
    labels = r.integers(0, 10, n).astype(np.uint8)
    # Class-dependent images: a learnable signal (mean level of one channel per class).
    img = r.integers(0, 64, (n, 3, 32, 32)).astype(np.int32)
    for i, l in enumerate(labels):
        img[i, l % 3] += 20 * (l // 3 + 1)
    return labels, np.clip(img, 0, 255).astype(np.uint8)
for k in range(1, 6):
    l, x = batch(40, k)
    np.concatenate([l[:, None], x.reshape(40, -1)], axis=1).tofile(f"{t}/c10/cifar-10-batches-bin/data_batch_{k}.bin")
l, x = batch(40, 9)
np.concatenate([l[:, None], x.reshape(40, -1)], axis=1).tofile(f"{t}/c10/cifar-10-batches-bin/test_batch.bin")
# The same test images as an npz data set, NHWC uint8.
np.savez(f"{t}/d.npz", x_train=x.transpose(0, 2, 3, 1), y_train=l.astype(np.int64),
         x_test=x.transpose(0, 2, 3, 1), y_test=l.astype(np.int64))
np.savez(f"{t}/bad_labels.npz", x_train=x, y_train=(l + 10).astype(np.int64), x_test=x, y_test=l.astype(np.int64))
np.savez(f"{t}/gray.npz", x_train=x[:, 0], y_train=l.astype(np.int64), x_test=x[:, 0], y_test=l.astype(np.int64))
P
cat > "$t/net.json" <<'J'
{"name": "tiny_cifar", "input": {"channels": 3, "height": 32, "width": 32},
 "layers": [{"name": "conv1", "type": "conv", "out_channels": 8, "kernel": 3, "stride": 2, "padding": 1},
            {"name": "relu1", "type": "relu"},
            {"name": "pool", "type": "avgpool", "kernel": 4, "stride": 4},
            {"name": "flat", "type": "flatten"},
            {"name": "fc", "type": "linear", "out_features": 10}]}
J
arch=(--arch "$src/arch_configs/default.json" --set 'chip.tiles="auto"' --set precision.adc_bits=9)
if "$bin" train --network "$t/net.json" --data "cifar10:$t/c10" --epochs 2 --batch-size 20 --augment --augment-pad 4 \
    --threads 1 --quiet -o "$t/w.npz" --report "$t/train.json" >"$t/out" 2>"$t/err"; then
  echo "ok   train on cifar10: $(cat "$t/out")"
else
  echo "FAIL train on cifar10"; cat "$t/err"; fail=1
fi
/usr/bin/python3 - "$t/train.json" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["train_size"] == 200 and r["test_size"] == 40, r
assert r["data"].startswith("cifar10:"), r["data"]
assert len(r["normalisation"]["mean"]) == 3 and r["options"]["augment_pad"] == 4, r
print("ok   train report: 200 train / 40 test images, per-channel normalisation", r["normalisation"]["mean"])
P
# The npz copy of the test split gives the same accuracies as the CIFAR files... except
# for normalisation: its statistics come from its own x_train (the test images). Compare
# against the CIFAR test split only through the counts.
for d in "cifar10:$t/c10" "npz:$t/d.npz"; do
  if "$bin" eval --network "$t/net.json" --weights "$t/w.npz" "${arch[@]}" --data "$d" --threads 1 \
      --calibration-samples 20 -q -o "$t/e.json" 2>"$t/err"; then
    /usr/bin/python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); assert r['result']['samples']==40, r['result']['samples']
assert r['inputs']['data']==sys.argv[2]; print('ok   eval on', sys.argv[2].split(':')[0], 'accuracy', r['result']['accuracy_on_hardware'])" "$t/e.json" "$d" || fail=1
  else
    echo "FAIL eval on $d"; cat "$t/err"; fail=1
  fi
done
expect_error shape-mismatch "are 1x32x32 but network 'lenet5' takes" \
  "$bin" eval --network "$src/workloads/fmnist/lenet5.json" --random-weights 1 "${arch[@]}" --data "npz:$t/gray.npz" --samples 4
expect_error labels-vs-outputs "labels go up to 19 but network 'tiny_cifar' has 10 outputs" \
  "$bin" eval --network "$t/net.json" --random-weights 1 "${arch[@]}" --data "npz:$t/bad_labels.npz" --samples 4
expect_error missing-dir "not found" "$bin" train --network "$t/net.json" --data "cifar10:$t/none" -o "$t/x.npz"
# Training recipes: the shipped ones parse and resolve (epochs 0: evaluate only), the
# command line overrides a recipe, and a bad recipe is a one-line error naming it.
for n in resnet20 resnet18 vgg8; do
  if "$bin" train --recipe "$src/workloads/cifar10/$n.recipe.json" --data "cifar10:$t/c10" --epochs 0 --train-limit 20 \
      --test-limit 20 --threads 1 --quiet -o "$t/$n.npz" --report "$t/$n.json" >/dev/null 2>"$t/err"; then
    /usr/bin/python3 - "$t/$n.json" "$src/workloads/cifar10/$n.recipe.json" <<'P' || fail=1
import json, sys
r, rec = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
o = r["options"]
assert o["epochs"] == 0, o  # the command line wins
for k, v in rec["train"].items():
    if k != "epochs":
        assert o[k] == v, (k, o[k], v)
assert r["recipe"]["contents"] == rec and r["network_name"]
print("ok   recipe", rec["name"], "resolved:", {k: o[k] for k in ("lr", "schedule", "milestones", "augment_pad")})
P
  else
    echo "FAIL recipe $n"; cat "$t/err"; fail=1
  fi
done
echo '{"format": "reram-recipe", "network": "net.json", "train": {"epochs": 1, "lr_max": 2}}' > "$t/bad.recipe.json"
expect_error recipe-unknown-option "bad.recipe.json: unknown option 'train.lr_max'" \
  "$bin" train --recipe "$t/bad.recipe.json" --data "cifar10:$t/c10" -o "$t/x.npz"
echo '{"format": "reram-recipe", "network": "net.json", "train": {"epochs": "ten"}}' > "$t/bad2.recipe.json"
expect_error recipe-type "'train.epochs' has the wrong type" "$bin" train --recipe "$t/bad2.recipe.json" --data "cifar10:$t/c10" -o "$t/x.npz"
expect_error milestones "--milestones: 'x' is not a whole number" \
  "$bin" train --network "$t/net.json" --data "cifar10:$t/c10" --schedule multistep --milestones 3,x -o "$t/x.npz"
expect_error multistep-empty "multistep schedule needs milestones" \
  "$bin" train --network "$t/net.json" --data "cifar10:$t/c10" --schedule multistep --epochs 1 -o "$t/x.npz"
head -c 5000 "$t/c10/cifar-10-batches-bin/test_batch.bin" > "$t/trunc"; mv "$t/trunc" "$t/c10/cifar-10-batches-bin/test_batch.bin"
expect_error truncated "test_batch.bin: 5000 bytes is not a whole number of 3073-byte records" \
  "$bin" eval --network "$t/net.json" --random-weights 1 "${arch[@]}" --data "cifar10:$t/c10" --samples 4
expect_error unknown-kind "unknown data set kind 'cifar1000'" \
  "$bin" eval --network "$t/net.json" --random-weights 1 "${arch[@]}" --data "cifar1000:$t/c10" --samples 4
exit $fail
