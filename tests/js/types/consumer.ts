// A TypeScript consumer of the package: every public API used the way docs/js-api.md shows. It must
// type-check with no error under --strict (tests/js/types.test.mjs); it is never run.
import init, {
  BatchNorm,
  Tensor,
  Trainer,
  errorCodes,
  exceptionsSupported,
  nn,
  simdSupported,
  threadsSupported,
} from 'simdnorm';
import type {
  PlaneBounds,
  Shape,
  Simdnorm,
  SimdnormError,
  SimdnormErrorCode,
  StateDict,
  TrainerConfig,
  TrainerSettings,
  TrainStepMetrics,
} from 'simdnorm';

const probe: boolean = simdSupported() && exceptionsSupported();
const sn: Simdnorm = await init({
  simd: probe,
  threads: threadsSupported() ? 2 : 1,
  locateFile: (path, dir) => dir + path,
});
const isa: 'wasm-simd128' | 'wasm-scalar' = sn.isa;
const threads: number = sn.threads;
const version: string = sn.version;
const inUse: number = sn.heapInUse();

// BatchNorm: copies in and out, or the caller's Float32Array / Tensor as `out`.
const shape: Shape = [8, 4, 3, 3];
const x = new Float32Array(8 * 4 * 9);
const bn: BatchNorm = new sn.BatchNorm(4, { momentum: null, layout: 'channels-first', relu: true });
const y: Float32Array = bn.forward(x, shape);
const yInto: Float32Array = bn.forward(x, shape, new Float32Array(x.length));
const dx: Float32Array = bn.backward(y);
const wGrad: Float32Array | null = bn.weightGrad;
bn.eval().train(false);
const training: boolean = bn.training;
bn.weight = new Float32Array(4);
const weight: Float32Array | null = bn.weight;
if (bn.weight) bn.weight[0] = 2; // lands: the module's own array
bn.runningMean?.fill(0);
const state: StateDict = bn.stateDict();
bn.loadStateDict(state);
const eps: number = bn.options.eps;
const momentum: number | null = bn.options.momentum;

// Tensor: the zero-copy path; `out` keeps its type.
{
  using t: Tensor = new sn.Tensor(x);
  const tOut: Tensor = bn.forward(t, shape, new sn.Tensor(x.length));
  const view: Float32Array = t.view;
  const copy: Float32Array = tOut.toFloat32Array();
  const address: number = t.address;
  t.set(copy);
  tOut.dispose();
}

// Functional forms.
const fy: Float32Array = sn.batchNorm(x, [8, 4, 9], {
  runningMean: new Float32Array(4),
  runningVar: new Float32Array(4).fill(1),
  training: true,
  momentum: 0.1,
});
const fInto: Tensor = sn.batchNorm(x, [8, 36], { training: true, out: new sn.Tensor(x.length) });
const folded: { weight: Float32Array; bias: Float32Array } = sn.foldIntoLinear(new Float32Array(4 * 6), null, bn);
const foldedFromState = sn.foldIntoLinear(new Float32Array(4 * 6), new Float32Array(4), {
  running_mean: new Float32Array(4),
  running_var: new Float32Array(4),
  eps: 1e-3,
});
bn[Symbol.dispose]();

// The classes as named exports: instanceof, and construction on the first module.
const named: BatchNorm = new BatchNorm(4);
const isBatchNorm: boolean = named instanceof BatchNorm && named instanceof sn.BatchNorm;
const namedTensor: Tensor = new Tensor(4);
const namedDefaults: TrainerSettings = Trainer.defaults;
named.dispose();
namedTensor.dispose();

// Errors: a stable code per kind.
try {
  new sn.BatchNorm(0);
} catch (e) {
  const err = e as SimdnormError;
  const code: SimdnormErrorCode = err.code;
  const isShape: boolean = code === errorCodes.SHAPE || code === sn.errorCodes.RANGE;
  const message: string = err.message;
  const isRange: boolean = e instanceof RangeError && err.code === 'SIMDNORM_RANGE' && message !== '';
}

// Trainer: config, training, evaluation, data and internals.
const config: TrainerConfig = {
  dataset: 'moons',
  points: 400,
  classes: 2,
  labelNoise: 0.05,
  testFraction: 0.2,
  dataSeed: 3,
  hidden: [16, 16, 16],
  activation: 'tanh',
  init: 'xavier',
  initScale: 0.5,
  batchNorm: true,
  bnMomentum: 0.1,
  bnEps: 1e-5,
  optimizer: 'adam',
  lr: 0.01,
  batchSize: 64,
  seed: 7,
};
const defaults: TrainerSettings = sn.Trainer.defaults;
const defaultWidths: readonly number[] = defaults.hidden;
{
  using trainer: Trainer = new sn.Trainer(config);
  const twin = new sn.Trainer({ ...trainer.config, batchNorm: false }); // a full config is a config
  const empty = new sn.Trainer();
  const m: TrainStepMetrics = trainer.trainSteps(100);
  const stepped: number = trainer.trainSteps().step;
  const stalled: boolean = m.diverged || trainer.diverged;
  const steps: number = trainer.step;
  const { loss, accuracy } = trainer.evaluate({ split: 'train', mode: 'batch' });
  trainer.evaluate();
  trainer.setLearningRate(0.5);
  trainer.setBnInference('batch');
  const inference: 'running' | 'batch' = trainer.bnInference;
  const { probs, label } = trainer.predict(0.1, -0.2);
  const p0: number = probs[label];
  const data = trainer.dataset();
  const bounds: PlaneBounds = data.bounds;
  const labels: Uint8Array = data.test.labels;
  const points: Float32Array = data.train.x;
  const grid: Float32Array = trainer.decisionGrid(64, 48, { ...bounds, xMin: -2 });
  trainer.decisionGrid(8, 8);
  const layerP95: number = trainer.layerStats()[0].act.p95;
  const unitMean: number = trainer.unitStats(1).dense.mean;
  trainer.unitStats(0, 3);
  for (const s of trainer.runningStats()) {
    const gap: number = s.mean[0] - s.trueMean[0] + s.var[0] - s.trueVar[0];
    const batches: number = s.batches;
  }
  const fold = trainer.fold();
  const foldOk: boolean = fold.folded && fold.agreement === 1 && fold.maxAbsDiff < 1e-5;
  const counts: number = trainer.classes + trainer.layers + trainer.bnLayers + fold.points + fold.maxLogitDiff;
  const activation: 'relu' | 'tanh' | 'sigmoid' = trainer.config.activation;
  twin.dispose();
  empty.dispose();
}

// BN variants: ghost batches, renorm (and its schedule), per-step statistics, the fused residual
// block and the sync primitives.
{
  const ghost = new sn.BatchNorm(4, { virtualBatchSize: 2 });
  ghost.forward(x, shape);
  const renorm = new sn.BatchNorm(4, { renorm: { rmax: 1, dmax: 0, momentum: 0.01 } });
  renorm.forward(x, shape);
  const limits: { rmax: number; dmax: number } = sn.renormLimits(10000, { warmupSteps: 100 });
  renorm.setRenormLimits(limits.rmax, limits.dmax);
  const moving: Float32Array | null = renorm.renormStd;
  const rmax: number | undefined = renorm.options.renorm?.rmax;
  const sd: StateDict = renorm.stateDict();
  const renormMean: Float32Array | undefined = sd.renorm_mean;
  const steps = new sn.BatchNorm(4, { timeSteps: 3 });
  const yStep: Float32Array = steps.forward(x, shape, { timeStep: 1 });
  const dxStep: Float32Array = steps.backward(yStep, { timeStep: 1 });
  const intoStep: Float32Array = steps.forward(x, shape, { timeStep: 0, out: new Float32Array(x.length) });
  const inferred: Float32Array = renorm.forward(x, shape, { grad: false });
  using inPlace: Tensor = new sn.Tensor(x);
  const inferredInto: Tensor = renorm.forward(inPlace, shape, { out: inPlace, grad: false });
  const z = new Float32Array(x.length);
  const block = new sn.BatchNorm(4);
  const yBlock: Float32Array = block.forwardAddRelu(x, z, shape);
  const { dx: dxBlock, dz }: { dx: Float32Array; dz: Float32Array } = block.backwardAddRelu(yBlock);
  const { y: yFused } = sn.batchNormAddRelu(x, z, shape, { training: true, momentum: 0.1 });
  const fusedOut: Float32Array = yFused;
  const part = sn.sync.partialMoments(x, shape);
  const merged = sn.sync.mergeMoments([part, part]);
  const count: number = merged.count + part.count;
  const { y: ySync, invstd } = sn.sync.forwardWithStats(x, shape, { mean: merged.mean, var: merged.var });
  const sums = sn.sync.partialGradSums(ySync, x, shape, merged.mean);
  const total = sn.sync.mergeGradSums([sums, sums]);
  const grads = sn.sync.backwardFromSums(ySync, x, shape, {
    mean: merged.mean,
    invstd,
    sumDy: total.sumDy,
    sumDyXmu: total.sumDyXmu,
    count: merged.count,
  });
  const dgamma: Float32Array = grads.dweight;
  for (const m of [ghost, renorm, steps, block]) m.dispose();
}

// sn.nn: the CNN, optimizers, a training step, eval logits, the state dict.
{
  const layers: nn.LayerSpec[] = [
    { type: 'conv2d', inChannels: 1, outChannels: 8, kernelSize: 3, stride: 1, padding: 1, bias: false },
    { type: 'batchNorm2d', numFeatures: 8, eps: 1e-5, momentum: null, affine: true, trackRunningStats: true },
    { type: 'relu' },
    { type: 'maxPool2d', kernelSize: 2 },
    { type: 'avgPool2d', kernelSize: 1, stride: 1, padding: 0, countIncludePad: false },
    { type: 'dropout', p: 0.1 },
    { type: 'flatten' },
    { type: 'linear', inFeatures: 8 * 14 * 14, outFeatures: 10 },
    { type: 'tanh' },
    { type: 'sigmoid' },
    { type: 'batchNorm1d', numFeatures: 10 },
  ];
  using model: nn.Sequential = new sn.nn.Sequential(layers, { inputShape: [1, 28, 28], seed: 1, batchSize: 64 });
  const inShape: readonly number[] = model.inputShape;
  const outShape: readonly number[] = model.outputShape;
  using sgd: nn.SGD = new sn.nn.SGD(model, {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    nesterov: false,
    dampening: 0,
  });
  using adam: nn.Optimizer = new sn.nn.Adam(model, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  using rms = new sn.nn.RMSprop(model, {
    lr: 0.01,
    alpha: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    momentum: 0,
    centered: false,
  });
  const defaultAdam = new nn.Adam(model);
  defaultAdam.dispose();
  sgd.lr = 0.05;
  const lr: number = sgd.lr;
  const mine: boolean = adam.isFor(model) && rms.isFor(model);
  const xs = new Float32Array(64 * 784);
  const ys = new Int32Array(64);
  const step: nn.TrainStepResult = model.trainStep(xs, ys, sgd);
  const { loss, correct } = model.trainStep(xs, ys, adam, { maxGradNorm: 1 });
  const norm: number | undefined = step.gradNorm;
  const targets = new Float32Array(64 * 10);
  const mse: nn.MseTrainStepResult = model.trainStep(xs, targets, sgd, { loss: 'mse', maxGradNorm: 5 });
  const mseLoss: number = mse.loss;
  const ce: nn.TrainStepResult = model.trainStep(xs, ys, sgd, { loss: 'crossEntropy' });
  const training: boolean = model.training;
  const logits: Float32Array = model.eval().forward(xs);
  const firstLayerOut: Float32Array = model.layerOutput(0);
  model.train().train(false);
  const sd: nn.StateDict = model.stateDict();
  const w: Float32Array = sd['0.weight'];
  const shapes: Readonly<Record<string, readonly number[]>> = model.stateDictShapes();
  model.loadStateDict(sd);
  const isModel: boolean = model instanceof nn.Sequential;
  const recurrent: nn.LayerSpec[] = [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, bias: true, returnSequences: true },
    { type: 'rnn', inputSize: 6, hiddenSize: 3 },
  ];
  new sn.nn.Sequential(recurrent, { inputShape: [5, 4] }).dispose();
  const bnLstm: nn.LstmSpec[] = [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: 'per-step', maxLength: 5 },
    { type: 'lstm', inputSize: 6, hiddenSize: 3, batchNorm: 'shared' },
    { type: 'lstm', inputSize: 3, hiddenSize: 3, batchNorm: false },
  ];
  void bnLstm;
  void [inShape, outShape, lr, mine, loss, correct, norm, training, logits, w, shapes, isModel];
}
