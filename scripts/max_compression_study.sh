#!/bin/bash
# The maximum-compression study of issue 15 (docs/pruning.md "Maximum compression within
# an accuracy bound"): on the VGG-style Fashion-MNIST net at 128x128 crossbars (8-bit
# weights, 2-bit cells; arch_configs/default.json), `reram prune --max-accuracy-loss` for
# every granularity in GRANS and seed in SEEDS; then a table of the chosen compression and
# its test-accuracy loss per run and the mean over seeds, plus every run's frontier.
#
# The search judges budgets on the last 5,000 training images, so the dense net it starts
# from must not have seen them: step 1 trains it on the first 55,000 with the workload's
# own recipe (scripts/train_workloads.sh), once (OUT/vgg55k.npz).
#   usage: scripts/max_compression_study.sh [OUT]
#   env:   RERAM, GRANS ("pim mixed column"), SEEDS ("1 2 3"), LOSS (1.0 points), FT_EPOCHS (2),
#          STEPS (5), MIN_KEEP (0.04), THREADS (1), TEST_LIMIT (0: all 10,000),
#          FINAL_EPOCHS (0; N > 0: --search-final-epochs N, the chosen budget fine-tuned N epochs),
#          CONFIDENCE (0; Z > 0: --search-confidence Z, a margin of Z standard errors)
# Long: about 2.5 minutes per search step on one core with the defaults (6 steps per search).
# Every search resumes from OUT/<run>.map.json.search; rerun the script after an interruption.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/results/max_compression}
RERAM=${RERAM:-$ROOT/build/reram}
GRANS=${GRANS:-"pim mixed column"}
SEEDS=${SEEDS:-"1 2 3"}
LOSS=${LOSS:-1.0}
FT=${FT_EPOCHS:-2}
STEPS=${STEPS:-5}
MIN_KEEP=${MIN_KEEP:-0.04}
THREADS=${THREADS:-1}
TEL=${TEST_LIMIT:-0}
FINAL=${FINAL_EPOCHS:-0}
CONF=${CONFIDENCE:-0}
NET=$ROOT/workloads/fmnist/vgg_fmnist.json
mkdir -p "$OUT"
W=$OUT/vgg55k.npz
if [ ! -f "$W" ]; then
  echo "== training the dense net on the first 55,000 training images -> $W" >&2
  "$RERAM" train --network "$NET" --data fashion-mnist --from-scratch --train-limit 55000 --epochs 12 --lr 0.05 \
    --batch-size 128 --optimizer sgd --momentum 0.9 --weight-decay 5e-4 --schedule cosine --seed 1 --threads "$THREADS" \
    -o "$W" --report "$OUT/vgg55k.train.json" || exit 1
fi
for seed in $SEEDS; do
  for g in $GRANS; do
    run=${g}_loss${LOSS}_s${seed}
    [ -f "$OUT/$run.prune.json" ] && continue
    cmd=("$RERAM" prune --network "$NET" --weights "$W" --arch "$ROOT/arch_configs/default.json" --set 'chip.tiles="auto"'
         --granularity "$g" --finetune-epochs "$FT" --lr 0.05 --seed "$seed" --threads "$THREADS"
         --validation-samples 5000 --test-limit "$TEL" --max-accuracy-loss "$LOSS" --search-steps "$STEPS"
         --search-min-keep "$MIN_KEEP" -o "$OUT/$run.map.json" --report "$OUT/$run.prune.json")
    [ "$FINAL" -gt 0 ] && cmd+=(--search-final-epochs "$FINAL")
    [ "$CONF" != 0 ] && cmd+=(--search-confidence "$CONF")
    printf '%q ' "${cmd[@]}" > "$OUT/$run.cmd"; echo >> "$OUT/$run.cmd"
    echo "== $run" >&2
    "${cmd[@]}" > "$OUT/$run.log" 2>&1 || { echo "$run failed (see $OUT/$run.log)" >&2; }
  done
done
/usr/bin/python3 - "$OUT" <<'P'
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = {}
lines = ["| run | chosen keep | compression (prunable) | validation: dense / chosen | test: dense / chosen | test loss (points) | budgets tried |",
         "|---|---:|---:|---:|---:|---:|---:|"]
reports = [f for f in sorted(glob.glob(os.path.join(out, "*.prune.json"))) if ".final" not in f]
for f in reports:
    r = json.load(open(f))
    s = r["search"]
    run = os.path.basename(f)[:-len(".prune.json")]
    ch = s["chosen"] or {"validation_accuracy": s["reference_validation_accuracy"], "test_accuracy": s["reference_test_accuracy"]}
    if (s.get("final") or {}).get("used"):
        ch = s["final"]  # the final fine-tuning stage's accuracies are the written mapping's
    comp = r["total_prunable"]["compression"]
    loss = 100 * (s["reference_test_accuracy"] - ch["test_accuracy"])
    rows.setdefault(run.rsplit("_s", 1)[0], []).append((comp, loss))
    lines.append("| %s | %.4f | %.2fx | %.2f / %.2f | %.2f / %.2f | %.2f | %d |" % (
        run, s["chosen_keep_crossbars"], comp, 100 * s["reference_validation_accuracy"], 100 * ch["validation_accuracy"],
        100 * s["reference_test_accuracy"], 100 * ch["test_accuracy"], loss, len(s["frontier"])))
lines += ["", "| granularity, bound | seeds | mean compression | mean test loss (points) |", "|---|---:|---:|---:|"]
for k, v in sorted(rows.items()):
    lines.append("| %s | %d | %.2fx | %.2f |" % (k, len(v), statistics.mean(c for c, _ in v), statistics.mean(l for _, l in v)))
lines += ["", "Frontiers (keep, compression, validation %, test %, within the bound):", ""]
for f in reports:
    s = json.load(open(f))["search"]
    lines.append("* %s: " % os.path.basename(f)[:-len(".prune.json")] + "; ".join(
        "%.4f %.2fx %.2f %.2f %s" % (p["keep_crossbars"], p["compression"], 100 * p["validation_accuracy"],
                                      100 * p["test_accuracy"], "yes" if p["within_bound"] else "no") for p in s["frontier"]))
open(os.path.join(out, "tables.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
P
