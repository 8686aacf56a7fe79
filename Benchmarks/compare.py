#!/usr/bin/env python3
"""Glean against PyTorch on the same workloads, interleaved: every round runs each workload once in
Glean and once in PyTorch (A B A B ..., each in its own process), so that a shared VM's noise hits
both; prints the median and range of the per-round ratios.

Usage: python3 Benchmarks/compare.py [--only NAMES] [--rounds N] [--seconds S] [--precision fp32|bf16]
                                     [--isa native|avx2] [--python PYTHON_WITH_TORCH]
                                     [--glean NEW_BINARY] [--against-glean OLD_BINARY]
--against-glean compares two Glean builds instead (new against old, same interleaving): the
"PyTorch" column is then the old binary.
--isa avx2 restricts both engines to AVX2 (DNNL_MAX_CPU_ISA for Glean's oneDNN; ONEDNN_MAX_CPU_ISA
and ATEN_CPU_CAPABILITY for PyTorch), to measure an AVX2-only machine on an AVX-512 one.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = ["conv_fwd", "conv_bwd_data", "conv_bwd_weights", "seednet_train_b128",
             "resnet18_train_b128_28px", "resnet18_infer_b512_28px", "simclr_resnet18_step_b256"]


def run_json(command, env):
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--isa", choices=["native", "avx2"], default="native")
    parser.add_argument("--python", default=os.environ.get("PYTHON", sys.executable))
    parser.add_argument("--glean", default=os.path.join(ROOT, ".build/release/glean"))
    parser.add_argument("--against-glean", default=None, help="an older glean binary to compare with, instead of PyTorch")
    args = parser.parse_args()
    names = args.only.split(",")
    env = dict(os.environ)
    if args.isa == "avx2":
        env.update(DNNL_MAX_CPU_ISA="AVX2", ONEDNN_MAX_CPU_ISA="AVX2", ATEN_CPU_CAPABILITY="avx2")
    glean = args.glean
    other = "old Glean" if args.against_glean else "PyTorch"
    results = {name: [] for name in names}
    for round_index in range(args.rounds):
        for name in names:
            g = run_json([glean, "bench", "--json", "--only", name, "--seconds", str(args.seconds),
                          "--precision", args.precision], env)
            if args.against_glean:
                t = run_json([args.against_glean, "bench", "--json", "--only", name, "--seconds", str(args.seconds),
                              "--precision", args.precision], env)
                t["layout"] = "old build"
            else:
                t = run_json([args.python, os.path.join(HERE, "pytorch_reference.py"), "--json", "--only", name,
                              "--seconds", str(args.seconds), "--precision", args.precision], env)
            results[name].append((g, t))
            print("round %d %-26s Glean %8.1f GFLOP/s  %s %8.1f GFLOP/s (%s)  %.2fx" % (
                round_index + 1, name, g["gflops"], other, t["gflops"], t["layout"], g["gflops"] / t["gflops"]),
                file=sys.stderr, flush=True)
    first = results[names[0]][0][0]
    print("%s, %d threads, oneDNN ISA %s, %s; %d interleaved rounds" % (
        first["cpu"], first["threads"], first["onednn_isa"], first["precision"], args.rounds))
    print("| workload | Glean img/s (median) | %s img/s (median%s) | Glean GFLOP/s | " % (
        other, "" if args.against_glean else ", best layout") +
          "Glean % of measured peak | ratio median | ratio range |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        pairs = results[name]
        ratios = [g["gflops"] / t["gflops"] for g, t in pairs]
        fmt = lambda values: "%.1f" % statistics.median(values) if values and values[0] is not None else "—"
        print("| %s | %s | %s | %.1f | %.1f%% | %.2fx | %.2f–%.2fx |" % (
            name, fmt([g["images_per_s"] for g, _ in pairs]), fmt([t["images_per_s"] for _, t in pairs]),
            statistics.median(g["gflops"] for g, _ in pairs),
            100 * statistics.median(g["measured_peak_fraction"] or 0 for g, _ in pairs),
            statistics.median(ratios), min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
