#!/usr/bin/env bash
# `reram map` on malformed inputs: one-line error naming the problem and the file, non-zero exit.
set -u
bin=$1; src=$2
. "$src/tests/cli/lib/expect_error.sh"  # also makes $t and sets fail=0
arch=$src/arch_configs/default.json
cat >"$t/net.json" <<'J'
{"name":"n","input":{"channels":3,"height":8,"width":8},
 "layers":[{"name":"c1","type":"conv","out_channels":8,"kernel":3},{"name":"f","type":"flatten"},
           {"name":"fc","type":"linear","out_features":4}]}
J
"$bin" map --network "$t/net.json" --arch "$arch" -o "$t/m.json" --report "$t/r.json" >/dev/null || { echo "FAIL good network"; fail=1; }
sed 's/"kernel":3}/"kernel":3,"colour":1}/' "$t/net.json" >"$t/unknown.json"
expect_error unknown-key "unknown key 'colour'" "$bin" map --network "$t/unknown.json" --arch "$arch"
expect_error unknown-key-names-file "$t/unknown.json" "$bin" map --network "$t/unknown.json" --arch "$arch"
sed 's/"out_channels":8,"kernel":3}/"out_channels":8,"kernel":3,"groups":2}/; s/"channels":3/"channels":3/' "$t/net.json" >"$t/groups.json"
expect_error channels-mismatch "layer 'c1'" "$bin" map --network "$t/groups.json" --arch "$arch"
/usr/bin/python3 - "$t" <<'P' 2>/dev/null || /usr/bin/env python3 - "$t" <<'P2'
import sys, numpy as np
t = sys.argv[1]
np.savez(t + "/w.npz", **{"c1.weight": np.zeros((8, 4, 3, 3), np.float32), "fc.weight": np.zeros((4, 288), np.float32), "fc.bias": np.zeros(4, np.float32)})
P
import sys; open(sys.argv[1] + "/w.npz", "w").write("not a zip")
P2
expect_error weight-channels "c1" "$bin" map --network "$t/net.json" --weights "$t/w.npz" --arch "$arch"
head -c 40 "$t/net.json" >"$t/trunc.json"
expect_error truncated-json "malformed JSON" "$bin" map --network "$t/trunc.json" --arch "$arch"
expect_error missing-network "cannot open" "$bin" map --network "$t/nope.json" --arch "$arch"
expect_error missing-arch "cannot open" "$bin" map --network "$t/net.json" --arch "$t/nope.json"
# Not regular files: a device would read forever, a FIFO would block, a directory misparses.
expect_error device-arch "/dev/zero: not a regular file" "$bin" map --network "$t/net.json" --arch /dev/zero
mkdir "$t/dir.json"
expect_error directory-network "dir.json: is a directory" "$bin" map --network "$t/dir.json" --arch "$arch"
mkfifo "$t/fifo.onnx"
expect_error fifo-onnx "fifo.onnx: not a regular file" timeout 20 "$bin" map --network "$t/fifo.onnx" --arch "$arch"
expect_error bad-set "unknown key 'crossbar.rowz'" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.rowz=4
expect_error zero-rows "'rows'" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.rows=0
expect_error cell-above-weight "cell_bits" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.cell_bits=8 --set precision.weight_bits=4
expect_error ou-too-big "ou_cols" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.ou_cols=256
expect_error chip-too-small "chip.tiles=auto" "$bin" map --network "$t/net.json" --arch "$arch" --set chip.tiles=1 --set tile.pes=1 --set pe.crossbars=1
expect_error huge-rows "must be an integer in" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.rows=1e12
expect_error huge-number-set "device.v_read=1e999: number overflow" "$bin" map --network "$t/net.json" --arch "$arch" --set device.v_read=1e999
sed 's/"kernel":3}/"kernel":3e999}/' "$t/net.json" >"$t/huge.json"
expect_error huge-number-file "huge.json: malformed JSON;;number overflow" "$bin" map --network "$t/huge.json" --arch "$arch"
expect_error fractional-rows "must be an integer in" "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.rows=64.5
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
/usr/bin/python3 - "$t" <<'P'
import sys, numpy as np
t = sys.argv[1]
w = np.ones((8, 3, 3, 3), np.float32); w[1, 2, 0, 0] = np.nan
np.savez(t + "/nan.npz", **{"c1.weight": w, "fc.weight": np.zeros((4, 288), np.float32), "fc.bias": np.zeros(4, np.float32)})
P
expect_error nan-weight "non-finite value (nan)" "$bin" map --network "$t/net.json" --weights "$t/nan.npz" --arch "$arch"
expect_error nan-weight-names-array "array 'c1.weight'" "$bin" map --network "$t/net.json" --weights "$t/nan.npz" --arch "$arch"
fi
expect_error unknown-option "unrecognised\|unrecognized" "$bin" map --network "$t/net.json" --arch "$arch" --colour
# Useless geometries map, with a warning on stderr and in the report (issue 17).
if "$bin" map --network "$t/net.json" --arch "$arch" --set crossbar.rows=65536 --set crossbar.cols=65536 -q \
     --report "$t/huge.json" 2>"$t/warn"; then
  if grep -q "larger than every layer" "$t/warn" && grep -q "of their cells (below 10%)" "$t/warn" &&
     /usr/bin/python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))['warnings']) == 2" "$t/huge.json"; then
    echo "ok   huge-crossbar warnings: $(head -1 "$t/warn")"
  else echo "FAIL huge-crossbar warnings:"; cat "$t/warn"; fail=1; fi
else echo "FAIL huge crossbar did not map"; cat "$t/warn"; fail=1; fi
"$bin" map --network "$src/workloads/cifar10/resnet18.json" --arch "$arch" --set 'chip.tiles="auto"' -q 2>"$t/warn" || fail=1
if [ -s "$t/warn" ]; then echo "FAIL resnet18 at 128x128 warns:"; cat "$t/warn"; fail=1; else echo "ok   resnet18 at 128x128: no warning"; fi
# The report has the documented fields.
/usr/bin/python3 - "$t/r.json" <<'P' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("reram_version", "crossbars", "tiles", "pes", "weights", "layers"):
    assert k in r, k
for l in r["layers"]:
    for k in ("name", "rows", "cols", "slices", "crossbars", "utilization"):
        assert k in l, k
assert r["layers"][0]["rows"] == 27 and r["layers"][0]["cols"] == 8
assert r["layers"][1]["rows"] == 288
print("ok   report fields")
P
exit $fail
