#!/usr/bin/env bash
# ARM: cross-builds the library, the GoogleTest suite, the demo and the benchmarks for aarch64
# (scripts/aarch64-toolchain.cmake) and runs the suite under qemu-aarch64 through ctest.
# Proves the aarch64 kernels are what runs: the default ISA under emulation must be the best
# aarch64 ISA of the list (src/arch/isa_list.hpp, via build-arm/isa_list.tsv; today "neon"), and
# the suite's ISA test checks active_isa() for each SIMDNORM_ISA value. Builds in build-arm/.
# SIMDNORM_ARM_GTEST_FILTER narrows the suite (GTEST_FILTER syntax) if qemu makes it too slow.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SIMDNORM_ARM_DIR:-build-arm}
jobs=${SIMDNORM_JOBS:-2}

if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE=scripts/aarch64-toolchain.cmake \
    -DCMAKE_BUILD_TYPE=Release -DSIMDNORM_BUILD_TESTS=ON -DSIMDNORM_BUILD_BENCH=ON \
    -DSIMDNORM_BUILD_EXAMPLES=ON >/dev/null
fi
cmake --build "$dir" -j"$jobs"

for exe in tests/simdnorm_tests simdnorm_demo bench/simdnorm_bench; do
  [ -f "$dir/$exe" ] || continue  # the benchmarks are optional parts of the tree
  file -b "$dir/$exe" | grep -q "ARM aarch64" || { echo "test-arm: $exe is not an aarch64 binary" >&2; exit 1; }
done

if [ -n "${SIMDNORM_ARM_GTEST_FILTER:-}" ]; then export GTEST_FILTER=$SIMDNORM_ARM_GTEST_FILTER; fi
# Every thread count costs seconds under qemu: the thread tests compare 2, 3 and 8 threads with 1
# (tests/native/thread_count.hpp; the native stage runs 2…8).
export SIMDNORM_TEST_THREAD_COUNTS="2 3 8"
# As CMAKE_CROSSCOMPILING_EMULATOR in scripts/aarch64-toolchain.cmake (why the library path).
emulator=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E
  LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/usr/lib/aarch64-linux-gnu)

# Which kernels the dispatcher picks on this (emulated) CPU, independently of the suite.
best=$(awk -F'\t' '$3 == "aarch64" && $4 == 1 { print $1; exit }' "$dir/isa_list.tsv")
[ -n "$best" ] || { echo "test-arm: $dir/isa_list.tsv lists no aarch64 ISA built" >&2; exit 1; }
line=$("${emulator[@]}" "$dir/simdnorm_demo" | head -n 1)
echo "test-arm: $line"
case "$line" in
  *"ISA $best "*) ;;
  *) echo "test-arm: expected the $best kernels to be chosen under qemu-aarch64" >&2; exit 1 ;;
esac

# The benchmarks only have to build and start: timings under qemu mean nothing.
if [ -f "$dir/bench/simdnorm_bench" ]; then
  count=$("${emulator[@]}" "$dir/bench/simdnorm_bench" --benchmark_list_tests | grep -c "/$best/" || true)
  [ "$count" -gt 0 ] || { echo "test-arm: the benchmarks registered no $best entries" >&2; exit 1; }
  echo "test-arm: benchmarks cross-built, $count $best entries registered"
fi

# ctest runs each test through CMAKE_CROSSCOMPILING_EMULATOR (the ISAs of other processors run
# only the Isa tests, tests/CMakeLists.txt). Not native.SIMDNORM_ISA=$best: the same run as
# "native", whose default is $best (checked above).
# The nn suite directly; not nn.learning: two whole training runs, which the native stage runs.
ctest --test-dir "$dir" --output-on-failure -j"$jobs" -E "^nn|^native\.SIMDNORM_ISA=$best\$"
"${emulator[@]}" "$dir/src/nn/simdnorm_nn_tests" --gtest_brief=1 \
  "--gtest_filter=${SIMDNORM_ARM_GTEST_FILTER:--LearningTargets.*}"
