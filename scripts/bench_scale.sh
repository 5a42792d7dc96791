#!/usr/bin/env bash
# Simulator scale benchmark (issue 14): wall time and peak memory of `reram sim` (one core,
# taskset -c 0) for networks x crossbar shapes x dataflows x batch sizes, against the bar of
# 10 s and 2 GiB per run. A run over LIMIT seconds is stopped and reported as such.
#   scripts/bench_scale.sh [BUILD_DIR] [ARCH]      environment (defaults):
#     NETS="imagenet/resnet50 imagenet/vgg16 imagenet/mobilenetv2 imagenet/resnet18 imagenet/alexnet
#           cifar10/resnet18 cifar10/vgg8 cifar10/resnet20 fmnist/vgg_fmnist fmnist/resnet_fmnist fmnist/lenet5"
#     SHAPES="32x32 64x64 128x128 256x256 512x512 64x256 256x64"  DATAFLOWS="layer pipelined"  BATCHES="1 8"  LIMIT=60
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
arch="${2:-$root/arch_configs/isaac.json}"
nets=${NETS:-"imagenet/resnet50 imagenet/vgg16 imagenet/mobilenetv2 imagenet/resnet18 imagenet/alexnet cifar10/resnet18 cifar10/vgg8 cifar10/resnet20 fmnist/vgg_fmnist fmnist/resnet_fmnist fmnist/lenet5"}
shapes=${SHAPES:-"32x32 64x64 128x128 256x256 512x512 64x256 256x64"}
dataflows=${DATAFLOWS:-"layer pipelined"}
batches=${BATCHES:-"1 8"}
limit=${LIMIT:-60}
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "reram: $("$build/reram" --version)  arch: ${arch#$root/}  limit ${limit} s, one core"
printf "| network | crossbar | dataflow | batch | crossbars | wall s | user s | peak MiB | bar (10 s, 2 GiB) |\n|---|---|---|---:|---:|---:|---:|---:|---|\n"
worst=0; over=0; runs=0
for net in $nets; do
  for shape in $shapes; do
    r=${shape%x*}; c=${shape#*x}
    for df in $dataflows; do
      for b in $batches; do
        runs=$((runs + 1))
        if /usr/bin/time -f "%e %U %M" -o "$tmp/t" timeout "$limit" taskset -c 0 "$build/reram" sim \
            --network "$root/workloads/$net.json" --arch "$arch" --set crossbar.rows=$r --set crossbar.cols=$c \
            --set chip.tiles=auto --dataflow "$df" --batch "$b" -q -o "$tmp/s.json" 2>/dev/null; then
          read -r wall user kb < "$tmp/t"
          xb=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['crossbars'])" "$tmp/s.json")
          ok=$(echo "$wall < 10 && $kb < 2097152" | bc)
          [ "$ok" = 1 ] || over=$((over + 1))
          printf "| %s | %s | %s | %s | %s | %.2f | %.2f | %.0f | %s |\n" "$net" "$shape" "$df" "$b" "$xb" "$wall" "$user" \
            "$(echo "$kb / 1024" | bc -l)" "$([ "$ok" = 1 ] && echo met || echo MISSED)"
        else
          over=$((over + 1))
          printf "| %s | %s | %s | %s | | > %s | | | MISSED (stopped) |\n" "$net" "$shape" "$df" "$b" "$limit"
        fi
      done
    done
  done
done
echo
echo "$runs runs, $over over the bar"
