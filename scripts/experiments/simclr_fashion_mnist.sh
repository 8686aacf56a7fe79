#!/usr/bin/env bash
# SimCLR on the 60,000 Fashion-MNIST training images (no labels) for at most 30 minutes, then:
# linear and kNN evaluation with all labels, the same on a random-init encoder, and the
# 10-labels-per-class comparison (linear probe of the pretrained encoder vs the same
# architecture trained supervised on those labels). Output: $RUNS (default runs/simclr-experiment).
# Usage: [WIDTH=32] [SIMCLR_OPTIONS="..."] bash scripts/experiments/simclr_fashion_mnist.sh [SEED]
set -euo pipefail
seed=${1:-0}
runs=${RUNS:-runs/simclr-experiment}
width=${WIDTH:-32}
source "$(dirname "$0")/lib.sh"

# Extra pretraining options, e.g. SIMCLR_OPTIONS="--batch-size 128 --crop-min-scale 0.5 --precision auto".
read -r -a extra <<< "${SIMCLR_OPTIONS:-}"
step pretrain simclr --minutes 30 --model resnet18 --width "$width" --temperature 0.2 "${extra[@]}" --run-name "simclr-seed$seed"
encoder=$(last "simclr-seed$seed")/encoder.safetensors
step linear-eval --encoder "$encoder" --run-name "linear-all-seed$seed"
step knn-eval --encoder "$encoder" --run-name "knn-all-seed$seed"
step linear-eval --encoder random --model resnet18 --width "$width" --run-name "linear-random-seed$seed"
step knn-eval --encoder random --model resnet18 --width "$width" --run-name "knn-random-seed$seed"
# 10 labels per class (+ 5 per class for validation, counted in the labels used)
step linear-eval --encoder "$encoder" --labels-per-class 10 --epochs 200 --run-name "linear-10pc-seed$seed"
step train --model resnet18 --width "$width" --labels-per-class 10 --epochs 200 --batch-size 100 --optimizer adam --learning-rate 1e-3 \
    --augment flip-crop --run-name "supervised-10pc-seed$seed"
