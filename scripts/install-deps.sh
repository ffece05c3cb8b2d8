#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test simdnorm.
# Idempotent: it asks dpkg first and only calls apt-get for what is missing.
# Usage: scripts/install-deps.sh [--arm]   (--arm adds the aarch64 cross toolchain + qemu)
set -euo pipefail

packages=(
  cmake g++ clang libgtest-dev libbenchmark-dev    # native build and tests
  libxsimd-dev xtl-dev                             # SIMD kernels (xsimd 8.1 links xtl)
  libclang-rt-14-dev                               # ASan/UBSan/libFuzzer runtimes for clang-14
  emscripten wabt                                  # wasm build, wasm2wat for the SIMD check
  chromium                                         # browser tests (driven by playwright-core)
  python3-torch python3-numpy                      # PyTorch reference for fixtures
  libdnnl-dev                                      # oneDNN, the native benchmark peer
  g++-aarch64-linux-gnu qemu-user                  # ARM cross build, run under emulation
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

arm_missing=()
if ! dpkg --print-foreign-architectures | grep -qx arm64; then arm_missing=(arch); fi
for p in libgtest-dev:arm64 libbenchmark-dev:arm64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || arm_missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#arm_missing[@]} -eq 0 ]; then
  echo "install-deps: all system packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: missing packages: ${missing[*]} ${arm_missing[*]}" >&2
    echo "install-deps: not root and no sudo; install them with apt-get as root, then rerun." >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#arm_missing[@]} -gt 0 ]; then
  # arm64 multiarch gives GoogleTest/Benchmark built for aarch64 (cross build under qemu).
  $SUDO dpkg --add-architecture arm64
  missing+=(libgtest-dev:arm64 libbenchmark-dev:arm64)
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
