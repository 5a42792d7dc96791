#!/usr/bin/env bash
# Interrupted work loses nothing (issue 17): `kill -9` during map, sim, eval, train and prune
# leaves the output either as it was before (a complete earlier file) or complete and new;
# a write that fails for want of space (the file-size limit stands in for a full disk)
# is an error and leaves no file behind.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail=0
arch=$src/arch_configs/default.json
prev='{"previous": true}'
valid_json() { /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$1" 2>/dev/null; }
# kill_check NAME DELAY OUT CMD... : OUT holds $prev; run CMD, kill -9 it after DELAY s.
kill_check() {
  local name=$1 delay=$2 out=$3; shift 3
  echo "$prev" >"$out"
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$delay"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  if [ "$(cat "$out")" = "$prev" ]; then echo "ok   $name (killed at ${delay}s): previous output intact"
  elif valid_json "$out"; then echo "ok   $name (killed at ${delay}s): finished first, complete output"
  else echo "FAIL $name (killed at ${delay}s): output is neither the previous nor complete"; head -c 200 "$out"; fail=1; fi
}
have_data=1
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || [ -n "${RERAM_FASHION_MNIST_DIR:-}" ] || have_data=0
net=$src/workloads/imagenet/resnet50.json
vgg=(--network "$src/workloads/fmnist/vgg_fmnist.json" --weights "$src/workloads/fmnist/vgg_fmnist.npz")
for d in 0.3 1.0; do
  kill_check "map" "$d" "$t/m.json" "$bin" map --network "$net" --arch "$arch" --set crossbar.rows=32 --set crossbar.cols=32 \
    --set 'chip.tiles="auto"' -q -o "$t/m.json"
  kill_check "sim" "$d" "$t/s.json" "$bin" sim --network "$net" --arch "$arch" --set crossbar.rows=64 --set crossbar.cols=64 \
    --set 'chip.tiles="auto"' -q -o "$t/s.json"
  if [ $have_data = 1 ]; then
    kill_check "eval" "$d" "$t/e.json" "$bin" eval "${vgg[@]}" --arch "$arch" --samples 2000 --threads 1 -o "$t/e.json"
    kill_check "train" "$d" "$t/w.npz.json" "$bin" train "${vgg[@]}" --data fashion-mnist --train-limit 4000 --epochs 1 \
      --threads 1 -o "$t/w.npz" --report "$t/w.npz.json"
    kill_check "prune" "$d" "$t/p.json" "$bin" prune "${vgg[@]}" --arch "$arch" --set 'chip.tiles="auto"' --granularity column \
      --keep-crossbars 0.3 --finetune-epochs 1 --train-limit 4000 --test-limit 500 --threads 1 -o "$t/p.map.json" --report "$t/p.json"
  fi
done
# No space left: the write fails, the error says so, and neither the output nor a temporary file remains.
rm -f "$t"/full.*
( trap '' XFSZ; ulimit -f 8; exec "$bin" map --network "$net" --arch "$arch" --set 'chip.tiles="auto"' \
    --set crossbar.rows=32 --set crossbar.cols=32 -q -o "$t/full.json" ) >/dev/null 2>"$t/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "write failed" "$t/err" && [ -z "$(ls "$t" | grep '^full\.')" ]; then
  echo "ok   full disk: $(cat "$t/err")"
else echo "FAIL full disk: rc=$rc, files: $(ls "$t" | grep '^full\.' | tr '\n' ' ')"; cat "$t/err"; fail=1; fi
exit $fail
