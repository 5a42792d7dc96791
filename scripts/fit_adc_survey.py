#!/usr/bin/python3
"""Refits the `survey` ADC model's area regression (docs/cost-models.md, "ADC").

CiMLoop's area model (Accelergy ADC plug-in) regresses ln(area) on ln(node), ln(rate) and
ln(energy per conversion) over every converter of B. Murmann's ADC Performance Survey and
moves the intercept to the 10th percentile of the residuals ("bottom 10 % of area"). This
script repeats that fit over all converters (a check that it reproduces CiMLoop's published
coefficients) and over the single-channel SAR converters alone (ARCHITECTURE == "SAR"), the
coefficient set behind `"architecture": "sar"`.

  usage: /usr/bin/python3 scripts/fit_adc_survey.py ADCsurvey_latest.ods|.xlsx
  needs: Debian's python3-pandas, python3-numpy and (for .ods) python3-odf.
The survey is public (https://github.com/bmurmann/ADC-survey, file xls/ADCsurvey_latest.*);
it is not shipped with reram.
"""
import math
import sys

import numpy as np
import pandas as pd

QUANTILE = 0.1  # CiMLoop: the intercept at the 10th percentile of the area residuals


def load(path):
    sheets = pd.read_excel(path, sheet_name=["ISSCC", "VLSI"], engine="odf" if path.endswith(".ods") else None)
    d = pd.concat(sheets.values())
    cols = ["fs [Hz]", "AREA [mm^2]", "TECHNOLOGY", "P/fsnyq [pJ]"]
    for c in cols:
        d = d[pd.to_numeric(d[c], errors="coerce").notnull()]
        d[c] = d[c].astype(float)
    return d


def fit(d, name):
    x = np.column_stack([np.ones(len(d)), np.log(d["TECHNOLOGY"] * 1e3), np.log(d["fs [Hz]"]), np.log(d["P/fsnyq [pJ]"])])
    y = np.log(d["AREA [mm^2]"] * 1e6)
    c, *_ = np.linalg.lstsq(x, y, rcond=None)
    res = y - x @ c
    c0 = c[0] - np.quantile(res, 1 - QUANTILE)
    r2 = 1 - res.var() / y.var()
    print(f"{name}: {len(d)} converters, R^2 {r2:.3f}")
    print(f"  area_um2 = exp({c0:.6f} + {c[1]:.6f} ln T + {c[2]:.6f} ln f + {c[3]:.6f} ln energy_pj)")
    for T, f, e in [(32, 1.28e9, 1.929), (32, 1e8, 1.714), (22, 1e8, 0.847), (130, 1e9, 14.9)]:
        a = math.exp(c0 + c[1] * math.log(T) + c[2] * math.log(f) + c[3] * math.log(e))
        print(f"  T {T} nm, f {f:.3g} S/s, {e} pJ: {a:.0f} um2")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = load(sys.argv[1])
    fit(d, "all converters (CiMLoop's fit)")
    fit(d[d["ARCHITECTURE"].astype(str).str.strip() == "SAR"], "single-channel SAR converters")


if __name__ == "__main__":
    main()
