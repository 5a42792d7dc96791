#!/bin/bash
# reram prune targets end to end on a tiny net: the sensitivity command (printed table +
# saved JSON, budgets met, ratio 1.0 reproduces the dense accuracy), a per-layer ratio
# JSON (only listed layers pruned), first/last layer inclusion, sensitivity-guided
# allocation, and the reorder with/without entries in PRUNE.json.
set -eu
RERAM=$1 SRC=$2
. "$SRC/tests/cli/lib/tiny_cnn.sh"
tiny_cnn_setup 8 50 c3 no --train-limit 1024 --test-limit 100 --threads 1
COMMON=(--network "$T/net.json" --weights "$T/w.npz" --arch "$SRC/arch_configs/default.json" --set crossbar.rows=64
        --set crossbar.cols=64 --test-limit 300 --train-limit 256 --threads 1 --quiet)

# Sensitivity analysis.
"$RERAM" prune "${COMMON[@]}" --granularity column --sensitivity --sensitivity-ratios 0.25,0.5,1 -o "$T/sens.json" > "$T/sens.txt"
grep -q "accuracy % at crossbar keep ratio" "$T/sens.txt" || { cat "$T/sens.txt"; exit 1; }
for l in c2 c3 fc1; do grep -q "^$l " "$T/sens.txt" || { echo "layer $l missing from the printed table"; exit 1; }; done

# Held-out split: the last 300 training images.
"$RERAM" prune "${COMMON[@]}" --granularity crossbar --sensitivity --sensitivity-ratios 0.5,1 --sensitivity-split train-tail \
  --sensitivity-samples 300 -o "$T/sens_tail.json" > /dev/null
/usr/bin/python3 - "$T/sens_tail.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["test_samples"] == 300 and s["data_split"].startswith("train tail"), (s["test_samples"], s["data_split"])
PY

# Per-layer ratios: only c3 pruned.
echo '{"c3": 0.5}' > "$T/ratios.json"
"$RERAM" prune "${COMMON[@]}" --granularity crossbar --ratios "$T/ratios.json" -o "$T/rat.json" --report "$T/r_rat.json" > /dev/null
# First and last layers included.
"$RERAM" prune "${COMMON[@]}" --granularity column --keep-crossbars 0.5 --include-first --include-last \
  -o "$T/inc.json" --report "$T/r_inc.json" > /dev/null
# Default exclusion, reorder forced off and on.
for r in off on; do
  "$RERAM" prune "${COMMON[@]}" --granularity column --keep-crossbars 0.5 --reorder $r -o "$T/re_$r.json" --report "$T/r_re_$r.json" > /dev/null
done
# Sensitivity-guided allocation meets the same global budget.
"$RERAM" prune "${COMMON[@]}" --granularity column --keep-crossbars 0.5 --allocation sensitivity --sensitivity-file "$T/sens.json" \
  -o "$T/alloc.json" --report "$T/r_alloc.json" > /dev/null

/usr/bin/python3 - "$T" <<'PY'
import json, math, sys
T = sys.argv[1]
def dense(rows, cols): return math.ceil(rows / 64) * math.ceil(cols / 16)  # 64x64, 8-bit / 2-bit: 16 logical columns
D = {"c2": dense(8 * 9, 40), "c3": dense(40 * 9, 36)}
s = json.load(open(f"{T}/sens.json"))
assert s["ratios"] == [0.25, 0.5, 1.0], s["ratios"]
names = [l["layer"] for l in s["layers"]]
assert names == ["c2", "c3", "fc1"], names
for l in s["layers"]:
    assert len(l["accuracy"]) == 3 and len(l["occupied_crossbars"]) == 3
    for r, occ in zip(s["ratios"], l["occupied_crossbars"]):
        assert occ <= max(1, math.floor(r * l["dense_crossbars"])), (l["layer"], r, occ)
    # Ratio 1.0 prunes nothing: the accuracy is the dense accuracy.
    assert abs(l["accuracy"][2] - s["dense_accuracy"]) < 1e-9, l
for name in ("c2", "c3"):
    d = next(l for l in s["layers"] if l["layer"] == name)["dense_crossbars"]
    assert d == D[name], (name, d, D[name])

r = json.load(open(f"{T}/r_rat.json"))
L = {l["layer"]: l for l in r["layers"]}
assert L["c3"]["granularity"] == "crossbar" and L["c3"]["occupied_crossbars"] <= L["c3"]["dense_crossbars"] // 2, L["c3"]
for n in ("c1", "c2", "fc1", "fc2"):
    assert L[n]["granularity"] == "dense" and L[n]["occupied_crossbars"] == L[n]["dense_crossbars"], L[n]
assert {e["layer"] for e in r["excluded"]} == {"c1", "c2", "fc1", "fc2"}, r["excluded"]

r = json.load(open(f"{T}/r_inc.json"))
L = {l["layer"]: l for l in r["layers"]}
assert all(L[n]["prunable"] and L[n]["granularity"] == "column" for n in L), L
assert r["excluded"] == []
tp = r["total_prunable"]
assert tp["dense_crossbars"] == r["total"]["dense_crossbars"]
assert tp["occupied_crossbars"] <= math.floor(0.5 * tp["dense_crossbars"]), tp

for mode, want in (("off", False), ("on", True)):
    r = json.load(open(f"{T}/r_re_{mode}.json"))
    for l in r["layers"]:
        if not l["prunable"]: continue
        assert l["reorder"] is want, (mode, l)
        k = l["reorder_kept_score"]
        assert 0 < k["without"] <= 1 + 1e-9 and 0 < k["with"] <= 1 + 1e-9, k
    assert r["options"]["reorder"] == mode
    assert r["options"]["train"]["threads"] == 1
# The with/without shares do not depend on the mode.
a = {l["layer"]: l.get("reorder_kept_score") for l in json.load(open(f"{T}/r_re_off.json"))["layers"]}
b = {l["layer"]: l.get("reorder_kept_score") for l in json.load(open(f"{T}/r_re_on.json"))["layers"]}
assert a == b, (a, b)

r = json.load(open(f"{T}/r_alloc.json"))
tp = r["total_prunable"]
assert r["options"]["allocation"] == "sensitivity"
assert tp["occupied_crossbars"] <= math.floor(0.5 * tp["dense_crossbars"]), tp
print("targets ok")
PY

# A ratios file naming no layer of the net is a one-line error.
echo '{"conv9": 0.5}' > "$T/bad.json"
if "$RERAM" prune "${COMMON[@]}" --ratios "$T/bad.json" -o "$T/x.json" 2> "$T/err.txt"; then echo "unknown layer accepted"; exit 1; fi
grep -q "no weight layer named 'conv9'" "$T/err.txt" || { cat "$T/err.txt"; exit 1; }
test "$(grep -c "error:" "$T/err.txt")" -eq 1
echo "prune_targets ok"
