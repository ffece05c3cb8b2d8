// The classes are named exports: `instanceof` works for objects of every init() instance, `new
// BatchNorm()` uses the first module init() loaded, and sn.BatchNorm the module of sn.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import init, { BatchNorm, Tensor, Trainer, errorCodes } from '../../wasm/index.js';

const index = new URL('../../wasm/index.js', import.meta.url).href;

test('before init(), the named classes say so', () => {
  // A fresh process: in this one, other tests may have loaded a module already.
  const script = `
    const { BatchNorm, Tensor, Trainer } = await import(${JSON.stringify(index)});
    for (const make of [() => new BatchNorm(2), () => new Tensor(2), () => new Trainer()]) {
      try { make(); console.log('no error'); } catch (e) { console.log(e.constructor.name, e.code, e.message); }
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'Error SIMDNORM_STATE simdnorm: BatchNorm: this: expected await init() before new BatchNorm(), got no module loaded yet',
    'Error SIMDNORM_STATE simdnorm: Tensor: this: expected await init() before new Tensor(), got no module loaded yet',
    'Error SIMDNORM_STATE simdnorm: Trainer: this: expected await init() before new Trainer(), got no module loaded yet',
  ]);
});

test('instanceof across instances; named constructors use the first module', async () => {
  const a = await init({ simd: true });
  const b = await init({ simd: false });
  const objects = [new a.BatchNorm(2), new b.BatchNorm(2), new BatchNorm(2)];
  for (const bn of objects) assert.ok(bn instanceof BatchNorm);
  assert.ok(objects[0] instanceof a.BatchNorm && !(objects[0] instanceof b.BatchNorm));
  assert.ok(objects[1] instanceof b.BatchNorm && !(objects[1] instanceof a.BatchNorm));
  assert.equal(a.BatchNorm.name, 'BatchNorm');
  for (const [Class, Named] of [
    [a.Tensor, Tensor],
    [a.Trainer, Trainer],
  ]) {
    assert.equal(Object.getPrototypeOf(Class), Named);
    assert.equal(Class.name, Named.name);
  }
  assert.equal(a.Trainer.defaults, Trainer.defaults);
  assert.ok(Object.isFrozen(a));

  // A named-export Tensor lives in the first module: b's BatchNorm refuses it, the first one's
  // takes it (which module that is depends on the test order, so both are tried).
  const t = new Tensor(4);
  const x = new Float32Array([1, 2, 3, 5]);
  t.set(x);
  const first = [a, b].find((sn) => {
    const bn = new sn.BatchNorm(2);
    try {
      bn.forward(t, [2, 2]);
      return true;
    } catch (e) {
      assert.ok(e instanceof TypeError && e.code === errorCodes.TYPE, e.message);
      assert.match(e.message, /x: expected a Tensor of this init\(\) instance, got a Tensor of another one/);
      return false;
    } finally {
      bn.dispose();
    }
  });
  assert.ok(first, 'the named Tensor belongs to one of the loaded modules');
  const heap = first.heapInUse();
  t.dispose();
  assert.ok(first.heapInUse() < heap, 'and its memory is in that module');
  for (const bn of objects) bn.dispose();

  // Subclasses of the bound classes keep their module.
  class Mine extends b.BatchNorm {}
  const mine = new Mine(3);
  assert.ok(mine instanceof BatchNorm && mine instanceof b.BatchNorm);
  assert.equal(mine.forward(new Float32Array(6).fill(1), [2, 3]).length, 6);
  mine.dispose();
});
