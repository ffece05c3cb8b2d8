#!/usr/bin/env bash
# `npm run bench`: the native Google Benchmark suite (simdnorm per ISA, memcpy, oneDNN) and the
# Node suite (simdnorm wasm vs TF.js, onnxruntime-web, plain JS; then the threads build against
# onnxruntime-web on 1…cores threads) and the layer engine's training steps (native vs PyTorch,
# wasm vs TF.js layers). Writes bench/results/{native,js,engine}.{json,md,svg} and
# threads.{json,md} (the native and the wasm scaling). About 9.5 + 6.5 + 4 minutes on a 2-core machine.
# SIMDNORM_BENCH_SUITES="native" (or "js", "engine") runs one suite; SIMDNORM_BENCH_RESULTS=DIR
# writes to DIR instead (another CPU's tables beside the committed ones); extra arguments go to
# simdnorm_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/check-node.cjs dev
bash scripts/install-deps.sh bench
bash scripts/install-npm.sh dev
suites=${SIMDNORM_BENCH_SUITES:-native js engine}
results=${SIMDNORM_BENCH_RESULTS:-bench/results}
mkdir -p "$results"
# Its own Release build directory: benchmarks must never run a Debug or sanitizer build.
build=${SIMDNORM_BENCH_BUILD_DIR:-build-bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ " $suites " == *" native "* ]]; then
  [ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DSIMDNORM_BUILD_BENCH=ON -DSIMDNORM_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target simdnorm_bench
  # Single thread everywhere (oneDNN uses OpenMP, simdnorm its pool) except the scaling/ and
  # cutover/ entries, which set their own thread counts; 5 repetitions in random interleaved
  # order, so slow drifts of the machine's load hit every entry alike. OpenMP's threads sleep
  # between oneDNN's parallel regions (OMP_WAIT_POLICY=passive): spinning, they would take the
  # cores from the entries that run after a scaling/ one.
  args=(--benchmark_min_time=0.03 --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
        --benchmark_out="$results/native.json" --benchmark_out_format=json "$@")
  echo "bench.sh: native suite (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  env=(OMP_WAIT_POLICY=passive OMP_NUM_THREADS=1 SIMDNORM_NUM_THREADS=1)
  env "${env[@]}" "$build/bench/simdnorm_bench" "${args[@]}" >/dev/null
  node bench/report/native.mjs "$results/native.json" "${env[*]} $build/bench/simdnorm_bench ${args[*]}"
  node bench/report/threads.mjs --out "$results/threads.json" --native "$results/native.json" \
    --command "${env[*]} $build/bench/simdnorm_bench ${args[*]}" >/dev/null
fi

if [[ " $suites " == *" js "* ]]; then
  [ -f wasm/dist/simdnorm.wasm ] && [ -f wasm/dist/simdnorm-scalar.wasm ] &&
    [ -f wasm/dist/threads/simdnorm-threads.wasm ] || bash scripts/build-wasm.sh
  echo "bench.sh: Node suite (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  node bench/js/run.mjs --out "$results/js.json"
  echo "bench.sh: Node thread scaling (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  node bench/js/scaling.mjs --out "$tmp/scaling.json" >/dev/null
  node bench/report/threads.mjs --out "$results/threads.json" --wasm "$tmp/scaling.json" >/dev/null
fi

if [[ " $suites " == *" engine "* ]]; then
  [ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DSIMDNORM_BUILD_BENCH=ON -DSIMDNORM_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target simdnorm_engine_bench
  [ -f wasm/dist/simdnorm.wasm ] && [ -f wasm/dist/simdnorm-scalar.wasm ] || bash scripts/build-wasm.sh
  # Native rounds: the engine on every ISA, then PyTorch, alternately, so the machine's load drifts
  # hit both sides of the ratio alike.
  rounds=5
  native_args=(--benchmark_min_time=0.3 --benchmark_enable_random_interleaving=true)
  echo "bench.sh: engine suite (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  for r in $(seq "$rounds"); do
    OMP_NUM_THREADS=1 SIMDNORM_NUM_THREADS=1 "$build/bench/simdnorm_engine_bench" "${native_args[@]}" \
      --benchmark_out="$tmp/native-$r.json" --benchmark_out_format=json >/dev/null
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/native/torch_train_step.py --repetitions 1 \
      --min-time 0.5 --out "$tmp/pytorch-$r.json"
  done
  node bench/js/engine-training.mjs --out "$tmp/node.json"
  node bench/report/engine.mjs --out "$results/engine.json" \
    --command "$rounds rounds of: OMP_NUM_THREADS=1 SIMDNORM_NUM_THREADS=1 $build/bench/simdnorm_engine_bench ${native_args[*]}; /usr/bin/python3 bench/native/torch_train_step.py --repetitions 1 --min-time 0.5; then node bench/js/engine-training.mjs" \
    --native "$tmp"/native-*.json --pytorch "$tmp"/pytorch-*.json --node "$tmp/node.json"
fi
