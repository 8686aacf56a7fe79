#!/usr/bin/env bash
# The transfer and distillation comparisons on Fashion-MNIST (issue "Learning from unlabeled images"):
#  1. transfer: a ResNet-18 (width 32) trained on classes 0-4, fine-tuned on classes 5-9 with 10 labels
#     per class, against the same recipe from a random initialisation;
#  2. distillation: a ResNet-18 teacher trained on 1,000 labels (100 per class) distilled into SeedNet
#     through the unlabeled training images, against SeedNet trained alone on the same 1,000 labels.
# Validation labels (5 per class) are counted in the labels used. Output: $RUNS (default runs/transfer-experiment).
# Usage: bash scripts/experiments/transfer_and_distillation.sh [SEED]
set -euo pipefail
seed=${1:-0}
runs=${RUNS:-runs/transfer-experiment}
source "$(dirname "$0")/lib.sh"

# 1. Transfer: source task = classes 0-4 with all their labels.
step train --model resnet18 --width 32 --classes 0-4 --epochs 3 --augment flip-crop --run-name "source-0to4-seed$seed"
finetune=(--classes 5-9 --labels-per-class 10 --epochs 60 --batch-size 64 --frozen-epochs 10 --backbone-lr-scale 0.1)
step finetune --encoder "$(last "source-0to4-seed$seed")/best.safetensors" "${finetune[@]}" --run-name "finetune-5to9-seed$seed"
step finetune --encoder random --model resnet18 --width 32 "${finetune[@]}" --frozen-epochs 0 --backbone-lr-scale 1 \
    --run-name "scratch-5to9-seed$seed"

# 2. Distillation: teacher and student-alone on the same 1,000 labels.
labels=(--labels-per-class 100 --augment flip-crop)
step train --model resnet18 "${labels[@]}" --epochs 30 --optimizer adam --learning-rate 1e-3 --run-name "teacher-seed$seed"
step train --model seednet "${labels[@]}" --epochs 30 --optimizer adam --learning-rate 1e-3 --run-name "student-alone-seed$seed"
step distill --teacher "$(last "teacher-seed$seed")/best.safetensors" --model seednet "${labels[@]}" --targets unlabeled \
    --epochs 4 --run-name "student-distilled-seed$seed"
grep -h "final test accuracy\|teacher's test" "$runs"/*/train.log
