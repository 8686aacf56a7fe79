#!/usr/bin/env bash
# Makes digits-gray (IDX), digits-rgb (ImageFolder) and digits-rgb-own (labeled/ pile/ test/)
# from OpenCV's digits.png (in Debian's opencv-doc package, downloaded once) under OUT (default
# data/). Idempotent: fetches the sheet and makes a Python venv with numpy and Pillow only when
# missing; rewrites the datasets.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-data}"
member=./usr/share/doc/opencv-doc/examples/data/digits.png
sheet="$out/opencv-digits.png"
mkdir -p "$out"
if [ ! -f "$sheet" ]; then
    # Only the one file is taken from the package (downloaded, not installed: no root needed).
    work=$(mktemp -d)
    chmod 777 "$work"  # apt fetches as its own user
    (cd "$work" && apt-get download -qq opencv-doc)
    dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -xO "$member" > "$sheet.part"
    mv "$sheet.part" "$sheet"
    rm -rf "$work"
fi
if [ ! -x .venv-data/bin/python ] || ! .venv-data/bin/python -c "import numpy, PIL" 2>/dev/null; then
    python3 -m venv .venv-data
    .venv-data/bin/pip install -q numpy pillow
fi
rm -rf "$out/digits-gray" "$out/digits-rgb" "$out/digits-rgb-own"
.venv-data/bin/python scripts/datasets/make_digits.py "$sheet" "$out"
