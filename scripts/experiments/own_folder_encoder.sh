#!/usr/bin/env bash
# Three labels per class of one's own RGB images: does an encoder of the pile, pretrained within a
# few minutes, carry a fine-tune past training from scratch? For each seed: `glean pretrain simclr`
# on the unlabeled pile for $MINUTES minutes (defaults otherwise), then on the 30 labels (all of
# them train: --validation-split 0) and the separate test folder: kNN on the encoder, `glean train`
# from the encoder, and `glean train` from scratch.
#   bash scripts/experiments/own_folder_encoder.sh [SEEDS...]     (default 0 1 2)
# Needs data/digits-rgb-own (bash scripts/datasets/make_digits.sh).
set -euo pipefail
runs=${RUNS:-runs/own-folder-encoder}
seed=0
source "$(dirname "$0")/lib.sh"
own=data/digits-rgb-own
minutes=${MINUTES:-6}
[ -d "$own/pile" ] || { echo "make $own first: bash scripts/datasets/make_digits.sh" >&2; exit 1; }
labels="--dataset imagefolder --data-dir $own/labeled --test-dir $own/test --labels-per-class 0 --validation-split 0 --image-size 32"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
    step pretrain simclr --dataset imagefolder --data-dir "$own/pile" --image-size 32 --minutes "$minutes" --run-name "simclr-s$seed" | tail -3
    encoder="$(last "simclr-s$seed")/encoder.safetensors"
    step knn-eval --encoder "$encoder" $labels --run-name "knn-s$seed" | grep -E "test|raw-pixel"
    step train $labels --model resnet18 --width 16 --init "$encoder" --batch-size 16 --epochs 6 --steps-per-epoch 50 \
        --run-name "finetune-s$seed" | grep -E "final test|raw-pixel"
    step train $labels --run-name "scratch-s$seed" | grep -E "final test|raw-pixel"
done
