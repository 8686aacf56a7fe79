#!/usr/bin/env bash
# Three labels per class of one's own RGB images (data/digits-rgb-own: labeled/, pile/, test/),
# against `glean train` from scratch on the same 30 labels, on the separate 1,000-image test folder.
#   bash scripts/experiments/own_folder.sh encoder [SEEDS...]   SimCLR on the pile for $MINUTES (6)
#       minutes, then kNN on the encoder and `glean train` from it (300 steps of 16)
#   bash scripts/experiments/own_folder.sh semi [SEEDS...]      `glean semi` with its defaults in
#       $MINUTES (10) minutes (--method auto: pretrain, then fine-tune)
# Seeds default to 0 1 2. Needs data/digits-rgb-own (bash scripts/datasets/make_digits.sh).
set -euo pipefail
mode=${1:-}
[ "$mode" = encoder ] || [ "$mode" = semi ] || { echo "usage: $0 encoder|semi [SEEDS...]" >&2; exit 2; }
shift
runs=${RUNS:-runs/own-folder-$mode}
seed=0
source "$(dirname "$0")/lib.sh"
own=data/digits-rgb-own
[ -d "$own/pile" ] || { echo "make $own first: bash scripts/datasets/make_digits.sh" >&2; exit 1; }
labels="--dataset imagefolder --data-dir $own/labeled --test-dir $own/test --labels-per-class 0 --validation-split 0 --image-size 32"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
    if [ "$mode" = encoder ]; then
        step pretrain simclr --dataset imagefolder --data-dir "$own/pile" --image-size 32 --minutes "${MINUTES:-6}" --run-name "simclr-s$seed" | tail -3
        encoder="$(last "simclr-s$seed")/encoder.safetensors"
        step knn-eval --encoder "$encoder" $labels --run-name "knn-s$seed" | grep -E "test|raw-pixel"
        step train $labels --model resnet18 --width 16 --init "$encoder" --batch-size 16 --epochs 6 --steps-per-epoch 50 \
            --run-name "finetune-s$seed" | grep -E "final test|raw-pixel"
    else
        step semi $labels --unlabeled-dir "$own/pile" --minutes "${MINUTES:-10}" --run-name "semi-s$seed" 2>&1 \
            | grep -E "method auto|step . of|final test|raw-pixel|vs raw|wall"
    fi
    step train $labels --run-name "scratch-s$seed" | grep -E "final test"
done
