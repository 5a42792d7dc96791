#!/usr/bin/env bash
# What the cost-model layer costs the simulator: CPU time (user + sys, median of N runs,
# pinned to core 0) of `reram sim` with this build against a build of the code before the
# layer (BASE_BUILD, e.g. a worktree of commit 56a6681 built with scripts/setup.sh), on
#   1. ResNet-18 CIFAR-10 shapes, arch_configs/isaac.json (table models in the new build);
#   2. the same network on arch_configs/default.json (physical models; the base build has
#      table figures there);
#   3. the trained ResNet-style Fashion-MNIST net WITH its weights on default.json (the
#      crossbar model prices every crossbar's stored conductances).
# Bar (issue 13): the layer adds under 10% to a ResNet-18 simulation.
#   scripts/bench_cost.sh BUILD_DIR BASE_BUILD_DIR [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
new="$1/reram"; base="$2/reram"; runs="${3:-5}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cpu() {  # cpu BINARY ARGS... -> median user+sys seconds over $runs runs
  local bin="$1"; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U %S" -o "$tmp/t" taskset -c 0 "$bin" sim "$@" -q -o "$tmp/o.json" 2>/dev/null
    awk '{print $1 + $2}' "$tmp/t"
  done | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
base_root="$(cd "$2/.." && pwd)"  # the base build's source tree (its own arch configs)
line() {  # line NAME ARCH_FILE ARGS...: each build reads ARCH_FILE from its own tree
  local name="$1" arch="$2"; shift 2
  local b n
  b=$(cpu "$base" --arch "$base_root/arch_configs/$arch" --set chip.tiles=auto "$@")
  n=$(cpu "$new" --arch "$root/arch_configs/$arch" --set chip.tiles=auto "$@")
  printf "%-44s base %6.3f s  new %6.3f s  ratio %5.3f\n" "$name" "$b" "$n" "$(echo "$n / $b" | bc -l)"
}
echo "new: $("$new" --version 2>/dev/null)  base: $("$base" --version 2>/dev/null)  median of $runs runs, CPU s, core 0"
r18="$root/workloads/cifar10/resnet18.json"
line "resnet18 cifar10, isaac.json (table)" isaac.json --network "$r18"
line "resnet18 cifar10, default.json (base: table; new: physical)" default.json --network "$r18"
line "resnet_fmnist + weights, default.json (base: table)" default.json --network "$root/workloads/fmnist/resnet_fmnist.json" \
  --weights "$root/workloads/fmnist/resnet_fmnist.npz"

# Instructions (callgrind: the same count for the same binary and inputs, whatever else
# the machine does), for the two comparisons the bar is about.
instr() {  # instr BINARY ARGS... -> instructions executed
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" sim "${@:2}" -q -o "$tmp/o.json" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
if command -v valgrind >/dev/null; then
  echo
  b=$(instr "$base" --network "$r18" --arch "$base_root/arch_configs/isaac.json" --set chip.tiles=auto)
  n=$(instr "$new" --network "$r18" --arch "$root/arch_configs/isaac.json" --set chip.tiles=auto)
  printf "%-44s base %12d  new %12d instructions  ratio %5.3f\n" "resnet18 cifar10, isaac.json (table)" "$b" "$n" \
    "$(echo "$n / $b" | bc -l)"
  # Pricing every crossbar's conductances (crossbar_rc) against a fixed per-cell figure
  # (table) at the same read latency, same binary, same net and weights.
  lat=$("$new" models --arch "$root/arch_configs/default.json" --json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['read_latency_ns'])")
  fm=(--network "$root/workloads/fmnist/resnet_fmnist.json" --weights "$root/workloads/fmnist/resnet_fmnist.npz")
  t=$(instr "$new" "${fm[@]}" --arch "$root/arch_configs/default.json" --set chip.tiles=auto \
      --set technology.crossbar.model=table --set crossbar.read_latency_ns="$lat")
  p=$(instr "$new" "${fm[@]}" --arch "$root/arch_configs/default.json" --set chip.tiles=auto)
  printf "%-44s table %11d  physical %11d instructions  ratio %5.3f\n" "resnet_fmnist + weights, default.json" "$t" "$p" \
    "$(echo "$p / $t" | bc -l)"
fi
