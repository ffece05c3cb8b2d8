// The `simdnorm` package: `const sn = await init()` loads the WebAssembly module (SIMD128 +
// threads where shared memory is allowed, off a browser's main thread; SIMD128 when the engine has
// it; the scalar build otherwise) and returns the API built on it.
// Works unchanged in Node (≥ 20, package.json "engines"), browsers, workers and bundlers.
//
// The classes are also named exports, for `instanceof` and TypeScript types; `new BatchNorm()`
// uses the first module init() loaded, `new sn.BatchNorm()` the module of `sn` (wasm/instance.js).

import { BatchNorm } from './batch_norm.js';
import { checkBoolean, checkOptions, describe, kind } from './check.js';
import { isNode } from './environment.js';
import { errorCodes, fail, simdnormError } from './errors.js';
import { makeFunctional } from './functional.js';
import { makeSync } from './sync.js';
import { Tensor, makeHeap } from './heap.js';
import { bindClass } from './instance.js';
import { Adam, Optimizer, RMSprop, SGD, Sequential } from './sequential.js';
import {
  MAX_THREADS,
  THREADS_NAME,
  defaultThreads,
  createThreadsModule,
  initThreads,
  threadsSupported,
  unrefWorkers,
} from './threads.js';
import { Trainer } from './trainer.js';

// The layer engine's classes, for `instanceof` and TypeScript types (`sn.nn` has the same names).
export const nn = Object.freeze({ Sequential, Optimizer, SGD, Adam, RMSprop });

export { BatchNorm, Tensor, Trainer, defaultThreads, errorCodes, threadsSupported };

const { TYPE, RANGE, UNSUPPORTED, LOAD } = errorCodes;

// The two single-thread builds (the threaded one: threads.js). Literal import() paths so bundlers
// find and emit both; each glue file locates its .wasm with new URL('<name>.wasm', import.meta.url).
const BUILDS = {
  simd: { isa: 'wasm-simd128', wasm: 'simdnorm.wasm', glue: () => import('./dist/simdnorm.js') },
  scalar: { isa: 'wasm-scalar', wasm: 'simdnorm-scalar.wasm', glue: () => import('./dist/simdnorm-scalar.js') },
};

// The smallest module using a SIMD128 instruction: (func (result v128) i32.const 0 i8x16.splat).
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, //       type section: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, //                         function section: one function of type 0
  0x0a,
  0x08,
  0x01,
  0x06,
  0x00,
  0x41,
  0x00,
  0xfd,
  0x0f,
  0x0b, // code: i32.const 0; i8x16.splat; end
]);

// The smallest module using wasm exception handling, which both builds are compiled with
// (-fwasm-exceptions: C++ exceptions become typed JS errors): a tag, and a function that throws
// it inside try … catch.
const EXCEPTIONS_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x04,
  0x01,
  0x60,
  0x00,
  0x00, //             type section: () -> ()
  0x03,
  0x02,
  0x01,
  0x00, //                         function section: one function of type 0
  0x0d,
  0x03,
  0x01,
  0x00,
  0x00, //                   tag section: one tag of type 0
  0x0a,
  0x0b,
  0x01,
  0x09,
  0x00,
  0x06,
  0x40,
  0x08,
  0x00,
  0x07,
  0x00,
  0x0b,
  0x0b, // try; throw 0; catch 0; end
]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

export function exceptionsSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(EXCEPTIONS_PROBE);
}

// The single-thread glue is built for web and worker only (its Node branch would need __dirname,
// which ES modules lack), so in Node the .wasm is read here and handed over as wasmBinary (the
// threaded build's too: Node's fetch cannot read a file path).
async function readWasmInNode(wasm, folder, locateFile) {
  const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
  const dist = new URL(folder, import.meta.url);
  const where = locateFile ? locateFile(wasm, dist.href) : new URL(wasm, dist);
  const path = typeof where === 'string' && where.startsWith('file:') ? new URL(where) : where;
  return readFile(path);
}

// options.threads, checked; not given: initThreads() (threads.js) where the SIMD128 + threads build
// applies, i.e. not with simd false, nor with wasmBinary (those bytes are one build's: the caller
// names it with threads).
async function chooseThreads(threads, simd, wasmBinary) {
  if (threads === undefined) return simd && wasmBinary === undefined ? initThreads() : 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
    fail(kind(threads), 'init', 'options.threads', `an integer in [1, ${MAX_THREADS}]`, describe(threads));
  if (threads === 1) return 1;
  if (!simd)
    fail(RANGE, 'init', 'options.threads', '1 with options.simd false (the threaded build is SIMD128)', threads);
  if (!threadsSupported())
    fail(
      UNSUPPORTED,
      'init',
      'options.threads',
      isNode
        ? '1 on an engine without shared WebAssembly memory'
        : '1 on a page that is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp) or without shared WebAssembly memory',
      threads,
    );
  return threads;
}

// Creates the wasm module of the chosen build; its files failing to load reject with
// SIMDNORM_LOAD, the underlying error as `cause`.
function createBuildModule(simd, threads, o) {
  const build = threads > 1 ? 'SIMD128 + threads' : simd ? 'SIMD128' : 'scalar';
  return loadBuildModule(simd, threads, o).catch((error) => {
    if (String(error?.code).startsWith('SIMDNORM_')) throw error;
    const e = simdnormError(
      LOAD,
      `simdnorm: init: module: expected the ${build} build's files to load, got ${error?.message ?? error}`,
    );
    e.cause = error;
    throw e;
  });
}

async function loadBuildModule(simd, threads, o) {
  if (threads > 1) {
    // The pool's workers besides the calling thread, started before the module resolves.
    const args = { simdnormPoolSize: threads - 1 };
    if (o.wasmBinary) args.wasmBinary = o.wasmBinary;
    else if (isNode) args.wasmBinary = await readWasmInNode(`${THREADS_NAME}.wasm`, './dist/threads/', o.locateFile);
    const module = await createThreadsModule(args, o.locateFile);
    unrefWorkers(module);
    // The core's default would be the hardware's count, which the pool was not sized for.
    module.setNumThreads(threads);
    return module;
  }
  const build = simd ? BUILDS.simd : BUILDS.scalar;
  const moduleArgs = {};
  if (o.locateFile) moduleArgs.locateFile = o.locateFile;
  if (o.wasmBinary) moduleArgs.wasmBinary = o.wasmBinary;
  else if (isNode) moduleArgs.wasmBinary = await readWasmInNode(build.wasm, './dist/', o.locateFile);
  const { default: createModule } = await build.glue();
  return createModule(moduleArgs);
}

/**
 * Loads the module. options: { simd?: boolean (default: WebAssembly.validate of a SIMD module),
 * threads?: number (1: a single-thread build; more: the SIMD128 + threads build, which needs
 * threadsSupported(); default: defaultThreads() in Node and in Web Workers where
 * threadsSupported(), else 1), locateFile?: (path, scriptDirectory) => string (where the .wasm and the
 * threaded build's files are), wasmBinary?: ArrayBuffer | Uint8Array (the .wasm bytes of the
 * chosen build; without threads, a single-thread one) }. Every call creates an independent module
 * (and, threaded, its own workers).
 */
export default async function init(options) {
  const o = checkOptions('init', 'options', options, ['simd', 'threads', 'locateFile', 'wasmBinary']);
  if (o.simd !== undefined) checkBoolean('init', 'options.simd', o.simd);
  if (o.locateFile !== undefined && typeof o.locateFile !== 'function')
    fail(TYPE, 'init', 'options.locateFile', 'a function (path, scriptDirectory) => url', describe(o.locateFile));
  if (o.wasmBinary !== undefined && !(o.wasmBinary instanceof ArrayBuffer || o.wasmBinary instanceof Uint8Array))
    fail(TYPE, 'init', 'options.wasmBinary', 'an ArrayBuffer or Uint8Array', describe(o.wasmBinary));
  if (!exceptionsSupported())
    fail(
      UNSUPPORTED,
      'init',
      'engine',
      'WebAssembly exception handling (Chrome/Edge 95+, Firefox 100+, Safari 15.2+, Node 17+), which both builds need',
      typeof WebAssembly === 'object' ? 'an engine that does not validate it' : 'no WebAssembly at all',
    );
  const simd = o.simd ?? simdSupported();
  if (simd && !simdSupported())
    fail(UNSUPPORTED, 'init', 'options.simd', 'false on an engine without WebAssembly SIMD128', 'true');
  const threads = await chooseThreads(o.threads, simd, o.wasmBinary);
  const module = await createBuildModule(simd, threads, o).catch((error) => {
    if (threads === 1 || o.threads !== undefined) throw error;
    // Threads were our choice, not the caller's: a page whose server or Content-Security-Policy
    // keeps the threaded build's files or blob: workers from loading still gets a module.
    console.warn(
      `simdnorm: init: the threaded build did not load (${error.cause?.message ?? error.message}); using one thread`,
    );
    return createBuildModule(simd, 1, o);
  });

  const heap = makeHeap(module);
  const { batchNorm, batchNormAddRelu, renormLimits, foldIntoLinear } = makeFunctional(heap);
  return Object.freeze({
    isa: module.activeIsa() === 'scalar' ? 'wasm-scalar' : module.activeIsa(),
    simd,
    threads: module.numThreads(),
    version: module.version(),
    BatchNorm: bindClass(BatchNorm, heap),
    Tensor: bindClass(Tensor, heap),
    // The toy-model trainer (src/nn) lives in the same module and heap.
    Trainer: bindClass(Trainer, heap),
    // The layer engine (src/nn): Sequential models of layer specs and torch.optim's optimizers.
    nn: Object.freeze({
      Sequential: bindClass(Sequential, heap),
      SGD: bindClass(SGD, heap),
      Adam: bindClass(Adam, heap),
      RMSprop: bindClass(RMSprop, heap),
    }),
    batchNorm,
    batchNormAddRelu,
    renormLimits,
    sync: makeSync(heap),
    foldIntoLinear,
    errorCodes,
    heapInUse: () => module.heapInUse(),
    module,
  });
}
