#!/usr/bin/env bash
# Native GoogleTest suite, once per SIMDNORM_ISA value (ctest), on this CPU; then clang-tidy on
# the core (scripts/clang-tidy.sh, from the same build's compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-native.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
bash scripts/clang-tidy.sh
