# Sourced by the sweep CLI tests, with RERAM set and fail() defined.

# status_and_collect OUT "points: ...  pending: N" ROWS: `reram sweep --status -o OUT`
# prints that line (its output stays in OUT.status for further checks); then --collect
# rebuilds a deleted OUT/results.csv with ROWS lines (header included).
status_and_collect() {
  "$RERAM" sweep --status -o "$1" > "$1.status"
  grep -q "$2" "$1.status" || { cat "$1.status"; fail "status of $1: expected '$2'"; }
  rm "$1/results.csv"
  "$RERAM" sweep --collect -o "$1" > /dev/null
  [ "$(wc -l < "$1/results.csv")" -eq "$3" ] || fail "collect did not rebuild $1/results.csv with $3 lines"
}

# same_results A B N WHAT: A/results.csv and B/results.csv hold the same N points, every
# one ok and every column equal; prints "WHAT: N points equal".
same_results() {
  /usr/bin/python3 - "$@" <<'PY'
import csv, sys
a_dir, b_dir, n, what = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
a = {r["point_id"]: r for r in csv.DictReader(open(f"{a_dir}/results.csv"))}
b = {r["point_id"]: r for r in csv.DictReader(open(f"{b_dir}/results.csv"))}
assert set(a) == set(b) and len(a) == n, (sorted(a), sorted(b))
for pid, ra in a.items():
    rb = b[pid]
    assert ra["status"] == rb["status"] == "ok", (pid, ra["status"], rb["status"])
    diff = {k: (ra[k], rb.get(k)) for k in ra if ra[k] != rb.get(k)}
    assert not diff, (pid, diff)
print(f"{what}: {n} points equal")
PY
}
