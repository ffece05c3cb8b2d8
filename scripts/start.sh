#!/usr/bin/env bash
# `npm start`: installs only what the page needs (Emscripten and xsimd to build the wasm module,
# uPlot for its charts), builds the wasm module, serves the page and prints its URL.
# Every step checks before it works (dpkg, node_modules stamp, CMake's incremental build), so a
# second run starts the server in a few seconds. PORT=8081 npm start picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/check-node.cjs start
bash scripts/install-deps.sh start
bash scripts/install-npm.sh page
bash scripts/build-wasm.sh
exec node scripts/serve.mjs "${PORT:-8080}"
