#!/usr/bin/env bash
# Stage "wasm": builds the three WebAssembly modules (scripts/build-wasm.sh) and proves with
# wasm2wat that the SIMD builds' kernels (single-thread and threads) run SIMD128 code in their
# loops, that the threaded build's memory is shared, and that the scalar build has no SIMD.
#
# How: --emit-symbol-map names each function index; the kernel entry points are the
# make_table<Arch> lambdas (moments, normalize, grad_sums, grad_input, normalize_add_relu,
# relu_mask), Arch being the xsimd arch of the wasm32 row of src/arch/isa_list.hpp
# (build-wasm/isa_list.tsv; today xsimd::sse4_1). Each must contain a loop that loads v128 vectors
# and does f32x4 arithmetic (or, for the mask, an f32x4 comparison) on them. The scalar build must
# contain no v128 opcode at all, or it would not even validate on engines without SIMD128.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-wasm.sh simd scalar threads
command -v wasm2wat >/dev/null || { echo "test-wasm.sh: wasm2wat not found (Debian package wabt)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --enable-all: the modules use the exception-handling proposal (-fwasm-exceptions) and SIMD.
wasm2wat --enable-all wasm/dist/simdnorm.wasm -o "$tmp/simd.wat"
wasm2wat --enable-all wasm/dist/simdnorm-scalar.wasm -o "$tmp/scalar.wat"
wasm2wat --enable-all wasm/dist/threads/simdnorm-threads.wasm -o "$tmp/threads.wat"

arch=$(awk -F'\t' '$3 == "wasm32" && $4 == 1 { print $5; exit }' build-wasm/isa_list.tsv)
[ -n "$arch" ] || { echo "test-wasm.sh: build-wasm/isa_list.tsv lists no wasm32 ISA built" >&2; exit 1; }

node - "$tmp/scalar.wat" "$arch" "$tmp/simd.wat" wasm/dist/simdnorm.js.symbols \
  "$tmp/threads.wat" wasm/dist/threads/simdnorm-threads.js.symbols <<'JS'
const { readFileSync } = require('node:fs');
const [scalarWat, arch, ...builds] = process.argv.slice(2);

// Function index -> its instructions (one per line, as wasm2wat prints them).
function functions(wat) {
  const out = new Map();
  let current = null;
  for (const line of readFileSync(wat, 'utf8').split('\n')) {
    const head = line.match(/^  \(func \(;(\d+);\)/);
    if (head) out.set(Number(head[1]), (current = []));
    else if (/^  \(/.test(line)) current = null;
    else if (current) current.push(line.trim());
  }
  return out;
}

// The instructions of every loop (nested ones included), by tracking block structure.
function loops(body) {
  const open = [];
  const done = [];
  for (const ins of body) {
    const op = ins.split(/\s/)[0];
    for (const frame of open) if (frame.loop) frame.ins.push(op);
    if (['block', 'loop', 'if', 'try'].includes(op)) open.push({ loop: op === 'loop', ins: [] });
    else if (op === 'end' || op === 'delegate') {
      const frame = open.pop();
      if (frame?.loop) done.push(frame.ins);
    }
  }
  return done;
}

const symbolNames = (symbols) => new Map(readFileSync(symbols, 'utf8').trim().split('\n').map((l) => {
  const i = l.indexOf(':');
  return [Number(l.slice(0, i)), l.slice(i + 1).replace(/\\([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))];
}));
// The KernelTable entries, told apart by their parameter types (kernel_table.hpp).
const P = 'simdnorm::kernels::ChannelParams const&', S = 'simdnorm::Shape const&';
const kernels = {
  [`float const*, ${S}, float*, float*`]: 'moments',
  [`float const*, ${S}, ${P}, bool, float*`]: 'normalize',
  [`float const*, float const*, ${S}, ${P}, bool, float*, float*`]: 'grad_sums',
  [`float const*, float const*, ${S}, ${P}, bool, bool, float const*, float const*, float*`]: 'grad_input',
  [`float const*, float const*, ${S}, ${P}, float*`]: 'normalize_add_relu',
  'float const*, float const*, unsigned long, float*': 'relu_mask',
};
let failures = 0;
for (let b = 0; b < builds.length; b += 2) {
const [simdWat, symbols] = builds.slice(b, b + 2);
console.log(simdWat.replace(/.*\//, ''));
const entry = [...symbolNames(symbols)].filter(([, n]) => n.includes(`make_table<${arch}>`) && n.includes('__invoke'));
const simd = functions(simdWat);
if (entry.length !== Object.keys(kernels).length) {
  console.error(`expected ${Object.keys(kernels).length} make_table<${arch}> kernel entry points in the symbol map, found ${entry.length}`);
  failures++;
}
for (const [index, name] of entry) {
  const kernel = kernels[name.match(/lambda'\(([^)]*)\)/)[1]] ?? name;
  const body = simd.get(index) ?? [];
  const vectorLoops = loops(body).filter((ins) =>
    ins.includes('v128.load') && ins.some((op) => /^f32x4\.(add|sub|mul|div|sqrt|max|gt)$/.test(op)));
  const count = (re) => body.filter((ins) => re.test(ins)).length;
  const ok = vectorLoops.length > 0;
  console.log(`${ok ? 'ok  ' : 'FAIL'} func ${index} ${kernel}: ${vectorLoops.length} SIMD loops, ` +
    `${count(/^f32x4\./)} f32x4 ops, ${count(/^v128\.(load|store)/)} v128 loads/stores`);
  if (!ok) failures++;
}
}
const threadsMemory = readFileSync(builds.at(-2), 'utf8').match(/^  \(import "[^"]*" "[^"]*" \(memory .*$/m)?.[0] ?? 'none';
const shared = / shared\)\)$/.test(threadsMemory);
console.log(`${shared ? 'ok  ' : 'FAIL'} threads build memory: ${threadsMemory.trim()}`);
if (!shared) failures++;
const scalarVector = readFileSync(scalarWat, 'utf8').split('\n').filter((l) => /\b(v128|[fi](8x16|16x8|32x4|64x2))\./.test(l));
console.log(`${scalarVector.length === 0 ? 'ok  ' : 'FAIL'} scalar build: ${scalarVector.length} SIMD instructions`);
if (scalarVector.length) { console.error(scalarVector.slice(0, 5).join('\n')); failures++; }
process.exit(failures ? 1 : 0);
JS
