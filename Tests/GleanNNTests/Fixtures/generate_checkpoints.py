"""Checkpoint fixtures from PyTorch/torchvision for the safetensors tests.

Run with torch, torchvision and safetensors installed:
    python3 Tests/GleanNNTests/Fixtures/generate_checkpoints.py
Writes, beside this script:
- small_sequential.safetensors: a Conv-BN-ReLU-Flatten-Linear model saved by safetensors.torch.save_file,
  with small_sequential.json holding its input and logits;
- torchvision_manifest.json: name, shape and dtype of every state-dict entry of torchvision's
  resnet18 and resnet50 (what load_state_dict(strict=True) demands);
- resnet18_pattern.json: logits of torchvision resnet18 (10 classes) whose every entry is set by
  a formula Swift can reproduce, on a formula input.
CI never runs this.
"""
import json
import math
import os

import torch
import torchvision
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def pattern(shape, phase, scale=1.0, offset=0.0):
    n = math.prod(shape)
    values = [offset + scale * math.sin(0.37 * i + phase) for i in range(n)]
    return torch.tensor(values, dtype=torch.float64).reshape(shape).float()


# 1. A small model saved by torch.
small = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(),
                            torch.nn.Linear(4 * 6 * 6, 3))
small.train()
small(torch.randn(8, 3, 8, 8))  # move the running statistics and the batch counter
small.eval()
save_file(small.state_dict(), os.path.join(here, "small_sequential.safetensors"))
x = pattern([2, 3, 8, 8], 0.5)
with open(os.path.join(here, "small_sequential.json"), "w") as handle:
    json.dump({"logits": [float(v) for v in small(x).detach().reshape(-1)]}, handle)

# 2. Manifests.
manifest = {}
for name, builder in [("resnet18", torchvision.models.resnet18), ("resnet50", torchvision.models.resnet50)]:
    state = builder().state_dict()
    manifest[name] = [[key, list(value.shape), str(value.dtype).replace("torch.", "")] for key, value in state.items()]
with open(os.path.join(here, "torchvision_manifest.json"), "w") as handle:
    json.dump(manifest, handle)

# 3. Formula-filled resnet18: entry k (in sorted key order) = 0.05·sin(0.37 i + 0.1 k), running_var
#    = 1 + 0.5·sin(...), BN weights = 1 + 0.1·sin(...), counters = 7.
model = torchvision.models.resnet18(num_classes=10)
state = model.state_dict()
for k, key in enumerate(sorted(state)):
    tensor = state[key]
    if tensor.dtype == torch.int64:
        tensor.fill_(7)
    elif key.endswith("running_var"):
        tensor.copy_(pattern(list(tensor.shape), 0.1 * k, 0.5, 1.0))
    elif ".bn" in key or key.startswith("bn1") or "downsample.1" in key:
        tensor.copy_(pattern(list(tensor.shape), 0.1 * k, 0.1, 1.0 if key.endswith("weight") else 0.0))
    else:
        tensor.copy_(pattern(list(tensor.shape), 0.1 * k, 0.05))
model.eval()
x = pattern([2, 3, 32, 32], 0.3)
with open(os.path.join(here, "resnet18_pattern.json"), "w") as handle:
    json.dump({"logits": [float(v) for v in model(x).detach().reshape(-1)]}, handle)
print("wrote fixtures to", here)
