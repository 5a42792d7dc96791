#!/bin/bash
# The pruning study behind docs/pruning.md: the trained VGG-style Fashion-MNIST net
# pruned with every granularity at several crossbar budgets and crossbar sizes, the
# unstructured baseline at the same weight sparsity, lgd/admm against one-shot
# magnitude, and input reorder on/off. Every run writes its PRUNE.json into OUT; a run
# whose report exists is skipped (the study resumes), and the tables are rebuilt from
# all reports at the end (OUT/tables.md).
#   usage: scripts/prune_study.sh [OUT] [PHASES]     PHASES: any of main sizes optim reorder (default all)
#   env:   RERAM (binary), NET, WEIGHTS, FT_EPOCHS (1), PRUNE_EPOCHS (1), TRAIN_LIMIT (10000),
#          TEST_LIMIT (2000), LR (0.01), KEEPS ("0.25 0.167 0.125")
# Long: run it in the background (nohup) on an otherwise quiet machine.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/results/prune_study}
PHASES=${2:-"main sizes optim reorder"}
RERAM=${RERAM:-$ROOT/build/reram}
NET=${NET:-$ROOT/workloads/fmnist/vgg_fmnist.json}
WEIGHTS=${WEIGHTS:-${NET%.json}.npz}
FT=${FT_EPOCHS:-1}
PE=${PRUNE_EPOCHS:-1}
TRL=${TRAIN_LIMIT:-10000}
TEL=${TEST_LIMIT:-2000}
LR=${LR:-0.01}
KEEPS=${KEEPS:-"0.25 0.167 0.125"}
ARCH=$ROOT/arch_configs/default.json
mkdir -p "$OUT"

run() {  # run NAME ARGS...: one pruning run unless its report exists
  local name=$1; shift
  if [ -s "$OUT/$name.json" ]; then return 0; fi
  echo "[$(date +%H:%M:%S)] $name" >&2
  "$RERAM" prune --network "$NET" --weights "$WEIGHTS" --arch "$ARCH" --set precision.weight_bits=8 \
    --set crossbar.cell_bits=2 --set chip.tiles=auto --finetune-epochs "$FT" --prune-epochs "$PE" --lr "$LR" \
    --train-limit "$TRL" --test-limit "$TEL" --quiet -o "$OUT/$name.mapping.json" --report "$OUT/$name.json" "$@" \
    > "$OUT/$name.log" 2>&1 || echo "FAILED $name (see $OUT/$name.log)" >&2
}

for phase in $PHASES; do
  case $phase in
    main)  # 128x128: every granularity at every budget, unstructured at the column sparsity
      for k in $KEEPS; do
        for g in crossbar column pim mixed row balanced filter channel ou; do
          run "main_${g}_k$k" --granularity $g --keep-crossbars $k
        done
        if [ -s "$OUT/main_column_k$k.json" ]; then
          s=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total_prunable']['weight_sparsity'])" "$OUT/main_column_k$k.json")
          run "main_unstructured_k$k" --granularity unstructured --weight-sparsity "$s"
        fi
      done ;;
    sizes)  # 64x64 and 256x256 crossbars
      for x in 64 256; do
        for k in $KEEPS; do
          for g in crossbar column pim mixed; do
            run "size${x}_${g}_k$k" --granularity $g --keep-crossbars $k --set crossbar.rows=$x --set crossbar.cols=$x
          done
        done
      done ;;
    optim)  # lgd / admm / agp against one-shot magnitude, same budget and fine-tuning
      for g in column crossbar; do
        for o in lgd admm; do run "optim_${g}_${o}_k0.25" --granularity $g --optimizer $o --keep-crossbars 0.25; done
        run "optim_${g}_agp_k0.25" --granularity $g --schedule agp --keep-crossbars 0.25
      done ;;
    reorder)
      for g in crossbar column; do
        for r in on off; do run "reorder_${g}_${r}_k0.25" --granularity $g --reorder $r --keep-crossbars 0.25; done
      done ;;
  esac
done

/usr/bin/python3 - "$OUT" > "$OUT/tables.md" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
R = {}
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    if f.endswith(".mapping.json"): continue
    try: R[os.path.basename(f)[:-5]] = json.load(open(f))
    except Exception: pass
def pct(v): return "n/a" if v is None else f"{100*v:.2f}"
def row(name, r):
    a, t = r["accuracy"], r["total_prunable"]
    loss = None if a["finetuned"] is None or a["dense"] is None else 100 * (a["dense"] - a["finetuned"])
    return (f"| {name} | {t['dense_crossbars']} | {t['occupied_crossbars']} | {t['compression']:.2f}x | "
            f"{100*t['weight_sparsity']:.1f}% | {t['index_bits']} | {pct(a['dense'])} | {pct(a['pruned'])} | "
            f"{pct(a['finetuned'])} | {'n/a' if loss is None else f'{loss:.2f}'} |")
hdr = ("| run | dense xbars | occupied | compression | weight sparsity | index bits | acc dense | acc pruned | acc fine-tuned | loss (points) |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
any_r = next(iter(R.values()), None)
if any_r:
    o = any_r["options"]
    print(f"Settings: fine-tune epochs {o['finetune_epochs']}, prune epochs {o['prune_epochs']}, lr {o['train']['lr']}, "
          f"train samples {any_r['data']['train_samples']}, test samples {any_r['data']['test_samples']}.\n")
for prefix, title in (("main_", "128x128 crossbars, magnitude (L2) one-shot + masked fine-tuning"),
                      ("size64_", "64x64 crossbars"), ("size256_", "256x256 crossbars"),
                      ("optim_", "optimisers at keep 0.25 (128x128)"), ("reorder_", "input reorder on/off (128x128, keep 0.25)")):
    names = [n for n in R if n.startswith(prefix)]
    if not names: continue
    print(f"### {title}\n\n{hdr}")
    for n in sorted(names): print(row(n, R[n]))
    print()
# Best compression at <= 1 point loss per granularity and crossbar size.
best = {}
for n, r in R.items():
    for prefix, size in (("main_", 128), ("size64_", 64), ("size256_", 256)):
        if not n.startswith(prefix): continue
        g = n[len(prefix):].rsplit("_k", 1)[0]
        a = r["accuracy"]
        if a["finetuned"] is None or a["dense"] is None: continue
        ok = a["dense"] - a["finetuned"] <= 0.01
        key = (g, size)
        c = r["total_prunable"]["compression"]
        cur = best.setdefault(key, None)
        if ok and (cur is None or c > cur): best[key] = c
if best:
    gs = sorted({g for g, _ in best})
    print("### crossbar compression reached at <= 1 point accuracy loss (prunable layers)\n")
    print("| granularity | 64x64 | 128x128 | 256x256 |\n|---|---:|---:|---:|")
    for g in gs:
        cells = []
        for s in (64, 128, 256):
            if (g, s) not in best: cells.append("not run")
            elif best[(g, s)] is None: cells.append("none within 1 pt")
            else: cells.append(f"{best[(g, s)]:.2f}x")
        print(f"| {g} | " + " | ".join(cells) + " |")
PY
echo "tables: $OUT/tables.md" >&2
