#!/usr/bin/env bash
# Builds the npm package's three WebAssembly modules into wasm/dist/ with Emscripten:
#   build-wasm/         SIMD128 kernels   -> wasm/dist/simdnorm.{js,wasm}
#   build-wasm-scalar/  scalar reference  -> wasm/dist/simdnorm-scalar.{js,wasm}
#   build-wasm-threads/ SIMD128 + threads -> wasm/dist/threads/simdnorm-threads.{js,wasm,worker.js}
# Incremental (the second run only relinks what changed).
# Usage: scripts/build-wasm.sh [simd|scalar|threads]...
set -euo pipefail
cd "$(dirname "$0")/.."

# Emscripten's JS optimizer needs acorn, which Debian installs under /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs
command -v emcmake >/dev/null || { echo "build-wasm.sh: emcmake not found: run bash scripts/install-deps.sh start" >&2; exit 1; }

configs=("${@:-simd scalar threads}")
for config in ${configs[*]}; do
  case $config in
    simd) dir=build-wasm simd=ON threads=OFF ;;
    scalar) dir=build-wasm-scalar simd=OFF threads=OFF ;;
    threads) dir=build-wasm-threads simd=ON threads=ON ;;
    *) echo "build-wasm.sh: unknown config '$config' (expected simd, scalar or threads)" >&2; exit 1 ;;
  esac
  # Configured every time (a second or two) so folders that appeared since (src/nn) are picked up.
  emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSIMDNORM_SIMD=$simd -DSIMDNORM_WASM_THREADS=$threads \
    -DSIMDNORM_BUILD_TESTS=OFF -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$dir" --target simdnorm_wasm -j2
done
ls -l wasm/dist/*.js wasm/dist/*.wasm wasm/dist/threads/*
