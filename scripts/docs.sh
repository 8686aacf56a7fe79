#!/usr/bin/env bash
# Builds the DocC catalog of the Glean library (Sources/Glean/Glean.docc: getting started, writing
# your own method, how the engine works) into docs-build/Glean.doccarchive; any DocC warning fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
mkdir -p docs-build
swift package --allow-writing-to-directory docs-build generate-documentation --target Glean \
    --output-path docs-build/Glean.doccarchive --warnings-as-errors
echo "docs: docs-build/Glean.doccarchive"
