#!/usr/bin/env bash
# Same behaviour across a change: runs `train`, `pretrain simclr` and `semi --method fixmatch`
# (2 short epochs each, seed 0, one thread, on a 5% subsample of Fashion-MNIST) with two builds
# of glean and checks that each pair of final checkpoints holds bit-identical tensors (and the
# same metadata but the timings).
#   bash scripts/compare_builds.sh OLD_GLEAN NEW_GLEAN [WORK_DIR]
# EXTRA="--precision bf16" adds options to every run; DNNL_MAX_CPU_ISA=AVX2 takes the AVX2 path.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_GLEAN NEW_GLEAN [WORK_DIR]" >&2; exit 2; }
old=$1 new=$2 work=${3:-$(mktemp -d)}
mkdir -p "$work"
export OMP_NUM_THREADS=1
# shellcheck disable=SC2206
common=(--subsample-fraction 0.05 --epochs 2 --seed 0 ${EXTRA:-})
declare -A runs=(
    [train]="train --model seednet --labels-per-class 20 --validation-per-class 5 --steps-per-epoch 10"
    [simclr]="pretrain simclr --batch-size 64 --steps-per-epoch 10 --learning-rate 0.001 --width 8 --knn-k 20"
    [fixmatch]="semi --method fixmatch --model seednet --labels-per-class 20 --validation-per-class 5 --steps-per-epoch 10 --batch-size 16"
)
status=0
for name in train simclr fixmatch; do
    for build in old new; do
        binary=$old; [ $build = new ] && binary=$new
        # shellcheck disable=SC2086
        "$binary" ${runs[$name]} "${common[@]}" --runs-dir "$work/$build" --run-name "$name" > "$work/$build-$name.log" 2>&1 \
            || { echo "$name: the $build build failed (log: $work/$build-$name.log)"; status=1; continue 2; }
    done
    a=$(ls "$work"/old/*_"$name"/last.safetensors) b=$(ls "$work"/new/*_"$name"/last.safetensors)
    python3 - "$name" "$a" "$b" <<'PY' || status=1
import json, struct, sys
def read(path):
    data = open(path, 'rb').read()
    size = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + size])
    timings = {'images_per_s', 'seconds'}
    meta = {k: v for k, v in header.pop('__metadata__', {}).items() if k not in timings}
    return meta, {k: data[8 + size + h['data_offsets'][0]:8 + size + h['data_offsets'][1]] for k, h in header.items()}
name, (meta_a, a), (meta_b, b) = sys.argv[1], read(sys.argv[2]), read(sys.argv[3])
differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
if differing or meta_a != meta_b:
    sys.exit(f"{name}: DIFFERENT: tensors {differing[:5]}{' ...' if len(differing) > 5 else ''}, metadata equal: {meta_a == meta_b}")
print(f"{name}: {len(a)} tensors bit-identical")
PY
done
exit $status
