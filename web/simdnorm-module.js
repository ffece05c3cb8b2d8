// Loads the simdnorm wasm module for a worker: 'simd' is the SIMD128 build (with threads when the
// page is cross-origin isolated: scripts/serve.mjs sends COOP/COEP), 'scalar' the build without
// SIMD opcodes. Each build is instantiated once per worker and kept (own heap each).
import init from '../wasm/index.js';

const loaded = new Map();

export async function loadSimdnorm(kernels) {
  if (!loaded.has(kernels)) {
    loaded.set(
      kernels,
      init({ simd: kernels === 'simd' }).then((sn) => ({
        Trainer: sn.Trainer,
        isa: sn.isa,
        threads: sn.threads,
        kernels,
      })),
    );
  }
  return loaded.get(kernels);
}
