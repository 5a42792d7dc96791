#!/usr/bin/env python3
"""Tables of scripts/device_study.sh (issue 18) from its result files, as markdown.

usage: scripts/device_tables.py OUT
"""
import json
import os
import sys


def load(out, name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def pct(x):
    return f"{100 * x:.2f}"


def main():
    out = sys.argv[1]
    times = [0, 100, 10000, 1000000, 100000000]
    print("### Drift (ν mean 0.02, σ 0.01; t0 = 1 s)\n")
    print("hardware accuracy (%) per seed, without / with global drift compensation\n")
    print("| time_s | " + " | ".join(f"seed {s} raw | seed {s} comp." for s in (1, 2, 3)) + " |")
    print("|---:|" + "---:|" * 6)
    for t in times:
        cells = []
        for s in (1, 2, 3):
            for comp in ("false", "true"):
                r = load(out, f"drift_s{s}_t{t}_comp{comp}")
                cells.append(pct(r["result"]["accuracy_on_hardware"]) if r else "–")
        print(f"| {t:g} | " + " | ".join(cells) + " |")
    # Monotonicity, checked per seed and mode.
    verdict = []
    for s in (1, 2, 3):
        for comp in ("false", "true"):
            accs = [load(out, f"drift_s{s}_t{t}_comp{comp}") for t in times]
            if all(accs):
                a = [r["result"]["accuracy_on_hardware"] for r in accs]
                verdict.append(all(x >= y for x, y in zip(a, a[1:])))
    print(f"\nnon-increasing with time in {sum(verdict)} of {len(verdict)} (seed, mode) series\n")

    print("### Write-verify (programming error σ 0.04 of the conductance range per pulse, limit 100 pulses)\n")
    print("| tolerance | residual error RMS | pulses / cell (model) | pulses / cell (sim, expected) "
          "| programming energy (µJ) | programming time (ms) | accuracy (%) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for tol in ("0", "0.05", "0.02", "0.01", "0.005"):
        e, s = load(out, f"wv_tol{tol}"), load(out, f"wv_tol{tol}_sim")
        if not e or not s:
            continue
        p, q = e["result"]["model"]["programming"], s["programming"]
        print(f"| {'none (one pulse)' if tol == '0' else tol} | {p['residual_error_rms']:.4f} | "
              f"{p['pulses_per_cell']:.3f} | {q['pulses_per_cell']:.3f} | {q['energy_pj'] / 1e6:.3f} | "
              f"{q['time_ns'] / 1e6:.3f} | {pct(e['result']['accuracy_on_hardware'])} |")

    print("\n### Monte-Carlo (20 chip instances)\n")
    print("| setting | mean (%) | std (points) | 95% interval (%) | min – max (%) |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("mc_variation", "variation σ 0.05"), ("mc_stuck", "stuck-off 0.5 %")):
        r = load(out, name)
        if not r:
            continue
        t = r["result"]["trials"]
        a = t["accuracy_on_hardware"]
        print(f"| {label} | {pct(t['mean'])} | {100 * t['std']:.2f} | [{pct(t['ci95'][0])}, {pct(t['ci95'][1])}] | "
              f"{pct(min(a))} – {pct(max(a))} |")

    print("\n### ADCs sized per crossbar (arch_configs/isaac_physical.json, 8-bit weights and inputs)\n")
    print("| mapping | ADC model | crossbars by resolution | ADC energy saved | ADC area saved "
          "| total energy uniform → sized (µJ) | accuracy uniform / sized (%) |")
    print("|---|---|---|---:|---:|---:|---:|")
    for m in ("dense", "column_k0.25"):
        eu, ep = load(out, f"adc_{m}_auto_eval"), load(out, f"adc_{m}_per_crossbar_eval")
        acc = (f"{pct(eu['result']['accuracy_on_hardware'])} / {pct(ep['result']['accuracy_on_hardware'])}"
               if eu and ep else "–")
        for adc in ("survey", "sar"):
            u, p = load(out, f"adc_{m}_{adc}_auto_sim"), load(out, f"adc_{m}_{adc}_per_crossbar_sim")
            if not u or not p:
                continue
            s = p["adc_sizing"]
            hist = ", ".join(f"{k} b: {v}" for k, v in sorted(s["crossbars_by_adc_bits"].items(), key=lambda i: int(i[0])))
            print(f"| {m} | {adc} | {hist} (uniform {s['uniform_adc_bits']} b) | {100 * s['adc_energy_saving']:.1f} % | "
                  f"{100 * s['adc_area_saving']:.1f} % | {u['energy_pj']['total'] / 1e6:.3f} → "
                  f"{p['energy_pj']['total'] / 1e6:.3f} | {acc} |")


if __name__ == "__main__":
    main()
