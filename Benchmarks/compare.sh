#!/usr/bin/env bash
# Runs `glean bench` and the PyTorch reference on the same workloads and prints both with ratios.
# Usage: bash Benchmarks/compare.sh [--only NAMES] [--seconds S]   (PYTHON=path/to/python to pick one with torch)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
swift build -c release --product glean >/dev/null
glean_json=$(mktemp) torch_json=$(mktemp)
trap 'rm -f "$glean_json" "$torch_json"' EXIT
./.build/release/glean bench --json "$@" > "$glean_json"
"$python" Benchmarks/pytorch_reference.py --json "$@" > "$torch_json"
"$python" - "$glean_json" "$torch_json" <<'PY'
import json, sys, platform, datetime
glean = {r["workload"]: r for r in map(json.loads, open(sys.argv[1]))}
torch = {r["workload"]: r for r in map(json.loads, open(sys.argv[2]))}
print("date %s, %s" % (datetime.date.today(), platform.processor() or platform.machine()))
first = next(iter(glean.values()))
print("measured fp32 peak (FMA probe, same run): %.0f GFLOP/s; nominal 525" % (first.get("measured_peak_gflops") or 0))
print("| workload | Glean img/s | PyTorch img/s | Glean GFLOP/s | PyTorch GFLOP/s | Glean % of nominal / measured peak | speed ratio | Glean peak RSS MB | PyTorch peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|")
for name, g in glean.items():
    t = torch.get(name)
    if t is None:
        continue
    fmt = lambda v: "%.1f" % v if v else "—"
    print("| %s | %s | %s | %.1f | %.1f | %.1f%% / %.1f%% | %.2fx | %.0f | %.0f |" % (
        name, fmt(g["images_per_s"]), fmt(t["images_per_s"]), g["gflops"], t["gflops"],
        100 * g["peak_fraction"], 100 * (g.get("measured_peak_fraction") or 0), g["gflops"] / t["gflops"],
        g["peak_rss_mb"], t["peak_rss_mb"]))
PY
