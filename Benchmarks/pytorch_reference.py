#!/usr/bin/env python3
"""The workloads of `glean bench`, run in PyTorch on the same machine for comparison.

Usage: python3 Benchmarks/pytorch_reference.py [--json] [--only NAMES] [--seconds S] [--precision fp32|bf16]
Uses 2 threads; each workload runs in its own process (so peak RSS is per workload) and in
both NCHW and channels-last memory formats, reporting the faster. FLOPs are counted the same
way as Glean: 2 per multiply-add of convolutions and linear layers, training = 3x forward.
--precision bf16 runs each step under torch.autocast("cpu", dtype=torch.bfloat16), as a PyTorch
user switches on mixed precision.
"""
import contextlib
import argparse
import json
import resource
import subprocess
import sys
import time

WORKLOADS = ["conv_fwd", "conv_bwd_data", "conv_bwd_weights", "seednet_train_b128",
             "resnet18_train_b128_28px", "resnet18_infer_b512_28px", "simclr_resnet18_step_b256"]


def build_models(torch):
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet18Cifar(nn.Module):
        def __init__(self, in_channels=1, classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            layers, cin = [], 64
            for stage, width in enumerate([64, 128, 256, 512]):
                blocks = []
                for index in range(2):
                    blocks.append(BasicBlock(cin, width, 2 if stage > 0 and index == 0 else 1))
                    cin = width
                layers.append(nn.Sequential(*blocks))
            self.layer1, self.layer2, self.layer3, self.layer4 = layers
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, classes)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    def seednet():
        return nn.Sequential(
            nn.Conv2d(1, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(6912, 1024), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 10))

    return seednet, ResNet18Cifar


def forward_flops(torch, model, x):
    total = [0.0]

    def hook(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            total[0] += 2.0 * output.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, torch.nn.Linear):
            total[0] += 2.0 * output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return total[0]


def prepare(torch, name, channels_last):
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    torch.manual_seed(0)
    if name.startswith("conv_"):
        x = torch.randn(128, 64, 32, 32).to(memory_format=fmt)
        w = (torch.randn(64, 64, 3, 3) * 0.05).to(memory_format=fmt)
        grad = torch.randn(128, 64, 32, 32).to(memory_format=fmt)
        flops = 2.0 * 128 * 64 * 32 * 32 * 64 * 9
        conv = torch.ops.aten.convolution_backward
        if name == "conv_fwd":
            return (lambda: torch.nn.functional.conv2d(x, w, padding=1)), flops, None
        mask = [True, False, False] if name == "conv_bwd_data" else [False, True, False]
        return (lambda: conv(grad, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)), flops, None
    seednet, resnet18 = build_models(torch)
    if name == "simclr_resnet18_step_b256":
        return simclr_step(torch, resnet18, fmt)
    if name == "seednet_train_b128":
        model, batch = seednet(), 128
    else:
        model, batch = resnet18(), (512 if "infer" in name else 128)
    model = model.to(memory_format=fmt)
    x = torch.randn(batch, 1, 28, 28).to(memory_format=fmt)
    labels = torch.arange(batch) % 10
    flops = forward_flops(torch, model, x)
    if "infer" in name:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
        return step, flops, batch
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        loss.item()
    return step, 3 * flops, batch


def simclr_step(torch, resnet18, fmt):
    """Two 28 px views of 256 images through ResNet-18 (fc removed) and a 512-512-128 projection
    head in one pass, NT-Xent at temperature 0.2, backward, Adam (as Glean's workload)."""
    nn, F = torch.nn, torch.nn.functional
    encoder = resnet18()
    encoder.fc = nn.Identity()
    network = nn.Sequential(encoder, nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 128)).to(memory_format=fmt)
    views = torch.randn(512, 1, 28, 28).to(memory_format=fmt)
    targets = torch.cat([torch.arange(256, 512), torch.arange(0, 256)])
    mask = torch.eye(512, dtype=torch.bool)
    flops = forward_flops(torch, network, views)
    network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        z = F.normalize(network(views), dim=1)
        logits = (z @ z.t() / 0.2).masked_fill(mask, float("-inf"))
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        loss.item()
    return step, 3 * flops, 256


def measure(name, seconds, precision):
    import torch
    torch.set_num_threads(2)
    best = None
    for channels_last in (False, True):
        plain_step, flops, images = prepare(torch, name, channels_last)

        def step():
            with (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()):
                plain_step()
        for _ in range(2):
            step()
        times, start = [], time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < seconds:
            begin = time.perf_counter()
            step()
            times.append(time.perf_counter() - begin)
            if len(times) >= 200:
                break
        times.sort()
        median = times[len(times) // 2]
        if best is None or median < best[0]:
            best = (median, flops, images, "channels_last" if channels_last else "nchw")
    median, flops, images, layout = best
    gflops = flops / median / 1e9
    return {"workload": name, "images_per_s": images / median if images else None, "gflops": gflops,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "seconds_per_step": median, "layout": layout}


def format_line(r):
    images = "%9.1f img/s" % r["images_per_s"] if r["images_per_s"] else " " * 15
    return "%-26s %s %8.1f GFLOP/s %8.0f MB peak RSS  (%s)" % (
        r["workload"], images, r["gflops"], r["peak_rss_mb"], r["layout"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.only.split(",") if args.only else WORKLOADS
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error("unknown workload(s) %s; known: %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    try:
        import torch
    except ImportError:
        sys.exit("pytorch_reference.py: PyTorch is not installed (pip install torch)")
    if not args.json and not args.in_process:
        print("PyTorch %s, 2 threads, %s" % (torch.__version__, args.precision))
    for name in names:
        if args.in_process or len(names) == 1:
            result = measure(name, args.seconds, args.precision)
        else:
            output = subprocess.run([sys.executable, __file__, "--in-process", "--only", name,
                                     "--seconds", str(args.seconds), "--precision", args.precision], check=True, capture_output=True, text=True)
            result = json.loads(output.stdout.strip().splitlines()[-1])
        print(json.dumps(result, sort_keys=True) if args.json or args.in_process else format_line(result), flush=True)


if __name__ == "__main__":
    main()
