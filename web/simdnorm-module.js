// Loads the simdnorm wasm module for a worker: 'simd' is the SIMD128 build, 'scalar' the build
// without SIMD opcodes. Each build is instantiated once per worker and kept (own heap each).
import init from '../wasm/index.js';

const loaded = new Map();

export async function loadSimdnorm(kernels) {
  if (!loaded.has(kernels)) {
    loaded.set(
      kernels,
      init({ simd: kernels === 'simd' }).then((sn) => ({
        Trainer: sn.Trainer,
        isa: sn.isa,
        kernels,
      })),
    );
  }
  return loaded.get(kernels);
}
