#!/usr/bin/env bash
# Stage "js": the package's node:test suites (tests/js) against the wasm builds.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f wasm/dist/simdnorm.wasm ] && [ -f wasm/dist/simdnorm-scalar.wasm ] && [ -f wasm/dist/threads/simdnorm-threads.wasm ] || bash scripts/build-wasm.sh
node --test tests/js/
