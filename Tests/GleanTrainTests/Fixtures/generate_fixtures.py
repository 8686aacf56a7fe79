"""PyTorch reference values for optimizers, learning-rate schedules and losses.

Run with PyTorch 2.x:  python3 Tests/GleanNNTests/Fixtures/generate_fixtures.py
Writes torch_training_reference.json beside this script; CI never runs it.
"""
import json
import math
import os

import torch
import torch.nn.functional as F


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([math.sin(0.37 * i + phase) for i in range(n)], dtype=torch.float64).reshape(shape).float()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


out = {}

# Optimizers: 5 steps on loss = sum(w^3 * c) / 3 + sum(w * d) with w = pattern, fixed c, d.
def run(make):
    w = pattern([6], 0.4).requires_grad_()
    c, d = pattern([6], 1.1), pattern([6], 2.3)
    opt = make([w])
    for _ in range(5):
        opt.zero_grad()
        loss = (w.pow(3) * c).sum() / 3 + (w * d).sum()
        loss.backward()
        opt.step()
    return flat(w)


out["sgd_nesterov"] = run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
out["adam"] = run(lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01))
out["adamw"] = run(lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1))

# Schedules: the learning rate before each of 12 steps, base rate 1.
def rates(make, steps=12):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = make(opt)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return values


out["step_lr"] = rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
out["multistep_lr"] = rates(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 7], gamma=0.1))
out["cosine_lr"] = rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=0.1))
out["one_cycle"] = rates(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=12))

opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2)
metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.5, 0.6, 0.7, 0.8, 0.4, 0.41, 0.42, 0.43]
plateau_rates = []
for m in metrics:
    plateau.step(m)
    plateau_rates.append(opt.param_groups[0]["lr"])
out["plateau"] = {"metrics": metrics, "rates": plateau_rates}

# Losses (value and gradient).
def loss_case(fn, x):
    x = x.clone().requires_grad_()
    value = fn(x)
    value.backward()
    return {"loss": float(value), "grad": flat(x.grad)}


logits = pattern([4, 3], 0.3) * 2
targets = (pattern([4, 3], 1.7) > 0).float()
out["bce_logits"] = loss_case(lambda x: F.binary_cross_entropy_with_logits(x, targets, pos_weight=torch.tensor(2.5)), logits)
out["mse"] = loss_case(lambda x: F.mse_loss(x, pattern([4, 3], 0.9)), logits)
probabilities = F.softmax(pattern([4, 3], 2.2), dim=1)
out["kl_div"] = loss_case(lambda x: F.kl_div(F.log_softmax(x, 1), probabilities, reduction="batchmean"), logits)
out["nll"] = loss_case(lambda x: F.nll_loss(F.log_softmax(x, 1), torch.tensor([2, 0, 1, 2]), weight=torch.tensor([1.0, 0.5, 3.0])), logits)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_training_reference.json")
with open(path, "w") as handle:
    json.dump({"generator": "torch " + torch.__version__, "fixtures": out}, handle, indent=1)
print("wrote", path)
