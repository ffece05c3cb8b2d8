// Loads the simdnorm wasm module for a worker: 'simd' is the SIMD128 build, 'scalar' the build
// without SIMD opcodes. With `threads`, 'simd' runs on threads when the page is cross-origin
// isolated (scripts/serve.mjs sends COOP/COEP): the live twins do; the sweeps' many tiny models
// gain nothing from a pool per job worker. Each build is instantiated once per worker and kept.
import init from '../wasm/index.js';

const loaded = new Map();

export async function loadSimdnorm(kernels, { threads = false } = {}) {
  if (!loaded.has(kernels)) {
    loaded.set(
      kernels,
      // init()'s default in a Worker: threads where the page is isolated ('simd' only).
      init({ simd: kernels === 'simd', ...(threads ? {} : { threads: 1 }) }).then((sn) => ({
        Trainer: sn.Trainer,
        isa: sn.isa,
        threads: sn.threads,
        kernels,
      })),
    );
  }
  return loaded.get(kernels);
}
