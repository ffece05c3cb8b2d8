// Loads the simdnorm wasm module for a worker: 'simd' is the SIMD128 build (with threads when the
// page is cross-origin isolated: scripts/serve.mjs sends COOP/COEP), 'scalar' the build without
// SIMD opcodes. Each build is instantiated once per worker and kept (own heap each).
import init, { defaultThreads, threadsSupported } from '../wasm/index.js';

const loaded = new Map();

export async function loadSimdnorm(kernels) {
  if (!loaded.has(kernels)) {
    loaded.set(
      kernels,
      (async () => {
        const simd = kernels === 'simd';
        return init({ simd, threads: simd && threadsSupported() ? await defaultThreads() : 1 });
      })().then((sn) => ({
        Trainer: sn.Trainer,
        isa: sn.isa,
        threads: sn.threads,
        kernels,
      })),
    );
  }
  return loaded.get(kernels);
}
