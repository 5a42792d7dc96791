#!/usr/bin/env bash
# A real pruned mapping in the simulator: `reram prune` (pim granularity: rows re-tiled
# through an input gather, column segments packed through output recombination) keeps
# half the crossbars of a two-layer MLP. Against the dense mapping the report must show
# the savings (crossbar, DAC, ADC, S&H energy and area) AND the overheads (index memory,
# input gather, output recombination) as their own components, and the per-crossbar
# counts must follow the mapping: only used word lines are driven and only used bit
# lines converted (checked here from the mapping file, independently of the simulator).
set -u
bin=$1 src=$2 arch=$2/arch_configs/isaac.json t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$src/tests/cli/lib/mlp.sh"
make_mlp "$t" 7 || exit 1
set -e
prune_mlp "$bin" "$t" "$arch" pim "$t/pruned.json" --report "$t/prune.json"
"$bin" sim --mapping "$t/dense.json" --arch "$arch" -q -o "$t/sd.json" 2>/dev/null
"$bin" sim --mapping "$t/pruned.json" --arch "$arch" -q -o "$t/sp.json" 2>/dev/null
# Same inputs, byte-identical report (pipelined dataflow too).
"$bin" sim --mapping "$t/pruned.json" --arch "$arch" -q -o "$t/sp2.json" 2>/dev/null
cmp -s "$t/sp.json" "$t/sp2.json" || { echo "FAIL pruned report differs between runs"; exit 1; }
"$bin" sim --mapping "$t/pruned.json" --arch "$arch" --dataflow pipelined -q -o "$t/pp1.json" 2>/dev/null
"$bin" sim --mapping "$t/pruned.json" --arch "$arch" --dataflow pipelined -q -o "$t/pp2.json" 2>/dev/null
cmp -s "$t/pp1.json" "$t/pp2.json" || { echo "FAIL pipelined report differs between runs"; exit 1; }
echo "ok   byte-identical reports"
set +e
/usr/bin/python3 - "$t" "$arch" <<'P'
import json, sys
t, arch_path = sys.argv[1], sys.argv[2]
d = json.load(open(t + "/sd.json")); s = json.load(open(t + "/sp.json")); m = json.load(open(t + "/pruned.json"))
tech = json.load(open(t + "/sd.json"))["arch"]["technology"]  # the resolved config (its technology file inlined)
fail = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: fail.append(what)
c = s["compression"]
check(c["dense_crossbars"] == 66 and d["crossbars"] == 66, "dense mapping: 4x16 + 2x1 = 66 crossbars")
check(c["occupied_crossbars"] <= 33 and c["occupied_crossbars"] >= 30, "pruned keeps ~half: %d" % c["occupied_crossbars"])
check(abs(c["compression_rate"] - 66 / c["occupied_crossbars"]) < 1e-6, "compression_rate = dense / occupied")
check(c.get("method") == "pim/magnitude" and d["compression"].get("method") == "dense", "pruning method recorded")
# Savings: every analog per-crossbar component costs less energy and area.
for k in ["crossbar", "dac", "adc", "sample_hold"]:
    check(s["energy_pj"][k] < 0.6 * d["energy_pj"][k], "saves %s energy: %.4g < %.4g" % (k, s["energy_pj"][k], d["energy_pj"][k]))
    check(s["area_mm2"][k] < 0.6 * d["area_mm2"][k], "saves %s area: %.4g < %.4g" % (k, s["area_mm2"][k], d["area_mm2"][k]))
# Overheads: components the dense mapping does not have.
for k in ["index", "input_gather", "output_recombine"]:
    check(d["energy_pj"][k] == 0 and d["area_mm2"][k] == 0, "dense has no %s cost" % k)
    check(s["energy_pj"][k] > 0 and s["area_mm2"][k] > 0, "pruned pays %s: %.4g pJ, %.4g mm2" % (k, s["energy_pj"][k], s["area_mm2"][k]))
# Only used rows are driven and used bit lines converted: recount from the mapping.
steps = 16 // 1; bpw = 16 // 2
def n(ranges): return sum(b - a for a, b in ranges)
dac = sum(steps * n(x["rows"]) for x in m["crossbars"])
adc = sum(steps * n(x["cols"]) * bpw for x in m["crossbars"])
cells = sum(steps * n(x["rows"]) * n(x["cols"]) * bpw for x in m["crossbars"])
def near(a, b): return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1)
check(near(s["energy_pj"]["dac"], dac * tech["dac"]["energy_pj"]), "DAC drives = used word lines x 16 steps")
check(near(s["energy_pj"]["adc"], adc * tech["adc"]["energy_pj"]), "conversions = used bit lines x 16 steps")
check(near(s["energy_pj"]["crossbar"], cells * tech["crossbar"]["energy_pj"]), "cell reads = used rows x used bit lines x 16")
check(near(s["area_mm2"]["crossbar"], len(m["crossbars"]) * tech["crossbar"]["area_mm2"]), "crossbar area = occupied crossbars only")
# Gather: one selection per used word line; recombination: one add per used column.
g = sum(n(x["rows"]) for x in m["crossbars"] if m["layers"][x["layer"]]["row_gather"])
r = sum(n(x["cols"]) for x in m["crossbars"] if m["layers"][x["layer"]]["col_recombine"])
check(near(s["energy_pj"]["input_gather"], g * tech["input_gather"]["energy_pj"]), "input gather actions = gathered word lines")
check(near(s["energy_pj"]["output_recombine"], r * tech["output_recombine"]["energy_pj"]), "recombination adds = recombined columns")
for L in s["layers"]:
    check(L["crossbars"] <= L["dense_crossbars"], "layer %s: %d of %d crossbars" % (L["name"], L["crossbars"], L["dense_crossbars"]))
sys.exit(1 if fail else 0)
P
