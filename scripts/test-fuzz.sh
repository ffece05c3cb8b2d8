#!/usr/bin/env bash
# The libFuzzer target (tests/fuzz) for a bounded time: every available ISA against the scalar
# reference, and bad arguments → std::invalid_argument. Built with clang-14 under ASan + UBSan in
# build-fuzz/. Starts from the seed corpus in tests/fuzz/corpus; new inputs go to
# build-fuzz/corpus (the repository's seeds are never modified). A failing input is written to
# build-fuzz/crash-* and makes the stage fail; rerun it with build-fuzz/tests/fuzz/simdnorm_fuzz <file>.
# SIMDNORM_FUZZ_SECONDS (default 45) sets the time; extra arguments go to libFuzzer.
# The long run quoted in docs/numerics.md uses no sanitizers (about 5× faster; the bounds checks abort on
# their own) in its own folder:
#   SIMDNORM_FUZZ_SANITIZERS= SIMDNORM_FUZZ_DIR=build-fuzz-fast SIMDNORM_FUZZ_SECONDS=100000 \
#     bash scripts/test-fuzz.sh -runs=10000000
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SIMDNORM_FUZZ_DIR:-build-fuzz}
jobs=${SIMDNORM_JOBS:-2}
seconds=${SIMDNORM_FUZZ_SECONDS:-45}
sanitizers=${SIMDNORM_FUZZ_SANITIZERS-address,undefined}

# Edge coverage without comparison tracing (see tests/fuzz/CMakeLists.txt) for the library too.
flags="-fsanitize=fuzzer-no-link${sanitizers:+,$sanitizers} -fno-sanitize-coverage=trace-cmp"
flags+=" -fno-sanitize-recover=all -fno-omit-frame-pointer"
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DSIMDNORM_BUILD_TESTS=ON -DSIMDNORM_BUILD_FUZZER=ON -DSIMDNORM_BUILD_BENCH=OFF \
    -DSIMDNORM_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$dir" -j"$jobs" --target simdnorm_fuzz

mkdir -p "$dir/corpus"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$dir/tests/fuzz/simdnorm_fuzz" "$dir/corpus" tests/fuzz/corpus \
  -max_total_time="$seconds" -max_len=4096 -timeout=20 -print_final_stats=1 \
  -artifact_prefix="$dir/" "$@"
