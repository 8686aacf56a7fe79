#!/usr/bin/env bash
# Imbalance and label-noise tools on Fashion-MNIST (issue "Learning from few labels"), SeedNet:
#  imbalance  classes 0-4 cut to 10% of their training images: plain training against the
#             class-weighted loss and the class-balanced sampler (the test split stays balanced,
#             so its accuracy is the balanced accuracy);
#  disturb    the source's 1,000 labels (100 per class, 1,000 more for validation), plain
#             training against DisturbLabel (alpha 10), the recipe of semi_fashion_mnist.sh's
#             supervised baseline;
#  disturb-value  scikit-learn's diabetes table (442 rows; exported through a Python venv
#             under $RUNS), the MLP regressor plain against DisturbValue (10% of the targets,
#             noise 0.5 std).
# Usage: bash scripts/experiments/imbalance_and_label_noise.sh imbalance|disturb|disturb-value [SEED]
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
    few=(--model seednet --labels-per-class 100 --validation-per-class 100 --augment flip-crop --epochs 100
         --batch-size 64 --optimizer nesterov --learning-rate 0.03 --ema-decay 0.999)
    step train "${few[@]}" --run-name "plain-seed$seed"
    step train "${few[@]}" --disturb-label 10 --run-name "disturb-label-seed$seed"
    ;;
disturb-value)
    table="$runs/diabetes.csv"
    if [ ! -s "$table" ]; then
        mkdir -p "$runs"
        [ -x "$runs/.venv/bin/python" ] || { python3 -m venv "$runs/.venv" && "$runs/.venv/bin/pip" install -q scikit-learn; }
        "$runs/.venv/bin/python" scripts/experiments/export_diabetes_csv.py "$table"
    fi
    regress=(--table "$table" --target progression --hidden 50 --epochs 200)
    step regress "${regress[@]}" --run-name "regress-plain-seed$seed"
    step regress "${regress[@]}" --disturb-value 0.1 --run-name "regress-disturb-value-seed$seed"
    grep -H "RMSE" "$runs"/*regress*seed"$seed"/train.log || true
    exit 0
    ;;
*) echo "unknown part '$part'" >&2; exit 2 ;;
esac
grep -H "final test accuracy\|balanced accuracy" "$runs"/*seed"$seed"/train.log
