#!/usr/bin/env python3
"""Loads a Glean checkpoint into the matching torchvision model with strict key checking.

Usage: python3 scripts/verify_torch_checkpoint.py CHECKPOINT [--model resnet18] [--classes 10]
       [--logits glean_logits.json]
Needs torch, torchvision and safetensors. With --logits (a JSON list of Glean's logits on the
formula input sin(0.37 i + 0.3), shape [2, 3, 32, 32]) it also compares the outputs.
"""
import argparse
import json
import math

import torch
import torchvision
from safetensors.torch import load_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--logits")
    args = parser.parse_args()
    model = getattr(torchvision.models, args.model)(num_classes=args.classes)
    model.load_state_dict(load_file(args.checkpoint), strict=True)
    print("loaded %s into torchvision %s with strict=True" % (args.checkpoint, args.model))
    if args.logits:
        model.eval()
        n = 2 * 3 * 32 * 32
        x = torch.tensor([math.sin(0.37 * i + 0.3) for i in range(n)], dtype=torch.float64).reshape(2, 3, 32, 32).float()
        ours = torch.tensor(json.load(open(args.logits)))
        theirs = model(x).detach().reshape(-1)
        error = ((ours - theirs).abs() / theirs.abs().clamp(min=1)).max().item()
        print("max scaled logit difference: %.2e" % error)
        raise SystemExit(0 if error <= 1e-4 else 1)


if __name__ == "__main__":
    main()
