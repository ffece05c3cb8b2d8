#!/usr/bin/env bash
# `npm start`: installs what is missing, builds the wasm module, serves the page and prints its URL.
# Every step checks before it works (dpkg, node_modules stamp, CMake's incremental build), so a
# second run starts the server in a few seconds. PORT=8081 npm start picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-npm.sh
bash scripts/build-wasm.sh
exec node scripts/serve.mjs "${PORT:-8080}"
