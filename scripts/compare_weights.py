#!/usr/bin/env python3
"""The largest relative difference between the tensors of two safetensors files (same names):
max |a - b| / max(|a|max, 1e-12) per tensor, and the worst of them.
Usage: python3 scripts/compare_weights.py A.safetensors B.safetensors [TOLERANCE]
Exits 1 when a tensor differs by more than TOLERANCE (default 1e-4) or the names differ."""
import json
import struct
import sys

import numpy


def read(path):
    data = open(path, "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        dtype = {"F32": numpy.float32, "I64": numpy.int64}[entry["dtype"]]
        tensors[name] = numpy.frombuffer(data[8 + size + start:8 + size + end], dtype=dtype).astype(numpy.float64)
    return tensors


a, b = read(sys.argv[1]), read(sys.argv[2])
tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
if a.keys() != b.keys():
    print("the files hold different tensors:", sorted(a.keys() ^ b.keys()))
    sys.exit(1)
worst = max(((numpy.abs(a[k] - b[k]).max() / max(numpy.abs(a[k]).max(), 1e-12)) if a[k].size else 0.0, k) for k in a)
print(f"{len(a)} tensors; largest relative difference {worst[0]:.3g} ({worst[1]})")
sys.exit(0 if worst[0] <= tolerance else 1)
