#!/usr/bin/env bash
# ISAAC from physics: arch_configs/isaac_physical.json (ISAAC's organisation at 32 nm, every
# component costed by a physical model, none from ISAAC's table) against ISAAC's published
# figures (reproduced component by component by the table config arch_configs/isaac.json).
# Prints per component and per tile: published vs physical power and area, the ratio, and
# the issue-13 bars (tile power and area within 25%, chip peak TOPS/W within 25%); then the
# same figures with the ADC costed by `sar` instead of `survey`, and with 1T1R instead of
# passive 0T1R cells, for comparison.
#   scripts/validate_isaac_physical.sh [RERAM_BINARY]      (default: build/reram)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reram="${1:-$root/build/reram}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
net="$root/tests/sim/data/isaac_fill.json"
"$reram" sim --network "$net" --arch "$root/arch_configs/isaac.json" -q -o "$tmp/pub.json" 2>/dev/null
"$reram" sim --network "$net" --arch "$root/arch_configs/isaac_physical.json" -q -o "$tmp/phy.json" 2>/dev/null
"$reram" sim --network "$net" --arch "$root/arch_configs/isaac_physical.json" --set technology.adc.model=sar \
  -q -o "$tmp/sar.json" 2>/dev/null
"$reram" sim --network "$net" --arch "$root/arch_configs/isaac_physical.json" --set device.cell_type=1t1r \
  -q -o "$tmp/t1r.json" 2>/dev/null
/usr/bin/python3 - "$tmp" <<'P'
import json, sys
t = sys.argv[1]
pub, phy, sar, t1r = (json.load(open("%s/%s.json" % (t, n)))["chip_peak"] for n in ("pub", "phy", "sar", "t1r"))
tiles = pub["chip"]["tiles"]
models = json.load(open(t + "/phy.json"))["cost_models"]["components"]
print("Per tile (168 tiles; a router counted as its share), peak power mW and area mm2:")
print("| component | model | published mW | physical mW | ratio | published mm2 | physical mm2 | ratio |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
def r(a, b): return "%.2f" % (b / a) if a > 0 else ("-" if b == 0 else "new")
for c in sorted(set(pub["components"]) | set(phy["components"])):
    a, b = pub["components"].get(c, {}), phy["components"].get(c, {})
    pa, pb = a.get("peak_power_mw", 0) / tiles, b.get("peak_power_mw", 0) / tiles
    aa, ab = a.get("area_mm2", 0) / tiles, b.get("area_mm2", 0) / tiles
    if c == "offchip_link": continue  # chip level, below
    print("| %s | %s | %.4g | %.4g | %s | %.4g | %.4g | %s |" % (c, models[c]["model"], pa, pb, r(pa, pb), aa, ab, r(aa, ab)))
def row(name, a, b, unit, bar=None):
    err = (b - a) / a * 100
    ok = "" if bar is None else ("met" if abs(err) <= bar else "NOT MET")
    print("| %s | %.4g | %.4g | %s | %+.1f%% | %s |" % (name, a, b, unit, err, ok))
for title, m in (("survey ADC (isaac_physical.json)", phy), ("sar ADC (--set technology.adc.model=sar)", sar),
                 ("1T1R cells (--set device.cell_type=1t1r)", t1r)):
    print("\n%s:" % title)
    print("| figure | published | physical | unit | error | bar 25% |")
    print("|---|---:|---:|---|---:|---|")
    row("tile peak power", pub["tile"]["peak_power_mw"], m["tile"]["peak_power_mw"], "mW", 25)
    row("tile area", pub["tile"]["area_mm2"], m["tile"]["area_mm2"], "mm2", 25)
    row("chip peak TOPS/W (with the off-chip link)", pub["peak_tops_per_w"], m["peak_tops_per_w"], "TOPS/W", 25)
    row("chip peak power", pub["chip"]["peak_power_mw"] / 1e3, m["chip"]["peak_power_mw"] / 1e3, "W")
    row("chip area", pub["chip"]["area_mm2"], m["chip"]["area_mm2"], "mm2")
    row("peak TOPS", pub["peak_tops"], m["peak_tops"], "TOPS")
P
