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
  /** Where the .wasm file is: called with 'simdnorm.wasm' or 'simdnorm-scalar.wasm'. */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** The .wasm bytes of the chosen build (skips fetching/reading it). */
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
}

/** PyTorch's BatchNorm state_dict keys. Absent when affine = false / trackRunningStats = false. */
export interface StateDict {
  weight?: Float32Array;
  bias?: Float32Array;
  running_mean?: Float32Array;
  running_var?: Float32Array;
  /** loadStateDict also accepts a bigint or a one-element typed array. */
  num_batches_tracked?: number | bigint | ArrayLike<number | bigint>;
}

/** nn.BatchNorm1d/2d/3d. Owns wasm memory: call dispose() (or `using`) when done. */
export declare class BatchNorm {
  constructor(numFeatures: number, options?: BatchNormOptions);
  readonly numFeatures: number;
  readonly options: Readonly<Required<BatchNormOptions>>;
  /**
   * y = BN(x). Training mode: batch statistics, running statistics updated. Eval mode: running
   * statistics. Returns `out` if given (Float32Array or Tensor), else a new Float32Array.
   * Throws if x has one value per channel in training mode.
   */
  forward(x: TensorLike, shape: Shape, out?: undefined): Float32Array;
  forward<T extends TensorLike>(x: TensorLike, shape: Shape, out: T): T;
  /** dx for dy of the last forward's shape; sets weightGrad and biasGrad (overwritten, not accumulated). */
  backward(dy: TensorLike, out?: undefined): Float32Array;
  backward<T extends TensorLike>(dy: TensorLike, out: T): T;
  train(mode?: boolean): this;
  eval(): this;
  readonly training: boolean;
  /** Copies out; setters copy in (numFeatures floats). null when the module has no such array. */
  weight: Float32Array | null;
  bias: Float32Array | null;
  runningMean: Float32Array | null;
  runningVar: Float32Array | null;
  numBatchesTracked: number;
  /** Gradients of the last backward (copies); null when affine = false. */
  readonly weightGrad: Float32Array | null;
  readonly biasGrad: Float32Array | null;
  stateDict(): StateDict;
  /** Strict: exactly the keys stateDict() returns. */
  loadStateDict(stateDict: StateDict): void;
  /** Running mean 0, var 1, numBatchesTracked 0. */
  resetRunningStats(): void;
  /** resetRunningStats() and weight 1, bias 0. */
  resetParameters(): void;
  /** Frees the wasm memory. Idempotent; any other use afterwards throws. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * A float32 tensor living in wasm memory: the zero-copy path for hot loops. Pass it as input or
 * `out` to forward/backward/batchNorm and nothing is copied.
 *
 * Caveat: `view` is a Float32Array over wasm memory. Any call into the module may grow the memory,
 * which detaches every earlier view (its length becomes 0). Re-read `t.view` after each call;
 * never keep it across one.
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

export interface Simdnorm {
  /** The kernels in use. */
  readonly isa: 'wasm-simd128' | 'wasm-scalar';
  readonly simd: boolean;
  readonly version: string;
  readonly BatchNorm: typeof BatchNorm;
  readonly Tensor: typeof Tensor;
  /** Like torch.nn.functional.batch_norm. Returns `out` if given, else a new Float32Array. */
  batchNorm(x: TensorLike, shape: Shape, options?: BatchNormFunctionalOptions & { out?: undefined }): Float32Array;
  batchNorm<T extends TensorLike>(x: TensorLike, shape: Shape, options: BatchNormFunctionalOptions & { out: T }): T;
  /**
   * Folds an eval-mode BatchNorm into the layer before it: W row-major [outFeatures, fanIn]
   * (dense [out, in] or conv [outChannels, inChannels·kh·kw]), b per output or null.
   */
  foldIntoLinear(W: Float32Array, b: Float32Array | null, bn: BatchNorm | FoldState): {
    weight: Float32Array;
    bias: Float32Array;
  };
  /** Bytes allocated in the wasm heap and not yet freed (a leak probe). */
  heapInUse(): number;
  /** The raw Emscripten module (Embind classes, _malloc/_free, HEAPF32). Advanced use. */
  readonly module: unknown;
  /** The toy-model trainer, when the package was built with it. */
  readonly Trainer?: unknown;
}

/** Whether this engine validates WebAssembly SIMD128 (what init() uses to pick a build). */
export declare function simdSupported(): boolean;

/** Loads the module; every call creates an independent instance with its own heap. */
export default function init(options?: InitOptions): Promise<Simdnorm>;
