#!/bin/bash
# reram sweep --backend slurm through a real single-node Slurm (scripts/slurm-local.sh):
# --dry-run writes the scripts only; a submitted sweep (job array with a %K throttle after
# a shared job, afterok) gives exactly the results of the local backend; --status and
# --collect read it back; a re-submission of the finished sweep submits nothing.
# Skipped (exit 0 with a SKIPPED line) only where the Slurm daemons cannot start.
set -euo pipefail
RERAM=$1
SRC=$2
. "$SRC/tests/cli/lib/slurm_env.sh"
. "$SRC/tests/cli/lib/sweep.sh"

lenet_plan "slurm tiny" "" '["32x64", "64x64", "128x256"]' "[6, 8]"

# Dry run: scripts written, nothing submitted.
"$RERAM" sweep --plan "$T/plan.json" -o "$T/dry" --backend slurm --dry-run --max-concurrent 2 --points-per-task 2 \
  --partition local --time 00:10:00 --sbatch-arg=--comment=reram-test > "$T/dry.out"
grep -q "would run: sbatch --parsable .*/s001/array.sbatch" "$T/dry.out" || { cat "$T/dry.out"; fail "dry run commands"; }
grep -q "^#SBATCH --array=0-2%2$" "$T/dry/slurm/s001/array.sbatch" || { cat "$T/dry/slurm/s001/array.sbatch"; fail "array line"; }
grep -q "^#SBATCH --partition=local$" "$T/dry/slurm/s001/array.sbatch" || fail "partition"
grep -q "^#SBATCH --comment=reram-test$" "$T/dry/slurm/s001/array.sbatch" || fail "extra sbatch arg"
# Directives must precede the first command or sbatch ignores them.
awk '/^[^#]/ {cmd=1} /^#SBATCH/ && cmd {bad=1} END {exit bad}' "$T/dry/slurm/s001/array.sbatch" || fail "#SBATCH after a command"
[ -z "$(squeue -h)" ] || fail "dry run submitted something"
[ ! -e "$T/dry/results.csv" ] || fail "dry run produced results"

# Real submission: one point per array task (6 tasks, throttle 2). Each crossbar shape's
# mapping serves two points, so two array tasks: the 3 mappings go to the shared job the
# array depends on (afterok), and every array task only simulates.
"$RERAM" sweep --plan "$T/plan.json" -o "$T/sl" --backend slurm --max-concurrent 2 --points-per-task 1 \
  --time 00:10:00 --wait -q > "$T/sl.out" 2> "$T/sl.err" || { cat "$T/sl.out" "$T/sl.err"; fail "slurm run"; }
grep -q "6 points in 6 array tasks, 3 shared stage tasks" "$T/sl.out" || { cat "$T/sl.out"; fail "submission summary"; }
grep -q -- "--dependency=afterok:[0-9]" "$T/sl.out" || { cat "$T/sl.out"; fail "array depends on the shared job"; }
grep -q "points: 6  done: 6  failed: 0  pending: 0" "$T/sl.out" || { cat "$T/sl.out"; fail "not all points done"; }
# The shared job computed the 3 mappings; no array task recomputed one.
n_maps=$(ls "$T/sl/cache/map" | grep -vc '\.')
[ "$n_maps" -eq 3 ] || fail "expected 3 mappings, got $n_maps"
for e in "$T"/sl/slurm/s001/logs/task_*.err; do
  grep -q "stages run 1, reused 1" "$e" || { cat "$e"; fail "array task $e did more than its simulation"; }
done
[ -s "$T/sl/results.csv" ] || fail "the collect job wrote no results.csv"

same_results "$T/local" "$T/sl" 6 "slurm results == local results"

status_and_collect "$T/sl" "points: 6  done: 6  failed: 0  pending: 0" 7
grep -q "array tasks: running 0, pending 0, done 6, ended unfinished 0" "$T/sl.status" || { cat "$T/sl.status"; fail "status of the array"; }
"$RERAM" sweep --plan "$T/plan.json" -o "$T/sl" --backend slurm > "$T/again.out"
grep -q "nothing to submit" "$T/again.out" || { cat "$T/again.out"; fail "re-submission of a finished sweep"; }
# A failing stage: recorded with its stderr tail, reported by --status, not re-submitted
# unless --retry-failed, which re-submits that point alone.
cat > "$T/bad.json" <<JSON
{"network": "$SRC/workloads/fmnist/lenet5.json", "arch": "$SRC/arch_configs/default.json",
 "set": ["chip.tiles=\"auto\""], "product": false,
 "points": [{"crossbar.shape": "64x64"}, {"crossbar.shape": "64x64", "sim.batch": 0}]}
JSON
set +e
"$RERAM" sweep --plan "$T/bad.json" -o "$T/bad" --backend slurm --wait -q > "$T/bad1.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$T/bad1.out"; fail "expected exit 3 (a failed point), got $rc"; }
"$RERAM" sweep --status -o "$T/bad" > "$T/bad.status"
grep -q "points: 2  done: 1  failed: 1  pending: 0" "$T/bad.status" || { cat "$T/bad.status"; fail "status of the failing sweep"; }
grep -q "^failed 1 (crossbar.shape=64x64 sim.batch=0): sim exited with status 1: .*--batch must be at least 1" "$T/bad.status" \
  || { cat "$T/bad.status"; fail "status shows the failed point with the stage's stderr tail"; }
"$RERAM" sweep --plan "$T/bad.json" -o "$T/bad" --backend slurm > "$T/bad2.out"
grep -q "nothing to submit" "$T/bad2.out" || { cat "$T/bad2.out"; fail "a failed point is re-submitted without --retry-failed"; }
set +e
"$RERAM" sweep --plan "$T/bad.json" -o "$T/bad" --backend slurm --retry-failed --wait -q > "$T/bad3.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$T/bad3.out"; fail "retry: expected exit 3, got $rc"; }
grep -q "^reram sweep: 1 points in 1 array tasks" "$T/bad3.out" || { cat "$T/bad3.out"; fail "--retry-failed should re-submit the failed point alone"; }
echo "sweep_slurm: ok"
