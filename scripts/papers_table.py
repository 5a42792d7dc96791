#!/usr/bin/env python3
"""Tables of the reproduction packs (docs/papers.md) from finished sweeps.

    scripts/papers_table.py RUNS_DIR [OUT.md]

RUNS_DIR holds one sweep output directory per pack (runs/papers/liang2018, ...), each with
its results.csv (`reram sweep --plan workloads/papers/<pack>/<plan>.json -o RUNS_DIR/<pack>`).
Points that differ only in `prune.seed` form one row: mean and sample standard deviation
over the seeds of the fine-tuned software test accuracy and its loss against the dense
net, the compression of the prunable layers' crossbars, energy per inference and TOPS/W
from the simulator. Written to OUT.md (default: stdout) and, per pack, as CSV beside
results.csv (papers_table.csv).
"""
import csv
import math
import os
import sys


def mean_sd(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    return m, sd


def num(row, key):
    try:
        v = float(row.get(key, ""))
        return v if math.isfinite(v) else None
    except ValueError:
        return None


def fmt(m, sd, scale=1.0, digits=2):
    if m is None:
        return "—"
    return "%.*f ± %.*f" % (digits, m * scale, digits, sd * scale)


def pack_table(path):
    rows = list(csv.DictReader(open(os.path.join(path, "results.csv"))))
    groups = {}
    order = []
    for r in rows:
        if (r.get("status") or "ok") != "ok":
            continue
        label = " ".join(p for p in r["label"].split() if not p.startswith("prune.seed="))
        if label not in groups:
            groups[label] = []
            order.append(label)
        groups[label].append(r)
    out = []
    lines = [
        "| point | seeds | compression (prunable) | test accuracy % | loss vs dense (points) | energy µJ | TOPS/W |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in order:
        g = groups[label]
        accs = [num(r, "accuracy_software_finetuned") for r in g]
        acc = mean_sd(accs)
        dense = mean_sd([num(r, "accuracy_software_dense") for r in g])[0]
        loss = mean_sd([dense - a if dense is not None and a is not None else None for a in accs])
        comp = mean_sd([num(r, "prunable_crossbar_compression") for r in g])
        energy = mean_sd([num(r, "energy_pj") for r in g])
        tops = mean_sd([num(r, "tops_per_w") for r in g])
        lines.append("| %s | %d | %s× | %s | %s | %s | %s |" % (
            label.replace("prune.", ""), len(g), fmt(*comp), fmt(*acc, scale=100), fmt(*loss, scale=100),
            fmt(*energy, scale=1e-6, digits=3), fmt(*tops)))
        out.append({"point": label, "seeds": len(g), "compression_mean": comp[0], "compression_sd": comp[1],
                    "test_accuracy_mean": acc[0], "test_accuracy_sd": acc[1], "loss_points_mean": loss[0] * 100 if loss[0] is not None else None,
                    "loss_points_sd": loss[1] * 100 if loss[1] is not None else None, "energy_pj_mean": energy[0],
                    "energy_pj_sd": energy[1], "tops_per_w_mean": tops[0], "tops_per_w_sd": tops[1],
                    "dense_test_accuracy": dense})
    tmp = os.path.join(path, "papers_table.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0].keys()) if out else ["point"])
        w.writeheader()
        w.writerows(out)
    os.replace(tmp, os.path.join(path, "papers_table.csv"))
    dense = next((num(r, "accuracy_software_dense") for r in rows if num(r, "accuracy_software_dense") is not None), None)
    head = "### %s\n\nDense test accuracy %s %%; %d points.\n\n" % (
        os.path.basename(os.path.normpath(path)), "%.2f" % (100 * dense) if dense is not None else "—", len(rows))
    return head + "\n".join(lines) + "\n"


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = sys.argv[1]
    packs = sorted(d for d in os.listdir(runs) if os.path.exists(os.path.join(runs, d, "results.csv")))
    if not packs:
        print("%s: no sweep with a results.csv below it" % runs, file=sys.stderr)
        return 1
    text = "\n".join(pack_table(os.path.join(runs, d)) for d in packs)
    if len(sys.argv) > 2:
        tmp = sys.argv[2] + ".tmp"
        open(tmp, "w").write(text)
        os.replace(tmp, sys.argv[2])
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
