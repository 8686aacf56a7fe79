#!/usr/bin/env bash
# 10 labels per class (100 labels, no validation labels) within 30 minutes of wall time,
# pretraining included: SimCLR on the 60,000 Fashion-MNIST training images (no labels) for
# $PRETRAIN minutes, then FlexMatch from that encoder for the rest of the budget, on a ResNet-18
# of width 16. Output: $RUNS (default runs/ten-labels-experiment).
# Usage: [PRETRAIN=11] [TOTAL=30] bash scripts/experiments/ten_labels_30_minutes.sh [SEED]
set -euo pipefail
seed=${1:-0}
runs=${RUNS:-runs/ten-labels-experiment}
pretrain=${PRETRAIN:-11}
total=${TOTAL:-30}
source "$(dirname "$0")/lib.sh"

start=$(date +%s)
step pretrain simclr --minutes "$pretrain" --model resnet18 --width 16 --temperature 0.2 --precision auto \
    --run-name "simclr-w16-seed$seed"
encoder=$(last "simclr-w16-seed$seed")/encoder.safetensors
# What is left of the budget, less a minute for loading, the final evaluation and the report.
left=$(( total - 1 - ($(date +%s) - start + 59) / 60 ))
step semi --method flexmatch --init "$encoder" --model resnet18 --width 16 --labels-per-class 10 \
    --validation-per-class 0 --unlabeled-ratio 3 --steps-per-epoch 50 --minutes "$left" --precision auto \
    --run-name "flexmatch-from-simclr-seed$seed"
echo "total wall time $(( $(date +%s) - start )) s"
