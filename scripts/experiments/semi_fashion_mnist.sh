#!/usr/bin/env bash
# The source's semi-supervised protocol on Fashion-MNIST (issue "Learning from few labels"):
# 1,000 labeled training images (100 per class), 1,000 labeled validation images (100 per class,
# counted in the labels used), every other training image unlabeled, the source's CNN (seednet).
# Every method uses the same optimizer recipe (glean semi's defaults: batch 64, SGD-Nesterov
# 0.03, weight decay 5e-4, cosine, EMA 0.999) and flip + translate augmentation, and reports the
# weights of its best validation epoch. Methods (all by default, or a subset in $METHODS):
#   supervised   100 epochs of the 1,000 labels (= the self-training methods' first teacher)
#   equal-steps  the same for 9,210 steps, as many as online pseudo-labeling's 10 epochs
#   online       online pseudo-labeling, 10 epochs over the unlabeled images, alpha 0 -> 1
#   offline      offline pseudo-labeling, one student of 15 epochs on soft pseudo-labels of
#                confidence >= 0.8, 4,500 per class (the source's 0.99 keeps 79 shirts)
#   noisy        Noisy Student, 2 rounds of 15 epochs, soft targets, RandAugment(2, 5)
#   fixmatch     FixMatch, mu 3, 6,000 steps
#   fixmatch-warm
#                FixMatch, mu 3, $FIXMATCH_EPOCHS epochs of 100 steps (default 30: 3,000 steps),
#                starting from the supervised run's backbone (runs `supervised` first when this
#                seed has none)
#   fixmatch-warm-eval
#                fixmatch-warm with the weak view labeled by an eval-mode pass (no dropout)
#   fixmatch-warm-mixup
#                fixmatch-warm with MixUp (alpha 1) of the labeled batch and of the strong view
#   fixmatch-warm-nodropout
#                fixmatch-warm with SeedNet's two dropout layers off (--dropout 0), as USB's
#                networks have none: the strong view is FixMatch's noise
#   online-mixup, offline-mixup, supervised-mixup
#                the online / offline / supervised runs above with MixUp (alpha 1) added to
#                flip + translate: pseudo-labeling against confirmation bias (Arazo et al. 2020)
#   offline-mixup30
#                offline-mixup with students of 30 epochs (15 were still rising on validation)
#   offline-mixup30-2rounds
#                the same with a second round (the first student labels the images again)
# Output: $RUNS (default runs/semi-experiment). $EXTRA: more options for every semi run (e.g.
# "--threshold 0.8 --final-weights last", the FixMatch runs of the README's three-seed table;
# give such runs their own $RUNS).
# Usage: [METHODS="supervised online"] bash scripts/experiments/semi_fashion_mnist.sh [SEED]
set -euo pipefail
seed=${1:-0}
runs=${RUNS:-runs/semi-experiment}
all="supervised equal-steps online offline noisy fixmatch online-mixup offline-mixup supervised-mixup fixmatch-warm offline-mixup30 offline-mixup30-2rounds fixmatch-warm-eval fixmatch-warm-mixup fixmatch-warm-nodropout"
methods=${METHODS:-$all}
source "$(dirname "$0")/lib.sh"

labels=(--model seednet --labels-per-class 100 --validation-per-class 100)
protocol=("${labels[@]}" --augment flip-crop)
mixup=("${labels[@]}" --augment flip-crop,mixup --mix-alpha 1)
recipe=(--batch-size 64 --optimizer nesterov --learning-rate 0.03 --ema-decay 0.999)
offline=(--method pseudo-label-offline --teacher-epochs 100 --threshold 0.8 --pseudo-per-class 4500 --targets soft)
semi() { step semi "$@" ${EXTRA:-}; }
supervised() { step train "${protocol[@]}" "${recipe[@]}" --epochs 100 --run-name "supervised-seed$seed"; }
for method in $methods; do
    case $method in
    supervised) supervised ;;
    equal-steps) step train "${protocol[@]}" "${recipe[@]}" --epochs 10 --steps-per-epoch 921 --run-name "supervised-9210-steps-seed$seed" ;;
    online) semi --method pseudo-label-online "${protocol[@]}" --epochs 10 --pseudo-weight 1 --run-name "pl-online-seed$seed" ;;
    offline) semi "${offline[@]}" "${protocol[@]}" --epochs 15 --run-name "pl-offline-seed$seed" ;;
    noisy) semi --method noisy-student "${protocol[@]}" --teacher-epochs 100 --epochs 15 --targets soft --randaugment-magnitude 5 \
        --run-name "noisy-student-seed$seed" ;;
    fixmatch) semi --method fixmatch "${protocol[@]}" --unlabeled-ratio 3 --epochs 60 --steps-per-epoch 100 --run-name "fixmatch-seed$seed" ;;
    fixmatch-warm | fixmatch-warm-eval | fixmatch-warm-mixup | fixmatch-warm-nodropout)
        [ -d "$(last "supervised-seed$seed" 2>/dev/null)" ] || supervised
        pass=train; [ "$method" = fixmatch-warm-eval ] && pass=eval
        data=("${protocol[@]}"); [ "$method" = fixmatch-warm-mixup ] && data=("${mixup[@]}")
        [ "$method" = fixmatch-warm-nodropout ] && data+=(--dropout 0)
        semi --method fixmatch "${data[@]}" --unlabeled-ratio 3 --epochs "${FIXMATCH_EPOCHS:-30}" --steps-per-epoch 100 --pseudo-label-pass $pass \
            --init "$(last "supervised-seed$seed")/best.safetensors" --run-name "$method-seed$seed" ;;
    online-mixup) semi --method pseudo-label-online "${mixup[@]}" --epochs 10 --pseudo-weight 1 --run-name "pl-online-mixup-seed$seed" ;;
    offline-mixup) semi "${offline[@]}" "${mixup[@]}" --epochs 15 --run-name "pl-offline-mixup-seed$seed" ;;
    offline-mixup30) semi "${offline[@]}" "${mixup[@]}" --epochs 30 --run-name "pl-offline-mixup30-seed$seed" ;;
    offline-mixup30-2rounds) semi "${offline[@]}" "${mixup[@]}" --epochs 30 --rounds 2 --run-name "pl-offline-mixup30-2rounds-seed$seed" ;;
    supervised-mixup) step train "${mixup[@]}" "${recipe[@]}" --epochs 100 --run-name "supervised-mixup-seed$seed" ;;
    *) echo "unknown method '$method' in METHODS ($all)" >&2; exit 2 ;;
    esac
done
grep -H "final test accuracy" "$runs"/*seed"$seed"/train.log | sort -u
