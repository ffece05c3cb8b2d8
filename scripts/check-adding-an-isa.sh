#!/usr/bin/env bash
# Follows HACKING.md, "Adding an instruction set", for a made-up ISA in a temporary copy of the
# tree: the build must refuse each incomplete state with an error that names what is missing, then
# accept the complete one and dispatch to it, core and trainer alike. The made-up ISA is SSE2 code
# under another name ("fake-sse2", listed first so it is the best), so it runs on any x86-64 CPU.
# Run by scripts/test-isa-cpus.sh; a Debug -O0 build (compiles fastest) in the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${SIMDNORM_JOBS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "check-adding-an-isa: $*" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "check-adding-an-isa: skipped (the made-up ISA is x86-64 code)"; exit 0; }

mkdir "$tmp/tree"
git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C "$tmp/tree"
cd "$tmp/tree"
build=$tmp/build

configure() {
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
    -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=ON
}
build() { configure && cmake --build "$build" -j"$jobs" --target "$@"; }
refused() {  # what, a pattern the error must contain, command...
  local what=$1 pattern=$2
  shift 2
  if "$@" >"$tmp/log" 2>&1; then fail "$what: the build succeeded"; fi
  # CMake wraps its messages: compare with the lines joined.
  tr -s ' \n' '  ' <"$tmp/log" | grep -q -- "$pattern" || { tail -n 30 "$tmp/log" >&2; fail "$what: failed, but not naming $pattern"; }
  echo "check-adding-an-isa: $what: refused (\"$pattern\")"
}

# Step 1: the row, best first.
sed -i '0,/^  X(/s||  X(fake, "fake-sse2", "x86_64", xsimd::sse2, "", always, "") \\\n  X(|' src/arch/isa_list.hpp
grep -q '^  X(fake, ' src/arch/isa_list.hpp || fail "could not add the row to src/arch/isa_list.hpp"
refused "a row without src/arch/fake.cpp" "src/arch/fake.cpp is missing" configure

# Step 2: one file per ISA in each directory of per-ISA files, here as copies of sse2's. Each
# state with one table left out must fail to link. (Files are rewritten, never moved back: a
# restored old timestamp would hide the change from ninja.)
copy_of_sse2() { sed 's/sse2/fake/g' "$1/sse2.cpp" >"$1/fake.cpp"; }
copy_of_sse2 src/arch
refused "no src/nn/arch/fake.cpp" "src/nn/arch/fake.cpp is missing" configure
copy_of_sse2 src/nn/arch
printf '// The core kernel table is missing here.\n' >src/arch/fake.cpp
refused "src/arch/fake.cpp without the core's table" "kernel_table" build simdnorm_demo
copy_of_sse2 src/arch
printf '// The matmul kernel table is missing here.\n' >src/nn/arch/fake.cpp
refused "src/nn/arch/fake.cpp without the matmul table" "matmul_table" build simdnorm_nn_tests
copy_of_sse2 src/nn/arch

# Step 3: builds, is chosen, and the suites run on it: the core's kernels against the reference
# (ctest registers SIMDNORM_ISA=fake-sse2 from the list) and the layer engine's matmul and SGD kernels,
# which must follow the core's choice.
build simdnorm_demo simdnorm_tests simdnorm_nn_tests >"$tmp/log" 2>&1 || { tail -n 30 "$tmp/log" >&2; fail "the complete ISA does not build"; }
line=$("$build/simdnorm_demo" | head -n 1)
[[ $line == *"ISA fake-sse2 (available: fake-sse2 "* ]] || fail "dispatch did not pick the new ISA: $line"
ctest --test-dir "$build" -R 'native\.SIMDNORM_ISA=fake-sse2$' --output-on-failure >"$tmp/log" 2>&1 ||
  { tail -n 30 "$tmp/log" >&2; fail "the suite failed under SIMDNORM_ISA=fake-sse2"; }
SIMDNORM_ISA=fake-sse2 "$build/src/nn/simdnorm_nn_tests" --gtest_filter='MatmulKernels.*:SgdKernels.*' --gtest_brief=1 ||
  fail "the matmul or SGD kernels failed under SIMDNORM_ISA=fake-sse2"
echo "check-adding-an-isa: the complete ISA builds, is chosen, and passes the core, matmul and SGD suites"
