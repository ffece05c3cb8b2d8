#!/usr/bin/env bash
# The native GoogleTest suite built with clang-14 under AddressSanitizer + UndefinedBehaviorSanitizer,
# run once per SIMDNORM_ISA value (ctest); then the thread tests under ThreadSanitizer (below).
# Any report aborts the test (-fno-sanitize-recover=all),
# so a passing stage means no report at all. Builds in build-asan/ and build-tsan/.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SIMDNORM_ASAN_DIR:-build-asan}
jobs=${SIMDNORM_JOBS:-2}

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if [ ! -f "$dir/CMakeCache.txt" ]; then
  # -O1: the sanitizers' own advice (fast enough, exact stacks); -g for file:line in reports.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" \
    -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=OFF -DSIMDNORM_MPI=OFF >/dev/null
fi
# Without simdnorm::mpi, also in a build directory made before it existed: OpenMPI itself leaves
# ~120 KB of allocations at exit, which LeakSanitizer reports in any MPI program.
grep -q '^SIMDNORM_MPI:BOOL=OFF' "$dir/CMakeCache.txt" || cmake -S . -B "$dir" -DSIMDNORM_MPI=OFF >/dev/null
cmake --build "$dir" -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Not nn.learning: two whole training runs, ~7 minutes under ASan, and no code path the nn
# suites do not already run here (the native stage runs it at full speed).
ctest --test-dir "$dir" --output-on-failure -j"$jobs" -E '^nn\.learning$'

# ThreadSanitizer on the thread pool and everything that runs on it: the pool's own tests, every
# BN entry point on 1…8 threads, and the layer engine's training steps. One ISA (the scalar
# reference, on every machine): the tasks and their synchronization are the same for all, and
# TSan's cost stays about a minute. Builds the two test binaries only, in build-tsan/.
tsan_dir=${SIMDNORM_TSAN_DIR:-build-tsan}
tsan="-fsanitize=thread -fno-omit-frame-pointer"
if [ ! -f "$tsan_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$tsan" -DCMAKE_EXE_LINKER_FLAGS="$tsan" \
    -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$tsan_dir" -j"$jobs" --target simdnorm_tests simdnorm_nn_tests
export TSAN_OPTIONS=halt_on_error=1:abort_on_error=1:second_deadlock_stack=1
"$tsan_dir/tests/simdnorm_tests" --gtest_brief=1 \
  --gtest_filter='Threads.*:*ThreadResults.SameBitsOnOneToEightThreads/scalar'
"$tsan_dir/src/nn/simdnorm_nn_tests" --gtest_brief=1 \
  --gtest_filter='*EngineThreads.SameBitsOnOneToEightThreads/scalar'
