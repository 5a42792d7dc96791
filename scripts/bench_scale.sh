#!/usr/bin/env bash
# Simulator scale benchmark (issue 14): wall time and peak memory of `reram sim` (one core,
# taskset -c 0) for networks x crossbar shapes x dataflows x batch sizes, against the bar of
# 10 s and 2 GiB per run. A run over LIMIT seconds is stopped and reported as such. Then
# (FIT=1, default) the exponent of the event-driven cost: user time against the report's
# `simulation_work` (vectors x (crossbar groups + packets), summed over layers) over a
# series of growing cases, fitted by least squares on the logs.
#   scripts/bench_scale.sh [BUILD_DIR] [ARCH]      environment (defaults):
#     NETS="imagenet/resnet50 imagenet/vgg16 imagenet/mobilenetv2 imagenet/resnet18 imagenet/alexnet
#           cifar10/resnet18 cifar10/vgg8 cifar10/resnet20 fmnist/vgg_fmnist fmnist/resnet_fmnist fmnist/lenet5"
#     ONNX="resnet50 vgg16 densenet121 mobilenet_v2"  (torchvision exports made here by scripts/export_onnx.py)
#     SHAPES="32x32 64x64 128x128 256x256 512x512 64x256 256x64"  DATAFLOWS="layer pipelined"  BATCHES="1 8"
#     LIMIT=60  FIT=1  MATRIX=1  NOC=flow (chip.noc.model: flow | packet)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
arch="${2:-$root/arch_configs/isaac.json}"
nets=${NETS-"imagenet/resnet50 imagenet/vgg16 imagenet/mobilenetv2 imagenet/resnet18 imagenet/alexnet cifar10/resnet18 cifar10/vgg8 cifar10/resnet20 fmnist/vgg_fmnist fmnist/resnet_fmnist fmnist/lenet5"}
onnx=${ONNX-"resnet50 vgg16 densenet121 mobilenet_v2"}
shapes=${SHAPES:-"32x32 64x64 128x128 256x256 512x512 64x256 256x64"}
dataflows=${DATAFLOWS:-"layer pipelined"}
batches=${BATCHES:-"1 8"}
limit=${LIMIT:-60}
noc=${NOC:-flow}
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
declare -a labels=() files=()
for n in $nets; do labels+=("$n"); files+=("$root/workloads/$n.json"); done
if [ -n "$onnx" ]; then
  /usr/bin/python3 "$root/scripts/export_onnx.py" $onnx --out-dir "$tmp/onnx" >/dev/null
  for m in $onnx; do labels+=("onnx/$m"); files+=("$tmp/onnx/$m.onnx"); done
fi
echo "reram: $("$build/reram" --version)  arch: ${arch#$root/}  chip.noc.model=$noc  limit ${limit} s, one core"
sim() {  # sim FILE ROWS COLS DATAFLOW BATCH -> $tmp/t (wall user KiB), $tmp/s.json
  /usr/bin/time -f "%e %U %M" -o "$tmp/t" timeout "$limit" taskset -c 0 "$build/reram" sim \
    --network "$1" --arch "$arch" --set crossbar.rows=$2 --set crossbar.cols=$3 \
    --set chip.tiles=auto --set chip.noc.model="$noc" --dataflow "$4" --batch "$5" -q -o "$tmp/s.json" 2>/dev/null
}
if [ "${MATRIX:-1}" != 0 ]; then
  printf "| network | crossbar | dataflow | batch | crossbars | wall s | user s | peak MiB | bar (10 s, 2 GiB) |\n|---|---|---|---:|---:|---:|---:|---:|---|\n"
  over=0; runs=0
  for i in "${!labels[@]}"; do
    for shape in $shapes; do
      r=${shape%x*}; c=${shape#*x}
      for df in $dataflows; do
        for b in $batches; do
          runs=$((runs + 1))
          if sim "${files[$i]}" "$r" "$c" "$df" "$b"; then
            read -r wall user kb < "$tmp/t"
            xb=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['crossbars'])" "$tmp/s.json")
            ok=$(echo "$wall < 10 && $kb < 2097152" | bc)
            [ "$ok" = 1 ] || over=$((over + 1))
            printf "| %s | %s | %s | %s | %s | %.2f | %.2f | %.0f | %s |\n" "${labels[$i]}" "$shape" "$df" "$b" "$xb" "$wall" "$user" \
              "$(echo "$kb / 1024" | bc -l)" "$([ "$ok" = 1 ] && echo met || echo MISSED)"
          else
            over=$((over + 1))
            printf "| %s | %s | %s | %s | | > %s | | | MISSED (stopped) |\n" "${labels[$i]}" "$shape" "$df" "$b" "$limit"
          fi
        done
      done
    done
  done
  echo
  echo "$runs runs, $over over the bar"
fi
if [ "${FIT:-1}" != 0 ]; then
  # Growing cases: ResNet-18 (ImageNet shapes) from 256x256 down to 32x32 crossbars, and
  # ResNet-50 at 64x64 from batch 1 to 8: more crossbar groups, packets and vectors.
  echo
  echo "Event-driven cost against work (user s vs simulation_work):"
  echo "| case | simulation_work | user s |"
  echo "|---|---:|---:|"
  : > "$tmp/fit"
  for case in "resnet18 256 1" "resnet18 128 1" "resnet18 64 1" "resnet18 32 1" "resnet50 64 1" "resnet50 64 2" \
              "resnet50 64 4" "resnet50 64 8"; do
    read -r n s b <<< "$case"
    if sim "$root/workloads/imagenet/$n.json" "$s" "$s" layer "$b"; then
      read -r wall user kb < "$tmp/t"
      work=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['simulation_work'])" "$tmp/s.json")
      echo "$work $user" >> "$tmp/fit"
      printf "| imagenet/%s %sx%s batch %s | %.0f | %.2f |\n" "$n" "$s" "$s" "$b" "$work" "$user"
    else
      printf "| imagenet/%s %sx%s batch %s | | > %s (stopped) |\n" "$n" "$s" "$s" "$b" "$limit"
    fi
  done
  /usr/bin/python3 - "$tmp/fit" <<'P'
import math, sys
pts = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
pts = [(w, u) for w, u in pts if w > 0 and u > 0.05]  # below 50 ms the process start dominates
if len(pts) < 3:
    print("exponent: too few cases above 50 ms to fit"); sys.exit(0)
xs = [math.log(w) for w, _ in pts]; ys = [math.log(u) for _, u in pts]
mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
k = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
print("exponent of user time in work: %.3f over %d cases (at most linear: %s)" % (k, len(pts), "met" if k <= 1.1 else "MISSED"))
P
fi
