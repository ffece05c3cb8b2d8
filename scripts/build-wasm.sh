#!/usr/bin/env bash
# Builds the npm package's two WebAssembly modules into wasm/dist/ with Emscripten:
#   build-wasm/        SIMD128 kernels   -> wasm/dist/simdnorm.{js,wasm}
#   build-wasm-scalar/ scalar reference  -> wasm/dist/simdnorm-scalar.{js,wasm}
# Incremental (the second run only relinks what changed). Usage: scripts/build-wasm.sh [simd|scalar]...
set -euo pipefail
cd "$(dirname "$0")/.."

# Emscripten's JS optimizer needs acorn, which Debian installs under /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs
command -v emcmake >/dev/null || { echo "build-wasm.sh: emcmake not found: run bash scripts/install-deps.sh start" >&2; exit 1; }

configs=("${@:-simd scalar}")
for config in ${configs[*]}; do
  case $config in
    simd) dir=build-wasm simd=ON ;;
    scalar) dir=build-wasm-scalar simd=OFF ;;
    *) echo "build-wasm.sh: unknown config '$config' (expected simd or scalar)" >&2; exit 1 ;;
  esac
  # Configured every time (a second or two) so folders that appeared since (src/nn) are picked up.
  emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSIMDNORM_SIMD=$simd \
    -DSIMDNORM_BUILD_TESTS=OFF -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$dir" --target simdnorm_wasm -j2
done
ls -l wasm/dist/*.js wasm/dist/*.wasm
