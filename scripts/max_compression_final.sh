#!/bin/bash
# The final stage of finished maximum-compression searches (docs/pruning.md "Maximum
# compression within an accuracy bound", "final fine-tuning"): for every OUT/<run>.prune.json
# written by scripts/max_compression_study.sh, prune the chosen budget once more with
# FINAL_EPOCHS fine-tuning epochs, on the same training images (the first 55,000), seed and
# options. This is the computation `reram prune --search-final-epochs N` runs after a search
# (tests/cli/prune_search.sh checks the two give the same accuracy); the script exists for
# searches whose state was written by another build, which the flag would not reuse.
# Writes OUT/<run>.final<N>.{map.json,prune.json} (test accuracy: the report's
# accuracy.finetuned) and OUT/<run>.final<N>.val.json (`reram eval` of that mapping on the 5,000
# held-out training images: float accuracy of the functional model), then OUT/final<N>.md.
#   usage: scripts/max_compression_final.sh [OUT]
#   env:   RERAM, FINAL_EPOCHS (16), RUNS (glob of run names, default '*'), THREADS (1)
# Long: about 50 s per epoch per run on one core.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/results/max_compression_ft8}
RERAM=${RERAM:-$ROOT/build/reram}
N=${FINAL_EPOCHS:-16}
RUNS=${RUNS:-*}
THREADS=${THREADS:-1}
NET=$ROOT/workloads/fmnist/vgg_fmnist.json
W=$OUT/vgg55k.npz
[ -f "$W" ] || { echo "max_compression_final: $W missing (scripts/max_compression_study.sh trains it)" >&2; exit 1; }

# The held-out split as a directory of Fashion-MNIST IDX files whose test files are the last
# 5,000 training images (the loader and its normalisation stay the same).
VAL=$OUT/validation_idx
if [ ! -f "$VAL/t10k-labels-idx1-ubyte" ]; then
  mkdir -p "$VAL"
  /usr/bin/python3 - "$VAL" <<'P' || exit 1
import gzip, os, struct, sys
src = os.environ.get("RERAM_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
img = gzip.open(os.path.join(src, "train-images-idx3-ubyte.gz")).read()
lab = gzip.open(os.path.join(src, "train-labels-idx1-ubyte.gz")).read()
n, k = struct.unpack(">I", img[4:8])[0], 5000
out = sys.argv[1]
for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
    if not os.path.exists(os.path.join(out, f)):
        os.symlink(os.path.join(src, f), os.path.join(out, f))
open(os.path.join(out, "t10k-images-idx3-ubyte"), "wb").write(struct.pack(">IIII", 0x803, k, 28, 28) + img[16 + (n - k) * 784:])
open(os.path.join(out, "t10k-labels-idx1-ubyte"), "wb").write(struct.pack(">II", 0x801, k) + lab[8 + n - k:])
P
fi

for rep in "$OUT"/$RUNS.prune.json; do
  case $rep in *.final*.prune.json) continue ;; esac
  [ -f "$rep" ] || continue
  run=$(basename "$rep" .prune.json)
  fin=$OUT/$run.final$N
  [ -f "$fin.val.json" ] && continue
  read -r keep g seed < <(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
o = r['options']
print(repr(r['search']['chosen_keep_crossbars']), o['granularity'], o['train']['seed'])" "$rep")
  if [ "$keep" = "1.0" ]; then echo "== $run: no budget held the bound, nothing to fine-tune" >&2; continue; fi
  cmd=("$RERAM" prune --network "$NET" --weights "$W" --arch "$ROOT/arch_configs/default.json" --set 'chip.tiles="auto"'
       --granularity "$g" --keep-crossbars "$keep" --finetune-epochs "$N" --lr 0.05 --seed "$seed" --threads "$THREADS"
       --train-limit 55000 --test-limit 0 -o "$fin.map.json" --report "$fin.prune.json")
  printf '%q ' "${cmd[@]}" > "$fin.cmd"; echo >> "$fin.cmd"
  echo "== $run: keep $keep, $N epochs" >&2
  "${cmd[@]}" > "$fin.log" 2>&1 || { echo "$run failed (see $fin.log)" >&2; continue; }
  "$RERAM" eval --mapping "$fin.map.json" --arch "$ROOT/arch_configs/default.json" --set 'chip.tiles="auto"' --data "$VAL" --threads "$THREADS" -o "$fin.val.json.tmp" \
    > "$fin.val.log" 2>&1 && mv "$fin.val.json.tmp" "$fin.val.json" || echo "$run: eval failed (see $fin.val.log)" >&2
done

/usr/bin/python3 - "$OUT" "$N" <<'P'
import glob, json, os, statistics, sys
out, n = sys.argv[1], sys.argv[2]
# As --search-final-epochs does: the final mapping is the one written only if it still holds
# the bound on validation; otherwise the search's own mapping (and its test loss) stands.
lines = ["| run | chosen keep | compression (prunable) | search: validation / test | final %s epochs: validation / test | final holds the bound | test loss of the mapping written (points) |" % n,
         "|---|---:|---:|---:|---:|:-:|---:|"]
rows = {}
for f in sorted(glob.glob(os.path.join(out, "*.final%s.val.json" % n))):
    run = os.path.basename(f)[:-len(".final%s.val.json" % n)]
    s = json.load(open(os.path.join(out, run + ".prune.json")))["search"]
    fin = json.load(open(os.path.join(out, run + ".final%s.prune.json" % n)))
    val = json.load(open(f))["result"]["accuracy_float"]
    tst = fin["accuracy"]["finetuned"]
    comp = fin["total_prunable"]["compression"]
    used = val >= s["bound_validation_accuracy"]
    loss = 100 * (s["reference_test_accuracy"] - (tst if used else s["chosen"]["test_accuracy"]))
    rows.setdefault(run.rsplit("_s", 1)[0], []).append((comp, loss))
    lines.append("| %s | %.4f | %.2fx | %.2f / %.2f | %.2f / %.2f | %s | %.2f |" % (
        run, s["chosen_keep_crossbars"], comp, 100 * s["chosen"]["validation_accuracy"], 100 * s["chosen"]["test_accuracy"],
        100 * val, 100 * tst, "yes" if used else "no", loss))
lines += ["", "| granularity, bound | seeds | mean compression | mean test loss (points) | worst seed (points) |", "|---|---:|---:|---:|---:|"]
for k, v in sorted(rows.items()):
    lines.append("| %s | %d | %.2fx | %.2f | %.2f |" % (k, len(v), statistics.mean(c for c, _ in v),
                                                     statistics.mean(l for _, l in v), max(l for _, l in v)))
open(os.path.join(out, "final%s.md" % n), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
P
