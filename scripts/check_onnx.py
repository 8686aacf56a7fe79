"""Checks an ONNX model Glean exported: onnx's full checker, then onnxruntime's outputs on the
given inputs against Glean's own. Used by the GleanExportTests (through the venv that
scripts/setup.sh makes) and by hand:

    .venv-test/bin/python scripts/check_onnx.py MODEL.onnx INPUT.f32 EXPECTED.f32 N,C,H,W [RTOL]

INPUT.f32 and EXPECTED.f32 hold little-endian float32 values (row-major). Prints one line and
exits 0 when every output is within RTOL (default 1e-4) of Glean's, relative to the largest
expected magnitude.
"""
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    model_path, input_path, expected_path, shape = sys.argv[1:5]
    rtol = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-4
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    images = np.fromfile(input_path, dtype="<f4").reshape([int(d) for d in shape.split(",")])
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (outputs,) = session.run(None, {name: images})
    expected = np.fromfile(expected_path, dtype="<f4").reshape(outputs.shape)
    scale = max(float(np.abs(expected).max()), 1e-12)
    error = float(np.abs(outputs - expected).max()) / scale
    print(f"{model_path}: {len(model.graph.node)} nodes, outputs {list(outputs.shape)}, largest difference {error:.2e} of the largest output")
    sys.exit(0 if error <= rtol else 1)


if __name__ == "__main__":
    main()
