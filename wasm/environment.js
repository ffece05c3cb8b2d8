// Whether the package runs in Node (not in a browser or a Web Worker): Node reads the .wasm from disk and runs the threaded build's workers on worker_threads.
export const isNode =
  typeof process === 'object' &&
  typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';
