#!/usr/bin/env bash
# Imbalance and label-noise tools on Fashion-MNIST (issue "Learning from few labels"), SeedNet:
#  imbalance  classes 0-4 cut to 10% of their training images: plain training against the
#             class-weighted loss and the class-balanced sampler (the test split stays balanced,
#             so its accuracy is the balanced accuracy);
#  disturb    all labels, plain training against DisturbLabel (alpha 10).
# Usage: bash scripts/experiments/imbalance_and_label_noise.sh imbalance|disturb [SEED]
# Output: $RUNS (default runs/imbalance-experiment).
set -euo pipefail
part=${1:?imbalance or disturb}
seed=${2:-0}
runs=${RUNS:-runs/imbalance-experiment}
source "$(dirname "$0")/lib.sh"

recipe=(--model seednet --epochs 10 --augment flip-crop)
case "$part" in
imbalance)
    cut=(--subsample-classes 0-4 --subsample-fraction 0.1)
    step train "${recipe[@]}" "${cut[@]}" --run-name "imbalanced-plain-seed$seed"
    step train "${recipe[@]}" "${cut[@]}" --class-weights balanced --run-name "imbalanced-weighted-loss-seed$seed"
    step train "${recipe[@]}" "${cut[@]}" --sampler balanced --run-name "imbalanced-balanced-sampler-seed$seed"
    ;;
disturb)
    step train "${recipe[@]}" --run-name "plain-seed$seed"
    step train "${recipe[@]}" --disturb-label 10 --run-name "disturb-label-seed$seed"
    ;;
*) echo "unknown part '$part'" >&2; exit 2 ;;
esac
grep -H "final test accuracy\|balanced accuracy" "$runs"/*seed"$seed"/train.log
