#!/usr/bin/env bash
# bf16 mixed precision against fp32 on Fashion-MNIST (issue "Fast on every CPU"): the same
# `glean train --model resnet18` run (same seed, same epochs) in both arithmetics; the bar is a
# test accuracy within 0.3 points. Output: $RUNS (default runs/bf16-accuracy).
# Usage: bash scripts/experiments/bf16_accuracy.sh [SEED] [EPOCHS]
set -euo pipefail
seed=${1:-0}
epochs=${2:-2}
runs=${RUNS:-runs/bf16-accuracy}
source "$(dirname "$0")/lib.sh"

for precision in fp32 bf16; do
    step train --model resnet18 --epochs "$epochs" --precision "$precision" --run-name "resnet18-$precision-seed$seed"
done
grep -H "final test accuracy" "$runs"/*resnet18-*-seed"$seed"/train.log
