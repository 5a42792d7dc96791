#!/usr/bin/env bash
# `reram demo` end to end on a small data subset: writes both mappings and reports, the
# pruned mapping holds at most the budgeted share of the prunable crossbars, and the
# simulator sees its savings (fewer crossbars, less energy and area than dense).
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
"$bin" demo --root "$src" -o "$t/demo" --train-samples 256 --test-samples 64 --finetune-epochs 1 >"$t/out" 2>"$t/err" \
  || { echo "FAIL demo exited non-zero"; cat "$t/err"; exit 1; }
for f in summary.json dense.map.json pruned.map.json dense.sim.json pruned.sim.json pruned.prune.json; do
  [ -s "$t/demo/$f" ] || { echo "FAIL missing $f"; exit 1; }
done
grep -q "crossbar compression" "$t/out" || { echo "FAIL no table on stdout"; cat "$t/out"; exit 1; }
/usr/bin/python3 - "$t/demo/summary.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
d, p = s["dense"]["sim"], s["pruned"]["sim"]
assert s["reram_version"], "no version"
assert s["options"]["test_samples"] == 64, s["options"]
assert d["compression"]["occupied_crossbars"] == d["compression"]["dense_crossbars"], d["compression"]
tot = s["pruned"]["prune"]["total_prunable"]
assert tot["occupied_crossbars"] <= 0.25 * tot["dense_crossbars"] + 1e-9, tot
assert p["crossbars"] < d["crossbars"], (p["crossbars"], d["crossbars"])
assert p["energy_pj"]["total"] < d["energy_pj"]["total"], "pruned energy not lower"
assert p["area_mm2"]["total"] < d["area_mm2"]["total"], "pruned area not lower"
for k in ("dense", "pruned"):
    a = s[k]["eval"]["accuracy_on_hardware"]
    assert 0.0 <= a <= 1.0, a
print("ok demo: %d -> %d crossbars, energy %.3g -> %.3g pJ" % (d["crossbars"], p["crossbars"], d["energy_pj"]["total"], p["energy_pj"]["total"]))
P
# --network/--weights/--data: the same net given explicitly, on a generated npz data set
# (NHWC uint8, 28x28x1); a data set of the wrong shape and --weights alone are errors.
/usr/bin/python3 - "$t" <<'P'
import sys, numpy as np
t = sys.argv[1]; r = np.random.default_rng(1)
np.savez(t + "/fm.npz", x_train=r.integers(0, 256, (96, 28, 28, 1), dtype=np.uint8), y_train=r.integers(0, 10, 96),
         x_test=r.integers(0, 256, (32, 28, 28, 1), dtype=np.uint8), y_test=r.integers(0, 10, 32))
np.savez(t + "/c.npz", x_train=r.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8), y_train=r.integers(0, 10, 8),
         x_test=r.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8), y_test=r.integers(0, 10, 8))
P
"$bin" demo --root "$src" -o "$t/demo2" --network "$src/workloads/fmnist/vgg_fmnist.json" \
  --weights "$src/workloads/fmnist/vgg_fmnist.npz" --data "npz:$t/fm.npz" --train-samples 96 --test-samples 32 \
  --finetune-epochs 1 >"$t/out2" 2>"$t/err2" || { echo "FAIL demo --data npz exited non-zero"; cat "$t/err2"; exit 1; }
/usr/bin/python3 -c "
import json, sys; o = json.load(open(sys.argv[1]))['options']
assert o['data'] == 'npz:' + sys.argv[2] and o['test_samples'] == 32 and o['train_samples'] == 96, o
print('ok demo --data npz: options', o['data'], o['train_samples'], o['test_samples'])" "$t/demo2/summary.json" "$t/fm.npz" || exit 1
if "$bin" demo --root "$src" -o "$t/demo3" --data "npz:$t/c.npz" >"$t/out3" 2>"$t/err3"; then echo "FAIL wrong-shape data accepted"; exit 1; fi
grep -q "3x32x32 but network" "$t/err3" || { echo "FAIL wrong-shape error:"; cat "$t/err3"; exit 1; }
if "$bin" demo --root "$src" -o "$t/demo4" --weights "$src/workloads/fmnist/vgg_fmnist.npz" >"$t/out4" 2>"$t/err4"; then
  echo "FAIL --weights without --network accepted"; exit 1; fi
grep -q "needs --network" "$t/err4" || { echo "FAIL --weights error:"; cat "$t/err4"; exit 1; }
echo "ok demo option errors: $(cat "$t/err3")"
