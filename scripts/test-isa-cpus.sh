#!/usr/bin/env bash
# x86 dispatch on real CPU models: the native suite under qemu-x86_64 -cpu Nehalem (SSE4.2, no
# AVX: nothing may execute an AVX instruction) and -cpu Haswell (AVX2 + FMA, no AVX-512), for the
# Release build and a Debug -O0 build. At -O0 inline functions are emitted as weak symbols by every
# file that uses them, including the ISA files built with -mavx2/-mavx512f, and the linker keeps
# one copy for all: if that copy is AVX code, an SSE-only CPU dies with SIGILL. The -O0 build is
# also checked statically for such shared symbols; its assert()s are live under emulation.
# Builds: $SIMDNORM_BUILD_DIR (Release, default build/, shared with the native stage) and build-o0/.
set -euo pipefail
cd "$(dirname "$0")/.."
release=${SIMDNORM_BUILD_DIR:-build}
debug=${SIMDNORM_O0_DIR:-build-o0}
jobs=${SIMDNORM_JOBS:-2}

SIMDNORM_BUILD_DIR=$release bash scripts/build-native.sh
if [ ! -f "$debug/CMakeCache.txt" ]; then
  cmake -S . -B "$debug" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g" \
    -DSIMDNORM_BUILD_BENCH=OFF -DSIMDNORM_BUILD_EXAMPLES=ON >/dev/null
fi
cmake --build "$debug" -j"$jobs" --target simdnorm_tests simdnorm_demo

fail() { echo "test-isa-cpus: $*" >&2; exit 1; }

# Static check of the -O0 objects: a vague-linkage symbol (inline function, template instance not
# templated on the ISA) that an ISA file defines *and* a file for a lower ISA defines may be the copy
# the linker keeps for both. The wider file's copy must then use no encoding the lower one lacks:
# level 0 = legacy SSE (core files, reference, sse2), 1 = VEX (avx2), 2 = EVEX (avx512).
objects=$debug/CMakeFiles/simdnorm.dir/src
weak() { nm --defined-only "$1" | awk '$2 ~ /^[WVu]$/ && $3 !~ /^DW\.ref\./ { print $3 }' | sort -u; }
# "symbol level" for every function in an object: the widest encoding among its instructions,
# from the first opcode byte after legacy prefixes (c4/c5: VEX, 62: EVEX in 64-bit mode).
encodings() {
  objdump -d "$1" | awk -F'\t' '
    /^[0-9a-f]+ <.*>:$/ { sym = substr($0, index($0, "<") + 1); sub(/>:$/, "", sym); lvl[sym] = 0; next }
    NF >= 3 && sym != "" {
      n = split($2, b, " "); i = 1
      while (i < n && b[i] ~ /^(26|2e|36|3e|64|65|66|67|f2|f3)$/) i++
      l = (b[i] == "62") ? 2 : (b[i] == "c4" || b[i] == "c5") ? 1 : 0
      if (l > lvl[sym]) lvl[sym] = l
    }
    END { for (s in lvl) print s, lvl[s] }' | sort
}
level_of() { case "$1" in */avx512.cpp.o) echo 2 ;; */avx2.cpp.o) echo 1 ;; *) echo 0 ;; esac; }
for wide in "$objects"/arch/avx2.cpp.o "$objects"/arch/avx512.cpp.o; do
  [ -f "$wide" ] || continue
  wide_level=$(level_of "$wide")
  wide_encodings=$(encodings "$wide")
  for other in $(find "$objects" -name '*.o' ! -path "$wide"); do
    other_level=$(level_of "$other")
    [ "$other_level" -lt "$wide_level" ] || continue
    for sym in $(comm -12 <(weak "$wide") <(weak "$other")); do
      used=$(awk -v s="$sym" '$1 == s { print $2 }' <<<"$wide_encodings")
      if [ "${used:-0}" -gt "$other_level" ]; then
        fail "$(basename "$wide") and $(basename "$other") both define $(c++filt "$sym");" \
          "the $(basename "$wide") copy needs ISA level $used > $other_level (ODR trap)"
      fi
    done
  done
done
echo "test-isa-cpus: no shared weak symbol of an ISA file uses instructions a lower ISA file lacks (-O0)"

# Which ISA the dispatcher picks on a CPU model, read from the demo's first line:
# "simdnorm <version>, ISA sse2 (available: sse2 scalar)".
expect_isa() {  # build cpu forced expected-active expected-available
  local line
  line=$(SIMDNORM_ISA=$3 qemu-x86_64 -cpu "$2" "$1/simdnorm_demo" 2>/dev/null | head -n 1) ||
    fail "$1/simdnorm_demo died under -cpu $2 with SIMDNORM_ISA=$3"
  [[ $line == *"ISA $4 (available: $5)"* ]] ||
    fail "-cpu $2 SIMDNORM_ISA=$3 ($1): expected ISA $4 (available: $5), got: $line"
  echo "test-isa-cpus: -cpu $2 SIMDNORM_ISA=${3:-unset} ($1): ISA $4"
}

suite() {  # build cpu [gtest filter]
  echo "test-isa-cpus: suite under qemu-x86_64 -cpu $2 ($1)${3:+, filter $3}"
  qemu-x86_64 -cpu "$2" "$1/tests/simdnorm_tests" --gtest_brief=1 ${3:+--gtest_filter="$3"} \
    2> >(grep -v "TCG doesn't support" >&2) || fail "suite failed under -cpu $2 ($1)"
}

# At -O0 under emulation the one large-tensor test takes over a minute per CPU model; it runs in
# the Release builds, and its kernels are the ones the smaller shapes exercise (assert()s are live
# in the -O0 build).
for build in "$release" "$debug"; do
  filter=""
  [ "$build" = "$debug" ] && filter="-KernelsVsReferenceLarge.*"
  expect_isa "$build" Nehalem "" sse2 "sse2 scalar"
  expect_isa "$build" Nehalem avx2 sse2 "sse2 scalar"    # forced but unsupported: ignored
  expect_isa "$build" Nehalem avx512 sse2 "sse2 scalar"
  expect_isa "$build" Haswell "" avx2 "avx2 sse2 scalar"
  expect_isa "$build" Haswell avx512 avx2 "avx2 sse2 scalar"
  suite "$build" Nehalem "$filter"
  suite "$build" Haswell "$filter"
done
