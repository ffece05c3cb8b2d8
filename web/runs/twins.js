// The networks an engine run compares, built from one start: every network gets the first one's
// weights, so BN (or its variant) is the only difference between them. Layers are matched by
// order among the weighted ones (linear, conv2d, lstm; BN layers are extra), and a parameter is
// copied when the other network has it too (no bias where BN follows; BN's own γ, β stay).

const WEIGHTED = new Set(['linear', 'conv2d', 'lstm']);
const weightedIndices = (layers) => layers.flatMap((l, i) => (WEIGHTED.has(l.type) ? [i] : []));

function copyWeights(from, fromLayers, to, toLayers) {
  const source = from.stateDict();
  const target = to.stateDict();
  const fromAt = weightedIndices(fromLayers);
  const toAt = weightedIndices(toLayers);
  fromAt.forEach((i, k) => {
    for (const [key, values] of Object.entries(source)) {
      if (!key.startsWith(`${i}.`)) continue;
      const into = `${toAt[k]}.${key.slice(String(i).length + 1)}`;
      if (into in target) target[into] = values;
    }
  });
  to.loadStateDict(target);
}

// layers: name → layer specs, the first is the one whose start all share. options: inputShape,
// seed, batchSize (a number or name → number), initScale (multiplies the first network's weights
// before they are shared; default 1), optimizer(model, name) → its optimizer.
// Returns { models, optimizers, dispose() }, names in the order of `layers`.
export function makeTwins(sn, layers, { inputShape, seed, batchSize, initScale = 1, optimizer }) {
  const names = Object.keys(layers);
  const models = {};
  const optimizers = {};
  const dispose = () => {
    for (const o of Object.values(optimizers)) o.dispose();
    for (const m of Object.values(models)) m.dispose();
  };
  try {
    for (const name of names) {
      const size = typeof batchSize === 'number' ? batchSize : batchSize[name];
      models[name] = new sn.nn.Sequential(layers[name], { inputShape, seed, batchSize: size });
    }
    const [first, ...others] = names;
    if (initScale !== 1) {
      const scaled = models[first].stateDict();
      for (const i of weightedIndices(layers[first])) {
        for (const key of Object.keys(scaled)) {
          if (key.startsWith(`${i}.weight`)) scaled[key] = scaled[key].map((w) => w * initScale);
        }
      }
      models[first].loadStateDict(scaled);
    }
    for (const name of others) copyWeights(models[first], layers[first], models[name], layers[name]);
    for (const name of names) optimizers[name] = optimizer(models[name], name);
  } catch (e) {
    dispose();
    throw e;
  }
  return { models, optimizers, dispose };
}
