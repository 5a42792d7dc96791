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
