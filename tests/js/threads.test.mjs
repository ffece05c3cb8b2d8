// The SIMD128 + threads build in Node (worker_threads): init() chooses it by default with
// defaultThreads() (one thread with simd: false or wasmBinary, or when it does not load), and
// init({ threads }) the count; its results equal the single-thread SIMD128 build's bit for bit,
// for every thread count (BN forward/backward/eval in both layouts, sn.nn training steps); bad
// counts are typed errors; and a process that loaded it still exits on its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import init, { defaultThreads, errorCodes, threadsSupported } from '../../wasm/index.js';
import { threadsWorkload } from './threads-workload.mjs';

const single = threadsWorkload(await init({ threads: 1 }));

test('Node supports the threaded build; init() chooses it with defaultThreads()', async () => {
  assert.equal(threadsSupported(), true);
  const cores = Math.min(availableParallelism(), 8);
  assert.equal(await defaultThreads(), cores);
  const sn = await init();
  assert.equal(sn.threads, cores);
  assert.equal(sn.isa, 'wasm-simd128');
  assert.equal((await init({ simd: true })).threads, cores);
});

test('the default is one thread with simd: false, or with wasmBinary (the bytes of one build)', async () => {
  assert.equal((await init({ simd: false })).threads, 1);
  const wasm = await readFile(new URL('../../wasm/dist/simdnorm.wasm', import.meta.url));
  const sn = await init({ wasmBinary: wasm });
  assert.equal(sn.threads, 1);
  assert.equal(sn.isa, 'wasm-simd128');
});

test('a threaded build that does not load: one thread by default, an error when asked for', async () => {
  // Every file of the threaded build is missing; the single-thread builds' are where they were.
  const locateFile = (path, dir) => (path.startsWith('simdnorm-threads') ? '/nonexistent/' : dir) + path;
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(message);
  try {
    const sn = await init({ locateFile });
    assert.equal(sn.threads, 1);
    assert.equal(sn.isa, 'wasm-simd128');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /^simdnorm: init: the threaded build did not load \(.*nonexistent.*\); using one thread$/,
    );
  } finally {
    console.warn = warn;
  }
  await assert.rejects(init({ locateFile, threads: 2 }), (e) => {
    assert.equal(e.code, errorCodes.LOAD);
    assert.match(
      e.message,
      /^simdnorm: init: module: expected the SIMD128 \+ threads build's files to load, got .*nonexistent/,
    );
    assert.ok(e.cause instanceof Error);
    return true;
  });
  // A single-thread build's missing .wasm: the same code.
  const missing = (path, dir) => (path.endsWith('.wasm') ? '/nonexistent/' : dir) + path;
  await assert.rejects(init({ locateFile: missing, threads: 1 }), (e) => {
    assert.equal(e.code, errorCodes.LOAD);
    assert.match(e.message, /^simdnorm: init: module: expected the SIMD128 build's files to load, got .*nonexistent/);
    return true;
  });
});

test('threads: 1 is the single-thread SIMD128 build; simd: false the scalar one', async () => {
  assert.equal(single.threads, 1);
  assert.equal(single.isa, 'wasm-simd128');
  const scalar = await init({ simd: false });
  assert.equal(scalar.threads, 1);
  assert.equal(scalar.isa, 'wasm-scalar');
});

for (const threads of [2, 3, 4, 8]) {
  test(`threads: ${threads} gives the single-thread build's results bit for bit`, async () => {
    const sn = await init({ threads });
    assert.equal(sn.threads, threads);
    const r = threadsWorkload(sn);
    assert.equal(r.isa, 'wasm-simd128');
    for (const part of ['nchw', 'nhwc', 'cnn']) assert.deepEqual(r[part], single[part], part);
  });
}

test('the compared results are real results: losses near ln 10, tensors told apart', () => {
  const losses = new Float32Array(Uint32Array.from(single.cnn.losses).buffer);
  assert.ok(Math.abs(losses[0] - Math.log(10)) < 0.5, `first loss ${losses[0]}`);
  assert.ok(losses.every(Number.isFinite) && losses[1] !== losses[0], `losses ${[...losses]}`);
  // The tensors are compared by hash: check the hash tells tensors apart, on the two outputs.
  assert.equal(single.nchw.y.length, 16 * 32 * 32 * 32);
  assert.notDeepEqual(single.nchw.y.hash, single.nchw.dx.hash);
  // { grad: false } normalizes as forward() does, bit for bit; in training it updates the statistics.
  for (const layout of ['nchw', 'nhwc']) {
    assert.deepEqual(single[layout].yEvalNoGrad, single[layout].yEval, layout);
    assert.notDeepEqual(single[layout].runningMeanNoGrad, single[layout].runningMean, layout);
    assert.equal(single[layout].numBatchesTrackedNoGrad, '3', layout);
  }
  assert.notDeepEqual(single.nchw.y.hash, single.nhwc.y.hash);
  const weightGrad = new Float32Array(Uint32Array.from(single.nchw.weightGrad).buffer);
  assert.ok(weightGrad.every(Number.isFinite) && weightGrad.some((v) => v !== 0));
});

test('bad thread counts are typed errors naming the argument', async () => {
  const cases = [
    [0, RangeError, 'SIMDNORM_RANGE', /options\.threads: expected an integer in \[1, 64\], got 0/],
    [65, RangeError, 'SIMDNORM_RANGE', /got 65/],
    [1.5, RangeError, 'SIMDNORM_RANGE', /got 1\.5/],
    [Number.NaN, RangeError, 'SIMDNORM_RANGE', /got NaN/],
    ['2', TypeError, 'SIMDNORM_TYPE', /got "2"/],
  ];
  for (const [threads, type, code, message] of cases) {
    await assert.rejects(init({ threads }), (e) => e instanceof type && e.code === code && message.test(e.message));
  }
  await assert.rejects(
    init({ simd: false, threads: 2 }),
    (e) => e instanceof RangeError && /options\.threads: expected 1 with options\.simd false/.test(e.message),
  );
});

test('a process that loaded the threaded build exits when its work is done', () => {
  const index = new URL('../../wasm/index.js', import.meta.url).href;
  const script = `import init from '${index}';
const sn = await init({ threads: 4 });
const bn = new sn.BatchNorm(4);
bn.forward(new Float32Array(4 * 1024).map((_, i) => i % 7), [1024, 4]);
console.log(sn.threads);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  assert.equal(run.signal, null, 'killed by the timeout: the workers kept it alive');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '4');
});
