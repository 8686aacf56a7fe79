#!/usr/bin/env bash
# The source's semi-supervised protocol on Fashion-MNIST (issue "Learning from few labels"):
# 1,000 labeled training images (100 per class), 1,000 labeled validation images (100 per class,
# counted in the labels used), every other training image unlabeled, the source's CNN (seednet).
# Runs the supervised baseline, online and offline pseudo-labeling, FixMatch and Noisy Student
# with one seed; every method uses the same optimizer recipe (glean semi's defaults: batch 64,
# SGD-Nesterov 0.03, weight decay 5e-4, cosine, EMA 0.999) and flip + translate augmentation.
# Output: $RUNS (default runs/semi-experiment). Usage: bash scripts/experiments/semi_fashion_mnist.sh [SEED]
set -euo pipefail
seed=${1:-0}
runs=${RUNS:-runs/semi-experiment}
source "$(dirname "$0")/lib.sh"

protocol=(--model seednet --labels-per-class 100 --validation-per-class 100 --augment flip-crop)
recipe=(--batch-size 64 --optimizer nesterov --learning-rate 0.03 --ema-decay 0.999)
step train "${protocol[@]}" "${recipe[@]}" --epochs 100 --run-name "supervised-seed$seed"
step semi --method pseudo-label-online "${protocol[@]}" --epochs 10 --run-name "pl-online-seed$seed"
step semi --method pseudo-label-offline "${protocol[@]}" --teacher-epochs 100 --epochs 15 --run-name "pl-offline-seed$seed"
step semi --method fixmatch "${protocol[@]}" --epochs 12 --run-name "fixmatch-seed$seed"
step semi --method noisy-student "${protocol[@]}" --teacher-epochs 100 --epochs 5 --run-name "noisy-student-seed$seed"
grep -H "final test accuracy" "$runs"/*seed"$seed"/train.log
