"""Generates the PyTorch reference values the Swift tests compare against.

Run with PyTorch 2.x installed:  python3 Tests/GleanTensorTests/Fixtures/generate_fixtures.py
Writes torch_reference.json next to this script. CI never runs this; the JSON is committed.
Inputs are made from a fixed formula (no RNG) so Swift can rebuild them exactly.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def pattern(shape, phase):
    """Deterministic values in (-1, 1): sin(0.37 * i + phase) for flat index i."""
    n = math.prod(shape)
    values = [math.sin(0.37 * i + phase) for i in range(n)]
    return torch.tensor(values, dtype=torch.float64).reshape(shape).float()


def record(t):
    t = t.detach().contiguous().float()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


fixtures = {}

# conv2d: stride 2, padding 1, groups 2, bias.
x = pattern([2, 4, 7, 7], 0.1).requires_grad_()
w = pattern([6, 2, 3, 3], 0.7).requires_grad_()
b = pattern([6], 1.3).requires_grad_()
y = F.conv2d(x, w, b, stride=2, padding=1, groups=2)
upstream = pattern(list(y.shape), 2.1)
(y * upstream).sum().backward()
fixtures["conv2d"] = {"output": record(y), "grad_input": record(x.grad), "grad_weight": record(w.grad), "grad_bias": record(b.grad)}

# conv2d: dilation 2, no bias, stride 1, rectangular padding.
x = pattern([1, 3, 8, 9], 0.4).requires_grad_()
w = pattern([5, 3, 3, 2], 0.9).requires_grad_()
y = F.conv2d(x, w, None, stride=1, padding=(2, 1), dilation=2)
upstream = pattern(list(y.shape), 1.7)
(y * upstream).sum().backward()
fixtures["conv2d_dilated"] = {"output": record(y), "grad_input": record(x.grad), "grad_weight": record(w.grad)}

# batch norm, training mode (batch statistics, running-stat update) and eval mode.
x = pattern([4, 3, 5, 5], 0.2).requires_grad_()
gamma = (1 + 0.5 * pattern([3], 0.3)).requires_grad_()
beta = pattern([3], 0.8).requires_grad_()
running_mean = torch.zeros(3)
running_var = torch.ones(3)
y = F.batch_norm(x, running_mean, running_var, gamma, beta, training=True, momentum=0.1, eps=1e-5)
upstream = pattern(list(y.shape), 0.5)
(y * upstream).sum().backward()
fixtures["batchnorm_train"] = {"output": record(y), "grad_input": record(x.grad), "grad_scale": record(gamma.grad),
                               "grad_shift": record(beta.grad), "running_mean": record(running_mean),
                               "running_var": record(running_var)}
x.grad = None
y = F.batch_norm(x, running_mean, running_var, gamma.detach(), beta.detach(), training=False, eps=1e-5)
fixtures["batchnorm_eval"] = {"output": record(y)}

# max pool 3x3 stride 2 padding 1.
x = pattern([2, 3, 9, 9], 0.6).requires_grad_()
y = F.max_pool2d(x, kernel_size=3, stride=2, padding=1)
upstream = pattern(list(y.shape), 1.1)
(y * upstream).sum().backward()
fixtures["maxpool"] = {"output": record(y), "grad_input": record(x.grad)}

# ResNet basic block with a downsampling shortcut (torchvision layout, training-mode BN).
x = pattern([2, 4, 8, 8], 0.3).requires_grad_()
params = {
    "conv1": pattern([8, 4, 3, 3], 0.11) * 0.3,
    "bn1_weight": 1 + 0.2 * pattern([8], 0.21), "bn1_bias": 0.1 * pattern([8], 0.31),
    "conv2": pattern([8, 8, 3, 3], 0.41) * 0.2,
    "bn2_weight": 1 + 0.2 * pattern([8], 0.51), "bn2_bias": 0.1 * pattern([8], 0.61),
    "down_conv": pattern([8, 4, 1, 1], 0.71) * 0.5,
    "down_bn_weight": 1 + 0.2 * pattern([8], 0.81), "down_bn_bias": 0.1 * pattern([8], 0.91),
}
for v in params.values():
    v.requires_grad_()


def bn(t, weight, bias):
    return F.batch_norm(t, torch.zeros(t.shape[1]), torch.ones(t.shape[1]), weight, bias, training=True)


out = F.relu(bn(F.conv2d(x, params["conv1"], stride=2, padding=1), params["bn1_weight"], params["bn1_bias"]))
out = bn(F.conv2d(out, params["conv2"], padding=1), params["bn2_weight"], params["bn2_bias"])
shortcut = bn(F.conv2d(x, params["down_conv"], stride=2), params["down_bn_weight"], params["down_bn_bias"])
y = F.relu(out + shortcut)
upstream = pattern(list(y.shape), 0.9)
(y * upstream).sum().backward()
block = {"output": record(y), "grad_input": record(x.grad)}
for name, v in params.items():
    block["grad_" + name] = record(v.grad)
fixtures["basic_block"] = block

# cross-entropy with class weights and label smoothing, and with soft targets.
logits = pattern([4, 5], 0.2).requires_grad_()
labels = torch.tensor([1, 0, 4, 2])
weights = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0])
loss = F.cross_entropy(logits, labels, weight=weights)
loss.backward()
fixtures["cross_entropy_weighted"] = {"loss": record(loss), "grad_logits": record(logits.grad)}
logits.grad = None
loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
loss.backward()
fixtures["cross_entropy_smoothed"] = {"loss": record(loss), "grad_logits": record(logits.grad)}

# GELU, sigmoid, tanh, leaky ReLU, softmax, log-softmax forward values.
x = pattern([3, 7], 0.5) * 3
fixtures["activations"] = {"gelu": record(F.gelu(x)), "sigmoid": record(torch.sigmoid(x)), "tanh": record(torch.tanh(x)),
                           "leaky_relu": record(F.leaky_relu(x, 0.1)), "softmax": record(F.softmax(x, 1)),
                           "log_softmax": record(F.log_softmax(x, 1))}

# average pooling (count_include_pad) and adaptive average pooling with uneven windows.
x = pattern([1, 2, 7, 7], 0.15)
fixtures["pooling_avg"] = {"avg": record(F.avg_pool2d(x, 3, 2, 1)), "adaptive": record(F.adaptive_avg_pool2d(x, (3, 2)))}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")
with open(path, "w") as handle:
    json.dump({"generator": "torch " + torch.__version__, "fixtures": fixtures}, handle)
print("wrote", path)
