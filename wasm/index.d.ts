// Type declarations of the `simdnorm` package (hand-written: Emscripten 3.1.6 cannot emit them).

/** Tensor shapes: NC, NCL, NCHW, NCDHW, or with layout 'channels-last' NLC, NHWC, NDHWC. */
export type Shape =
  | [number, number]
  | [number, number, number]
  | [number, number, number, number]
  | [number, number, number, number, number];

export type Layout = 'channels-first' | 'channels-last';

/** Where tensors can come from and go to: a JS array (copied) or a Tensor in wasm memory (not). */
export type TensorLike = Float32Array | Tensor;

export interface InitOptions {
  /** Use the SIMD128 build. Default: whether WebAssembly.validate accepts a SIMD module. */
  simd?: boolean;
  /**
   * Threads the kernels run on, an integer in [1, 64]; 1 = a single-thread build, more = the
   * SIMD128 + threads build (needs threadsSupported()). Default: defaultThreads() in Node and in
   * Web Workers where threadsSupported() (not on a browser's main thread, not with `simd: false`
   * or `wasmBinary`), else 1. Results are bit-identical for every count.
   */
  threads?: number;
  /**
   * Where the build's files are: called with 'simdnorm.wasm' or 'simdnorm-scalar.wasm', or
   * (threads) 'simdnorm-threads.wasm' and 'simdnorm-threads.worker.js'.
   */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** The .wasm bytes of the chosen build (skips fetching/reading it); without `threads`, a single-thread build's. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

export interface BatchNormOptions {
  /** Added to the variance; finite, > 0. Default 1e-5. */
  eps?: number;
  /** Running-statistics update factor in [0, 1]; null = cumulative moving average. Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel weight (γ, init 1) and bias (β, init 0). Default true. */
  affine?: boolean;
  /** Keep running mean/var for eval mode; false = batch statistics in eval mode too. Default true. */
  trackRunningStats?: boolean;
  /** Which axis holds the channels for 3-D to 5-D shapes. Default 'channels-first'. */
  layout?: Layout;
  /** Fuse a ReLU after the normalization (backward masks accordingly). Default false. */
  relu?: boolean;
  /**
   * Ghost batch norm: normalize contiguous ghost batches of this many samples, updating the
   * running statistics once per ghost batch in order (PyTorch BN on x.split(k) in sequence).
   * N must be a multiple of it when batch statistics are used. 0 (default): the whole batch.
   */
  virtualBatchSize?: number;
  /** Batch renormalization (Ioffe 2017) in training mode; null/absent (default): off. */
  renorm?: RenormOptions | null;
  /**
   * Per-step statistics (recurrent BN): this many slots of batch and running statistics with one
   * shared weight/bias; forward/backward then take { timeStep }. 0 (default): a plain BatchNorm.
   * Not combinable with renorm or virtualBatchSize.
   */
  timeSteps?: number;
}

/** r = clip(σ_B/σ, 1/rmax, rmax), d = clip((μ_B − μ)/σ, −dmax, dmax); μ, σ moving averages. */
export interface RenormOptions {
  /** ≥ 1 (Infinity: no clipping). Default 3. */
  rmax?: number;
  /** ≥ 0 (Infinity: no clipping). Default 5. */
  dmax?: number;
  /** Weight of the new batch in the moving μ and σ, in [0, 1] (tf_keras renorm_momentum = 1 − it). Default 0.01. */
  momentum?: number;
}

/** The paper's warm-up: plain BN for warmupSteps, then linear ramps to rmax and dmax. */
export interface RenormSchedule {
  /** Default 5000. */
  warmupSteps?: number;
  /** Step at which rmax is reached. Default 40000. */
  rmaxSteps?: number;
  /** Step at which dmax is reached. Default 25000. */
  dmaxSteps?: number;
  /** Default 3. */
  rmax?: number;
  /** Default 5. */
  dmax?: number;
}

/** The per-call options of forward/backward: the output and, with timeSteps, the time step. */
export interface CallOptions<T extends TensorLike | undefined = undefined> {
  out?: T;
  /**
   * Required exactly when the module has timeSteps; in [0, timeSteps) in training mode, any
   * step ≥ 0 in eval mode (steps past the last trained one use its statistics).
   */
  timeStep?: number;
}

/** forward's options: CallOptions and whether a backward() may follow. */
export interface ForwardOptions<T extends TensorLike | undefined = undefined> extends CallOptions<T> {
  /**
   * false: no backward() will follow (inference; re-estimating running statistics), so x is not
   * kept for it: no copy of a Float32Array x beside y, no hold on a Tensor x. backward() then
   * throws until a forward() without it. Not with timeSteps. Default true.
   */
  grad?: boolean;
}

/**
 * PyTorch's BatchNorm state_dict keys. Absent when affine = false / trackRunningStats = false.
 * With renorm: renorm_mean and renorm_std. With timeSteps: running_mean/running_var hold
 * timeSteps·numFeatures floats (step-major) and num_batches_tracked one count per step.
 */
export interface StateDict {
  weight?: Float32Array;
  bias?: Float32Array;
  running_mean?: Float32Array;
  running_var?: Float32Array;
  /** loadStateDict also accepts a bigint or a one-element typed array. */
  num_batches_tracked?: number | bigint | ArrayLike<number | bigint> | number[];
  renorm_mean?: Float32Array;
  renorm_std?: Float32Array;
}

/**
 * nn.BatchNorm1d/2d/3d. Owns wasm memory: call dispose() (or `using`) when done; one that is
 * garbage-collected undisposed is freed then, with a one-time console.warn in development.
 *
 * `new sn.BatchNorm()` lives in the module of `sn`; `new BatchNorm()` (the named export) in the
 * first module init() loaded, and throws SIMDNORM_STATE before that. `x instanceof BatchNorm`
 * holds for objects of every init() instance.
 */
export declare class BatchNorm {
  constructor(numFeatures: number, options?: BatchNormOptions);
  readonly numFeatures: number;
  readonly options: Readonly<
    Required<Omit<BatchNormOptions, 'renorm'>> & { renorm: Readonly<Required<RenormOptions>> | null }
  >;
  /**
   * y = BN(x). Training mode: batch statistics, running statistics updated. Eval mode: running
   * statistics. Returns `out` if given (Float32Array or Tensor), else a new Float32Array.
   * Throws if x has one value per channel in training mode.
   */
  forward(x: TensorLike, shape: Shape, out?: undefined | ForwardOptions): Float32Array;
  forward<T extends TensorLike>(x: TensorLike, shape: Shape, out: T | ForwardOptions<T>): T;
  /**
   * dx for dy of the last forward's shape (of that timeStep's last forward with timeSteps); sets
   * weightGrad and biasGrad (overwritten, not accumulated: with timeSteps, sum them over steps).
   */
  backward(dy: TensorLike, out?: undefined | CallOptions): Float32Array;
  backward<T extends TensorLike>(dy: TensorLike, out: T | CallOptions<T>): T;
  /** The residual block y = relu(BN(x) + z) in one pass (z of x's shape; options.relu must be false). */
  forwardAddRelu(x: TensorLike, z: TensorLike, shape: Shape, out?: undefined): Float32Array;
  forwardAddRelu<T extends TensorLike>(x: TensorLike, z: TensorLike, shape: Shape, out: T): T;
  /** dx and dz = dy·[y > 0] of the last forwardAddRelu; sets weightGrad and biasGrad. */
  backwardAddRelu(dy: TensorLike): { dx: Float32Array; dz: Float32Array };
  /** New renorm limits (a schedule: see Simdnorm.renormLimits); throws without renorm. */
  setRenormLimits(rmax: number, dmax: number): void;
  train(mode?: boolean): this;
  eval(): this;
  readonly training: boolean;
  /**
   * The module's own Float32Arrays (numFeatures floats, in JS memory, the same array on every
   * read); null when the module has no such array (affine: false, trackRunningStats: false).
   * Writes land: `bn.weight[0] = 2` and `bn.weight.set(w)` are used by the next forward/backward,
   * and forward updates runningMean/runningVar in place (take `.slice()` for a snapshot).
   * Assigning (`bn.weight = w`) copies w in; it throws when the array is absent or w's length is
   * not numFeatures.
   */
  get weight(): Float32Array | null;
  set weight(value: Float32Array);
  get bias(): Float32Array | null;
  set bias(value: Float32Array);
  get runningMean(): Float32Array | null;
  set runningMean(value: Float32Array);
  get runningVar(): Float32Array | null;
  set runningVar(value: Float32Array);
  /** Renorm's moving mean and standard deviation (its own arrays, like runningMean); null without renorm. */
  get renormMean(): Float32Array | null;
  set renormMean(value: Float32Array);
  get renormStd(): Float32Array | null;
  set renormStd(value: Float32Array);
  /** With timeSteps: one count per step (runningMean/runningVar then hold timeSteps·numFeatures floats). */
  numBatchesTracked: number | number[];
  /** Gradients of the last backward, updated in place by each backward; null when affine = false. */
  readonly weightGrad: Float32Array | null;
  readonly biasGrad: Float32Array | null;
  /** Copies (a snapshot that later training does not change). */
  stateDict(): StateDict;
  /** Strict: exactly the keys stateDict() returns. */
  loadStateDict(stateDict: StateDict): void;
  /** Running mean 0, var 1, numBatchesTracked 0. */
  resetRunningStats(): void;
  /** resetRunningStats() and weight 1, bias 0. */
  resetParameters(): void;
  /** Frees the wasm memory. Idempotent; any other use afterwards throws SIMDNORM_DISPOSED. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * A float32 tensor living in wasm memory: the zero-copy path for hot loops. Pass it as input or
 * `out` to forward/backward/batchNorm and nothing is copied between JS and wasm memory.
 * BatchNorm.forward reads a Tensor x in place for backward too: set(), view, address, dispose()
 * and `out` arguments first make the module copy x (or let it go once a backward has run).
 *
 * Caveat: `view` is a Float32Array over wasm memory. Any call into the module may grow the memory,
 * which detaches every earlier view (its length becomes 0). Re-read `t.view` after each call;
 * never keep it across one (a write through an older view also escapes the notice above).
 *
 * Owns wasm memory: dispose() it (or `using`); the safety net of BatchNorm applies too. A Tensor
 * works only with objects of the init() instance it was made in (`new sn.Tensor()`).
 */
export declare class Tensor {
  constructor(lengthOrData: number | Float32Array);
  readonly length: number;
  /** Byte address in the wasm heap (a float* for other bindings of the same module). */
  readonly address: number;
  /** A view of the tensor's memory, re-derived when the memory has grown since the last read. */
  readonly view: Float32Array;
  /** Copies `data` (length floats) in. */
  set(data: Float32Array): void;
  /** A copy that stays valid. */
  toFloat32Array(): Float32Array;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface BatchNormFunctionalOptions {
  /** Required when training is false. Updated in place when training is true. */
  runningMean?: Float32Array | null;
  runningVar?: Float32Array | null;
  weight?: Float32Array | null;
  bias?: Float32Array | null;
  /** Default false (use the running statistics). */
  training?: boolean;
  /** Default 0.1. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
  relu?: boolean;
  layout?: Layout;
  /** Written and returned instead of a new Float32Array; may be x itself. */
  out?: TensorLike;
}

/** batchNormAddRelu's options: batchNorm's without relu (the ReLU comes after the add). */
export type BatchNormAddReluOptions = Omit<BatchNormFunctionalOptions, 'relu'>;

/** A shard's partial statistics (sync.partialMoments). */
export interface MomentsPart {
  /** N·S of the shard (0 for an empty one). */
  count: number;
  mean: Float32Array;
  /** Σ(x − mean)² per channel. */
  m2: Float32Array;
}

export interface GradSumsPart {
  sumDy: Float32Array;
  sumDyXmu: Float32Array;
}

/**
 * Sync-BN primitives (PyTorch SyncBatchNorm's contract): shards on several workers, partials
 * exchanged by the caller. Sharded BN equals BN over the concatenated batch.
 */
export interface SyncPrimitives {
  partialMoments(x: TensorLike, shape: Shape, options?: { layout?: Layout }): MomentsPart;
  /** Chan merge; var is biased (divide by count). Empty shards allowed. */
  mergeMoments(parts: MomentsPart[]): { count: number; mean: Float32Array; var: Float32Array };
  forwardWithStats(
    x: TensorLike,
    shape: Shape,
    options: {
      mean: TensorLike;
      var: TensorLike;
      weight?: Float32Array | null;
      bias?: Float32Array | null;
      eps?: number;
      layout?: Layout;
    },
  ): { y: Float32Array; invstd: Float32Array };
  /** Σdy and Σdy·(x − mean) of this shard, with the merged mean. */
  partialGradSums(
    dy: TensorLike,
    x: TensorLike,
    shape: Shape,
    mean: TensorLike,
    options?: { layout?: Layout },
  ): GradSumsPart;
  mergeGradSums(parts: GradSumsPart[]): GradSumsPart;
  /** This shard's dx from the merged sums and count; dweight/dbias are the whole batch's. */
  backwardFromSums(
    dy: TensorLike,
    x: TensorLike,
    shape: Shape,
    options: {
      mean: TensorLike;
      invstd: TensorLike;
      sumDy: TensorLike;
      sumDyXmu: TensorLike;
      count: number;
      weight?: Float32Array | null;
      layout?: Layout;
    },
  ): { dx: Float32Array; dweight: Float32Array; dbias: Float32Array };
}

/** The eval-mode state foldIntoLinear needs. */
export interface FoldState {
  weight?: Float32Array | null;
  bias?: Float32Array | null;
  runningMean?: Float32Array;
  runningVar?: Float32Array;
  running_mean?: Float32Array;
  running_var?: Float32Array;
  /** Default 1e-5. */
  eps?: number;
}

// ---- Trainer (wasm/trainer.js) ----------------------------------------------------------------

export type TrainerDataset = 'spiral' | 'circles' | 'moons' | 'xor' | 'blobs';
export type TrainerActivation = 'relu' | 'tanh' | 'sigmoid';
/** 'auto': He for relu, Xavier for tanh and sigmoid. */
export type TrainerInit = 'auto' | 'he' | 'xavier';
/** 'momentum': β = 0.9. 'adam': β1 = 0.9, β2 = 0.999, ε = 1e-8. */
export type TrainerOptimizer = 'sgd' | 'momentum' | 'adam';
/**
 * What BN uses in predict() and decisionGrid(): 'running' = running statistics (deployment);
 * 'batch' = statistics of the batch being predicted (for predict() a batch of one point, whose
 * variance is 0: every point gets the same prediction, which is the demonstration, not an error).
 */
export type TrainerBnInference = 'running' | 'batch';

/**
 * new Trainer(config): every field optional, defaults in Trainer.defaults. Unknown keys and
 * wrong types throw a TypeError, out-of-range values a RangeError naming the field, e.g.
 * "simdnorm: Trainer: config.lr: expected a finite number > 0 (float32), got -1".
 */
export interface TrainerConfig {
  /** Default 'spiral'. */
  dataset?: TrainerDataset;
  /** Total points, train + test: integer in [8, 100000]. Default 600. */
  points?: number;
  /** Integer in [2, 8]; used by spiral and blobs (circles, moons and xor have 2). Default 3. */
  classes?: number;
  /** Fraction in [0, 1) of points whose label is replaced by a different random class. Default 0. */
  labelNoise?: number;
  /** Fraction in [0, 0.9] held out as a seeded random test set. Default 0.25. */
  testFraction?: number;
  /** uint32: the same dataSeed gives the same points, labels and split. Default 1. */
  dataSeed?: number;
  /** Hidden layer widths: 1 to 8 layers, each an integer in [1, 512]. Default [32, 32]. */
  hidden?: readonly number[];
  /** Default 'relu'. */
  activation?: TrainerActivation;
  /** Default 'auto'. */
  init?: TrainerInit;
  /** Finite multiplier > 0 on the init's standard deviation. Default 1. */
  initScale?: number;
  /** BN after every hidden dense layer (dense → BN → activation). Default true. */
  batchNorm?: boolean;
  /** BN running-statistics momentum in [0, 1] (PyTorch meaning). Default 0.1. */
  bnMomentum?: number;
  /** Finite, > 0 as float32. Default 1e-5. */
  bnEps?: number;
  /** Default 'sgd'. */
  optimizer?: TrainerOptimizer;
  /** Learning rate: finite, > 0 as float32. Default 0.1. */
  lr?: number;
  /** Integer in [2, number of train points]. Default 32. */
  batchSize?: number;
  /** uint32 model seed: dense init and mini-batch order (separate streams, so twins match). Default 1. */
  seed?: number;
}

/** A config with every field filled in (frozen). Pass it to a new Trainer to reproduce a run. */
export type TrainerSettings = Readonly<Required<TrainerConfig>>;

/** What trainSteps(k) returns. */
export interface TrainStepMetrics {
  /** Total optimizer steps after this call. */
  step: number;
  /** Mean mini-batch cross-entropy over these k steps (training mode). */
  loss: number;
  /** Mean mini-batch accuracy over these k steps, in [0, 1]. */
  accuracy: number;
  /** Loss of the last step. */
  lossLast: number;
  /**
   * True once a loss or parameter became non-finite. Sticky: later trainSteps calls are no-ops
   * that return the same numbers (loss NaN).
   */
  diverged: boolean;
}

export interface TrainerEvaluateOptions {
  /** Default 'test'. 'test' throws when config.testFraction is 0. */
  split?: 'train' | 'test';
  /**
   * 'eval' (default): BN uses its running statistics. 'batch': BN normalizes with the statistics
   * of the whole split as one batch; running statistics are not updated.
   */
  mode?: 'eval' | 'batch';
}

/** loss is NaN for a diverged network; NaN predictions count as wrong in accuracy. */
export interface TrainerEvaluation {
  loss: number;
  /** In [0, 1]. */
  accuracy: number;
}

/** A rectangle of the input plane. decisionGrid requires finite values, xMin < xMax, yMin < yMax. */
export interface PlaneBounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** One split of the dataset (copies). */
export interface TrainerDataSplit {
  /** Interleaved coordinates x0, y0, x1, y1, …: 2 floats per point. */
  x: Float32Array;
  /** Class per point (after label noise). */
  labels: Uint8Array;
}

/** What dataset() returns. Points lie roughly in [-1, 1]². */
export interface TrainerData {
  train: TrainerDataSplit;
  /** Empty arrays when config.testFraction is 0. */
  test: TrainerDataSplit;
  classes: number;
  /** Square and symmetric: the data extent plus a 10 % margin. */
  bounds: PlaneBounds;
}

/** Distribution summary: population std, nearest-rank percentiles. */
export interface ValueSummary {
  mean: number;
  std: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/**
 * One hidden layer's (or unit's) values over a fixed probe batch (the first min(256, nTrain)
 * training points), computed in training mode without touching the running statistics.
 */
export interface TrainerLayerStats {
  /** The dense output z = W·a + b. */
  dense: ValueSummary;
  /** The activation's input: BN(z) with BN, z without. */
  act: ValueSummary;
}

/** One BN layer's running statistics next to the true ones (all copies, one float per unit). */
export interface TrainerRunningStats {
  /** running_mean. */
  mean: Float32Array;
  /** running_var (unbiased). */
  var: Float32Array;
  /** Mean of z over the whole train set with the current weights. */
  trueMean: Float32Array;
  /** Variance of z over the whole train set with the current weights. */
  trueVar: Float32Array;
  /** num_batches_tracked. */
  batches: number;
}

/** What fold() returns: BN (eval mode) vs the BN-folded network on the test (else train) set. */
export interface TrainerFoldCheck {
  /** false (and all diffs 0) when batchNorm is off. */
  folded: boolean;
  /** Max |p_bn − p_folded| over all points and classes (probabilities). */
  maxAbsDiff: number;
  /** The same for the logits. */
  maxLogitDiff: number;
  /** Fraction of points with the same argmax, in [0, 1]. */
  agreement: number;
  /** Number of points compared. */
  points: number;
}

/**
 * The toy-model trainer: `new sn.Trainer(config)`. Everything is synchronous and runs in wasm
 * (use a Web Worker for a smooth UI). Every array returned is a fresh copy, never a view of wasm
 * memory: safe to keep, to postMessage and to use after dispose(). Bad arguments throw
 * "simdnorm: Trainer.<method>: <argument>: expected <what>, got <given>" (see SimdnormError).
 *
 * Owns wasm memory: call dispose() (or `using`). After dispose() every property and method except
 * dispose() throws SIMDNORM_DISPOSED. `new Trainer()` (the named export) uses the first module
 * init() loaded, `new sn.Trainer()` the module of `sn`.
 */
export declare class Trainer {
  /** Throws on an unknown key or an out-of-range value (see TrainerConfig). */
  constructor(config?: TrainerConfig);
  /** The default config (frozen). */
  static readonly defaults: TrainerSettings;
  /** The config with defaults filled in (frozen; the same object on every read). */
  readonly config: TrainerSettings;
  /** Number of classes: config.classes for spiral and blobs, 2 for the others. */
  readonly classes: number;
  /** Number of hidden layers. */
  readonly layers: number;
  /** Hidden layers with BN: 0 or `layers`. */
  readonly bnLayers: number;
  /** Optimizer steps done so far. */
  readonly step: number;
  /** Same as the last trainSteps' flag. */
  readonly diverged: boolean;
  /** Set by setBnInference; default 'running'. */
  readonly bnInference: TrainerBnInference;
  /**
   * Runs k optimizer steps (training-mode forward, loss, backward, update; running statistics
   * updated). k: integer in [1, 1e6], default 1.
   */
  trainSteps(k?: number): TrainStepMetrics;
  /** Loss and accuracy of a split. Throws for split 'test' when there is no test set. */
  evaluate(options?: TrainerEvaluateOptions): TrainerEvaluation;
  /** Selects what predict() and decisionGrid() use. */
  setBnInference(mode: TrainerBnInference): void;
  /** Changes the learning rate mid-run (finite, > 0 as float32); optimizer state is kept. */
  setLearningRate(lr: number): void;
  /** One point as a batch of 1 (finite x, y): class probabilities (copy) and their argmax. */
  predict(x: number, y: number): { probs: Float32Array; label: number };
  /**
   * Class probabilities on a w × h grid (integers in [1, 512]) as one new Float32Array of
   * w·h·classes: class k of cell (i, j) is at (j·w + i)·classes + k; cell centres
   * x = xMin + (i + 0.5)·(xMax − xMin)/w, y = yMax − (j + 0.5)·(yMax − yMin)/h (row 0 on top).
   * bounds defaults to dataset().bounds. Uses the bnInference mode ('batch': the grid is one batch).
   */
  decisionGrid(w: number, h: number, bounds?: PlaneBounds | null): Float32Array;
  /** The train and test points (copies). */
  dataset(): TrainerData;
  /** One entry per hidden layer, all its units pooled. */
  layerStats(): TrainerLayerStats[];
  /** One unit of one hidden layer; throws when layer or unit is out of range. unit default 0. */
  unitStats(layer: number, unit?: number): TrainerLayerStats;
  /** One entry per BN layer; [] without BN. */
  runningStats(): TrainerRunningStats[];
  /** Folds each BN into the dense layer before it on a copy (this trainer is unchanged) and compares. */
  fold(): TrainerFoldCheck;
  /** Frees the wasm memory. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * The layer engine (src/nn, `simdnorm::nn`): layer specs are torch.nn class names in camelCase with
 * torch's argument names in camelCase; models are `nn.Sequential`, optimizers torch.optim's.
 */
export declare namespace nn {
  /** `nn.Linear(inFeatures, outFeatures, bias=True)` over the last dim of the sample. */
  interface LinearSpec {
    type: 'linear';
    inFeatures: number;
    outFeatures: number;
    bias?: boolean;
  }
  /** `nn.Conv2d` with a square kernel, groups = dilation = 1; input [C, H, W]. */
  interface Conv2dSpec {
    type: 'conv2d';
    inChannels: number;
    outChannels: number;
    kernelSize: number;
    /** Default 1. */
    stride?: number;
    /** Zero padding, default 0. */
    padding?: number;
    /** Default true. */
    bias?: boolean;
  }
  /** `nn.MaxPool2d`: ties go to the first maximum, NaN wins (PyTorch CPU). */
  interface MaxPool2dSpec {
    type: 'maxPool2d';
    kernelSize: number;
    /** Defaults to kernelSize. */
    stride?: number;
    /** At most kernelSize / 2; default 0. */
    padding?: number;
  }
  /** `nn.AvgPool2d`. */
  interface AvgPool2dSpec {
    type: 'avgPool2d';
    kernelSize: number;
    /** Defaults to kernelSize. */
    stride?: number;
    /** At most kernelSize / 2; default 0. */
    padding?: number;
    /** Default true. */
    countIncludePad?: boolean;
  }
  /** `nn.Flatten()`: [C, H, W] → [C·H·W]. */
  interface FlattenSpec {
    type: 'flatten';
  }
  interface ActivationSpec {
    type: 'relu' | 'tanh' | 'sigmoid';
  }
  /** `nn.Dropout(p)`: masks from a per-layer stream seeded by the model's seed. */
  interface DropoutSpec {
    type: 'dropout';
    /** In [0, 1], default 0.5. */
    p?: number;
  }
  /** `nn.BatchNorm1d` (input [F] or [C, L]) and `nn.BatchNorm2d` (input [C, H, W]). */
  interface BatchNormSpec {
    type: 'batchNorm1d' | 'batchNorm2d';
    /** The input's channels (features). */
    numFeatures: number;
    /** Default 1e-5. */
    eps?: number;
    /** Default 0.1; null = cumulative moving average. */
    momentum?: number | null;
    /** Learnable γ and β, default true. */
    affine?: boolean;
    /** Default true; false = batch statistics in eval mode too. */
    trackRunningStats?: boolean;
    /**
     * Ghost batches of k samples (docs/variants.md); batches must be multiples of k where batch
     * statistics are used. Default 0: the whole batch.
     */
    virtualBatchSize?: number;
    /**
     * Batch renormalization in training mode ({} for the defaults rmax 3, dmax 5, momentum 0.01).
     * Adds the state dict keys renorm_mean and renorm_std (not in torch's BatchNorm).
     */
    renorm?: RenormOptions | false;
  }
  /**
   * `nn.RNN` (tanh): one layer, batch-first, input [steps, inputSize] → the last step's hidden
   * state [hiddenSize], or every step's [steps, hiddenSize] with returnSequences. State-dict keys
   * as torch's: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.
   */
  interface RnnSpec {
    type: 'rnn';
    inputSize: number;
    hiddenSize: number;
    /** Default true. */
    bias?: boolean;
    /** Default false. */
    returnSequences?: boolean;
  }
  /**
   * `nn.LSTM`: as RnnSpec, with optional recurrent batch normalization (Cooijmans et al. 2016):
   * BN on W_ih·x_t and W_hh·h_{t−1} (γ only) and on c_t before the output tanh (γ and β), γ
   * initialized to 0.1. Extra state-dict keys: bn_ih.weight, bn_ih.running_mean [slots, 4H],
   * bn_ih.running_var, bn_ih.num_batches_tracked [slots], the same for bn_hh, and bn_c.weight,
   * bn_c.bias, bn_c.running_mean [slots, H], … (slots: maxLength for 'per-step', 1 for 'shared').
   */
  interface LstmSpec {
    type: 'lstm';
    inputSize: number;
    hiddenSize: number;
    /** Default true. */
    bias?: boolean;
    /** Default false. */
    returnSequences?: boolean;
    /**
     * Default false. 'per-step': batch and running statistics per time step, γ/β shared;
     * 'shared': one set of statistics for every step.
     */
    batchNorm?: false | 'per-step' | 'shared';
    /**
     * With 'per-step': the number of per-step statistics slots, default the input's steps. Later
     * steps share the last slot; in eval, steps after the last trained slot use its running
     * statistics (load a model trained on shorter sequences with its maxLength to run longer ones).
     */
    maxLength?: number;
  }
  /** Either recurrent layer. */
  type RecurrentSpec = LstmSpec | RnnSpec;
  /** One layer of a Sequential, by `type`. */
  type LayerSpec =
    | LinearSpec
    | Conv2dSpec
    | MaxPool2dSpec
    | AvgPool2dSpec
    | FlattenSpec
    | ActivationSpec
    | DropoutSpec
    | BatchNormSpec
    | LstmSpec
    | RnnSpec;

  interface SequentialOptions {
    /** Per-sample dims (1 to 3): [features], [C, L], [steps, features] or [C, H, W]. */
    inputShape: readonly number[];
    /** Parameter initialization (torch's defaults) and dropout masks; default 1. */
    seed?: number;
    /** Batch size to plan buffers for at construction; default 1 (a larger batch re-plans once). */
    batchSize?: number;
  }

  /** Keys as PyTorch's nn.Sequential.state_dict() ('0.weight', '1.num_batches_tracked'). */
  type StateDict = Record<string, Float32Array>;

  /** What trainStep returns. */
  interface TrainStepResult {
    /** Mean softmax cross-entropy of the batch, before the step. */
    loss: number;
    /** Samples whose largest logit was their label (before the step). */
    correct: number;
    /** With options.maxGradNorm: the global gradient norm before clipping. */
    gradNorm?: number;
  }

  interface TrainStepOptions {
    /** Clips gradients to this global 2-norm before the step (torch.nn.utils.clip_grad_norm_); ≥ 0. */
    maxGradNorm?: number;
    /** 'crossEntropy' (default): mean softmax cross-entropy against Int32Array labels. */
    loss?: 'crossEntropy';
  }

  interface MseTrainStepOptions {
    /** Clips gradients to this global 2-norm before the step (torch.nn.utils.clip_grad_norm_); ≥ 0. */
    maxGradNorm?: number;
    /** Mean squared error (nn.MSELoss(reduction='mean')) against Float32Array targets. */
    loss: 'mse';
  }

  /** What trainStep with options.loss 'mse' returns. */
  interface MseTrainStepResult {
    /** Mean squared error over all N·outputSize elements, before the step. */
    loss: number;
    /** With options.maxGradNorm: the global gradient norm before clipping. */
    gradNorm?: number;
  }

  /**
   * `new sn.nn.Sequential(layers, { inputShape })`: the layers of torch.nn.Sequential. A bad spec
   * (an unknown type or argument, counts that do not chain, a kernel larger than its input) throws
   * before anything is allocated, naming the layer index, the argument, the expected and the given
   * value. Starts in train mode. Buffers are planned for the largest batch seen so far (they grow,
   * never shrink, until dispose()). Owns wasm memory: call dispose() (or `using`).
   */
  class Sequential {
    constructor(layers: readonly LayerSpec[], options: SequentialOptions);
    /** Per-sample input dims (frozen). */
    readonly inputShape: readonly number[];
    /** Per-sample output dims (frozen), e.g. [classes]. */
    readonly outputShape: readonly number[];
    /** true in train mode. */
    readonly training: boolean;
    train(on?: boolean): this;
    eval(): this;
    /** x: [N, ...inputShape] floats, any N ≥ 1 → a new Float32Array [N, ...outputShape], current mode. */
    forward(x: Float32Array): Float32Array;
    /**
     * A copy of layer `index`'s output in the last forward() or trainStep() (computed before that
     * step's optimizer update): [N, ...that layer's output dims] for that call's N samples. Throws
     * (RangeError) for an index ≥ the number of layers and (Error, SIMDNORM_STATE) before any forward.
     */
    layerOutput(index: number): Float32Array;
    /**
     * One step of softmax cross-entropy training in the current mode: zero grads, forward, mean
     * loss against labels (N classes in [0, outputShape[0])), backward, optimizer step. The
     * optimizer must be one made for this model. Bad labels throw before anything changes.
     */
    trainStep(x: Float32Array, labels: Int32Array, optimizer: Optimizer, options?: TrainStepOptions): TrainStepResult;
    /**
     * The same step with mean squared error: targets are N·(product of outputShape) floats, the
     * loss is the mean over all of them (nn.MSELoss()). Bad sizes throw before anything changes.
     */
    trainStep(
      x: Float32Array,
      targets: Float32Array,
      optimizer: Optimizer,
      options: MseTrainStepOptions,
    ): MseTrainStepResult;
    /**
     * Copies of every parameter and buffer; shapes in stateDictShapes(). num_batches_tracked as
     * [n] (per-step BN in an LSTM: one count per slot).
     */
    stateDict(): StateDict;
    /** The PyTorch shape of each stateDict() key ([] for num_batches_tracked). Frozen. */
    stateDictShapes(): Readonly<Record<string, readonly number[]>>;
    /** Strict: exactly the keys of stateDict() with as many values; throws naming the key, changing nothing. */
    loadStateDict(state: StateDict): void;
    /** Frees the wasm memory. Idempotent. */
    dispose(): void;
    [Symbol.dispose](): void;
  }

  /** The base of the optimizers (not constructible). Owns wasm memory (momentum buffers, moments). */
  abstract class Optimizer {
    /** The learning rate; assignable (a schedule), state kept. */
    lr: number;
    /** Whether this optimizer updates `model`. */
    isFor(model: Sequential): boolean;
    dispose(): void;
    [Symbol.dispose](): void;
  }

  /** torch.optim.SGD (1.13): lr is required; nesterov needs momentum > 0 and dampening 0. */
  interface SGDOptions {
    lr: number;
    momentum?: number;
    dampening?: number;
    weightDecay?: number;
    nesterov?: boolean;
  }
  class SGD extends Optimizer {
    constructor(model: Sequential, options: SGDOptions);
  }

  /** torch.optim.Adam (1.13, amsgrad false); defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8. */
  interface AdamOptions {
    lr?: number;
    betas?: readonly [number, number];
    eps?: number;
    weightDecay?: number;
  }
  class Adam extends Optimizer {
    constructor(model: Sequential, options?: AdamOptions);
  }

  /** torch.optim.RMSprop (1.13); defaults lr 1e-2, alpha 0.99, eps 1e-8. */
  interface RMSpropOptions {
    lr?: number;
    alpha?: number;
    eps?: number;
    weightDecay?: number;
    momentum?: number;
    centered?: boolean;
  }
  class RMSprop extends Optimizer {
    constructor(model: Sequential, options?: RMSpropOptions);
  }
}

/** The `code` of every error the package throws (values of `errorCodes`). */
export type SimdnormErrorCode =
  | 'SIMDNORM_TYPE'
  | 'SIMDNORM_RANGE'
  | 'SIMDNORM_SHAPE'
  | 'SIMDNORM_STATE'
  | 'SIMDNORM_DISPOSED'
  | 'SIMDNORM_MEMORY'
  | 'SIMDNORM_UNSUPPORTED'
  | 'SIMDNORM_LOAD'
  | 'SIMDNORM_INTERNAL';

/**
 * What the package throws: a built-in TypeError (code SIMDNORM_TYPE), RangeError (SIMDNORM_RANGE,
 * SIMDNORM_SHAPE, SIMDNORM_MEMORY) or Error (the others), whose message reads
 * "simdnorm: <function>: <argument>: expected <what>, got <given>" — from the JS wrapper and from
 * the C++ core alike. Never an opaque WebAssembly.Exception.
 */
export interface SimdnormError extends Error {
  readonly code: SimdnormErrorCode;
}

/** The error codes by name, e.g. `e.code === errorCodes.SHAPE`. */
export declare const errorCodes: Readonly<{
  /** TypeError: an argument of the wrong JS type, an unknown or missing option key. */
  TYPE: 'SIMDNORM_TYPE';
  /** RangeError: a value outside what the argument accepts (eps ≤ 0, an unknown name). */
  RANGE: 'SIMDNORM_RANGE';
  /** RangeError: a length, shape or channel count that does not fit the others. */
  SHAPE: 'SIMDNORM_SHAPE';
  /** Error: a call the object's state does not allow (backward() before forward()). */
  STATE: 'SIMDNORM_STATE';
  /** Error: an object used after dispose(). */
  DISPOSED: 'SIMDNORM_DISPOSED';
  /** RangeError: the wasm heap cannot grow enough (2 GiB at most). */
  MEMORY: 'SIMDNORM_MEMORY';
  /** Error: the engine lacks a WebAssembly feature the module needs (init()). */
  UNSUPPORTED: 'SIMDNORM_UNSUPPORTED';
  /** Error: init() could not load a build's files (missing, an HTTP error, bytes that do not compile); `cause` holds the underlying error. */
  LOAD: 'SIMDNORM_LOAD';
  /** Error: a bug in simdnorm (please report it with the message). */
  INTERNAL: 'SIMDNORM_INTERNAL';
}>;

export interface Simdnorm {
  /** The kernels in use. */
  readonly isa: 'wasm-simd128' | 'wasm-scalar';
  readonly simd: boolean;
  /** The threads the kernels run on: 1 for the single-thread builds. */
  readonly threads: number;
  readonly version: string;
  readonly BatchNorm: typeof BatchNorm;
  readonly Tensor: typeof Tensor;
  /** Like torch.nn.functional.batch_norm. Returns `out` if given, else a new Float32Array. */
  batchNorm(x: TensorLike, shape: Shape, options?: BatchNormFunctionalOptions & { out?: undefined }): Float32Array;
  batchNorm<T extends TensorLike>(x: TensorLike, shape: Shape, options: BatchNormFunctionalOptions & { out: T }): T;
  /**
   * y = relu(BN(x) + z) in one pass (statistics as batchNorm). The module form,
   * BatchNorm.forwardAddRelu/backwardAddRelu, also gives dx and dz.
   */
  batchNormAddRelu(
    x: TensorLike,
    z: TensorLike,
    shape: Shape,
    options?: BatchNormAddReluOptions & { out?: undefined },
  ): { y: Float32Array };
  batchNormAddRelu<T extends TensorLike>(
    x: TensorLike,
    z: TensorLike,
    shape: Shape,
    options: BatchNormAddReluOptions & { out: T },
  ): { y: T };
  /** Renorm limits for a training step under the paper's warm-up (or the given schedule). */
  renormLimits(step: number, schedule?: RenormSchedule): { rmax: number; dmax: number };
  /** Sync-BN primitives for data-parallel training. */
  readonly sync: SyncPrimitives;
  /**
   * Folds an eval-mode BatchNorm into the layer before it: W row-major [outFeatures, fanIn]
   * (dense [out, in] or conv [outChannels, inChannels·kh·kw]), b per output or null.
   */
  foldIntoLinear(
    W: Float32Array,
    b: Float32Array | null,
    bn: BatchNorm | FoldState,
  ): {
    weight: Float32Array;
    bias: Float32Array;
  };
  /** The same object as the `errorCodes` export. */
  readonly errorCodes: typeof errorCodes;
  /** Bytes allocated in the wasm heap and not yet freed (a leak probe). */
  heapInUse(): number;
  /** The raw Emscripten module (Embind classes, _malloc/_free, HEAPF32). Advanced use. */
  readonly module: unknown;
  /** The toy-model trainer (src/nn): an MLP with optional BN on 2-D toy datasets, run in wasm. */
  readonly Trainer: typeof Trainer;
  /** The layer engine, bound to this instance's module. */
  readonly nn: Readonly<{
    Sequential: typeof nn.Sequential;
    SGD: typeof nn.SGD;
    Adam: typeof nn.Adam;
    RMSprop: typeof nn.RMSprop;
  }>;
}

/** Whether this engine validates WebAssembly SIMD128 (what init() uses to pick a build). */
export declare function simdSupported(): boolean;

/**
 * Whether the SIMD128 + threads build can run here: shared WebAssembly memory, and in a browser a
 * cross-origin isolated page (COOP same-origin + COEP require-corp) with Web Workers.
 */
export declare function threadsSupported(): boolean;

/** The logical cores (navigator.hardwareConcurrency, Node's os.availableParallelism()), at most 8. */
export declare function defaultThreads(): Promise<number>;

/**
 * Whether this engine validates WebAssembly exception handling, which every build needs;
 * without it init() rejects with SIMDNORM_UNSUPPORTED instead of a bare CompileError.
 */
export declare function exceptionsSupported(): boolean;

/**
 * Loads the module; every call creates an independent instance with its own heap (a frozen
 * object). Rejects with SIMDNORM_UNSUPPORTED when the engine lacks exception handling, or SIMD128
 * with `simd: true`, or threads with `threads` > 1 where threadsSupported() is false; with
 * SIMDNORM_LOAD when the chosen build's files do not load (`cause`: the underlying error).
 */
export default function init(options?: InitOptions): Promise<Simdnorm>;
