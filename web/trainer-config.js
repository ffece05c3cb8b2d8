// Page settings → the wasm Trainer's config. Twins are two configs that differ only in
// `batchNorm`: the trainer then gives them the same initial dense weights and the same
// mini-batches (separate random streams derived from `seed`), so any difference is BN's doing.

export function trainerConfig(
  state,
  { batchNorm, lr = state.lr, initScale = state.initScale, batchSize = state.batch, labelNoise = state.noise } = {},
) {
  return {
    dataset: state.dataset,
    dataSeed: state.seed,
    seed: state.seed,
    labelNoise,
    hidden: Array.from({ length: state.depth }, () => state.width),
    activation: state.activation,
    optimizer: state.optimizer,
    lr,
    initScale,
    batchSize,
    batchNorm,
    bnMomentum: state.momentum,
  };
}

// Learning rates for the sweep: a log-spaced range centred where each optimizer usually works.
export function sweepAxes(state) {
  const [lo, hi] = state.optimizer === 'adam' ? [1e-4, 1] : [1e-3, 10];
  const n = state.sweep;
  const logspace = (a, b) => Array.from({ length: n }, (_, i) => +(a * (b / a) ** (i / (n - 1))).toPrecision(2));
  return { lrs: logspace(lo, hi), scales: logspace(0.1, 10) };
}

export const gapBatchSizes = [4, 8, 16, 32, 64, 128, 256];
