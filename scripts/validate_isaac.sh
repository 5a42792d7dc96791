#!/usr/bin/env bash
# Hardware-model validation: prints the model's figures next to the published ISAAC
# (ISCA 2016) and PUMA (ASPLOS 2019) ones (docs/validation.md, docs/simulator.md).
#   scripts/validate_isaac.sh [RERAM_BINARY]      (default: build/reram)
# Peak figures come from the `chip_peak` section every `reram sim` report carries (every
# component of the configured chip at its peak action rate); the "fill the chip" rows
# simulate a dense workload that occupies every tile, pipelined over 32 images.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reram="${1:-$root/build/reram}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ISAAC: 168 1x1 convs of exactly one tile each (tests/sim/data/isaac_fill.json).
"$reram" sim --network "$root/tests/sim/data/isaac_fill.json" --arch "$root/arch_configs/isaac.json" \
  --dataflow pipelined --batch 32 -q -o "$tmp/isaac.json" 2>/dev/null
# PUMA: a tile holds 8 cores x 16 crossbars = 128; 1x1 convs alternating 1024->256
# (8 row blocks x 16 column blocks) and 256->1024 (2 x 64) fill one tile each.
/usr/bin/python3 - "$tmp/puma_fill.json" <<'P'
import json, sys
layers = [{"name": "c%d" % i, "type": "conv", "out_channels": 256 if i % 2 == 0 else 1024, "kernel": 1, "bias": False}
          for i in range(168)]
json.dump({"name": "puma_fill", "input": {"channels": 1024, "height": 8, "width": 8}, "layers": layers},
          open(sys.argv[1], "w"))
P
"$reram" sim --network "$tmp/puma_fill.json" --arch "$root/arch_configs/puma.json" \
  --dataflow pipelined --batch 32 -q -o "$tmp/puma.json" 2>/dev/null

/usr/bin/python3 - "$tmp/isaac.json" "$tmp/puma.json" <<'P'
import json, sys
i = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
def row(what, model, published, unit, tol=None):
    err = 100.0 * (model - published) / published
    ok = "" if tol is None else ("yes" if abs(err) <= tol else "NO")
    print("| %s | %.6g | %.6g | %s | %+.1f%% | %s |" % (what, model, published, unit, err, ok))
print("| figure | model | published | unit | error | within bar |")
print("|---|---|---|---|---|---|")
ci = i["chip_peak"]
row("ISAAC IMA (PE) peak power", ci["pe"]["peak_power_mw"], 24.1, "mW")
row("ISAAC IMA (PE) area", ci["pe"]["area_mm2"], 0.0131, "mm2")
row("ISAAC tile peak power", ci["tile"]["peak_power_mw"], 330, "mW", 2)
row("ISAAC tile area", ci["tile"]["area_mm2"], 0.372, "mm2", 2)
row("ISAAC chip peak power (168 tiles + HyperTransport)", ci["chip"]["peak_power_mw"] / 1e3, 65.8, "W", 2)
row("ISAAC chip area (168 tiles + HyperTransport)", ci["chip"]["area_mm2"], 85.4, "mm2", 2)
row("ISAAC crossbars", ci["chip"]["crossbars"], 16128, "")
row("ISAAC peak throughput (16-bit)", ci["peak_tops"], 41.3, "TOPS", 2)
row("ISAAC peak TOPS/mm2", ci["peak_tops_per_mm2"], 0.48, "TOPS/mm2")
row("ISAAC peak TOPS/W", ci["peak_tops_per_w"], 0.63, "TOPS/W")
row("ISAAC fill-the-chip workload throughput (simulated)", i["tops"], 41.3, "TOPS", 10)
cp = p["chip_peak"]
tiles = cp["chip"]["tiles"]
tile_tops = cp["peak_tops"] / tiles
row("PUMA tile peak GOPS/mm2 (tile only)", 1e3 * tile_tops / cp["tile"]["area_mm2"], 577, "GOPS/mm2")
row("PUMA chip peak GOPS/mm2 (with HyperTransport)", 1e3 * cp["peak_tops_per_mm2"], 577, "GOPS/mm2")
row("PUMA tile peak GOPS/W (tile only)", 1e3 * tile_tops / (cp["tile"]["peak_power_mw"] / 1e3), 837, "GOPS/W")
row("PUMA chip peak GOPS/W (with HyperTransport)", 1e3 * cp["peak_tops_per_w"], 837, "GOPS/W")
print()
print("ISAAC fill-the-chip run: %d cycles, %.4g TOPS = %.1f%% of the model's peak %.4g TOPS, %.4g W average"
      % (i["cycles"], i["tops"], 100 * i["tops"] / ci["peak_tops"], ci["peak_tops"], i["power_mw"] / 1e3))
print("PUMA fill-the-chip run:  %d cycles, %.4g TOPS = %.1f%% of the model's peak %.4g TOPS, %.4g W average"
      % (p["cycles"], p["tops"], 100 * p["tops"] / cp["peak_tops"], cp["peak_tops"], p["power_mw"] / 1e3))
P
