#!/usr/bin/env bash
# The small ViT on crossbars (docs/transformers.md): accuracy on hardware with a lossless
# ADC, then pruned at crossbar granularity to half of all its crossbars and fine-tuned, per
# seed, each pruned mapping evaluated on hardware too.
#   scripts/vit_study.sh [BUILD_DIR] [OUT_DIR]     (FT_EPOCHS=15 SEEDS="1 2 3" KEEP=0.47 LR=0.02)
# ~8 minutes per seed on one core. Writes OUT_DIR/{dense_eval.json, seedS/{prune,eval}.json}
# and prints one line per run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reram="${1:-$root/build}/reram" out="${2:-$root/results/transformers}" arch="$root/arch_configs/default.json"
net="$root/workloads/fmnist/vit_fmnist.json" weights="$root/workloads/fmnist/vit_fmnist.npz"
# KEEP is of the prunable layers: with the patch embedding and the head dense, 0.47 keeps 22
# of all 45 crossbars (<= half).
ft="${FT_EPOCHS:-15}" keep="${KEEP:-0.47}"
mkdir -p "$out"
lossless=(--set precision.adc_bits=auto)
acc() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['result']; print(', '.join('%s %.2f %%' % (k, 100 * r[k]) for k in sys.argv[2:]))" "$@"; }
"$reram" eval --network "$net" --weights "$weights" --arch "$arch" "${lossless[@]}" --data fashion-mnist --threads 1 \
  -o "$out/dense_eval.json" >/dev/null
echo "dense: $(acc "$out/dense_eval.json" accuracy_float accuracy_quantized accuracy_on_hardware)"
for seed in ${SEEDS:-1 2 3}; do
  d="$out/seed$seed"
  mkdir -p "$d"
  "$reram" prune --network "$net" --weights "$weights" --arch "$arch" --granularity crossbar --optimizer magnitude \
    --allocation score --keep-crossbars "$keep" --finetune-epochs "$ft" --lr "${LR:-0.02}" --seed "$seed" --threads 1 --quiet \
    -o "$d/mapping.json" --report "$d/prune.json" >/dev/null
  "$reram" eval --mapping "$d/mapping.json" --arch "$arch" "${lossless[@]}" --data fashion-mnist --threads 1 \
    -o "$d/eval.json" -q
  /usr/bin/python3 - "$d/prune.json" "$d/eval.json" "$seed" <<'EOF'
import json, sys
p, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["result"]
t = p["total"]
print("seed %s: crossbars %d -> %d, fine-tuned %.2f %%, on hardware %.2f %% (quantised %.2f %%)" % (
    sys.argv[3], t["dense_crossbars"], t["occupied_crossbars"], 100 * p["accuracy"]["finetuned"],
    100 * e["accuracy_on_hardware"], 100 * e["accuracy_quantized"]))
EOF
done
