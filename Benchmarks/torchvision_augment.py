#!/usr/bin/env python3
"""torchvision counterpart of `glean bench --only augment_rrc_flip_jitter_96`.

RandomResizedCrop(96) + RandomHorizontalFlip + ColorJitter(0.4, 0.4, 0.4, 0.1) on 96x96 RGB
images, one thread, for PIL images and for float tensors; prints images/s for each (use
--json for one JSON object per line with the keys of the other benchmark scripts).
"""
import argparse
import json
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms


def measure(transform, images, seconds):
    for image in images[:16]:
        transform(image)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for image in images:
            transform(image)
        count += len(images)
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    pixels = [rng.integers(0, 256, (96, 96, 3), dtype=np.uint8) for _ in range(256)]
    pipeline = [transforms.RandomResizedCrop(96), transforms.RandomHorizontalFlip(),
                transforms.ColorJitter(0.4, 0.4, 0.4, 0.1)]
    cases = {
        "pil": ([Image.fromarray(p) for p in pixels], transforms.Compose(pipeline)),
        "tensor": ([torch.from_numpy(p).permute(2, 0, 1).float() / 255 for p in pixels], transforms.Compose(pipeline)),
    }
    for name, (images, transform) in cases.items():
        rate = measure(transform, images, args.seconds)
        result = {"workload": "augment_rrc_flip_jitter_96", "input": name, "images_per_s": rate, "gflops": 0,
                  "peak_rss_mb": None}
        print(json.dumps(result) if args.json else "augment_rrc_flip_jitter_96 (torchvision, %s): %.1f img/s" % (name, rate))


if __name__ == "__main__":
    main()
