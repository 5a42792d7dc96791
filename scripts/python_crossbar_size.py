#!/usr/bin/python3
"""A crossbar-size study from Python (docs/python.md): the VGG-style Fashion-MNIST net mapped
densely at 32x32 ... 256x256 crossbars on arch_configs/default.json, simulated cycle-level,
and the energy efficiency and peripheral share drawn against the crossbar size.

usage: PYTHONPATH=build/python /usr/bin/python3 scripts/python_crossbar_size.py [OUT.png]
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import reram  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = sys.argv[1] if len(sys.argv) > 1 else "crossbar_size.png"
net = reram.load_network(os.path.join(ROOT, "workloads/fmnist/vgg_fmnist.json"),
                         os.path.join(ROOT, "workloads/fmnist/vgg_fmnist.npz"))
rows = []
for size in (32, 64, 128, 256):
    arch = reram.load_arch(os.path.join(ROOT, "arch_configs/default.json"),
                           set={"crossbar.rows": size, "crossbar.cols": size, "chip.tiles": "auto"})
    mapping = reram.map(net, arch)
    r = reram.simulate(mapping, arch)
    adc = r["energy_pj"].get("adc", 0.0) + r["energy_pj"].get("dac", 0.0) + r["energy_pj"].get("sample_hold", 0.0)
    rows.append((size, r["tops_per_w"], adc / r["energy_pj"]["total"], mapping.occupied_crossbars))
    print(f"{size:4d}x{size:<4d} crossbars {mapping.occupied_crossbars:5d}  TOPS/W {r['tops_per_w']:.3f}  "
          f"ADC+DAC+S&H share {100 * rows[-1][2]:.1f} %")
fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
ax[0].plot([r[0] for r in rows], [r[1] for r in rows], "o-")
ax[0].set_ylabel("TOPS/W")
ax[1].plot([r[0] for r in rows], [100 * r[2] for r in rows], "o-")
ax[1].set_ylabel("ADC + DAC + S&H share of energy (%)")
for a in ax:
    a.set_xscale("log", base=2)
    a.set_xlabel("crossbar size (rows = cols)")
    a.grid(True, alpha=0.3)
fig.suptitle("VGG-style Fashion-MNIST net, dense, arch_configs/default.json")
fig.tight_layout()
fig.savefig(out, dpi=120)
print(out)
