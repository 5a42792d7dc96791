#!/usr/bin/env bash
# Re-creates the trained Fashion-MNIST workloads in workloads/fmnist/ (weights .npz and a
# per-epoch report .train.json). Usage: scripts/train_workloads.sh [RERAM_BINARY] [NET...]
# NET is lenet5, vgg_fmnist, resnet_fmnist or vit_fmnist (default: all four, one after another).
# One torch thread per run: on the shared 2-core machines it is faster than two.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
reram="${1:-$here/build/reram}"
shift || true
nets=("$@")
[ ${#nets[@]} -eq 0 ] && nets=(lenet5 vgg_fmnist resnet_fmnist vit_fmnist)
out="$here/workloads/fmnist"
for net in "${nets[@]}"; do
  case "$net" in
    lenet5)        args=(--epochs 8 --lr 0.02 --batch-size 128 --optimizer sgd --momentum 0.9 --weight-decay 5e-4 --schedule cosine --seed 1) ;;
    vgg_fmnist)    args=(--epochs 12 --lr 0.05 --batch-size 128 --optimizer sgd --momentum 0.9 --weight-decay 5e-4 --schedule cosine --seed 1) ;;
    resnet_fmnist) args=(--epochs 24 --augment --lr 0.05 --batch-size 128 --optimizer sgd --momentum 0.9 --weight-decay 5e-4 --schedule cosine --seed 1) ;;
    vit_fmnist)    args=(--epochs 20 --lr 0.001 --batch-size 128 --optimizer adam --weight-decay 5e-5 --schedule cosine --seed 1) ;;
    *) echo "unknown network '$net' (lenet5 | vgg_fmnist | resnet_fmnist | vit_fmnist)" >&2; exit 2 ;;
  esac
  echo "== $net: reram train --network workloads/fmnist/$net.json --data fashion-mnist ${args[*]} --threads 1 --from-scratch -o workloads/fmnist/$net.npz" >&2
  "$reram" train --network "$out/$net.json" --data fashion-mnist "${args[@]}" --threads 1 --from-scratch \
    -o "$out/$net.npz" --report "$out/$net.train.json"
done
