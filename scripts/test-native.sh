#!/usr/bin/env bash
# Native GoogleTest suite, once per SIMDNORM_ISA value (ctest), on this CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-native.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
