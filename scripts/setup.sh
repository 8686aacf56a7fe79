#!/usr/bin/env bash
# Installs what Glean needs to build and run on Debian 12: oneDNN, zlib, libpng,
# libjpeg-turbo and the Fashion-MNIST dataset package. Safe to run any number of times.
set -euo pipefail

packages=(libdnnl-dev zlib1g-dev libpng-dev libturbojpeg0-dev dataset-fashion-mnist)
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
echo "setup: ok"
