#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-native.sh
./build/simdnorm_demo
