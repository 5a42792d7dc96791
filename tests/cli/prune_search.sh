#!/usr/bin/env bash
# reram prune --max-accuracy-loss: the bisection over the crossbar budget on a small
# subset (one-shot magnitude, no fine-tuning: fast). Checks the report's frontier and the
# choice against the bound, that a rerun reuses every step, and the option errors.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail=0
if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] && [ -z "${RERAM_FASHION_MNIST_DIR:-}" ]; then
  echo "SKIP: dataset-fashion-mnist not installed"; exit 0
fi
args=(--network "$src/workloads/fmnist/vgg_fmnist.json" --weights "$src/workloads/fmnist/vgg_fmnist.npz"
      --arch "$src/arch_configs/default.json" --set 'chip.tiles="auto"' --granularity column
      --train-limit 300 --test-limit 300 --search-steps 3 --threads 1)
if ! "$bin" prune "${args[@]}" --validation-samples 300 --max-accuracy-loss 40 -o "$t/m.json" --report "$t/r.json" >"$t/out" 2>"$t/err"; then
  echo "FAIL search run"; cat "$t/err"; exit 1
fi
grep -q "search step 4/4" "$t/err" || { echo "FAIL no progress lines"; cat "$t/err"; fail=1; }
/usr/bin/python3 - "$t/r.json" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
s = r["search"]
rows = s["frontier"]
assert len(rows) == 4, rows
bound = s["bound_validation_accuracy"]
assert abs(bound - (s["reference_validation_accuracy"] - 0.40)) < 1e-12
for row in rows:
    assert row["within_bound"] == (row["validation_accuracy"] >= bound), row
    assert row["test_accuracy"] is not None
ok = [row for row in rows if row["within_bound"]]
if ok:
    best = max(ok, key=lambda row: row["compression"])
    assert s["chosen_keep_crossbars"] == best["keep_crossbars"], (s["chosen_keep_crossbars"], best)
    # The mapping written is the chosen budget's.
    assert abs(r["total_prunable"]["compression"] - best["compression"]) < 1e-9
    assert all(row["compression"] <= best["compression"] for row in ok)
else:
    raise AssertionError("a 40-point bound holds no budget: %s" % rows)
# Bisection: the budgets tried after the first lie between the feasible and infeasible ones.
print("ok   search: %d budgets, chosen keep %.4f (%.2fx), bound %.2f%%" % (
    len(rows), s["chosen_keep_crossbars"], r["total_prunable"]["compression"], 100 * bound))
P
# A rerun (same bound) with the same inputs reuses every step and chooses the same budget.
"$bin" prune "${args[@]}" --validation-samples 300 --max-accuracy-loss 40 -o "$t/m2.json" --search-dir "$t/m.json.search" --report "$t/r2.json" >/dev/null 2>"$t/err2" || { echo "FAIL rerun"; fail=1; }
[ "$(grep -c 'reused from' "$t/err2")" = 4 ] || { echo "FAIL rerun did not reuse the 4 steps:"; cat "$t/err2"; fail=1; }
/usr/bin/python3 -c "
import json,sys; a,b=(json.load(open(f))['search'] for f in sys.argv[1:3])
assert a['chosen_keep_crossbars']==b['chosen_keep_crossbars'] and a['frontier']==b['frontier'], (a, b)
print('ok   rerun reused every step, same choice')" "$t/r.json" "$t/r2.json" || fail=1
# The final stage (--search-final-epochs): the steps are reused, the chosen budget is pruned
# once more with 1 fine-tuning epoch, and that is exactly a direct prune at the chosen keep
# with 1 epoch on the same training images (the first 300; the validation split is the last
# 300 of the training set, which --train-limit leaves out).
"$bin" prune "${args[@]}" --validation-samples 300 --max-accuracy-loss 40 --search-final-epochs 1 -o "$t/m3.json" --search-dir "$t/m.json.search" --report "$t/r3.json" >"$t/out3" 2>"$t/err3" || { echo "FAIL final run"; cat "$t/err3"; fail=1; }
[ "$(grep -c 'reused from' "$t/err3")" = 4 ] || { echo "FAIL final run did not reuse the 4 steps:"; cat "$t/err3"; fail=1; }
grep -q "final fine-tuning (1 epochs)" "$t/out3" || { echo "FAIL final stage not printed"; cat "$t/out3"; fail=1; }
keep=$(/usr/bin/python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['search']['chosen_keep_crossbars']))" "$t/r3.json")
"$bin" prune "${args[@]}" --keep-crossbars "$keep" --finetune-epochs 1 -o "$t/d.json" --report "$t/d.r.json" >/dev/null 2>&1 || { echo "FAIL direct prune at keep $keep"; fail=1; }
/usr/bin/python3 - "$t/r3.json" "$t/d.r.json" <<'P2' || fail=1
import json, sys
r, d = (json.load(open(f)) for f in sys.argv[1:3])
s = r["search"]
f = s["final"]
assert s["final_finetune_epochs"] == 1 and f["finetune_epochs"] == 1, s
assert f["keep_crossbars"] == s["chosen_keep_crossbars"], (f, s["chosen_keep_crossbars"])
assert f["within_bound"] == (f["validation_accuracy"] >= s["bound_validation_accuracy"]) and f["used"] == f["within_bound"], f
# The written mapping is the final stage's when it holds the bound.
if f["used"]:
    assert r["options"]["finetune_epochs"] == 1 and r["accuracy"]["finetuned"] == f["validation_accuracy"], r["accuracy"]
# Same training images, seed and keep: the direct prune's test accuracy is the final stage's.
assert d["accuracy"]["finetuned"] == f["test_accuracy"], (d["accuracy"], f)
assert d["total_prunable"]["compression"] == f["compression"], (d["total_prunable"], f)
print("ok   final stage: keep %.4f, 1 epoch, validation %.2f%%, test %.2f%% (= direct prune)" % (
    f["keep_crossbars"], 100 * f["validation_accuracy"], 100 * f["test_accuracy"]))
P2
# --search-confidence 2: a budget holds only when validation accuracy minus 2 standard errors
# of its paired loss is within the bound. Reuses the finished steps (their standard error
# recorded), checks the rule on every row and the choice.
"$bin" prune "${args[@]}" --validation-samples 300 --max-accuracy-loss 40 --search-confidence 2 -o "$t/m4.json" --search-dir "$t/m.json.search" --report "$t/r4.json" >"$t/out4" 2>"$t/err4" || { echo "FAIL confidence run"; cat "$t/err4"; fail=1; }
/usr/bin/python3 - "$t/r4.json" "$t/r.json" <<'P2' || fail=1
import json, math, sys
s = json.load(open(sys.argv[1]))["search"]
plain = {row["keep_crossbars"]: row for row in json.load(open(sys.argv[2]))["search"]["frontier"]}
n = s["validation_samples"]
assert s["confidence_z"] == 2, s["confidence_z"]
for row in s["frontier"]:
    se, val = row["validation_loss_se"], row["validation_accuracy"]
    loss = s["reference_validation_accuracy"] - val
    # The per-image difference is -1, 0 or 1: |loss| - loss^2 <= variance <= 1.
    assert math.sqrt(max(0.0, abs(loss) - loss * loss) / (n - 1)) - 1e-12 <= se <= 1 / math.sqrt(n - 1), (row, loss)
    assert row["within_bound"] == (val - 2 * se >= s["bound_validation_accuracy"]), row
    if row["keep_crossbars"] in plain:  # same budget, same result, standard error as recorded
        assert plain[row["keep_crossbars"]]["validation_loss_se"] == se, (row, plain[row["keep_crossbars"]])
ok = [row for row in s["frontier"] if row["within_bound"]]
if ok:
    assert s["chosen_keep_crossbars"] == max(ok, key=lambda row: row["compression"])["keep_crossbars"], s
print("ok   confidence margin: %d budgets, chosen keep %.4f, standard errors %s points" % (
    len(s["frontier"]), s["chosen_keep_crossbars"], ", ".join("%.2f" % (100 * r["validation_loss_se"]) for r in s["frontier"])))
P2
# A state file written before the standard error was recorded: the rerun derives it from the
# saved mapping and gets the value a fresh run recorded.
/usr/bin/python3 - "$t/m.json.search" <<'P2' || fail=1
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/keep_*.json"):
    if f.endswith(".map.json"):
        continue
    st = json.load(open(f))
    del st["row"]["validation_loss_se"]
    json.dump(st, open(f, "w"))
P2
"$bin" prune "${args[@]}" --validation-samples 300 --max-accuracy-loss 40 --search-confidence 2 -o "$t/m5.json" --search-dir "$t/m.json.search" --report "$t/r5.json" >/dev/null 2>"$t/err5" || { echo "FAIL legacy-state run"; cat "$t/err5"; fail=1; }
/usr/bin/python3 -c "
import json,sys; a,b=(json.load(open(f))['search'] for f in sys.argv[1:3])
assert a['frontier']==b['frontier'] and a['chosen_keep_crossbars']==b['chosen_keep_crossbars'], (a['frontier'], b['frontier'])
print('ok   state without standard errors: derived from the saved mappings, same frontier')" "$t/r4.json" "$t/r5.json" || fail=1
. "$src/tests/cli/lib/expect_error.sh"
EXPECT_ONE_LINE=no
expect_error conflict "conflicts with --keep-crossbars" "$bin" prune "${args[@]}" --max-accuracy-loss 1 --keep-crossbars 0.5 -o "$t/x.json"
expect_error validation-size "validation-samples must be in 1..59999" "$bin" prune "${args[@]}" --max-accuracy-loss 1 --validation-samples 60000 -o "$t/x.json"
expect_error negative-loss "max-accuracy-loss must be in 0..100" "$bin" prune "${args[@]}" --max-accuracy-loss -1 -o "$t/x.json"
expect_error final-epochs "search-final-epochs must be in 0..1000" "$bin" prune "${args[@]}" --max-accuracy-loss 1 --search-final-epochs -2 -o "$t/x.json"
expect_error confidence "search-confidence must be in 0..10" "$bin" prune "${args[@]}" --max-accuracy-loss 1 --search-confidence -1 -o "$t/x.json"
expect_error no-data "needs data" "$bin" prune "${args[@]}" --max-accuracy-loss 1 --data none -o "$t/x.json"
exit $fail
