#!/usr/bin/env bash
# Simulator speed benchmark: wall time and peak memory of `reram sim` on one core.
#   scripts/bench_sim.sh [BUILD_DIR]      (default: build; run it on an otherwise idle machine)
# Prints one line per run (network, options, simulated cycles, wall and user seconds,
# peak RSS) and the issue-3 targets: ResNet-18 CIFAR-10 event-driven < 5 s, ResNet-18
# ImageNet < 60 s, clocked >= 10x slower than event-driven on the same run, peak < 2 GiB;
# and issue 19's: ViT-B/16 (workloads/imagenet/vit_b_16.json, on arch_configs/default.json, which has
# the attention units) < 30 s on one core.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
reram="$build/reram"
arch="$root/arch_configs/isaac.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "reram: $("$reram" --version 2>/dev/null || echo unknown)  arch: arch_configs/isaac.json  host: $(nproc) cores, pinned to core 0"

maxkb=0
run() {  # run NAME NET [extra sim args...]; sets $secs
  local name="$1" net="$2"
  shift 2
  local out="$tmp/r.json"
  /usr/bin/time -f "%e %U %M" -o "$tmp/time" taskset -c 0 "$reram" sim --network "$net" --arch "$arch" -q -o "$out" "$@" 2>/dev/null
  local kb user
  read -r secs user kb <"$tmp/time"
  [ "$kb" -gt "$maxkb" ] && maxkb=$kb
  local cycles
  cycles=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cycles'])" "$out")
  printf "%-18s %-22s cycles %-11s wall %7.2f s  user %7.2f s  peak %7.1f MiB\n" "$name" "${*:-event layer}" "$cycles" \
    "$secs" "$user" "$(echo "$kb/1024" | bc -l)"
}
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "MISSED"; fi; }

cifar="$root/workloads/cifar10/resnet18.json"
imagenet="$root/workloads/imagenet/resnet18.json"
run resnet18_cifar10 "$cifar"
ev=$secs
run resnet18_cifar10 "$cifar" --dataflow pipelined
run resnet18_imagenet "$imagenet"
in=$secs
run resnet18_imagenet "$imagenet" --dataflow pipelined
in_p=$secs
run resnet18_cifar10 "$cifar" --clocked
ck=$secs
arch="$root/arch_configs/default.json"
echo "transformers on arch_configs/default.json:"
run vit_b_16 "$root/workloads/imagenet/vit_b_16.json" --set chip.tiles=auto
vit=$secs
run vit_b_16 "$root/workloads/imagenet/vit_b_16.json" --set chip.tiles=auto --set chip.dynamic_products=crossbar
vit_x=$secs
run bert_base "$root/workloads/glue/bert_base.json" --set chip.tiles=auto
echo
printf "target ResNet-18 CIFAR-10 event-driven < 5 s:   %6.2f s   %s\n" "$ev" "$(verdict "$(echo "$ev < 5" | bc)")"
printf "target ResNet-18 ImageNet < 60 s:               %6.2f s (pipelined %.2f s)   %s\n" "$in" "$in_p" \
  "$(verdict "$(echo "$in < 60 && $in_p < 60" | bc)")"
printf "target clocked >= 10x event-driven (CIFAR-10):  %6.1fx   %s\n" "$(echo "$ck/$ev" | bc -l)" \
  "$(verdict "$(echo "$ck >= 10 * $ev" | bc)")"
printf "target ViT-B/16 < 30 s on one core:             %6.2f s (crossbar products %.2f s)   %s\n" "$vit" "$vit_x" \
  "$(verdict "$(echo "$vit < 30 && $vit_x < 30" | bc)")"
printf "target peak memory < 2 GiB:                     %6.1f MiB   %s\n" "$(echo "$maxkb/1024" | bc -l)" \
  "$(verdict "$(echo "$maxkb < 2097152" | bc)")"
