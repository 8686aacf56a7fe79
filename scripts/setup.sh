#!/usr/bin/env bash
# Installs what Glean needs to build and run on Debian 12: oneDNN, zlib, libpng,
# libjpeg-turbo and the Fashion-MNIST dataset package, Open MPI (data-parallel training with
# `mpirun`; glean loads it only when started by a launcher), Chromium and its driver (the labeling
# page's browser test), and the tests' Python packages (onnx, onnxruntime: they check exported models;
# selenium: it drives Chromium) in .venv-test. Safe to run any number of times.
set -euo pipefail

packages=(libdnnl-dev zlib1g-dev libpng-dev libturbojpeg0-dev dataset-fashion-mnist openmpi-bin libopenmpi-dev python3-venv chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_prefix=""
    [ "$(id -u)" -ne 0 ] && sudo_prefix="sudo"
    $sudo_prefix apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "setup: swift is at /opt/swift/usr/bin; add it to PATH: export PATH=/opt/swift/usr/bin:\$PATH"
    else
        echo "setup: Swift 6 toolchain not found (expected at /opt/swift)" >&2
        exit 1
    fi
fi
# The tests' Python environment (never torch): onnx's checker and onnxruntime for `glean export`,
# selenium for `glean label`'s browser test.
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-test"
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy, selenium" 2>/dev/null; then
    echo "setup: making $venv (onnx, onnxruntime, numpy, selenium from PyPI)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "onnx==1.23.2" "onnxruntime==1.32.0" "numpy==2.4.6" "selenium==4.51.0"
fi
echo "setup: ok"
