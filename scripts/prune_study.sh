#!/bin/bash
# The pruning study behind docs/pruning.md: the trained VGG-style Fashion-MNIST net
# pruned with every granularity at several crossbar budgets and crossbar sizes, the
# unstructured baseline at the same weight sparsity, lgd/admm against one-shot
# magnitude, and input reorder on/off. Every run writes its PRUNE.json into OUT; a run
# whose report exists is skipped (the study resumes), and the tables are rebuilt from
# all reports at the end (OUT/tables.md). Phases run in the order given, most important
# first by default:
#   bars     128x128: crossbar/column at keep 0.25, pim/mixed at keep 0.165 (>= 6x),
#            unstructured at the column and crossbar runs' weight sparsity
#   optim    lgd and admm against one-shot magnitude (column, then crossbar; keep 0.25), for
#            every seed in SEEDS (default "1"); the tables give mean and spread over seeds
#   ctrl     control for optim: one-shot magnitude fine-tuned FT_EPOCHS + PRUNE_EPOCHS epochs (the
#            total training epochs of lgd/admm), for every seed in SEEDS
#   sizes    64x64 and 256x256: crossbar/column/pim/mixed at every keep in KEEPS (budgets outermost)
#   main     128x128: every granularity at every keep in KEEPS
#   reorder  input reorder forced on / off (crossbar, column; keep 0.25)
#   sens     the four bar cells with --allocation score, then sensitivity analysis (held-out
#            training images) and sensitivity-guided allocation (SENS_GRANS, default
#            "crossbar column"; SENS_KEEPS, default 0.25)
#   usage: scripts/prune_study.sh [OUT] [PHASES]   (default PHASES: "bars optim sizes main reorder")
#   env:   RERAM (binary), NET, WEIGHTS, FT_EPOCHS (8), PRUNE_EPOCHS (1), TRAIN_LIMIT (0 = all 60000),
#          TEST_LIMIT (0 = all 10000), LR (0.05), KEEPS ("0.25 0.165 0.125"), THREADS (1),
#          SIZES ("64 256"), GRANS (sizes phase granularities, "crossbar column pim mixed"),
#          ADMM_ARGS ("--admm-rho 0.02 --admm-rho-growth 1.5"), OPTIM_ONLY (optim phase without
#          the magnitude baseline runs, for a second process in parallel), SEEDS ("1"; two
#          processes with disjoint SEEDS can share the machine)
#   tables only: scripts/prune_study.sh OUT none
# Long (about 6 minutes per run on one core with the defaults, the protocol of
# docs/pruning.md): run it under nohup; two processes on disjoint phases can share a
# 2-core machine (OPTIM_ONLY=1 for the optim phase beside bars/sizes).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/results/prune_study}
PHASES=${2:-"bars optim sizes main reorder"}
RERAM=${RERAM:-$ROOT/build/reram}
NET=${NET:-$ROOT/workloads/fmnist/vgg_fmnist.json}
WEIGHTS=${WEIGHTS:-${NET%.json}.npz}
FT=${FT_EPOCHS:-8}
PE=${PRUNE_EPOCHS:-1}
TRL=${TRAIN_LIMIT:-0}
TEL=${TEST_LIMIT:-0}
LR=${LR:-0.05}
KEEPS=${KEEPS:-"0.25 0.165 0.125"}
THREADS=${THREADS:-1}
SIZES=${SIZES:-"64 256"}
GRANS=${GRANS:-"crossbar column pim mixed"}
ARCH=$ROOT/arch_configs/default.json
mkdir -p "$OUT/mappings"

run() {  # run NAME ARGS...: one pruning run unless its report exists
  local name=$1; shift
  if [ -s "$OUT/$name.json" ]; then return 0; fi
  echo "[$(date +%H:%M:%S)] $name" >&2
  local cmd=("$RERAM" prune --network "$NET" --weights "$WEIGHTS" --arch "$ARCH" --set precision.weight_bits=8
    --set crossbar.cell_bits=2 --set chip.tiles=auto --finetune-epochs "${RUN_FT:-$FT}" --prune-epochs "$PE" --lr "$LR"
    --train-limit "$TRL" --test-limit "$TEL" --threads "$THREADS" --quiet
    -o "$OUT/mappings/$name.json" --report "$OUT/$name.json" "$@")
  echo "${cmd[*]}" > "$OUT/$name.cmd"
  "${cmd[@]}" > "$OUT/$name.log" 2>&1 || echo "FAILED $name (see $OUT/$name.log)" >&2
}

sparsity_of() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total_prunable']['weight_sparsity'])" "$1"; }

unstructured_at() {  # unstructured magnitude at the weight sparsity of run $1 (name prefix $2)
  if [ -s "$OUT/$1.json" ]; then
    run "$2" --granularity unstructured --weight-sparsity "$(sparsity_of "$OUT/$1.json")"
  fi
}

for phase in $PHASES; do
  case $phase in
    bars)
      run main_crossbar_k0.25 --granularity crossbar --keep-crossbars 0.25
      run main_column_k0.25 --granularity column --keep-crossbars 0.25
      run main_pim_k0.165 --granularity pim --keep-crossbars 0.165
      run main_mixed_k0.165 --granularity mixed --keep-crossbars 0.165
      unstructured_at main_column_k0.25 unstr_at_main_column_k0.25
      unstructured_at main_crossbar_k0.25 unstr_at_main_crossbar_k0.25 ;;
    optim)  # lgd / admm against one-shot magnitude (the main_* run for seed 1), same budget and
            # fine-tuning, for every seed in SEEDS (seed: shuffling, LGD noise; names end _sN for N > 1)
      for s in ${SEEDS:-1}; do
        sfx=; [ "$s" = 1 ] || sfx=_s$s
        for g in column crossbar; do
          base=main_${g}_k0.25; [ "$s" = 1 ] || base=optim_${g}_magnitude_k0.25$sfx
          # OPTIM_ONLY=1 leaves the magnitude baseline to another process (run in parallel)
          [ -n "${OPTIM_ONLY:-}" ] || run "$base" --granularity $g --keep-crossbars 0.25 --seed $s
          run "optim_${g}_lgd_k0.25$sfx" --granularity $g --optimizer lgd --keep-crossbars 0.25 --seed $s
          # rho from 0.02 growing 1.5x per quarter epoch (chosen at lr 0.01, kept at 0.05): with
          # SGD momentum 0.9 the pruned weights are pulled most of the way to Z within one epoch
          # (the 1e-3 default suits many-epoch schedules).
          run "optim_${g}_admm_k0.25$sfx" --granularity $g --optimizer admm --keep-crossbars 0.25 --seed $s ${ADMM_ARGS:---admm-rho 0.02 --admm-rho-growth 1.5}
        done
      done ;;
    ctrl)  # control for optim: one-shot magnitude fine-tuned for FT_EPOCHS + PRUNE_EPOCHS epochs,
           # the same total training epochs as lgd/admm (their pruning epochs + FT_EPOCHS), per seed
      for s in ${SEEDS:-1}; do
        sfx=; [ "$s" = 1 ] || sfx=_s$s
        for g in column crossbar; do
          RUN_FT=$((FT + PE)) run "ctrl_${g}_magnitude_ft$((FT + PE))_k0.25$sfx" --granularity $g --keep-crossbars 0.25 --seed $s
        done
      done ;;
    sizes)  # budgets outermost, so every size and granularity has a point before the next budget
      for k in $KEEPS; do
        for x in $SIZES; do
          for g in $GRANS; do
            run "size${x}_${g}_k$k" --granularity $g --keep-crossbars $k --set crossbar.rows=$x --set crossbar.cols=$x
          done
        done
      done ;;
    sens)  # the bar cells with the global score allocation; then sensitivity-guided allocation
           # (scored on the last 5000 training images, held out from fine-tuning) for SENS_GRANS at SENS_KEEPS
      run alloc_score_crossbar_k0.25 --granularity crossbar --keep-crossbars 0.25 --allocation score
      run alloc_score_column_k0.25 --granularity column --keep-crossbars 0.25 --allocation score
      run alloc_score_pim_k0.165 --granularity pim --keep-crossbars 0.165 --allocation score
      run alloc_score_mixed_k0.165 --granularity mixed --keep-crossbars 0.165 --allocation score
      for g in ${SENS_GRANS:-crossbar column}; do
        if [ ! -s "$OUT/sens_$g.sensitivity.json" ]; then
          echo "[$(date +%H:%M:%S)] sensitivity $g" >&2
          "$RERAM" prune --network "$NET" --weights "$WEIGHTS" --arch "$ARCH" --set precision.weight_bits=8 \
            --set crossbar.cell_bits=2 --set chip.tiles=auto --granularity $g --sensitivity --sensitivity-split train-tail \
            --sensitivity-samples 5000 --sensitivity-ratios 0.1,0.15,0.2,0.25,0.35,0.5,0.75,1 --threads "$THREADS" \
            -o "$OUT/sens_$g.sensitivity.json" > "$OUT/sens_$g.log" 2>&1 || echo "FAILED sensitivity $g" >&2
        fi
        for k in ${SENS_KEEPS:-0.25}; do
          run "alloc_sens_${g}_k$k" --granularity $g --keep-crossbars $k --allocation sensitivity --sensitivity-file "$OUT/sens_$g.sensitivity.json"
        done
      done ;;
    main)
      for k in $KEEPS; do
        for g in crossbar column pim mixed row balanced filter channel ou; do
          run "main_${g}_k$k" --granularity $g --keep-crossbars $k
        done
        unstructured_at "main_column_k$k" "unstr_at_main_column_k$k"
      done ;;
    reorder)
      for g in crossbar column; do
        for r in on off; do run "reorder_${g}_${r}_k0.25" --granularity $g --reorder $r --keep-crossbars 0.25; done
      done ;;
    none) ;;
    *) echo "unknown phase '$phase' (bars optim ctrl sizes main reorder sens none)" >&2; exit 2 ;;
  esac
done

/usr/bin/python3 - "$OUT" > "$OUT/tables.md" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
R = {}
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    if f.endswith(".sensitivity.json"): continue
    try: R[os.path.basename(f)[:-5]] = json.load(open(f))
    except Exception: pass
def pct(v): return "n/a" if v is None else f"{100*v:.2f}"
def loss(r):
    a = r["accuracy"]
    return None if a["finetuned"] is None or a["dense"] is None else 100 * (a["dense"] - a["finetuned"])
def reord(r):
    ls = [l for l in r["layers"] if l.get("prunable")]
    return f"{sum(bool(l.get('reorder')) for l in ls)}/{len(ls)}"
def row(name, r):
    a, t = r["accuracy"], r["total_prunable"]
    l = loss(r)
    return (f"| {name} | {t['dense_crossbars']} | {t['occupied_crossbars']} | {t['dense_crossbars'] - t['occupied_crossbars']} | "
            f"{t['compression']:.2f}x | {100*t['weight_sparsity']:.1f}% | {t['index_bits']} | {reord(r)} | {pct(a['dense'])} | "
            f"{pct(a['pruned'])} | {pct(a['finetuned'])} | {'n/a' if l is None else f'{l:.2f}'} |")
hdr = ("| run | dense xbars | occupied | freed | compression | weight sparsity | index bits | reorder layers | acc dense | acc pruned | acc fine-tuned | loss (points) |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
any_r = next(iter(R.values()), None)
if any_r:
    o = any_r["options"]
    print(f"Settings: fine-tune epochs {o['finetune_epochs']}, prune epochs (lgd/admm) {o['prune_epochs']}, lr {o['train']['lr']} "
          f"({o['train']['schedule']}), batch {o['train']['batch_size']}, train samples {any_r['data']['train_samples']}, "
          f"test samples {any_r['data']['test_samples']}; 8-bit weights on 2-bit cells; totals over the prunable layers "
          f"(first and last layer kept dense). Each run's exact command is in its .cmd file.\n")
def geom(r): return f"{r['geometry']['rows']}x{r['geometry']['cols']}"
sections = (
    ("128x128 crossbars: the issue's bars (one-shot L2 magnitude + masked fine-tuning; unstructured at the same weight sparsity)",
     lambda n: n in ("main_crossbar_k0.25", "main_column_k0.25", "main_pim_k0.165", "main_mixed_k0.165") or n.startswith("unstr_at_main_")),
    ("optimisers at keep 0.25 (128x128; magnitude = one-shot L2; ctrl_* = magnitude fine-tuned for the pruning + fine-tuning epochs of lgd/admm)",
     lambda n: n.startswith(("optim_", "ctrl_")) or n in ("main_column_k0.25", "main_crossbar_k0.25")),
    ("128x128 crossbars, every granularity", lambda n: n.startswith("main_")),
    ("64x64 crossbars", lambda n: n.startswith("size64_")),
    ("256x256 crossbars", lambda n: n.startswith("size256_")),
    ("input reorder forced on/off (128x128, keep 0.25)", lambda n: n.startswith("reorder_")),
    ("score / sensitivity-guided allocation (128x128) against uniform (main_*)", lambda n: n.startswith("alloc_")),
)
base_picks = [pick for _, pick in sections]
sections += (("other settings (the run's name says what differs; exact command in its .cmd file)",
              lambda n: not any(pick(n) for pick in base_picks)),)
for title, pick in sections:
    names = [n for n in R if pick(n)]
    if not names: continue
    print(f"### {title}\n\n{hdr}")
    for n in sorted(names): print(row(n, R[n]))
    print()
# Optimisers across seeds: fine-tuned accuracy per seed, mean, spread, and the paired
# difference to one-shot magnitude of the same seed (main_G_k0.25 is seed 1's baseline).
runs = {}
for n, r in R.items():
    m = re.fullmatch(r"main_(column|crossbar)_k0\.25|optim_(column|crossbar)_(magnitude|lgd|lgd-eager|admm)_k0\.25(_s\d+)?"
                     r"|ctrl_(column|crossbar)_magnitude_ft(\d+)_k0\.25(_s\d+)?", n)
    if not m or r["accuracy"]["finetuned"] is None: continue
    if m.group(1): g, opt = m.group(1), "magnitude"
    elif m.group(2): g, opt = m.group(2), m.group(3)
    else: g, opt = m.group(5), "magnitude-ft" + m.group(6)
    runs.setdefault((g, opt), {})[r["options"]["seed"]] = 100 * r["accuracy"]["finetuned"]
if any(k[1] != "magnitude" for k in runs):
    import statistics
    print("### optimisers over seeds (keep 0.25, 128x128; accuracy after fine-tuning, %)\n")
    ctrl = {g: acc for (g, opt), acc in runs.items() if opt.startswith("magnitude-ft")}
    print("magnitude-ftN: one-shot magnitude fine-tuned N epochs, the total training epochs of lgd/admm "
          "(pruning epochs + fine-tuning epochs); wins = seeds where the row beats magnitude.\n")
    print("| granularity | optimizer | seeds | accuracy per seed | mean | sd | mean difference to magnitude (same seeds) | wins "
          "| mean difference to magnitude-ftN (same seeds) |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    order = {"magnitude": 0, "lgd": 2, "admm": 3, "lgd-eager": 4}
    for (g, opt) in sorted(runs, key=lambda k: (k[0], order.get(k[1], 1))):
        acc = runs[(g, opt)]
        seeds = sorted(acc)
        vals = [acc[s] for s in seeds]
        sd = f"{statistics.stdev(vals):.2f}" if len(vals) > 1 else "n/a"
        base = runs.get((g, "magnitude"), {})
        paired = [acc[s] - base[s] for s in seeds if s in base]
        diff = wins = ""
        if opt != "magnitude" and paired:
            diff = f"{statistics.mean(paired):+.2f} ({len(paired)} seeds)"
            wins = f"{sum(d > 0 for d in paired)}/{len(paired)}"
        per = ", ".join(f"{acc[s]:.2f} (s{s})" for s in seeds)
        vs_ctrl = ""
        if not opt.startswith("magnitude") and g in ctrl:
            pc = [acc[s] - ctrl[g][s] for s in seeds if s in ctrl[g]]
            if pc: vs_ctrl = f"{statistics.mean(pc):+.2f} ({len(pc)} seeds, {sum(d > 0 for d in pc)} wins)"
        print(f"| {g} | {opt} | {len(vals)} | {per} | {statistics.mean(vals):.2f} | {sd} | {diff} | {wins} | {vs_ctrl} |")
    print()
# Best compression at <= 1 point loss per granularity and crossbar size.
best, tried = {}, set()
for n, r in R.items():  # every run counts: any optimiser, allocation or reorder setting
    g, size = r["options"]["granularity"], r["geometry"]["rows"]
    l = loss(r)
    if l is None: continue
    tried.add((g, size))
    c = r["total_prunable"]["compression"]
    if l <= 1.0 and c > best.get((g, size), (0, ""))[0]: best[(g, size)] = (c, n)
if tried:
    gs = sorted({g for g, _ in tried})
    print("### crossbar compression reached at <= 1 point accuracy loss (prunable layers; best run in parentheses)\n")
    print("| granularity | 64x64 | 128x128 | 256x256 |\n|---|---:|---:|---:|")
    for g in gs:
        cells = []
        for s in (64, 128, 256):
            if (g, s) not in tried: cells.append("not run")
            elif (g, s) not in best: cells.append("none within 1 pt")
            else: cells.append(f"{best[(g, s)][0]:.2f}x ({best[(g, s)][1]})")
        print(f"| {g} | " + " | ".join(cells) + " |")
PY
echo "tables: $OUT/tables.md" >&2
