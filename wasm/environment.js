// Where the package runs. Node reads the .wasm from disk and runs the threaded build's workers on
// worker_threads; a browser's main thread (a window, not a Web Worker) may not block, so init()
// does not choose threads there by itself (wasm/threads.js).
export const isNode =
  typeof process === 'object' &&
  typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';

export const isBrowserMainThread = !isNode && typeof window === 'object' && globalThis === window;
