#!/usr/bin/env bash
# CI stage: the benchmarks still build and run, in seconds (timings are not checked here).
# The layer engine's benchmarks (native, PyTorch, Node) run once each, at small batches in Node.
# Native: the 64 KiB shape (S3) once per op, ISA and peer, its thread scaling, one cut-over
# size, two cells of the sweep and S2 on and off a cache line; fails on any error other than an ISA
# this CPU lacks. Node: the quick configuration of bench/js/run.mjs. Both report generators run,
# and their headers must state the CPU model, date and command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-native.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=${SIMDNORM_BUILD_DIR:-build}/bench/simdnorm_bench
[ -x "$bin" ] || { echo "bench-smoke: $bin was not built" >&2; exit 1; }
OMP_NUM_THREADS=1 SIMDNORM_NUM_THREADS=1 "$bin" --benchmark_min_time=0.001 \
  --benchmark_filter='/S3$|^scaling/.*/S3/|^cutover/[^/]+/[^/]+/64KiB/|^sweep/.*/C:64/HW:(1x1|7x7)/|^offset/infer/(0|16)B/nc/S2$' \
  --benchmark_out="$tmp/native.json" --benchmark_out_format=json >/dev/null
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const runs = JSON.parse(readFileSync(process.argv[1], "utf8")).benchmarks;
  const bad = runs.filter((b) => b.error_occurred && !/not available/.test(b.error_message));
  const ran = runs.filter((b) => !b.error_occurred);
  const ops = new Set(ran.map((b) => b.name.split("/")[0]));
  for (const op of ["copy", "infer", "train_fwd", "train_fwd_relu", "bwd", "fwd_bwd"])
    if (!ops.has(op)) bad.push({ name: op, error_message: "did not run" });
  if (!ran.some((b) => b.name.includes("/scalar/"))) bad.push({ name: "scalar", error_message: "reference did not run" });
  for (const b of bad) console.error(`bench-smoke: ${b.name}: ${b.error_message}`);
  console.log(`bench-smoke: native ${ran.length} benchmarks ran, ${runs.length - ran.length} skipped (ISA not available)`);
  process.exit(bad.length ? 1 : 0);
' "$tmp/native.json"
node bench/report/native.mjs "$tmp/native.json" smoke >/dev/null
grep -q '^## Sweep' "$tmp/native.md" && grep -q '^| nc | 64 | 1x1 | 8 | [0-9]' "$tmp/native.md" ||
  { echo "bench-smoke: native.md lacks the sweep section or its C:64 1x1 row" >&2; exit 1; }
grep -q '^## Tensors off a cache line' "$tmp/native.md" && grep -q '^| S2 nc | infer | [0-9]' "$tmp/native.md" ||
  { echo "bench-smoke: native.md lacks the section on tensors off a cache line or its S2 row" >&2; exit 1; }
# Its link to the targets is made relative to the folder it was written in.
targets=$(grep -o '](\([^)#]*\)benchmarks\.md#targets)' "$tmp/native.md" | head -1 | sed 's/^](//; s/#targets)$//')
[ -n "$targets" ] && [ -f "$tmp/$targets" ] ||
  { echo "bench-smoke: native.md's link to the targets ($targets) is not a file from $tmp" >&2; exit 1; }
node bench/report/threads.mjs --out "$tmp/threads.json" --native "$tmp/native.json" --command smoke >/dev/null
# The last column: simdnorm ÷ oneDNN's faster format ("—" in a build without oneDNN).
grep -Eq '^\| S3 \| train_fwd \|.*([0-9]|—)× \((plain|blocked)\) \|$' "$tmp/threads.md" &&
  grep -q '^| train_fwd | nchw | 64 KiB |' "$tmp/threads.md" ||
  { echo "bench-smoke: threads.md lacks the S3 scaling against oneDNN's faster format or the cut-over rows" >&2; exit 1; }

# The layer engine: every conv, train-step and matmul cut-over entry once, PyTorch's side for a
# few steps, the Node side at batch 4; the report must have a row for both models on both sides
# and the cut-over's.
engine=${SIMDNORM_BUILD_DIR:-build}/bench/simdnorm_engine_bench
[ -x "$engine" ] || { echo "bench-smoke: $engine was not built" >&2; exit 1; }
OMP_NUM_THREADS=1 "$engine" --benchmark_min_time=0.001 --benchmark_out="$tmp/engine-native.json" \
  --benchmark_out_format=json >/dev/null
/usr/bin/python3 bench/native/torch_train_step.py --repetitions 1 --min-time 0.001 --out "$tmp/engine-pytorch.json"

[ -f wasm/dist/simdnorm.wasm ] && [ -f wasm/dist/simdnorm-scalar.wasm ] &&
  [ -f wasm/dist/threads/simdnorm-threads.wasm ] || bash scripts/build-wasm.sh
node bench/js/run.mjs --quick --out "$tmp/js.json" >/dev/null 2>"$tmp/js.err" || { cat "$tmp/js.err" >&2; exit 1; }
if grep -q "differs from plain JS" "$tmp/js.err"; then cat "$tmp/js.err" >&2; exit 1; fi
echo "bench-smoke: Node suite ran ($(grep -c '"peer"' "$tmp/js.json") entries)"
grep -q '"mode": "floor"' "$tmp/js.json" && grep -q '"mode": "e2e_out"' "$tmp/js.json" &&
  grep -q '"mode": "floor_out"' "$tmp/js.json" && grep -q 'against its floor' "$tmp/js.md" ||
  { echo "bench-smoke: no e2e floor entries or table (bench/js/e2e-floor.mjs)" >&2; exit 1; }
# Thread scaling in Node: S3 on 1 and 2 threads, simdnorm's threads build and onnxruntime-web.
node bench/js/scaling.mjs --quick --out "$tmp/scaling.json" >/dev/null
node bench/report/threads.mjs --out "$tmp/threads.json" --wasm "$tmp/scaling.json" >/dev/null
grep -q '^| S3 nchw | train_fwd |' "$tmp/threads.md" && grep -q '^| S3 | train_fwd |' "$tmp/threads.md" ||
  { echo "bench-smoke: threads.md lacks the wasm or the native S3 scaling rows" >&2; exit 1; }
node bench/js/engine-training.mjs --quick --out "$tmp/engine-node.json" >/dev/null
node bench/report/engine.mjs --out "$tmp/engine.json" --command smoke --native "$tmp/engine-native.json" \
  --pytorch "$tmp/engine-pytorch.json" --node "$tmp/engine-node.json" >/dev/null
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const json = JSON.parse(readFileSync(process.argv[1], "utf8"));
  const md = readFileSync(process.argv[1].replace(/json$/, "md"), "utf8");
  const bad = json.native[0].benchmarks.filter((b) => b.error_occurred).map((b) => `${b.name}: ${b.error_message}`);
  const names = new Set([...json.native, ...json.pytorch].flatMap((o) => o.benchmarks.map((b) => b.name)));
  for (const model of ["mnist_cnn_batch64", "bn_mlp_784_100x3_10_batch60"]) {
    for (const impl of ["pytorch", "scalar"])
      if (!names.has(`train_step/${impl}/${model}`)) bad.push(`train_step/${impl}/${model} did not run`);
    for (const peer of ["sn.nn wasm-simd128", "sn.nn wasm-scalar", "TF.js cpu layers"]) {
      const e = json.node.engine.find((x) => x.model === model && x.peer === peer);
      if (!e?.runs.length || !Number.isFinite(e.lossLast)) bad.push(`Node ${model} ${peer}: ${e?.error ?? "did not run"}`);
    }
  }
  if ((md.match(/^\| (MNIST CNN|BN paper MLP)/gm) ?? []).length !== 4) bad.push("engine.md lacks a model row");
  if (!/^\| 64×64×64 \| 262144 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+× \|$/m.test(md)) bad.push("engine.md lacks the matmul cut-over row");
  for (const b of bad) console.error(`bench-smoke: engine: ${b}`);
  process.exit(bad.length ? 1 : 0);
' "$tmp/engine.json"
echo "bench-smoke: engine benchmarks ran (native, PyTorch, Node)"
# The result pages must say where, when and how they were measured.
for md in "$tmp/native.md" "$tmp/threads.md" "$tmp/js.md" "$tmp/engine.md"; do
  grep -q '^Machine: ' "$md" && ! grep -q 'CPU model not recorded' "$md" &&
    grep -Eq '^Date: [0-9]{4}-[0-9]{2}-[0-9]{2}T.*Command: `[^`]+`' "$md" ||
    { echo "bench-smoke: $md lacks the CPU model, date or command:" >&2; head -2 "$md" >&2; exit 1; }
done
