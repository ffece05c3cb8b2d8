// sn.batchNorm (torch.nn.functional.batch_norm) and sn.foldIntoLinear: stateless functions over
// the C++ module, with the same copy-in/copy-out rules as BatchNorm.

import { BatchNorm } from './batch_norm.js';
import {
  checkBoolean,
  checkEps,
  checkFloat32Array,
  checkLayout,
  checkMomentum,
  checkOptions,
  describe,
  kind,
  parseShape,
} from './check.js';
import { errorCodes, fail } from './errors.js';
import { Tensor } from './heap.js';

const { TYPE, SHAPE, STATE } = errorCodes;

const BATCH_NORM_OPTIONS = [
  'runningMean',
  'runningVar',
  'weight',
  'bias',
  'training',
  'momentum',
  'eps',
  'relu',
  'layout',
  'out',
];

export function makeFunctional(heap) {
  const { module } = heap;

  // The options batchNorm and batchNormAddRelu share: mode, running-statistics update, eps,
  // layout, and which statistics the mode needs. Returns them with the parsed shape.
  function statisticsOptions(fn, o, shape) {
    const training = o.training ?? false;
    const momentum = o.momentum ?? 0.1;
    const eps = o.eps ?? 1e-5;
    const layout = o.layout ?? 'channels-first';
    checkBoolean(fn, 'options.training', training);
    checkMomentum(fn, 'options.momentum', momentum, { nullable: false });
    checkEps(fn, 'options.eps', eps);
    checkLayout(fn, 'options.layout', layout);
    const s = parseShape(fn, shape, layout);
    const hasStats = [o.runningMean, o.runningVar].map((v) => v !== null && v !== undefined);
    if (hasStats[0] !== hasStats[1])
      fail(
        TYPE,
        fn,
        hasStats[0] ? 'options.runningVar' : 'options.runningMean',
        'both running statistics or neither',
        describe(hasStats[0] ? o.runningVar : o.runningMean),
      );
    if (!training && !hasStats[0])
      fail(
        TYPE,
        fn,
        'options.runningMean',
        'a Float32Array when training is false (eval mode)',
        describe(o.runningMean),
      );
    if (training && s.n * s.s === 1)
      fail(SHAPE, fn, 'x', 'more than 1 value per channel when training', `shape ${s.text}`);
    return { training, momentum, eps, s };
  }

  // Batch statistics when training (and then runningMean/runningVar, if given, are updated in
  // place with the unbiased variance, as PyTorch does); the running statistics otherwise.
  function batchNorm(x, shape, options) {
    const fn = 'batchNorm';
    const o = checkOptions(fn, 'options', options, BATCH_NORM_OPTIONS);
    const relu = o.relu ?? false;
    checkBoolean(fn, 'options.relu', relu);
    const { training, momentum, eps, s } = statisticsOptions(fn, o, shape);

    const call = new heap.Call(fn);
    try {
      const perChannel = () => `one per channel of shape ${s.text}`;
      const mean = call.optional('options.runningMean', o.runningMean, s.c, perChannel);
      const variance = call.optional('options.runningVar', o.runningVar, s.c, perChannel);
      const weight = call.optional('options.weight', o.weight, s.c, perChannel);
      const bias = call.optional('options.bias', o.bias, s.c, perChannel);
      const xa = call.input('x', x, s.numel, () => `the product of shape ${s.text}`);
      // y is written over the call's copy of a Float32Array x (the kernels allow y = x).
      const y = call.output(
        'options.out',
        o.out,
        s.numel,
        () => `the product of shape ${s.text}`,
        x instanceof Tensor ? 0 : xa,
      );
      module.batchNorm(
        xa,
        s.n,
        s.c,
        s.s,
        s.channelsLast,
        mean,
        variance,
        weight,
        bias,
        training,
        momentum,
        eps,
        relu,
        y.address,
      );
      if (training && mean) {
        heap.deliver(mean, s.c, o.runningMean);
        heap.deliver(variance, s.c, o.runningVar);
      }
      return y.result();
    } finally {
      call.release();
    }
  }

  const ADD_RELU_OPTIONS = [
    'runningMean',
    'runningVar',
    'weight',
    'bias',
    'training',
    'momentum',
    'eps',
    'layout',
    'out',
  ];

  // relu(batchNorm(x) + z): the residual block's BN, add and ReLU in one pass (z of x's shape).
  // Same statistics rules as batchNorm. Returns { y }; the module form (BatchNorm.forwardAddRelu /
  // backwardAddRelu) also gives dx and dz.
  function batchNormAddRelu(x, z, shape, options) {
    const fn = 'batchNormAddRelu';
    const o = checkOptions(fn, 'options', options, ADD_RELU_OPTIONS);
    const { training, momentum, eps, s } = statisticsOptions(fn, o, shape);
    const call = new heap.Call(fn);
    try {
      const perChannel = () => `one per channel of shape ${s.text}`;
      const mean = call.optional('options.runningMean', o.runningMean, s.c, perChannel);
      const variance = call.optional('options.runningVar', o.runningVar, s.c, perChannel);
      const weight = call.optional('options.weight', o.weight, s.c, perChannel);
      const bias = call.optional('options.bias', o.bias, s.c, perChannel);
      const what = () => `the product of shape ${s.text}`;
      const xa = call.input('x', x, s.numel, what);
      const za = call.input('z', z, s.numel, what);
      const y = call.output('options.out', o.out, s.numel, what, x instanceof Tensor ? 0 : xa);
      module.batchNormAddRelu(
        xa,
        za,
        s.n,
        s.c,
        s.s,
        s.channelsLast,
        mean,
        variance,
        weight,
        bias,
        training,
        momentum,
        eps,
        y.address,
      );
      if (training && mean) {
        heap.deliver(mean, s.c, o.runningMean);
        heap.deliver(variance, s.c, o.runningVar);
      }
      return { y: y.result() };
    } finally {
      call.release();
    }
  }

  // Batch renorm's warm-up (Ioffe 2017): { rmax, dmax } for training step `step`; plain BN for
  // warmupSteps, then linear ramps to rmax at rmaxSteps and dmax at dmaxSteps.
  function renormLimits(step, schedule) {
    const fn = 'renormLimits';
    const o = checkOptions(fn, 'schedule', schedule, ['warmupSteps', 'rmaxSteps', 'dmaxSteps', 'rmax', 'dmax']);
    const sc = { warmupSteps: 5000, rmaxSteps: 40000, dmaxSteps: 25000, rmax: 3, dmax: 5, ...o };
    for (const [arg, v] of [
      ['step', step],
      ['schedule.warmupSteps', sc.warmupSteps],
      ['schedule.rmaxSteps', sc.rmaxSteps],
      ['schedule.dmaxSteps', sc.dmaxSteps],
    ])
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        fail(kind(v), fn, arg, 'a non-negative integer', describe(v));
    for (const [arg, v] of [
      ['schedule.rmax', sc.rmax],
      ['schedule.dmax', sc.dmax],
    ])
      if (typeof v !== 'number' || Number.isNaN(v)) fail(kind(v), fn, arg, 'a number', describe(v));
    return module.renormLimits(step, sc.warmupSteps, sc.rmaxSteps, sc.dmaxSteps, sc.rmax, sc.dmax);
  }

  // W' = diag(s)·W, b' = s ⊙ (b − μ) + β with s = γ/sqrt(σ² + eps): the layer before an eval-mode
  // BatchNorm absorbs it. W is row-major [outFeatures, fanIn] (a dense layer's [out, in], or a
  // convolution's [outChannels, inChannels·kh·kw]); b may be null.
  function foldIntoLinear(W, b, bn) {
    const fn = 'foldIntoLinear';
    const state = bnState(fn, bn);
    const out = state.runningMean.length;
    if (!(W instanceof Float32Array) || W.length % out !== 0 || W.length === 0)
      fail(
        W instanceof Float32Array ? SHAPE : TYPE,
        fn,
        'W',
        `a non-empty Float32Array of outFeatures·fanIn floats (outFeatures = ${out}, one row per BN channel)`,
        W instanceof Float32Array ? `${W.length} floats` : describe(W),
      );
    if (b !== null && b !== undefined) checkFloat32Array(fn, 'b', b, out, 'one per output feature');
    const call = new heap.Call(fn);
    try {
      const perChannel = 'one per BN channel';
      const wa = call.input('W', W, W.length, 'outFeatures·fanIn');
      const ba = call.optional('b', b, out, 'one per output feature');
      const gamma = call.optional('bn.weight', state.weight, out, perChannel);
      const beta = call.optional('bn.bias', state.bias, out, perChannel);
      const mean = call.optional('bn.runningMean', state.runningMean, out, perChannel);
      const variance = call.optional('bn.runningVar', state.runningVar, out, perChannel);
      const weight = call.output('weight', undefined, W.length, 'outFeatures·fanIn');
      const bias = call.output('bias', undefined, out, 'outFeatures');
      module.foldIntoLinear(
        wa,
        ba,
        out,
        W.length / out,
        gamma,
        beta,
        mean,
        variance,
        state.eps,
        weight.address,
        bias.address,
      );
      return { weight: weight.result(), bias: bias.result() };
    } finally {
      call.release();
    }
  }

  // The eval-mode state to fold: a BatchNorm, or { weight?, bias?, runningMean | running_mean,
  // runningVar | running_var, eps? } (a stateDict() plus eps works).
  function bnState(fn, bn) {
    if (bn instanceof BatchNorm) {
      if (!bn.options.trackRunningStats)
        fail(STATE, fn, 'bn', 'a BatchNorm with running statistics (trackRunningStats: true)', 'one without');
      return {
        weight: bn.weight,
        bias: bn.bias,
        runningMean: bn.runningMean,
        runningVar: bn.runningVar,
        eps: bn.options.eps,
      };
    }
    if (bn === null || typeof bn !== 'object') fail(TYPE, fn, 'bn', 'a BatchNorm or its state', describe(bn));
    const state = {
      weight: bn.weight ?? null,
      bias: bn.bias ?? null,
      runningMean: bn.runningMean ?? bn.running_mean,
      runningVar: bn.runningVar ?? bn.running_var,
      eps: bn.eps ?? 1e-5,
    };
    checkFloat32Array(fn, 'bn.runningMean', state.runningMean);
    if (state.runningMean.length === 0) fail(SHAPE, fn, 'bn.runningMean', 'at least 1 channel', '0 floats');
    checkFloat32Array(fn, 'bn.runningVar', state.runningVar, state.runningMean.length, 'one per channel');
    checkEps(fn, 'bn.eps', state.eps);
    return state;
  }

  return { batchNorm, batchNormAddRelu, renormLimits, foldIntoLinear };
}
