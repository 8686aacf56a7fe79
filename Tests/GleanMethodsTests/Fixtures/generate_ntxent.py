"""NT-Xent reference values for Tests/GleanMethodsTests (CI never runs this).

Fixed projections z1, z2 of shape [N, D] (from a seeded generator), PyTorch's NT-Xent as SimCLR
defines it (cosine similarities / temperature, self-similarity masked, positive of i is i+N),
its value and the gradients with respect to z1 and z2. Writes ntxent_reference.json beside
this script:  .venv-torch/bin/python Tests/GleanMethodsTests/Fixtures/generate_ntxent.py
"""
import json
import os

import torch
import torch.nn.functional as F


def nt_xent(z1, z2, temperature):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


cases = []
generator = torch.Generator().manual_seed(0)
for n, d, temperature in [(4, 8, 0.5), (16, 32, 0.1), (3, 5, 1.0)]:
    # float32 values, computed in float64: the reference is exact for the inputs Glean reads
    z1 = torch.randn(n, d, generator=generator).double().requires_grad_()
    z2 = torch.randn(n, d, generator=generator).double().requires_grad_()
    loss = nt_xent(z1, z2, temperature)
    loss.backward()
    cases.append({"n": n, "d": d, "temperature": temperature,
                  "z1": z1.detach().flatten().tolist(), "z2": z2.detach().flatten().tolist(),
                  "loss": loss.item(), "grad_z1": z1.grad.flatten().tolist(), "grad_z2": z2.grad.flatten().tolist()})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ntxent_reference.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
