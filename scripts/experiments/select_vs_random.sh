#!/usr/bin/env bash
# Does choosing what to label pay? For each seed: 100 Fashion-MNIST training images chosen by
# `glean select` (TypiClust on $ENCODER, default raw pixels) and 100 chosen uniformly at random;
# a script plays the person (labels from the ground truth, truth.csv); then the same supervised
# training on each set and the test accuracy on the 10,000 test images. Prints the per-class
# counts of every chosen set.
#   bash scripts/experiments/select_vs_random.sh [SEEDS...]     (default 0 1 2)
# Needs data/fashion-mnist-files (python scripts/datasets/fashion_mnist_pile.py, in .venv-data).
set -euo pipefail
runs=${RUNS:-runs/select-vs-random}
seed=0
source "$(dirname "$0")/lib.sh"
files=data/fashion-mnist-files
[ -d "$files/pile" ] || { echo "make $files first: .venv-data/bin/python scripts/datasets/fashion_mnist_pile.py" >&2; exit 1; }
encoder=${ENCODER:-pixels}
budget=${BUDGET:-100}
label() {  # $1 selection.csv, $2 folder: the person labels the chosen images (symlinks into <class>/)
    rm -rf "$2"; mkdir -p "$2"
    awk -F, 'NR==FNR { if (FNR > 1) truth[$1] = $2; next } FNR > 1 { gsub(/"/, "", $1); print $1 "," truth[$1] }' "$files/truth.csv" "$1" |
        while IFS=, read -r path class; do mkdir -p "$2/$class"; ln -sf "$(realpath "$path")" "$2/$class/"; done
    echo "per-class counts of $(basename "$2"): $(for d in "$2"/*/; do printf '%s %s, ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
}
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
    for strategy in typiclust random; do
        step select --images "$files/pile" --budget "$budget" --strategy "$strategy" --encoder "$encoder" --image-size 28 \
            --run-name "select-$strategy-s$seed"
        label "$(last "select-$strategy-s$seed")/selection.csv" "$runs/labeled-$strategy-s$seed"
        step train --dataset imagefolder --data-dir "$runs/labeled-$strategy-s$seed" --test-dir "$files/test" --validation-split 0 \
            --model seednet --augment flip-crop --batch-size 32 --optimizer nesterov --learning-rate 0.03 --ema-decay 0.999 \
            --steps-per-epoch 100 --epochs 8 --run-name "train-$strategy-s$seed" | grep -E "final test|raw-pixel"
    done
done
