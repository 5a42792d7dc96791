#!/usr/bin/env bash
# Simulator speed benchmark: wall time and peak memory of `reram sim` (one core).
#   scripts/bench_sim.sh [BUILD_DIR]      (default: build)
# Prints one line per run: network, mode, cycles, wall seconds, peak RSS MiB.
# Targets (issue 3): ResNet-18 CIFAR-10 event-driven < 5 s, ResNet-18 ImageNet < 60 s,
# clocked >= 10x slower than event-driven on the same run, peak memory < 2 GiB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
reram="$build/reram"
arch="$root/arch_configs/isaac.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

run() {  # name net mode(extra args...)
  local name="$1" net="$2"
  shift 2
  local out="$tmp/r.json"
  /usr/bin/time -f "%e %M" -o "$tmp/time" taskset -c 0 "$reram" sim --network "$net" --arch "$arch" -q -o "$out" "$@" 2>/dev/null
  read -r secs kb <"$tmp/time"
  local cycles
  cycles=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cycles'])" "$out")
  printf "%-26s %-22s cycles %-10s wall %6.2f s  peak %6.1f MiB\n" "$name" "$*" "$cycles" "$secs" "$(echo "$kb/1024" | bc -l)"
  echo "$secs" >"$tmp/last"
}

run resnet18_cifar10 "$root/workloads/cifar10/resnet18.json"
ev=$(cat "$tmp/last")
run resnet18_cifar10 "$root/workloads/cifar10/resnet18.json" --clocked
ck=$(cat "$tmp/last")
printf "clocked / event-driven wall time: %.1fx\n" "$(echo "$ck/$ev" | bc -l)"
run resnet18_cifar10 "$root/workloads/cifar10/resnet18.json" --dataflow pipelined
run resnet18_imagenet "$root/workloads/imagenet/resnet18.json"
run resnet18_imagenet "$root/workloads/imagenet/resnet18.json" --dataflow pipelined
