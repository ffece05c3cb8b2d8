// sn.sync: the sync-BN primitives (PyTorch SyncBatchNorm's contract) for data-parallel training
// across workers: each worker computes partials of its shard, the caller exchanges them (postMessage,
// a network, …), every worker merges the same parts and normalizes its shard with the merged
// statistics. Semantics in C++ (functional.hpp); this file checks JS types and copies.

import { checkEps, checkFloat32Array, checkLayout, checkOptions, describe, kind, parseShape } from './check.js';
import { errorCodes, fail } from './errors.js';

const { TYPE, RANGE } = errorCodes;

export function makeSync(heap) {
  const { module } = heap;
  function shapeOf(fn, shape, layout) {
    checkLayout(fn, 'options.layout', layout);
    return parseShape(fn, shape, layout);
  }

  function checkParts(fn, parts, keys) {
    if (!Array.isArray(parts)) fail(TYPE, fn, 'parts', 'a non-empty array of partials', describe(parts));
    if (parts.length === 0) fail(RANGE, fn, 'parts', 'a non-empty array of partials', describe(parts));
    const first = parts[0]?.[keys[0]];
    if (!(first instanceof Float32Array) || first.length === 0)
      fail(TYPE, fn, `parts[0].${keys[0]}`, 'a non-empty Float32Array (one value per channel)', describe(first));
    parts.forEach((p, i) => {
      if (p === null || typeof p !== 'object') fail(TYPE, fn, `parts[${i}]`, 'an object', describe(p));
      for (const key of keys)
        checkFloat32Array(fn, `parts[${i}].${key}`, p[key], first.length, 'one per channel, as parts[0]');
    });
    return first.length;
  }

  // Packs one field of every part into heap memory, k·C floats.
  function pack(call, arg, parts, key, c) {
    const packed = new Float32Array(parts.length * c);
    parts.forEach((p, i) => packed.set(p[key], i * c));
    return call.input(arg, packed, packed.length, 'parts·channels');
  }

  return {
    // { count, mean, m2 } of this shard: count = N·S, per-channel mean and M2 = Σ(x − mean)².
    partialMoments(x, shape, options) {
      const fn = 'sync.partialMoments';
      const o = checkOptions(fn, 'options', options, ['layout']);
      const s = shapeOf(fn, shape, o.layout ?? 'channels-first');
      const call = new heap.Call(fn);
      try {
        const xa = call.input('x', x, s.numel, () => `the product of shape ${s.text}`);
        const mean = call.output('mean', undefined, s.c, 'channels');
        const m2 = call.output('m2', undefined, s.c, 'channels');
        const count = module.syncPartialMoments(xa, s.n, s.c, s.s, s.channelsLast, mean.address, m2.address);
        return { count, mean: mean.result(), m2: m2.result() };
      } finally {
        call.release();
      }
    },

    // Chan's merge of partialMoments results (unequal counts, empty shards): { count, mean, var }
    // with the biased variance. Every worker merging the same parts gets the same statistics.
    mergeMoments(parts) {
      const fn = 'sync.mergeMoments';
      const c = checkParts(fn, parts, ['mean', 'm2']);
      parts.forEach((p, i) => {
        if (typeof p.count !== 'number' || !Number.isSafeInteger(p.count) || p.count < 0)
          fail(kind(p.count), fn, `parts[${i}].count`, 'a non-negative integer', describe(p.count));
      });
      const call = new heap.Call(fn);
      try {
        const means = pack(call, 'parts.mean', parts, 'mean', c);
        const m2s = pack(call, 'parts.m2', parts, 'm2', c);
        const mean = call.output('mean', undefined, c, 'channels');
        const variance = call.output('var', undefined, c, 'channels');
        const count = module.syncMergeMoments(
          parts.map((p) => p.count),
          means,
          m2s,
          c,
          mean.address,
          variance.address,
        );
        return { count, mean: mean.result(), var: variance.result() };
      } finally {
        call.release();
      }
    },

    // This shard normalized with merged statistics: { y, invstd } (invstd for backwardFromSums).
    forwardWithStats(x, shape, options) {
      const fn = 'sync.forwardWithStats';
      const o = checkOptions(fn, 'options', options, ['mean', 'var', 'weight', 'bias', 'eps', 'layout']);
      const eps = o.eps ?? 1e-5;
      checkEps(fn, 'options.eps', eps);
      const s = shapeOf(fn, shape, o.layout ?? 'channels-first');
      const call = new heap.Call(fn);
      try {
        const perChannel = () => `one per channel of shape ${s.text}`;
        const mean = call.input('options.mean', o.mean, s.c, perChannel);
        const variance = call.input('options.var', o.var, s.c, perChannel);
        const weight = call.optional('options.weight', o.weight, s.c, perChannel);
        const bias = call.optional('options.bias', o.bias, s.c, perChannel);
        const xa = call.input('x', x, s.numel, () => `the product of shape ${s.text}`);
        const y = call.output('y', undefined, s.numel, () => `the product of shape ${s.text}`);
        const invstd = call.output('invstd', undefined, s.c, 'channels');
        module.syncForwardWithStats(
          xa,
          s.n,
          s.c,
          s.s,
          s.channelsLast,
          weight,
          bias,
          eps,
          mean,
          variance,
          y.address,
          invstd.address,
        );
        return { y: y.result(), invstd: invstd.result() };
      } finally {
        call.release();
      }
    },

    // { sumDy, sumDyXmu }: Σdy and Σdy·(x − mean) over this shard, mean the merged one.
    partialGradSums(dy, x, shape, mean, options) {
      const fn = 'sync.partialGradSums';
      const o = checkOptions(fn, 'options', options, ['layout']);
      const s = shapeOf(fn, shape, o.layout ?? 'channels-first');
      const call = new heap.Call(fn);
      try {
        const what = () => `the product of shape ${s.text}`;
        const dya = call.input('dy', dy, s.numel, what);
        const xa = call.input('x', x, s.numel, what);
        const ma = call.input('mean', mean, s.c, () => `one per channel of shape ${s.text}`);
        const sumDy = call.output('sumDy', undefined, s.c, 'channels');
        const sumDyXmu = call.output('sumDyXmu', undefined, s.c, 'channels');
        module.syncPartialGradSums(dya, xa, s.n, s.c, s.s, s.channelsLast, ma, sumDy.address, sumDyXmu.address);
        return { sumDy: sumDy.result(), sumDyXmu: sumDyXmu.result() };
      } finally {
        call.release();
      }
    },

    // The all-reduce of partialGradSums results: { sumDy, sumDyXmu } summed in double.
    mergeGradSums(parts) {
      const fn = 'sync.mergeGradSums';
      const c = checkParts(fn, parts, ['sumDy', 'sumDyXmu']);
      const call = new heap.Call(fn);
      try {
        const a = pack(call, 'parts.sumDy', parts, 'sumDy', c);
        const b = pack(call, 'parts.sumDyXmu', parts, 'sumDyXmu', c);
        const sumDy = call.output('sumDy', undefined, c, 'channels');
        const sumDyXmu = call.output('sumDyXmu', undefined, c, 'channels');
        module.syncMergeGradSums(parts.length, a, b, c, sumDy.address, sumDyXmu.address);
        return { sumDy: sumDy.result(), sumDyXmu: sumDyXmu.result() };
      } finally {
        call.release();
      }
    },

    // This shard's dx from the merged sums and count; dweight/dbias are the whole batch's.
    backwardFromSums(dy, x, shape, options) {
      const fn = 'sync.backwardFromSums';
      const o = checkOptions(fn, 'options', options, [
        'mean',
        'invstd',
        'sumDy',
        'sumDyXmu',
        'count',
        'weight',
        'layout',
      ]);
      const s = shapeOf(fn, shape, o.layout ?? 'channels-first');
      if (typeof o.count !== 'number' || !Number.isSafeInteger(o.count) || o.count < 0)
        fail(kind(o.count), fn, 'options.count', 'a non-negative integer (the merged count)', describe(o.count));
      const call = new heap.Call(fn);
      try {
        const perChannel = () => `one per channel of shape ${s.text}`;
        const what = () => `the product of shape ${s.text}`;
        const dya = call.input('dy', dy, s.numel, what);
        const xa = call.input('x', x, s.numel, what);
        const mean = call.input('options.mean', o.mean, s.c, perChannel);
        const invstd = call.input('options.invstd', o.invstd, s.c, perChannel);
        const sumDy = call.input('options.sumDy', o.sumDy, s.c, perChannel);
        const sumDyXmu = call.input('options.sumDyXmu', o.sumDyXmu, s.c, perChannel);
        const weight = call.optional('options.weight', o.weight, s.c, perChannel);
        const dx = call.output('dx', undefined, s.numel, what);
        const dweight = call.output('dweight', undefined, s.c, 'channels');
        const dbias = call.output('dbias', undefined, s.c, 'channels');
        module.syncBackwardFromSums(
          dya,
          xa,
          s.n,
          s.c,
          s.s,
          s.channelsLast,
          weight,
          mean,
          invstd,
          sumDy,
          sumDyXmu,
          o.count,
          dx.address,
          dweight.address,
          dbias.address,
        );
        return { dx: dx.result(), dweight: dweight.result(), dbias: dbias.result() };
      } finally {
        call.release();
      }
    },
  };
}
