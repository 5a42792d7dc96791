#!/bin/bash
# reram prune end to end on a tiny net: trains a few steps, prunes with column grain to
# 40% of the crossbars with one short fine-tuning epoch, checks the mapping and the
# report against the budget, and checks that bad input fails with a one-line error.
set -eu
RERAM=$1 SRC=$2
. "$SRC/tests/cli/lib/tiny_cnn.sh"
tiny_cnn_setup 6 50 c3 bn --train-limit 512 --test-limit 200
ARCH="$SRC/arch_configs/default.json"
"$RERAM" prune --network "$T/net.json" --weights "$T/w.npz" --arch "$ARCH" --set crossbar.rows=64 --set crossbar.cols=64 \
  --granularity column --optimizer magnitude --keep-crossbars 0.4 --finetune-epochs 1 \
  --train-limit 512 --test-limit 200 --quiet -o "$T/m.json" --report "$T/r.json" > "$T/out.txt"
test -s "$T/m.json" && test -s "$T/m.npz" || { echo "mapping files missing"; exit 1; }
/usr/bin/python3 - "$T/r.json" "$T/m.json" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
tp = r["total_prunable"]
# c2, c3, fc1 are prunable; their dense crossbars on 64x64 / 8-bit / 2-bit cells (16 logical cols):
# c2: 54 rows x 40 -> 1*3, c3: 360 x 36 -> 6*3, fc1: 36*3*3=324... recomputed here independently.
def dense(rows, cols): return math.ceil(rows / 64) * math.ceil(cols / 16)
want = dense(6 * 9, 40) + dense(40 * 9, 36) + dense(36 * 3 * 3, 50)
assert tp["dense_crossbars"] == want, (tp, want)
assert tp["occupied_crossbars"] <= math.floor(0.4 * want), tp
for k in ("dense", "pruned", "finetuned"):
    a = r["accuracy"][k]
    assert a is not None and 0.0 <= a <= 1.0, (k, a)
names = {l["layer"]: l for l in r["layers"]}
assert names["c1"]["granularity"] == "dense" and names["fc2"]["granularity"] == "dense"
for n in ("c2", "c3", "fc1"):
    l = names[n]
    assert l["granularity"] == "column" and l["col_recombine"] and l["index_bits"] > 0, l
    assert l["compression"] == l["dense_crossbars"] / l["occupied_crossbars"]
assert m["pruning"]["granularity"] == "column" and m["pruning"]["optimizer"] == "magnitude"
assert "reram_version" in r and r["options"]["keep_crossbars"] == 0.4
print("report ok")
PY
grep -q "prunable layers" "$T/out.txt"
# Bad input: a misspelt granularity is a one-line error and a non-zero exit.
if "$RERAM" prune --network "$T/net.json" --weights "$T/w.npz" --arch "$ARCH" --granularity colum \
     --keep-crossbars 0.4 --data none -o "$T/x.json" 2> "$T/err.txt"; then
  echo "misspelt granularity accepted"; exit 1
fi
grep -q "unknown granularity 'colum'" "$T/err.txt" || { cat "$T/err.txt"; exit 1; }
test "$(grep -c "error:" "$T/err.txt")" -eq 1 || { echo "error not one line"; cat "$T/err.txt"; exit 1; }
# No target at all.
if "$RERAM" prune --network "$T/net.json" --weights "$T/w.npz" --arch "$ARCH" --data none -o "$T/x.json" 2> "$T/err.txt"; then
  echo "missing target accepted"; exit 1
fi
grep -q "exactly one target" "$T/err.txt"
echo "prune_basic ok"
