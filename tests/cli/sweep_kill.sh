#!/usr/bin/env bash
# kill -9 during `reram sweep` (issue 17): the sweep and all its workers are killed at
# several moments; every file left in the output directory is complete (each JSON parses,
# the CSV's rows have the header's width), and a re-run finishes the rest and gives the
# same figures per point as an uninterrupted sweep.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail=0
cat >"$t/plan.json" <<JSON
{"name": "kill", "network": "$src/workloads/cifar10/resnet18.json", "arch": "$src/arch_configs/default.json",
 "set": ["chip.tiles=\"auto\""],
 "axes": [{"key": "crossbar.shape", "values": ["32x32", "64x64", "128x128", "256x256"]},
          {"key": "precision.adc_bits", "values": [4, 6, 8]}]}
JSON
"$bin" sweep --plan "$t/plan.json" -o "$t/ref" --jobs 2 -q >/dev/null 2>&1 || { echo "FAIL reference sweep"; exit 1; }
check_complete() {  # every JSON in $1 parses; results.csv rows are as wide as its header
  /usr/bin/python3 - "$1" <<'P'
import csv, json, os, sys
bad = []
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(d, f)
        if ".tmp." in f:
            continue  # a writer's temporary file: never renamed into place, never read
        if f.endswith(".json"):
            try:
                json.load(open(p))
            except Exception as e:
                bad.append("%s: %s" % (p, e))
        elif f.endswith(".csv"):
            rows = list(csv.reader(open(p)))
            if rows and any(len(r) != len(rows[0]) for r in rows[1:]):
                bad.append(p + ": ragged rows")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
P
}
interrupted=0
for d in 0.5 2 4; do
  out="$t/out$d"
  setsid "$bin" sweep --plan "$t/plan.json" -o "$out" --jobs 2 -q >/dev/null 2>&1 &
  pid=$!
  sleep "$d"
  kill -9 -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  sleep 0.2
  if check_complete "$out"; then echo "ok   killed at ${d}s: every file left is complete"
  else echo "FAIL killed at ${d}s: a half-written file"; fail=1; fi
  "$bin" sweep --plan "$t/plan.json" -o "$out" --jobs 2 -q >/dev/null 2>"$t/err" || { echo "FAIL re-run after kill at ${d}s"; cat "$t/err"; fail=1; continue; }
  if /usr/bin/python3 - "$t/ref/results.csv" "$out/results.csv" <<'P'
import csv, sys
a = {r["point_id"]: r for r in csv.DictReader(open(sys.argv[1]))}
b = {r["point_id"]: r for r in csv.DictReader(open(sys.argv[2]))}
assert a.keys() == b.keys(), (len(a), len(b))
for k in a:
    for col in ("status", "cycles", "energy_pj", "area_mm2", "occupied_crossbars"):
        assert a[k][col] == b[k][col], (k, col, a[k][col], b[k][col])
P
  then
    summary=$(grep -o '[0-9]* done now, [0-9]* already finished' "$t/err")
    echo "ok   killed at ${d}s: the re-run completes with the uninterrupted figures ($summary)"
    case $summary in "0 done now"*) ;; *) interrupted=$((interrupted + 1)) ;; esac
  else echo "FAIL killed at ${d}s: results differ from the uninterrupted sweep"; fail=1; fi
done
# The test means something only if some kill landed mid-sweep.
[ "$interrupted" -gt 0 ] || { echo "FAIL every sweep finished before its kill: make the plan heavier"; fail=1; }
exit $fail
