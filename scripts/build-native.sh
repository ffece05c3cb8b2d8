#!/usr/bin/env bash
# Configures and builds the native library, tests, demo (and benchmarks) in build/.
# SIMDNORM_BUILD_DIR and extra cmake arguments ("$@") select other configurations.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SIMDNORM_BUILD_DIR:-build}
generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
[ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${generator[@]}" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
