#!/usr/bin/env bash
# Does choosing what to label pay? For each seed: 100 Fashion-MNIST training images chosen by
# `glean select` (TypiClust on $ENCODER, default raw pixels) and 100 chosen uniformly at random;
# a script plays the person (labels from the ground truth, truth.csv); then the same supervised
# training on each set and the test accuracy on the 10,000 test images. A second round adds 50:
# chosen by margin under the first round's model (on the TypiClust side) or at random (on the
# random side), then the same training on the 150. Prints the per-class counts of every chosen set.
#   bash scripts/experiments/select_vs_random.sh [SEEDS...]     (default 0 1 2)
# TRAIN=seednet (default): supervised SeedNet from scratch on each set; TRAIN=linear: `glean
# linear-eval` on $ENCODER (a linear classifier on the frozen encoder, its default settings), the
# encoder the selection compared images by.
# Needs data/fashion-mnist-files (python scripts/datasets/fashion_mnist_pile.py, in .venv-data).
set -euo pipefail
runs=${RUNS:-runs/select-vs-random}
seed=0
source "$(dirname "$0")/lib.sh"
files=data/fashion-mnist-files
[ -d "$files/pile" ] || { echo "make $files first: .venv-data/bin/python scripts/datasets/fashion_mnist_pile.py" >&2; exit 1; }
encoder=${ENCODER:-pixels}
case "${TRAIN:-seednet}" in seednet | linear) ;; *) echo "TRAIN must be seednet or linear, not '$TRAIN'" >&2; exit 64 ;; esac
budget=${BUDGET:-100}
second=${SECOND:-50}
label() {  # $1 folder, $2... selection.csv files: the person labels the chosen images (symlinks into <class>/)
    local folder=$1; shift
    rm -rf "$folder"; mkdir -p "$folder"
    awk -F, 'NR==FNR { if (FNR > 1) truth[$1] = $2; next } FNR > 1 { gsub(/"/, "", $1); print $1 "," truth[$1] }' "$files/truth.csv" "$@" |
        while IFS=, read -r path class; do mkdir -p "$folder/$class"; ln -sf "$(realpath "$path")" "$folder/$class/"; done
    echo "per-class counts of $(basename "$folder"): $(for d in "$folder"/*/; do printf '%s %s, ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
}
train() {  # $1 labeled folder, $2 run name: the same training for every set
    if [ "${TRAIN:-seednet}" = linear ]; then
        step linear-eval --encoder "$encoder" --dataset imagefolder --data-dir "$1" --test-dir "$files/test" --validation-split 0 \
            --run-name "$2" | grep -E "final test|raw-pixel"
        return
    fi
    step train --dataset imagefolder --data-dir "$1" --test-dir "$files/test" --validation-split 0 \
        --model seednet --augment flip-crop --batch-size 32 --optimizer nesterov --learning-rate 0.03 --ema-decay 0.999 \
        --steps-per-epoch 100 --epochs 8 --run-name "$2" | grep -E "final test|raw-pixel"
}
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
    for strategy in typiclust random; do
        step select --images "$files/pile" --budget "$budget" --strategy "$strategy" --encoder "$encoder" --image-size 28 \
            --run-name "select-$strategy-s$seed"
        first="$(last "select-$strategy-s$seed")/selection.csv"
        label "$runs/labeled-$strategy-s$seed" "$first"
        train "$runs/labeled-$strategy-s$seed" "train-$strategy-s$seed"
        [ "$second" -gt 0 ] || continue
        if [ "$strategy" = typiclust ]; then
            next=(--strategy margin --classifier "$(last "train-$strategy-s$seed")/last.safetensors")
        else
            next=(--strategy random)
        fi
        step select --images "$files/pile" --budget "$second" "${next[@]}" --encoder "$encoder" --image-size 28 \
            --exclude "$first" --run-name "select2-$strategy-s$seed"
        label "$runs/labeled2-$strategy-s$seed" "$first" "$(last "select2-$strategy-s$seed")/selection.csv"
        train "$runs/labeled2-$strategy-s$seed" "train2-$strategy-s$seed"
    done
done
