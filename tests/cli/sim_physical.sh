#!/usr/bin/env bash
# The physical cost models in a real run (arch_configs/default.json): a pruned mapping's
# crossbar-array energy falls by its share of removed cells (within 0.5%: the kept cells'
# mean conductance is the dense one up to weight sampling noise) (crossbar_rc prices
# the conductances each crossbar holds), the report records every component's model,
# parameters and resolved figures, and the sim report's per-action energies are the ones
# `reram models --arch` lists for the same config.
set -u
bin=$1 src=$2 arch=$2/arch_configs/default.json t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$src/tests/cli/lib/mlp.sh"
make_mlp "$t" 11 || exit 1
set -e
for g in pim column crossbar; do
  prune_mlp "$bin" "$t" "$arch" $g "$t/$g.json"
  "$bin" sim --mapping "$t/$g.json" --arch "$arch" -q -o "$t/s_$g.json" 2>/dev/null
done
"$bin" sim --mapping "$t/dense.json" --arch "$arch" -q -o "$t/sd.json" 2>/dev/null
"$bin" models --arch "$arch" --json > "$t/models.json"
set +e
/usr/bin/python3 - "$t" <<'P'
import json, sys
t = sys.argv[1]
fail = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: fail.append(what)
d = json.load(open(t + "/sd.json")); dm = json.load(open(t + "/dense.json"))
slices = dm["geometry"]["slices"]
def count(runs):  # index lists are stored as [start, end) runs
    return sum(e - b for b, e in runs)
def cells(m):  # cells the crossbars hold: used rows x used bit lines
    return sum(count(x["rows"]) * count(x["cols"]) * slices for x in m["crossbars"])
for g in ["pim", "column", "crossbar"]:
    s = json.load(open(t + "/s_%s.json" % g)); m = json.load(open(t + "/%s.json" % g))
    ed, ep = d["components"]["crossbar"]["dynamic_pj"], s["components"]["crossbar"]["dynamic_pj"]
    share = cells(m) / cells(dm)
    # The array energy is held cells x their mean conductance. With offset encoding the kept
    # cells' mean conductance equals the dense mean up to the sampling noise of the weights
    # (measured here: -0.04% pim/column, +0.05% crossbar grain), hence the 0.5% allowance.
    check(ep <= ed * share * 1.005,
          "%s: crossbar-array energy %.6g pJ <= dense %.6g pJ x kept cells %.5f (ratio %.5f)" % (g, ep, ed, share, ep / ed))
cm = d["cost_models"]["components"]
check(cm["crossbar"]["model"] == "crossbar_rc" and "read_pulse_ns" in cm["crossbar"]["params"],
      "report records the crossbar's model and parameters")
check(all(cm[c]["model"] != "table" for c in cm), "every component of default.json has a physical model")
mm = json.load(open(t + "/models.json"))
def same(a, b):  # reports round to 9 significant digits
    if isinstance(a, dict): return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float): return abs(a - b) <= 1e-8 * max(abs(a), abs(b))
    return a == b
check(same(mm["components"], cm), "report's cost_models == reram models --arch")
check(d["cost_models"]["read_latency_ns"] == d["arch"]["crossbar"]["read_latency_ns"] or d["arch"]["crossbar"]["read_latency_ns"] == "auto",
      "read latency resolved from the crossbar model (auto)")
# ADC energy: conversions x the resolved per-conversion figure.
conv = d["components"]["adc"]["dynamic_pj"] / cm["adc"]["energy_pj"]
check(abs(conv - round(conv)) < 1e-6 * conv, "ADC energy = whole conversions x resolved energy per conversion (%.0f)" % conv)
sys.exit(1 if fail else 0)
P
