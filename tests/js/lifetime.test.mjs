// The FinalizationRegistry safety net: objects that own wasm memory and are garbage-collected
// without dispose() have it freed, with one console.warn in development and none in production;
// disposed objects are not freed twice. Run in child processes with --expose-gc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const index = new URL('../../wasm/index.js', import.meta.url).href;

// Creates `count` rounds of a BatchNorm, a Tensor and a Trainer that are dropped (plus disposed
// ones), collects garbage until the heap is back where it was, and prints what it saw. Each
// round's second BatchNorm reads a Tensor that outlives it (forward keeps a Tensor x for
// backward): the Tensor must not keep the module alive.
const script = `
  const { default: init } = await import(${JSON.stringify(index)});
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(' '));
  const sn = await init();
  const x = new Float32Array(64).fill(1);
  const kept = new sn.Tensor(x);
  const round = (dispose) => {
    const bn = new sn.BatchNorm(8);
    bn.forward(x, [8, 8]);
    const reader = new sn.BatchNorm(8);
    reader.forward(kept, [8, 8]);
    const t = new sn.Tensor(1000);
    const trainer = new sn.Trainer({ points: 40, batchSize: 8, hidden: [4] });
    trainer.trainSteps(2);
    if (dispose) for (const o of [bn, reader, t, trainer]) o.dispose();
  };
  round(true);  // first use may allocate lasting runtime state
  const before = sn.heapInUse();
  for (let i = 0; i < 20; i++) round(i % 4 === 0);
  const during = sn.heapInUse();
  let after = during;
  for (let i = 0; i < 100 && after !== before; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    after = sn.heapInUse();
  }
  console.log(JSON.stringify({ before, during, after, warnings }));
`;

function run(env) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('forgotten objects are freed, with one warning in development', () => {
  const { before, during, after, warnings } = run({ NODE_ENV: 'development' });
  assert.ok(during > before, `15 rounds left undisposed hold memory (${during} vs ${before} bytes)`);
  assert.equal(after, before, 'bytes in use once the forgotten objects were collected');
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(
    warnings[0],
    /^simdnorm: a (BatchNorm|Tensor|Trainer) was garbage-collected without dispose\(\); its wasm memory was freed now\. Call dispose\(\)/,
  );
});

test('no warning in production, memory freed all the same', () => {
  const { before, after, warnings } = run({ NODE_ENV: 'production' });
  assert.equal(after, before);
  assert.deepEqual(warnings, []);
});
