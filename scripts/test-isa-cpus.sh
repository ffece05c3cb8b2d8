#!/usr/bin/env bash
# x86 dispatch on real CPU models: for each x86-64 ISA of the list (src/arch/isa_list.hpp, read
# from <build>/isa_list.tsv) that names a qemu CPU model, the native suite under qemu-x86_64 -cpu
# <model>, where dispatch must pick exactly that ISA (today Nehalem: SSE4.2, no AVX, so nothing may
# execute an AVX instruction; Haswell: AVX2 + FMA, no AVX-512) and the tests run its kernels (and
# the scalar reference as theirs), for the Release build and a Debug -O0 build. At -O0 inline
# functions are emitted as weak symbols by every file that uses them, including the ISA files
# built with -mavx2/-mavx512f, and the linker keeps one copy for all: if that copy is AVX code, an
# SSE-only CPU dies with SIGILL. The -O0 objects of the core and the trainer are also checked
# statically for such shared symbols; its assert()s are live under emulation. Last,
# scripts/check-adding-an-isa.sh follows HACKING.md's steps for a new ISA.
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
cmake --build "$debug" -j"$jobs" --target simdnorm_tests simdnorm_demo simdnorm_nn

fail() { echo "test-isa-cpus: $*" >&2; exit 1; }

# Static check of the -O0 objects: a vague-linkage symbol (inline function, template instance not
# templated on the ISA) that an ISA file defines *and* a file for a lower ISA defines may be the copy
# the linker keeps for both. The wider file's copy must then use no encoding the lower one lacks.
# An object's level is the widest encoding it uses: 0 = legacy SSE (files without ISA flags, sse2),
# 1 = VEX (avx2), 2 = EVEX (avx512).
objects=$(find "$debug/CMakeFiles/simdnorm.dir" "$debug/src/nn/CMakeFiles/simdnorm_nn.dir" -name '*.o' | sort)
weak() { nm --defined-only "$1" | awk '$2 ~ /^[WVu]$/ && $3 !~ /^DW\.ref\./ { print $3 }' | sort -u; }
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
declare -A level
for object in $objects; do
  level[$object]=$(encodings "$object" | awk '$2 > max { max = $2 } END { print max + 0 }')
done
for wide in $objects; do
  wide_level=${level[$wide]}
  [ "$wide_level" -gt 0 ] || continue
  wide_encodings=$(encodings "$wide")
  for other in $objects; do
    other_level=${level[$other]}
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
  echo "test-isa-cpus: suite under qemu-x86_64 -cpu $2 ($1), ISA ${SIMDNORM_TEST_ISAS:-all}${3:+, filter $3}"
  qemu-x86_64 -cpu "$2" "$1/tests/simdnorm_tests" --gtest_brief=1 ${3:+--gtest_filter="$3"} \
    2> >(grep -v "TCG doesn't support" >&2) || fail "suite failed under -cpu $2 ($1)"
}

# The x86-64 rows this build compiles, best first: "name<TAB>qemu model" (isa_list.tsv columns 1
# and 7; column 4 is 1 where built).
rows=$(awk -F'\t' '$3 == "x86_64" && $4 == 1 { print $1 "\t" $7 }' "$release/isa_list.tsv")
[ -n "$rows" ] || fail "$release/isa_list.tsv lists no x86-64 ISA built here"
awk -F'\t' '$2 != "" { found = 1 } END { exit !found }' <<<"$rows" || fail "no x86-64 ISA of src/arch/isa_list.hpp names a qemu CPU model"

# Every thread count costs seconds under qemu: the thread tests compare 2, 3 and 8 threads with 1
# (tests/native/thread_count.hpp; the native stage runs 2…8).
export SIMDNORM_TEST_THREAD_COUNTS="2 3 8"

# Each model runs the tests of its own ISA only (SIMDNORM_TEST_ISAS, tests/native/isa_scope.hpp): a
# lower ISA's kernels run on their own model, which lacks every instruction the higher one's lacks.
# The scalar reference runs on every model as the kernels' reference; its own tests (threads,
# page ends, numerics) run natively only, as none of its instructions depends on the model. At -O0
# under emulation the large-tensor tests take minutes per model; they run in the Release builds,
# and their kernels are the ones the smaller shapes exercise (assert()s are live in the -O0
# build). The models' suites of one build run side by side, each a qemu process that keeps one
# core busy; their outputs follow in the list's order.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for build in "$release" "$debug"; do
  higher=()
  running=()
  while IFS=$'\t' read -r -u 3 name model; do
    if [ -n "$model" ]; then
      # On this model: this ISA, every lower built one, then the reference; forcing a higher one
      # is ignored.
      available=$(awk -F'\t' -v n="$name" '$1 == n { on = 1 } on { printf "%s ", $1 }' <<<"$rows")scalar
      expect_isa "$build" "$model" "" "$name" "$available"
      for forced in "${higher[@]}"; do expect_isa "$build" "$model" "$forced" "$name" "$available"; done
      filter=""
      [ "$build" = "$debug" ] && filter="-KernelsVsReferenceLarge.*"
      SIMDNORM_TEST_ISAS=$name suite "$build" "$model" "$filter" >"$logs/$model" 2>&1 &
      running+=("$!:$model")
    fi
    higher+=("$name")
  done 3<<<"$rows"
  failed=""
  for job in "${running[@]}"; do
    wait "${job%%:*}" || failed+=" ${job#*:}"
    cat "$logs/${job#*:}"
  done
  [ -z "$failed" ] || fail "the suite failed under -cpu$failed ($build)"
done

bash scripts/check-adding-an-isa.sh
