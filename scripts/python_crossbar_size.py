#!/usr/bin/python3
"""A crossbar-size study from Python (docs/python.md): the VGG-style Fashion-MNIST net at
32x32 ... 256x256 crossbars on arch_configs/default.json, dense and column-pruned to a
quarter of its crossbars (magnitude, no fine-tuning: an energy study), simulated
cycle-level; TOPS/W of both and the converters' share of the energy against the crossbar
size, with the pruned sweet spot (best TOPS/W) marked.

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
ARCH = os.path.join(ROOT, "arch_configs/default.json")
NET = os.path.join(ROOT, "workloads/fmnist/vgg_fmnist.json")
WEIGHTS = os.path.join(ROOT, "workloads/fmnist/vgg_fmnist.npz")
rows = []
for size in (32, 64, 128, 256):
    sets = {"crossbar.rows": size, "crossbar.cols": size, "chip.tiles": "auto"}
    arch = reram.load_arch(ARCH, set=sets)
    dense = reram.map(net, arch)
    pruned, report = reram.prune(NET, ARCH, weights=WEIGHTS, set=sets, granularity="column", keep_crossbars=0.25,
                                 finetune_epochs=0, test_limit=500, threads=1)
    d, p = reram.simulate(dense, arch), reram.simulate(pruned, arch)
    conv = sum(p["energy_pj"].get(k, 0.0) for k in ("adc", "dac", "sample_hold")) / p["energy_pj"]["total"]
    rows.append((size, d["tops_per_w"], p["tops_per_w"], conv))
    print(f"{size:4d}x{size:<4d} crossbars {dense.occupied_crossbars:5d} -> {pruned.occupied_crossbars:5d}  "
          f"TOPS/W dense {d['tops_per_w']:.3f} pruned {p['tops_per_w']:.3f}  converters {100 * conv:.1f} % (pruned)")
best = max(rows, key=lambda r: r[2])
fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
ax[0].plot([r[0] for r in rows], [r[1] for r in rows], "o-", label="dense")
ax[0].plot([r[0] for r in rows], [r[2] for r in rows], "s-", label="column-pruned, 1/4 of the crossbars")
ax[0].annotate("sweet spot", (best[0], best[2]), xytext=(-30, -25), textcoords="offset points",
               arrowprops={"arrowstyle": "->"})
ax[0].set_ylabel("TOPS/W")
ax[0].legend(fontsize=8)
ax[1].plot([r[0] for r in rows], [100 * r[3] for r in rows], "s-")
ax[1].set_ylabel("ADC + DAC + S&H share of energy (%)")
for a in ax:
    a.set_xscale("log", base=2)
    a.set_xlabel("crossbar size (rows = cols)")
    a.grid(True, alpha=0.3)
fig.suptitle("VGG-style Fashion-MNIST net on arch_configs/default.json")
fig.tight_layout()
fig.savefig(out, dpi=120)
print(out)
