#!/usr/bin/env bash
# Side-by-side with MNSIM 2.0: runs reram on arch_configs/mnsim_like.json (MNSIM's default
# hardware, costed by reram's physical models) for VGG-8 and ResNet-18 at CIFAR-10 shapes on
# 32x32 ... 512x512, 64x256 and 256x64 crossbars, and prints reram's figures beside MNSIM's
# measured ones (results/peers/mnsim/mnsim.csv, measured with the commands in
# results/peers/mnsim/README.md) with the direction of each trend.
# reram runs with the pipelined dataflow: MNSIM's main.py overlaps layers by default
# (calculate_model_latency(mode=1), "inner layer pipeline"; -DisPipe turns it off). The NoC
# follows mnsim_like.json: outputs multicast and partial sums added on the way, as MNSIM's
# latency model moves one output vector between layers and merges partial sums hop by hop;
# UNICAST=1 sends them tile to tile instead (output_delivery "slice", reduction "home").
#   scripts/compare_mnsim.sh [BUILD_DIR] [OUT_DIR]
#     LIMIT=seconds per run (default 600); DATAFLOW=pipelined|layer (default pipelined);
#     VARIANT=ratio: ADCs = cols / 2 against MNSIM's "ratio" runs (default), or adc128: MNSIM's
#       stock 128 ADCs per subarray (reram: min(128, cols); more would idle);
#     UNICAST=0|1 (default 0); NOC=flow|packet: chip.noc.model (default flow; packet needs UNICAST=1);
#     NETS=mnsim: MNSIM's own VGG-8 and ResNet-18 (results/peers/mnsim/*_mnsim.json, the networks
#       its runs simulated; default), or ours: workloads/cifar10/{vgg8,resnet18}.json
set -euo pipefail
limit="${LIMIT:-600}"
noc="${NOC:-flow}"
dataflow="${DATAFLOW:-pipelined}"
variant="${VARIANT:-ratio}"
unicast="${UNICAST:-0}"
nets="${NETS:-mnsim}"
case "$nets" in mnsim|ours) ;; *) echo "compare_mnsim.sh: NETS must be mnsim or ours (got $nets)" >&2; exit 2;; esac
case "$variant" in ratio|adc128) ;; *) echo "compare_mnsim.sh: VARIANT must be ratio or adc128 (got $variant)" >&2; exit 2;; esac
if [ "$noc" = packet ] && [ "$unicast" != 1 ]; then
  echo "compare_mnsim.sh: NOC=packet needs UNICAST=1 (the packet model has no multicast or in-network reduction)" >&2
  exit 2
fi
extra=()
[ "$unicast" = 1 ] && extra=(--set 'chip.noc.output_delivery="slice"' --set 'chip.noc.reduction="home"')
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
out="${2:-$root/results/peers/mnsim}"
mkdir -p "$out"
suffix=""
[ "$variant" = adc128 ] && suffix="${suffix}_adc128"
[ "$unicast" = 1 ] && suffix="${suffix}_unicast"
[ "$noc" = packet ] && suffix="${suffix}_packet"
[ "$dataflow" = layer ] && suffix="${suffix}_layer"
[ "$nets" = ours ] && suffix="${suffix}_ournets"
csv="$out/reram_mnsim_like${suffix}.csv"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "network,xbar_rows,xbar_cols,energy_nj,area_mm2,latency_ms,crossbars,wall_s" > "$tmp/r.csv"
for net in vgg8 resnet18; do
  for shape in 32x32 64x64 128x128 256x256 512x512 64x256 256x64; do
    r=${shape%x*}; c=${shape#*x}
    adcs=$((c / 2))
    if [ "$variant" = adc128 ]; then adcs=$((c < 128 ? c : 128)); fi
    start=$(date +%s.%N)
    network="$root/results/peers/mnsim/${net}_mnsim.json"
    [ "$nets" = ours ] && network="$root/workloads/cifar10/$net.json"
    if ! timeout "$limit" "$build/reram" sim --network "$network" \
        --arch "$root/arch_configs/mnsim_like.json" --set crossbar.rows=$r --set crossbar.cols=$c \
        --set pe.adcs_per_crossbar=$adcs --set chip.noc.model="$noc" --dataflow "$dataflow" "${extra[@]}" \
        -q -o "$tmp/s.json" 2>/dev/null; then
      echo "$net,$r,$c,,,,,timeout>$limit" >> "$tmp/r.csv"
      echo "reram $net $shape: not finished within $limit s" >&2
      continue
    fi
    end=$(date +%s.%N)
    /usr/bin/python3 - "$tmp/s.json" "$net" "$r" "$c" "$(echo "$end - $start" | bc)" >> "$tmp/r.csv" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
print("%s,%s,%s,%.6g,%.6g,%.6g,%d,%.2f" % (sys.argv[2], sys.argv[3], sys.argv[4], s["energy_pj"]["total"] / 1e3,
      s["area_mm2"]["total"], s["latency_ns"] / 1e6, s["crossbars"], float(sys.argv[5])))
P
    echo "reram $net $shape done" >&2
  done
done
cp "$tmp/r.csv" "$csv"
/usr/bin/python3 - "$csv" "$root/results/peers/mnsim/mnsim.csv" "$variant" <<'P'
import csv, sys
ours = list(csv.DictReader(open(sys.argv[1])))
peer = {(r["network"], r["xbar_rows"], r["xbar_cols"]): r for r in csv.DictReader(open(sys.argv[2])) if r["variant"] == sys.argv[3]}
print("| network | crossbar | reram energy uJ | MNSIM energy uJ | ratio | reram area mm2 | MNSIM area mm2 | ratio | reram latency ms | MNSIM latency ms | ratio |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for o in ours:
    p = peer.get((o["network"], o["xbar_rows"], o["xbar_cols"]))
    if not p: continue
    if not o["energy_nj"]:
        print("| %s | %sx%s | %s | %.4g | | | %.4g | | | %.4g | |" % (o["network"], o["xbar_rows"], o["xbar_cols"], o["wall_s"],
              float(p["energy_nj"]) / 1e3, float(p["area_mm2"]), float(p["latency_ms"])))
        continue
    e, pe = float(o["energy_nj"]) / 1e3, float(p["energy_nj"]) / 1e3
    a, pa = float(o["area_mm2"]), float(p["area_mm2"])
    l, pl = float(o["latency_ms"]), float(p["latency_ms"])
    print("| %s | %sx%s | %.4g | %.4g | %.2f | %.4g | %.4g | %.2f | %.4g | %.4g | %.2f |" % (o["network"], o["xbar_rows"], o["xbar_cols"], e, pe, e / pe, a, pa, a / pa, l, pl, l / pl))
print()
for net in ("vgg8", "resnet18"):
    sq = [o for o in ours if o["network"] == net and o["xbar_rows"] == o["xbar_cols"] and o["energy_nj"]]
    sq.sort(key=lambda o: int(o["xbar_rows"]))
    for key, pkey in (("energy_nj", "energy_nj"), ("area_mm2", "area_mm2"), ("latency_ms", "latency_ms")):
        a = [float(o[key]) for o in sq]
        b = [float(peer[(net, o["xbar_rows"], o["xbar_cols"])][pkey]) for o in sq]
        d = lambda v: "".join("+" if y > x else "-" for x, y in zip(v, v[1:]))
        print("%-9s %-10s %s->512 steps: reram %s  MNSIM %s  %s" % (net, key, sq[0]["xbar_rows"], d(a), d(b),
              "agree" if d(a) == d(b) else "differ"))
P
