#!/usr/bin/env bash
# clang-tidy (checks and reasons in .clang-tidy) on the core: every source file of src/core,
# src/kernels and src/arch in the native build's compile_commands.json, with the headers of
# src/core, src/kernels, src/arch and src/include they include. Any finding fails. Run by the
# native test stage after its build; SIMDNORM_BUILD_DIR picks the build (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SIMDNORM_BUILD_DIR:-build}
jobs=${SIMDNORM_JOBS:-2}
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
[ -n "$tidy" ] || { echo "clang-tidy.sh: run-clang-tidy not found (Debian package clang-tidy)" >&2; exit 1; }
[ -f "$dir/compile_commands.json" ] ||
  { echo "clang-tidy.sh: no $dir/compile_commands.json: build first (scripts/build-native.sh)" >&2; exit 1; }

# -Wno-unknown-warning-option: the database comes from GCC, whose flags clang need not know.
"$tidy" -p "$dir" -j "$jobs" -quiet -extra-arg=-Wno-unknown-warning-option \
  "$PWD/src/(core|kernels|arch)/[^/]*\.cpp$" >"$dir/clang-tidy.log" 2>&1 ||
  { sed 's/\x1b\[[0-9;]*m//g' "$dir/clang-tidy.log" | grep -E "(warning|error):" | sort -u >&2 ||
      cat "$dir/clang-tidy.log" >&2
    echo "clang-tidy.sh: findings above (full output: $dir/clang-tidy.log)" >&2; exit 1; }
echo "clang-tidy.sh: core clean ($(grep -c '"file"' "$dir/compile_commands.json") files in the database," \
  "$(grep -cE "\"file\": \"$PWD/src/(core|kernels|arch)/" "$dir/compile_commands.json") checked)"
