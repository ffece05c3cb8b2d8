// The models for 28×28 grey images ([1, 28, 28] input, 10 classes) as sn.nn layer specs: the
// named models of `npm run train -- --model NAME` and the learning-target tests, the JavaScript
// twin of src/nn/model_zoo.cpp (tests/js/learning.test.mjs checks that both give the same state
// dict), and the builders they come from, which the page's experiments use with other sizes and
// BN variants. With or without BatchNorm the layers are otherwise the same; a layer that BN
// follows has no bias.
//   cnn: conv 1→16 3×3 → [BN2d] → ReLU → max-pool 2 → conv 16→32 3×3 → [BN2d] → ReLU → max-pool 2
//        → flatten → linear 1568→10 (issue 11's benchmark CNN)
//   mlp: the BN paper's (Ioffe & Szegedy 2015, §4.1) 784 → 3 × (100 → [BN1d] → sigmoid) → 10
import { errorCodes, fail } from '../../wasm/errors.js';

const CLASSES = 10;

// The benchmark CNN; batchNorm adds a BatchNorm2d after each conv.
export function cnnLayers({ batchNorm = true } = {}) {
  const layers = [];
  let inChannels = 1;
  for (const outChannels of [16, 32]) {
    layers.push({ type: 'conv2d', inChannels, outChannels, kernelSize: 3, padding: 1, bias: !batchNorm });
    if (batchNorm) layers.push({ type: 'batchNorm2d', numFeatures: outChannels });
    layers.push({ type: 'relu' }, { type: 'maxPool2d', kernelSize: 2 });
    inChannels = outChannels;
  }
  layers.push({ type: 'flatten' }, { type: 'linear', inFeatures: 32 * 7 * 7, outFeatures: CLASSES });
  return layers;
}

// An MLP on the flattened image: `depth` hidden layers of `width` units, each followed by
// `activation`. batchNorm: false (none), true (a BatchNorm1d before each activation) or the
// options of those BatchNorm1d layers (e.g. { renorm } or { virtualBatchSize }).
export function mlpLayers({ depth = 3, width = 100, activation = 'sigmoid', batchNorm = true } = {}) {
  const layers = [{ type: 'flatten' }];
  let inFeatures = 784;
  for (let i = 0; i < depth; i++) {
    layers.push({ type: 'linear', inFeatures, outFeatures: width, bias: !batchNorm });
    if (batchNorm) layers.push({ type: 'batchNorm1d', numFeatures: width, ...(batchNorm === true ? {} : batchNorm) });
    layers.push({ type: activation });
    inFeatures = width;
  }
  layers.push({ type: 'linear', inFeatures, outFeatures: CLASSES });
  return layers;
}

export const modelNames = Object.freeze(['cnn', 'mlp']);

export function namedModel(name, { batchNorm = true } = {}) {
  if (name === 'cnn') return cnnLayers({ batchNorm });
  if (name === 'mlp') return mlpLayers({ batchNorm });
  return fail(errorCodes.RANGE, 'namedModel', 'name', modelNames.join(' or '), JSON.stringify(name));
}
