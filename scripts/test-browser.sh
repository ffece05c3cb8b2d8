#!/usr/bin/env bash
# Stage "browser": every tests/browser/*.test.mjs (headless Debian Chromium via playwright-core:
# the npm package consumer tests, the page tests).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f wasm/dist/simdnorm.wasm ] && [ -f wasm/dist/simdnorm-scalar.wasm ] && [ -f wasm/dist/threads/simdnorm-threads.wasm ] || bash scripts/build-wasm.sh
node --test tests/browser/
