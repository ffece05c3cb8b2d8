#!/usr/bin/env bash
# `npm test`: installs what the chosen stages need, builds native and wasm, runs every suite.
# Each stage is a script in scripts/test-*.sh; this file only orders them and sums up.
# SIMDNORM_TEST_STAGES="native wasm" runs a subset (default: all) and installs only its needs.
set -uo pipefail
cd "$(dirname "$0")/.."

stages=(${SIMDNORM_TEST_STAGES:-lint native bench-smoke isa-cpus sanitizers fuzz wasm js browser arm})
node scripts/check-node.cjs dev || exit 1
bash scripts/install-deps.sh "${stages[@]}" || exit 1
bash scripts/install-npm.sh dev page || exit 1

passed=0 failed=0 failures=()
for stage in "${stages[@]}"; do
  script=scripts/test-$stage.sh
  [ -f "$script" ] || { echo "test.sh: no $script" >&2; failed=$((failed + 1)); failures+=("$stage"); continue; }
  echo "=== test stage: $stage"
  start=$SECONDS
  if bash "$script"; then
    passed=$((passed + 1))
    echo "=== test stage: $stage passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$stage")
    echo "=== test stage: $stage FAILED ($((SECONDS - start)) s)"
  fi
done
[ $failed -eq 0 ] || echo "failed stages: ${failures[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
