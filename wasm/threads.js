// The SIMD128 + threads build (dist/threads/): whether this engine and page can run it, how many
// threads init() uses by default, and how its glue is loaded. The glue is a classic script, not
// an ES module, because its pthread workers load it with importScripts (the ES module glue's
// workers use import(), which Firefox < 114 lacks in workers, and bundlers would try to bundle
// its `new Worker(new URL(...))`). Node runs it as CommonJS (dist/threads/package.json).

import { isNode } from './environment.js';

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

// What the page or process may use: the logical cores, at most DEFAULT_MAX_THREADS.
export async function defaultThreads() {
  const cores = isNode
    ? (await import(/* @vite-ignore */ 'node:os')).availableParallelism()
    : (globalThis.navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS));
}

// The URLs of the build's files. Literal `new URL(..., import.meta.url)` so bundlers emit them as
// assets (the glue is fetched, not imported: a bundler must not parse it).
const files = () => ({
  dir: new URL('./dist/threads/', import.meta.url).href,
  glue: new URL('./dist/threads/simdnorm-threads.js', import.meta.url).href,
  worker: new URL('./dist/threads/simdnorm-threads.worker.js', import.meta.url).href,
  wasm: new URL('./dist/threads/simdnorm-threads.wasm', import.meta.url).href,
});

/**
 * The module-creating function of the threaded build, and the extra Module arguments it needs
 * to find its files. `locateFile` is the user's (path, scriptDirectory) => url, if any.
 */
export async function loadThreadsGlue(locateFile) {
  const f = files();
  if (isNode) {
    // CommonJS (dist/threads/package.json); the glue finds its worker beside itself.
    const { createRequire } = await import(/* @vite-ignore */ 'node:module');
    const createModule = createRequire(import.meta.url)('./dist/threads/simdnorm-threads.js');
    return { createModule, moduleArgs: locateFile ? { locateFile: (p) => locateFile(p, f.dir) } : {} };
  }
  const response = await fetch(f.glue);
  if (!response.ok) throw new Error(`simdnorm: init: ${f.glue}: HTTP ${response.status}`);
  const source = await response.text();
  // Evaluated once as a module here; the pthread workers importScripts the same text as a Blob.
  const url = URL.createObjectURL(
    new Blob([source, '\nexport default createSimdnormThreadsModule;\n'], { type: 'text/javascript' }),
  );
  let createModule;
  try {
    createModule = (await import(/* @vite-ignore */ url)).default;
  } finally {
    URL.revokeObjectURL(url);
  }
  const ours = { 'simdnorm-threads.wasm': f.wasm, 'simdnorm-threads.worker.js': f.worker };
  return {
    createModule,
    moduleArgs: {
      locateFile: locateFile ? (p) => locateFile(p, f.dir) : (p) => ours[p] ?? new URL(p, f.dir).href,
      mainScriptUrlOrBlob: new Blob([source], { type: 'text/javascript' }),
    },
  };
}

// Node's worker_threads keep a process alive: the pool's workers must not (a script that calls
// init() has to exit when it is done). Browsers end workers with the page.
export function unrefWorkers(module) {
  if (!isNode) return;
  const { unusedWorkers = [], runningWorkers = [] } = module.PThread ?? {};
  for (const w of [...unusedWorkers, ...runningWorkers]) w.unref?.();
}
