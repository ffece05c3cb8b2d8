#!/usr/bin/env bash
# `npm pack` / `npm publish` (prepack): builds the three wasm modules from the current sources, so the
# tarball never carries a missing or stale build (scripts/build-wasm.sh is incremental: seconds
# when nothing changed). Without Emscripten it stops with what to install instead of packing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v emcmake >/dev/null; then
  echo "prepack: packing simdnorm needs its wasm modules built from source, and Emscripten" \
    "(emcmake) is not installed. Run 'bash scripts/install-deps.sh start' (Debian), then pack again." >&2
  exit 1
fi
echo "prepack: building wasm/dist/ from the current sources (scripts/build-wasm.sh)" >&2
bash scripts/build-wasm.sh >&2 # stdout stays clean for `npm pack --json`
