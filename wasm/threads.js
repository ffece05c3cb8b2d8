// The SIMD128 + threads build (dist/threads/): whether this engine and page can run it, how many
// threads init() uses by default, and how its glue is loaded. The glue is a classic script, not
// an ES module, because its pthread workers load it with importScripts (the ES module glue's
// workers use import(), which Firefox < 114 lacks in workers, and bundlers would try to bundle
// its `new Worker(new URL(...))`). Node runs it as CommonJS (dist/threads/package.json).

import { isBrowserMainThread, isNode } from './environment.js';

export const THREADS_NAME = 'simdnorm-threads';
export const MAX_THREADS = 64;
// BN is bound by memory bandwidth: beyond a few threads per socket more workers add start-up
// time and memory (each one instantiates the module) but little speed.
const DEFAULT_MAX_THREADS = 8;

/**
 * Whether init() can load the threaded build here: shared WebAssembly memory (in browsers only
 * on a cross-origin isolated page: COOP same-origin + COEP require-corp) and Web Workers (or
 * Node's worker_threads).
 */
export function threadsSupported() {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return false;
  if (!isNode && (globalThis.crossOriginIsolated !== true || typeof Worker !== 'function')) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * The threads init() uses when options.threads is not given: defaultThreads() where the threaded
 * build can run (Node, and Web Workers of a cross-origin isolated page), else 1. Not on a
 * browser's main thread: there every parallel call's join busy-waits (it may not block), so
 * threads there are the caller's explicit choice (options.threads), and compute belongs in a
 * Worker anyway.
 */
export async function initThreads() {
  return threadsSupported() && !isBrowserMainThread ? defaultThreads() : 1;
}

/** The thread count to ask for: the logical cores, at most 8 (a Promise: Node reads node:os). */
export async function defaultThreads() {
  const cores = isNode
    ? (await import(/* @vite-ignore */ 'node:os')).availableParallelism()
    : (globalThis.navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS));
}

// The URLs of the build's files. Literal `new URL(..., import.meta.url)` so bundlers emit them as
// assets (the scripts are fetched, not imported: a bundler must not parse them; it may inline the
// small worker script as a data: URL, which fetch reads as well).
const files = () => ({
  glue: new URL('./dist/threads/simdnorm-threads.js', import.meta.url).href,
  worker: new URL('./dist/threads/simdnorm-threads.worker.js', import.meta.url).href,
  wasm: new URL('./dist/threads/simdnorm-threads.wasm', import.meta.url).href,
});

async function fetchText(fn, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`simdnorm: ${fn}: ${url}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

const blobUrl = (parts) => URL.createObjectURL(new Blob(parts, { type: 'text/javascript' }));

/**
 * Creates the threaded build's module with Module arguments `args` (wasmBinary, pool size).
 * `locateFile` is the user's (path, scriptDirectory) => url for the build's files, if any.
 */
export async function createThreadsModule(args, locateFile) {
  if (isNode) {
    // CommonJS (dist/threads/package.json); the glue starts its workers from the file beside it.
    const { createRequire } = await import(/* @vite-ignore */ 'node:module');
    const createModule = createRequire(import.meta.url)('./dist/threads/simdnorm-threads.js');
    const dir = new URL('.', files().glue).href;
    return createModule(locateFile ? { ...args, locateFile: (p) => locateFile(p, dir) } : args);
  }
  const f = files();
  const where = (name, ours) => (locateFile ? locateFile(name, new URL('.', f.glue).href) : ours);
  const [glue, worker] = await Promise.all([
    fetchText('init', where('simdnorm-threads.js', f.glue)),
    fetchText('init', where('simdnorm-threads.worker.js', f.worker)),
  ]);
  // The glue runs here as a module from a blob: URL, and in every pool worker through
  // importScripts of the same text; the workers start from a blob: URL too, so they share the
  // page's origin wherever (or however inlined) the files were served.
  const glueModule = blobUrl([glue, '\nexport default createSimdnormThreadsModule;\n']);
  const workerUrl = blobUrl([worker]);
  try {
    const { default: createModule } = await import(/* @vite-ignore */ glueModule);
    const wasm = where('simdnorm-threads.wasm', f.wasm);
    return await createModule({
      ...args,
      locateFile: (p) => (p.endsWith('.worker.js') ? workerUrl : wasm),
      mainScriptUrlOrBlob: new Blob([glue], { type: 'text/javascript' }),
    });
  } finally {
    URL.revokeObjectURL(glueModule);
    URL.revokeObjectURL(workerUrl);
  }
}

// Node's worker_threads keep a process alive: the pool's workers must not (a script that calls
// init() has to exit when it is done). Browsers end workers with the page.
export function unrefWorkers(module) {
  if (!isNode) return;
  const { unusedWorkers = [], runningWorkers = [] } = module.PThread ?? {};
  for (const w of [...unusedWorkers, ...runningWorkers]) w.unref?.();
}
