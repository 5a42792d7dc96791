#!/usr/bin/env bash
# Side-by-side with NeuroSim V1.4: reram on NeuroSim's default device and circuit choices
# (22 nm, 1T1R, 100 kOhm / 1.7 MOhm, 0.55 V reads, 1-bit cells, 5-bit SAR ADCs shared by 8
# columns; arch_configs/default.json otherwise) for VGG-8 at CIFAR-10 shapes on 32x32 ...
# 512x512 subarrays, beside NeuroSim's figures (results/peers/neurosim/neurosim.csv, measured
# with the commands in results/peers/neurosim/README.md). NeuroSim runs its default pipeline
# mode (Param.cpp `pipeline = true`) and reports the per-image pipeline cycle (1/FPS), so
# reram runs the pipelined dataflow and reports the same quantity: the steady-state interval
# between images, (latency of 4 images - latency of 2) / 2, beside one image's latency.
#   scripts/compare_neurosim.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
out="${2:-$root/results/peers/neurosim}"
mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "subarray,energy_per_image_uj,area_mm2,latency_us,interval_us" > "$tmp/r.csv"
for n in 32 64 128 256 512; do
  for b in 1 2 4; do
    "$build/reram" sim --network "$root/workloads/cifar10/vgg8.json" --arch "$root/arch_configs/default.json" \
      --set technology_nm=22 --set device.r_on_ohm=100000 --set device.r_off_ohm=1700000 \
      --set device.v_read=0.55 --set crossbar.cell_bits=1 --set precision.adc_bits=5 \
      --set technology.adc.model=sar --set pe.adc_latency_ns=auto --set pe.adcs_per_crossbar=$((n / 8)) \
      --set crossbar.rows=$n --set crossbar.cols=$n --set chip.tiles=auto \
      --dataflow pipelined --batch $b -q -o "$tmp/b$b.json" 2>/dev/null
  done
  /usr/bin/python3 - "$tmp" "$n" >> "$tmp/r.csv" <<'P'
import json, sys
d, n = sys.argv[1], sys.argv[2]
r1, r2, r4 = (json.load(open("%s/b%d.json" % (d, b))) for b in (1, 2, 4))
print("%s,%.6g,%.6g,%.6g,%.6g" % (n, r1["energy_pj"]["total"] / 1e6, r1["area_mm2"]["total"], r1["latency_ns"] / 1e3,
                                  (r4["latency_ns"] - r2["latency_ns"]) / 2e3))
P
  echo "reram ${n}x${n} done" >&2
done
cp "$tmp/r.csv" "$out/reram_neurosim_like.csv"
/usr/bin/python3 - "$out/reram_neurosim_like.csv" "$root/results/peers/neurosim/neurosim.csv" <<'P'
import csv, sys
ours = list(csv.DictReader(open(sys.argv[1])))
peer = {r["subarray"]: r for r in csv.DictReader(open(sys.argv[2]))}
print("| subarray | reram energy µJ | NeuroSim energy µJ | ratio | reram area mm² | NeuroSim area mm² | "
      "reram interval µs | NeuroSim interval µs | ratio | reram one image µs |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
rows = []
for o in ours:
    p = peer[o["subarray"]]
    e, pe = float(o["energy_per_image_uj"]), float(p["total_energy_pJ"]) / 1e6
    a, pa = float(o["area_mm2"]), float(p["chip_area_um2"]) / 1e6
    i, pi = float(o["interval_us"]), float(p["latency_per_image_ns"]) / 1e3
    rows.append((e, pe, a, pa, i, pi))
    print("| %sx%s | %.1f | %.2f | %.1f | %.2f | %.1f | %.1f | %.1f | %.2f | %.1f |" % (
        o["subarray"], o["subarray"], e, pe, e / pe, a, pa, i, pi, i / pi, float(o["latency_us"])))
print()
d = lambda v: "".join("+" if y > x * 1.01 else "-" if y < x * 0.99 else "=" for x, y in zip(v, v[1:]))
for k, name in ((0, "energy"), (2, "area"), (4, "interval")):
    a, b = [r[k] for r in rows], [r[k + 1] for r in rows]
    print("%-9s 32->512 steps (= within 1 %%): reram %s  NeuroSim %s" % (name, d(a), d(b)))
P
