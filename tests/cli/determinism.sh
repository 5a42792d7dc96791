#!/usr/bin/env bash
# Same inputs, same outputs: `reram map` and `reram sim` run twice give byte-identical files, and a
# changed input (a --set override) gives a different report, so the comparison can fail.
set -u
bin=$1; src=$2
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail=0
net=$src/workloads/fmnist/lenet5.json
arch=$src/arch_configs/default.json
for run in a b; do
  "$bin" map --network "$net" --arch "$arch" -o "$t/$run.map.json" --report "$t/$run.mapreport.json" >/dev/null 2>&1 \
    || { echo "FAIL map run $run"; fail=1; }
  "$bin" sim --mapping "$t/a.map.json" --arch "$arch" -o "$t/$run.sim.json" >/dev/null 2>&1 \
    || { echo "FAIL sim run $run"; fail=1; }
done
for f in map.json mapreport.json sim.json; do
  if cmp -s "$t/a.$f" "$t/b.$f"; then echo "ok   $f identical"; else echo "FAIL $f differs between runs"; fail=1; fi
done
for f in "$t"/a.map.json; do
  npz="${f%.json}.npz"
  [ -f "$npz" ] && { cmp -s "$npz" "$t/b.map.npz" && echo "ok   map.npz identical" || { echo "FAIL map.npz differs"; fail=1; }; }
done
grep -q '"reram_version"' "$t/a.sim.json" || { echo "FAIL sim report lacks reram_version"; fail=1; }
"$bin" sim --mapping "$t/a.map.json" --arch "$arch" --set precision.adc_bits=6 -o "$t/c.sim.json" >/dev/null 2>&1 \
  || { echo "FAIL sim with override"; fail=1; }
if cmp -s "$t/a.sim.json" "$t/c.sim.json"; then echo "FAIL an override left the report unchanged"; fail=1; else echo "ok   override changes the report"; fi
exit $fail
