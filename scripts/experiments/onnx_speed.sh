#!/usr/bin/env bash
# Inference speed of an exported ResNet-18 (width 64, CIFAR stem, 1x28x28, batch 512) in
# onnxruntime beside Glean's own (`glean bench --only resnet18_infer_b512_28px`), interleaved,
# ROUNDS rounds (default 3), with the machine's thread count (OMP_NUM_THREADS to change it).
set -euo pipefail
runs=${RUNS:-runs/onnx-speed}
seed=0
source "$(dirname "$0")/lib.sh"
python=.venv-test/bin/python
[ -x "$python" ] || { echo "run scripts/setup.sh first (it makes .venv-test)" >&2; exit 1; }
step train --model resnet18 --labels-per-class 10 --validation-per-class 0 --epochs 1 --steps-per-epoch 2 --run-name model >/dev/null
checkpoint="$(last model)/last.safetensors"
"$glean" export "$checkpoint" --out "$runs/resnet18.onnx"
threads=${OMP_NUM_THREADS:-$(nproc)}
for round in $(seq "${ROUNDS:-3}"); do
    echo "round $round"
    "$glean" bench --only resnet18_infer_b512_28px --seconds 10 | grep -E "resnet18_infer"
    "$python" - "$runs/resnet18.onnx" "$threads" <<'PY'
import sys, time
import numpy as np
import onnxruntime
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = int(sys.argv[2])
session = onnxruntime.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
images = np.random.default_rng(0).standard_normal((512, 1, 28, 28), dtype=np.float32)
session.run(None, {"input": images})
count, start = 0, time.perf_counter()
while time.perf_counter() - start < 10:
    session.run(None, {"input": images})
    count += 1
seconds = time.perf_counter() - start
print(f"onnxruntime {onnxruntime.__version__} resnet18 b512 28px, {sys.argv[2]} threads: {512 * count / seconds:.0f} images/s")
PY
done
