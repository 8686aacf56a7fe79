#!/usr/bin/env bash
# Builds the release binary and runs Benchmarks/compare.py (Glean and PyTorch interleaved, several
# rounds, median and range of the ratios). Usage: bash Benchmarks/compare.sh [compare.py options]
# (PYTHON=path/to/python to pick one with torch).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product glean >/dev/null
exec "${PYTHON:-python3}" Benchmarks/compare.py "$@"
