#!/bin/bash
# lgd (lazy and eager), admm and agp through `reram prune` on a tiny net and small data subsets: each
# must meet the crossbar budget, log its projections/updates, and (admm) leave the kept
# weights of every pruned layer on at most 2^weight_bits levels.
set -eu
RERAM=$1 SRC=$2
. "$SRC/tests/cli/lib/tiny_cnn.sh"
tiny_cnn_setup 6 40 no no --train-limit 512 --test-limit 100
COMMON=(--network "$T/net.json" --weights "$T/w.npz" --arch "$SRC/arch_configs/default.json" --set crossbar.rows=64
        --set crossbar.cols=64 --set precision.weight_bits=6 --keep-crossbars 0.3 --prune-epochs 1 --finetune-epochs 1
        --batch-size 64 --project-every 2 --train-limit 512 --test-limit 100 --quiet)
"$RERAM" prune "${COMMON[@]}" --granularity column --optimizer lgd -o "$T/lgd.json" --report "$T/r_lgd.json" > /dev/null
"$RERAM" prune "${COMMON[@]}" --granularity column --optimizer lgd --lgd-projection eager -o "$T/lgde.json" \
  --report "$T/r_lgde.json" > /dev/null
if "$RERAM" prune "${COMMON[@]}" --granularity column --optimizer lgd --lgd-projection sideways -o "$T/x.json" 2> "$T/err"; then
  echo "an unknown --lgd-projection was accepted" >&2; exit 1
fi
grep -q "lgd-projection: unknown value \"sideways\" (lazy | eager)" "$T/err" || { cat "$T/err" >&2; exit 1; }
# Every option row's range is checked, with the flag named: anneal_fraction is in (0, 1].
if "$RERAM" prune "${COMMON[@]}" --optimizer lgd --anneal-fraction 0 -o "$T/x.json" 2> "$T/err"; then
  echo "--anneal-fraction 0 was accepted" >&2; exit 1
fi
grep -q -- "--anneal-fraction must be > 0, <= 1, got 0" "$T/err" || { cat "$T/err" >&2; exit 1; }
"$RERAM" prune "${COMMON[@]}" --granularity crossbar --optimizer admm -o "$T/admm.json" --report "$T/r_admm.json" > /dev/null
"$RERAM" prune "${COMMON[@]}" --granularity row --schedule agp -o "$T/agp.json" --report "$T/r_agp.json" > /dev/null
/usr/bin/python3 - "$T" <<'PY'
import json, math, sys
import numpy as np
T = sys.argv[1]
for name, key in (("lgd", "lgd_projections"), ("lgde", "lgd_projections"), ("admm", "admm_relative_residuals"),
                  ("agp", "agp_projections")):
    r = json.load(open(f"{T}/r_{name}.json"))
    tp = r["total_prunable"]
    assert tp["occupied_crossbars"] <= math.floor(0.3 * tp["dense_crossbars"]), (name, tp)
    log = r["optimizer_log"][key]
    n = len(log) if isinstance(log, list) else log
    assert n >= 2, (name, key, log)  # 8 steps, every 2 (lgd/agp) or every 2 steps (admm: quarter epoch)
    assert len(r["optimizer_log"]["epoch_seconds"]) == 1
    assert r["accuracy"]["finetuned"] is not None
assert json.load(open(f"{T}/r_lgd.json"))["options"]["lgd_projection"] == "lazy"
assert json.load(open(f"{T}/r_lgde.json"))["options"]["lgd_projection"] == "eager"
m = json.load(open(f"{T}/admm.json"))
assert m["pruning"]["quantized"] is True
w = np.load(f"{T}/admm.npz")
# Pruned layers: c2 and fc1. Kept weights take at most 2^6 distinct values per layer
# (batchnorm-free net, so folding does not rescale them).
for layer in ("c2", "fc1"):
    key = [k for k in w.files if k.startswith(layer) and k.endswith("weight")]
    assert key, w.files
    v = w[key[0]]
    nz = np.unique(v[v != 0])
    assert 0 < len(nz) <= 64, (layer, len(nz))
print("optimizers ok")
PY
echo "prune_optimizers ok"
