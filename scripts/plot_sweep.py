#!/usr/bin/python3
"""Plots of a finished `reram sweep` directory (docs/sweeps.md).

usage: /usr/bin/python3 scripts/plot_sweep.py DIR [-o PLOTDIR] [--title TEXT]

Reads DIR/results.json and writes PNG and PDF figures to DIR/plots (or PLOTDIR):
  efficiency_vs_size     TOPS/W, area and latency versus crossbar size, one line per granularity
  efficiency_vs_aspect   the same versus aspect ratio (rows/cols)
  compression_vs_size    crossbar compression versus crossbar size
  peripheral_vs_size     share of energy in the periphery (ADC, DAC, S&H, mux, index) versus size
  adc_study              TOPS/W, peripheral share and accuracy versus ADC resolution
  accuracy_vs_energy     accuracy versus energy per inference, Pareto front marked
A figure whose axis does not vary in the sweep is skipped (and said so).
Needs Debian's matplotlib (/usr/bin/python3).
"""
import argparse
import json
import math
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MARKERS = "osD^v<>ph*"


def load_rows(d):
    path = os.path.join(d, "results.json")
    if not os.path.exists(path):
        sys.exit(f"plot_sweep: {path} not found (run `reram sweep --collect -o {d}` first)")
    with open(path) as f:
        res = json.load(f)
    rows = [r for r in res["rows"] if r.get("status") == "ok"]
    if not rows:
        sys.exit(f"plot_sweep: {path} has no finished point")
    return res, rows


def num(r, k):
    v = r.get(k)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def energy_unit(values):
    m = sorted(v for v in values if v is not None)
    med = m[len(m) // 2] if m else 1.0
    for scale, name in ((1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ")):
        if med >= scale:
            return scale, name
    return 1.0, "pJ"


def shape(r):
    return f"{int(r['xbar_rows'])}×{int(r['xbar_cols'])}"


def varying(rows, keys):
    return [k for k in keys if len({json.dumps(r.get(k)) for r in rows}) > 1]


METRIC_PREFIXES = ("energy_pj.", "area_mm2.", "energy_total_pj.")


AXES = []  # the plan's axes from results.json: {name, compound, settings, labels}


def group_key(rows, exclude):
    """Lines: one per combination of the plan's other varying axes (a compound axis such as
    "pruning" by its labels), else per granularity. Axes that move any key in `exclude`
    (the x axis) are left out."""
    if AXES:
        others = [a for a in AXES if not (set(a["settings"]) | {a["name"]}) & set(exclude)
                  and len({json.dumps(r.get(a["name"])) for r in rows}) > 1]
        names = {a["name"] for a in AXES}

        def key(r):
            parts = []
            for a in others:
                v = r.get(a["name"])
                parts.append(str(v) if a["compound"] else f"{a['name'].split('.')[-1]}={v}")
            if not any(a["compound"] for a in others) and not any(n.endswith("granularity") for n in names):
                parts.insert(0, str(r.get("granularity", "dense")))
            return ", ".join(parts) if parts else str(r.get("granularity", "dense"))
        return key
    settings = sorted({k for r in rows for k in r if "." in k and not k.startswith(METRIC_PREFIXES)})
    others = [k for k in varying(rows, settings) if k not in exclude and k != "prune.granularity"]

    def key(r):
        parts = [str(r.get("granularity", "dense"))]
        parts += [f"{k.split('.')[-1]}={r.get(k)}" for k in others]
        return ", ".join(parts)
    return key


def save(fig, outdir, name, made):
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(outdir, f"{name}.{ext}"), dpi=130, bbox_inches="tight")
    plt.close(fig)
    made.append(name)


def lines(ax, rows, xkey, ykey, key, scale=1.0, suffix="", style="-"):
    groups = {}
    for r in rows:
        x, y = num(r, xkey), num(r, ykey)
        if x is None or y is None:
            continue
        groups.setdefault(key(r), []).append((x, y / scale))
        lo, hi = num(r, ykey + "_ci95_low"), num(r, ykey + "_ci95_high")
        groups[key(r)][-1] += ((lo / scale, hi / scale) if lo is not None and hi is not None else None,)
    for i, (g, pts) in enumerate(sorted(groups.items())):
        pts.sort(key=lambda p: p[0])
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, style, marker=MARKERS[i % len(MARKERS)], label=g + suffix)
        ci = [(x, p[2]) for x, p in zip(xs, pts) if p[2] is not None]
        if ci:  # Monte-Carlo trials: the 95% interval of the mean
            ax.fill_between([c[0] for c in ci], [c[1][0] for c in ci], [c[1][1] for c in ci], alpha=0.2,
                            color=ax.get_lines()[-1].get_color())
    return len(groups)


def size_axes(ax, rows, ylabel):
    """Labels, crossbar-size ticks, grid and legend of a plot against the crossbar size."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel("crossbar size (rows×cols)")
    xticks_shapes(ax, rows, "xbar_cells")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def xticks_shapes(ax, rows, xkey):
    ticks = {}
    for r in rows:
        x = num(r, xkey)
        if x is not None:
            ticks.setdefault(x, set()).add(shape(r))
    xs = sorted(ticks)
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs)
    ax.set_xticklabels(["/".join(sorted(ticks[x])) for x in xs], rotation=30, ha="right")
    ax.minorticks_off()


def fig_vs_geometry(rows, xkey, xlabel, name, outdir, made, title):
    key = group_key(rows, exclude=["crossbar.rows", "crossbar.cols", "crossbar.shape"] + (
        ["aspect"] if xkey == "aspect_ratio" else []))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    escale, eunit = energy_unit([num(r, "energy_pj") for r in rows])
    specs = [("tops_per_w", "energy efficiency (TOPS/W)", 1.0),
             ("area_mm2", "chip area (mm²)", 1.0),
             ("latency_ns", "latency per inference (µs)", 1e3)]
    for ax, (k, lab, sc) in zip(axes, specs):
        lines(ax, rows, xkey, k, key, sc)
        ax.set_ylabel(lab)
        ax.set_xlabel(xlabel)
        xticks_shapes(ax, rows, xkey)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    save(fig, outdir, name, made)


def pareto(points):
    """Indices of points not dominated in (lower energy, higher accuracy)."""
    front = []
    for i, (e, a) in enumerate(points):
        if not any((e2 <= e and a2 >= a) and (e2 < e or a2 > a) for e2, a2 in points):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("-o", "--output", help="directory for the figures (default DIR/plots)")
    ap.add_argument("--title", help="figure title prefix (default: the plan name)")
    a = ap.parse_args()
    res, rows = load_rows(a.dir)
    AXES.extend(res.get("axes", []))
    outdir = a.output or os.path.join(a.dir, "plots")
    os.makedirs(outdir, exist_ok=True)
    title = a.title or res.get("plan_name", "sweep")
    made, skipped = [], []

    cells = {num(r, "xbar_cells") for r in rows}
    if len(cells) > 1:
        fig_vs_geometry(rows, "xbar_cells", "crossbar size (rows×cols)", "efficiency_vs_size", outdir, made,
                        f"{title}: efficiency, area and latency vs crossbar size")
        key = group_key(rows, exclude=["crossbar.rows", "crossbar.cols", "crossbar.shape"])
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        lines(ax, rows, "xbar_cells", "crossbar_compression", key)
        size_axes(ax, rows, "crossbar compression (dense / occupied crossbars)")
        ax.set_title(f"{title}: compression vs crossbar size")
        save(fig, outdir, "compression_vs_size", made)

        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        lines(ax, rows, "xbar_cells", "peripheral_energy_share", key, 0.01, suffix=": periphery")
        ax.set_prop_cycle(None)
        lines(ax, rows, "xbar_cells", "crossbar_energy_share", key, 0.01, suffix=": crossbar arrays", style="--")
        size_axes(ax, rows, "share of energy per inference (%)")
        ax.set_title(f"{title}: peripheral (ADC/DAC/S&H/mux/index) share of energy")
        save(fig, outdir, "peripheral_vs_size", made)
    else:
        skipped.append("size plots (one crossbar size)")

    if len({num(r, "aspect_ratio") for r in rows}) > 1:
        fig_vs_geometry(rows, "aspect_ratio", "crossbar shape (rows×cols), log2 aspect ratio", "efficiency_vs_aspect",
                        outdir, made, f"{title}: efficiency, area and latency vs aspect ratio")
    else:
        skipped.append("aspect-ratio plot (one aspect ratio)")

    if len({num(r, "adc_bits") for r in rows}) > 1:
        key = group_key(rows, exclude=["precision.adc_bits", "adc_bits"])
        has_acc = any(num(r, "accuracy") is not None for r in rows)
        n = 3 if has_acc else 2
        fig, axes = plt.subplots(1, n, figsize=(5 * n, 4.2))
        specs = [("tops_per_w", "energy efficiency (TOPS/W)", 1.0),
                 ("peripheral_energy_share", "peripheral share of energy (%)", 0.01)]
        if has_acc:
            specs.append(("accuracy", "accuracy on hardware (%)", 0.01))
        for ax, (k, lab, sc) in zip(axes, specs):
            lines(ax, rows, "adc_bits", k, key, sc)
            ax.set_xlabel("ADC resolution (bits)")
            ax.set_ylabel(lab)
            ax.grid(True, alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{title}: ADC resolution")
        save(fig, outdir, "adc_study", made)
    else:
        skipped.append("ADC plot (one ADC resolution)")

    acc_rows = [r for r in rows if num(r, "accuracy") is not None and num(r, "energy_pj") is not None]
    if acc_rows:
        escale, eunit = energy_unit([num(r, "energy_pj") for r in acc_rows])
        key = group_key(acc_rows, exclude=[])
        fig, ax = plt.subplots(figsize=(7, 4.8))
        groups = {}
        gkey = group_key(acc_rows, exclude=["crossbar.rows", "crossbar.cols", "crossbar.shape", "precision.adc_bits"])
        for r in acc_rows:
            groups.setdefault(gkey(r), []).append(r)
        for i, (g, rs) in enumerate(sorted(groups.items())):
            ax.scatter([num(r, "energy_pj") / escale for r in rs], [100 * num(r, "accuracy") for r in rs],
                       marker=MARKERS[i % len(MARKERS)], label=g, alpha=0.8)
            ci = [r for r in rs if num(r, "accuracy_ci95_low") is not None]
            if ci:  # Monte-Carlo trials: the 95% interval of the mean
                ys = [100 * num(r, "accuracy") for r in ci]
                ax.errorbar([num(r, "energy_pj") / escale for r in ci], ys,
                            yerr=[[y - 100 * num(r, "accuracy_ci95_low") for y, r in zip(ys, ci)],
                                  [100 * num(r, "accuracy_ci95_high") - y for y, r in zip(ys, ci)]],
                            fmt="none", ecolor="0.4", elinewidth=0.8, capsize=2)
        pts = [(num(r, "energy_pj") / escale, 100 * num(r, "accuracy")) for r in acc_rows]
        front = pareto(pts)
        ax.step([pts[i][0] for i in front], [pts[i][1] for i in front], where="post", color="k", lw=1.2,
                label="Pareto front")
        for i in front:
            short = " ".join(part.split("=", 1)[-1] for part in
                             re.split(r" (?=[A-Za-z_][\w.]*=)", acc_rows[i].get("label", "")))
            ax.annotate(short, pts[i], fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(f"energy per inference ({eunit})")
        ax.set_ylabel("accuracy (%)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(f"{title}: accuracy vs energy")
        save(fig, outdir, "accuracy_vs_energy", made)
    else:
        skipped.append("accuracy-vs-energy plot (no accuracy: hardware-only sweep)")

    for m in made:
        print(os.path.join(outdir, m + ".png"))
    for s in skipped:
        print("skipped:", s, file=sys.stderr)


if __name__ == "__main__":
    main()
