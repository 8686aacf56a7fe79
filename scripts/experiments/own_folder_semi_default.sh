#!/usr/bin/env bash
# Issue 34's bar for one's own folders: `glean semi` with its defaults (--method auto, which with 3
# labels per class pretrains SimCLR on the pile and fine-tunes it) in $MINUTES minutes, against
# `glean train` on the same 30 labels, on the separate 1,000-image test folder. Seeds as arguments.
#   bash scripts/experiments/own_folder_semi_default.sh [SEEDS...]     (default 0 1 2)
# Needs data/digits-rgb-own (bash scripts/datasets/make_digits.sh).
set -euo pipefail
runs=${RUNS:-runs/own-folder-semi}
seed=0
source "$(dirname "$0")/lib.sh"
own=data/digits-rgb-own
minutes=${MINUTES:-10}
[ -d "$own/pile" ] || { echo "make $own first: bash scripts/datasets/make_digits.sh" >&2; exit 1; }
labels="--dataset imagefolder --data-dir $own/labeled --test-dir $own/test --labels-per-class 0 --image-size 32"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
    step semi $labels --unlabeled-dir "$own/pile" --minutes "$minutes" --run-name "semi-s$seed" | grep -E "method auto|step|final test|raw-pixel|vs raw"
    step train $labels --validation-split 0 --run-name "train-s$seed" | grep -E "final test"
done
