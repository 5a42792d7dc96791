#!/bin/bash
# reram sweep, local backend, end to end on a tiny plan: results agree with running the
# stages by hand, mappings are shared across ADC points, a re-run does no work, a bad
# point fails alone, status/collect/sweet-spot work, fork and exec modes agree.
set -euo pipefail
RERAM=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$SRC/tests/cli/lib/sweep.sh"

cat > "$T/plan.json" <<JSON
{
  "name": "tiny",
  "network": "$SRC/workloads/fmnist/lenet5.json",
  "arch": "$SRC/arch_configs/default.json",
  "set": ["chip.tiles=\"auto\""],
  "axes": [
    {"key": "crossbar.shape", "values": ["64x64", "128x256"]},
    {"key": "precision.adc_bits", "values": [6, 8]}
  ],
  "points": [{"crossbar.rows": -3}]
}
JSON

set +e
"$RERAM" sweep --plan "$T/plan.json" -o "$T/out" --jobs 2 2> "$T/log1"
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$T/log1"; fail "expected exit 3 (one failed point), got $rc"; }
grep -q "4 done now, 0 already finished, 1 failed" "$T/log1" || { cat "$T/log1"; fail "summary of first run"; }
# Two crossbar shapes -> two mappings; four (shape, adc) points -> four simulations.
[ "$(ls "$T/out/cache/map" | grep -vc '\.')" -eq 2 ] || fail "expected 2 cached mappings"
[ "$(ls "$T/out/cache/sim" | grep -vc '\.')" -eq 4 ] || fail "expected 4 cached simulations"

/usr/bin/python3 - "$T" "$RERAM" "$SRC" <<'PY'
import csv, json, subprocess, sys
t, reram, src = sys.argv[1:]
rows = list(csv.DictReader(open(f"{t}/out/results.csv")))
assert len(rows) == 5, len(rows)
bad = [r for r in rows if r["status"] == "failed"]
assert len(bad) == 1 and "rows" in bad[0]["error"], bad
ok = [r for r in rows if r["status"] == "ok"]
# Independent check: run map + sim by hand for one point and compare.
r = next(r for r in ok if r["xbar_rows"] == "128" and r["adc_bits"] == "6")
assert r["xbar_cols"] == "256" and r["aspect_ratio"] == "0.5", r
sets = ["--set", 'chip.tiles="auto"', "--set", "crossbar.rows=128", "--set", "crossbar.cols=256", "--set", "precision.adc_bits=6"]
arch = ["--arch", f"{src}/arch_configs/default.json"] + sets
subprocess.run([reram, "map", "--network", f"{src}/workloads/fmnist/lenet5.json", *arch, "-o", f"{t}/m.json", "-q"], check=True, stderr=subprocess.DEVNULL)
subprocess.run([reram, "sim", "--mapping", f"{t}/m.json", *arch, "-o", f"{t}/s.json", "-q"], check=True, stderr=subprocess.DEVNULL)
s = json.load(open(f"{t}/s.json"))
assert int(r["cycles"]) == s["cycles"], (r["cycles"], s["cycles"])
assert abs(float(r["energy_pj"]) - s["energy_pj"]["total"]) <= 1e-6 * max(1.0, s["energy_pj"]["total"])
assert int(float(r["occupied_crossbars"])) == s["compression"]["occupied_crossbars"]
# Resolved config of each point is written beside its result.
res = json.load(open(f"{t}/out/results.json"))
pid = r["point_id"]
a = json.load(open(f"{t}/out/points/{pid}/arch.json"))
assert a["crossbar"]["rows"] == 128 and a["crossbar"]["cols"] == 256 and a["precision"]["adc_bits"] == 6
PY

# Re-run: nothing to do (the failed point stands until --retry-failed).
"$RERAM" sweep --plan "$T/plan.json" -o "$T/out" --jobs 2 2> "$T/log2" || true
grep -q "0 done now, 5 already finished, 0 failed, 0 not run; stages run 0" "$T/log2" || { cat "$T/log2"; fail "re-run did work"; }

status_and_collect "$T/out" "points: 5  done: 4  failed: 1  pending: 0" 6
grep -q "^failed 4 (crossbar.rows=-3)" "$T/out.status" || { cat "$T/out.status"; fail "status lists the failure"; }
"$RERAM" sweep --sweet-spot -o "$T/out" > "$T/sweet"
grep -q "Best energy efficiency" "$T/sweet" || { cat "$T/sweet"; fail "sweet spot"; }
[ -s "$T/out/sweet_spot.json" ] || fail "sweet_spot.json"

# exec mode gives the same numbers as fork mode.
cat > "$T/plan1.json" <<JSON
{"network": "$SRC/workloads/fmnist/lenet5.json", "arch": "$SRC/arch_configs/default.json",
 "set": ["chip.tiles=\"auto\""], "points": [{"crossbar.shape": "64x64", "precision.adc_bits": 6}]}
JSON
"$RERAM" sweep --plan "$T/plan1.json" -o "$T/exec" --exec -q 2> /dev/null
/usr/bin/python3 - "$T" <<'PY'
import csv, sys
t = sys.argv[1]
a = list(csv.DictReader(open(f"{t}/exec/results.csv")))[0]
b = next(r for r in csv.DictReader(open(f"{t}/out/results.csv")) if r["point_id"] == a["point_id"])
diff = {k: (a[k], b[k]) for k in a if k != "index" and k != "label" and a[k] != b.get(k)}
assert not diff, diff
PY
echo "sweep_local: ok"
