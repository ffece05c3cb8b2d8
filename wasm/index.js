// The `simdnorm` package: `const sn = await init()` loads the WebAssembly module (SIMD128 when
// the engine has it, the scalar build otherwise) and returns the API built on it.
// Works unchanged in Node (≥ 20, package.json "engines"), browsers, workers and bundlers.
//
// The classes are also named exports, for `instanceof` and TypeScript types; `new BatchNorm()`
// uses the first module init() loaded, `new sn.BatchNorm()` the module of `sn` (wasm/instance.js).

import { BatchNorm } from './batch_norm.js';
import { checkBoolean, checkOptions, describe } from './check.js';
import { errorCodes, fail } from './errors.js';
import { makeFunctional } from './functional.js';
import { makeSync } from './sync.js';
import { Tensor, makeHeap } from './heap.js';
import { bindClass } from './instance.js';
import { Adam, Optimizer, RMSprop, SGD, Sequential } from './sequential.js';
import { Trainer } from './trainer.js';

// The layer engine's classes, for `instanceof` and TypeScript types (`sn.nn` has the same names).
export const nn = Object.freeze({ Sequential, Optimizer, SGD, Adam, RMSprop });

export { BatchNorm, Tensor, Trainer, errorCodes };

const { TYPE, UNSUPPORTED } = errorCodes;

// The two builds. Literal import() paths so bundlers find and emit both; each glue file locates
// its .wasm with new URL('<name>.wasm', import.meta.url).
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

const isNode =
  typeof process === 'object' &&
  typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';

// The glue is built for web and worker only (its Node branch would need __dirname, which ES
// modules lack), so in Node the .wasm is read here and handed over as wasmBinary.
async function readWasmInNode(build, locateFile) {
  const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
  const dist = new URL('./dist/', import.meta.url);
  const where = locateFile ? locateFile(build.wasm, dist.href) : new URL(build.wasm, dist);
  const path = typeof where === 'string' && where.startsWith('file:') ? new URL(where) : where;
  return readFile(path);
}

/**
 * Loads the module. options: { simd?: boolean (default: WebAssembly.validate of a SIMD module),
 * locateFile?: (path, scriptDirectory) => string (where the .wasm is), wasmBinary?: ArrayBuffer |
 * Uint8Array (the .wasm bytes of the chosen build) }. Every call creates an independent module.
 */
export default async function init(options) {
  const o = checkOptions('init', 'options', options, ['simd', 'locateFile', 'wasmBinary']);
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
  const build = simd ? BUILDS.simd : BUILDS.scalar;

  const moduleArgs = {};
  if (o.locateFile) moduleArgs.locateFile = o.locateFile;
  if (o.wasmBinary) moduleArgs.wasmBinary = o.wasmBinary;
  else if (isNode) moduleArgs.wasmBinary = await readWasmInNode(build, o.locateFile);
  const { default: createModule } = await build.glue();
  const module = await createModule(moduleArgs);

  const heap = makeHeap(module);
  const { batchNorm, batchNormAddRelu, renormLimits, foldIntoLinear } = makeFunctional(heap);
  return Object.freeze({
    isa: module.activeIsa() === 'scalar' ? 'wasm-scalar' : module.activeIsa(),
    simd,
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
