// The named models of `npm run train -- --model NAME` and the learning-target tests: sn.nn layer
// specs for 28×28 grey images ([1, 28, 28] input, 10 classes), the JavaScript twin of
// src/nn/model_zoo.cpp (tests/js/learning.test.mjs checks that both give the same state dict).
// With or without BatchNorm the layers are otherwise the same; a layer that BN follows has no bias.
//   cnn: conv 1→16 3×3 → [BN2d] → ReLU → max-pool 2 → conv 16→32 3×3 → [BN2d] → ReLU → max-pool 2
//        → flatten → linear 1568→10 (issue 11's benchmark CNN)
//   mlp: the BN paper's (Ioffe & Szegedy 2015, §4.1) 784 → 3 × (100 → [BN1d] → sigmoid) → 10
import { errorCodes, fail } from '../../wasm/errors.js';

export const modelNames = Object.freeze(['cnn', 'mlp']);

export function namedModel(name, { batchNorm = true } = {}) {
  const layers = [];
  if (name === 'cnn') {
    let inChannels = 1;
    for (const outChannels of [16, 32]) {
      layers.push({ type: 'conv2d', inChannels, outChannels, kernelSize: 3, padding: 1, bias: !batchNorm });
      if (batchNorm) layers.push({ type: 'batchNorm2d', numFeatures: outChannels });
      layers.push({ type: 'relu' }, { type: 'maxPool2d', kernelSize: 2 });
      inChannels = outChannels;
    }
    layers.push({ type: 'flatten' }, { type: 'linear', inFeatures: 32 * 7 * 7, outFeatures: 10 });
    return layers;
  }
  if (name === 'mlp') {
    layers.push({ type: 'flatten' });
    let inFeatures = 784;
    for (let i = 0; i < 3; i++) {
      layers.push({ type: 'linear', inFeatures, outFeatures: 100, bias: !batchNorm });
      if (batchNorm) layers.push({ type: 'batchNorm1d', numFeatures: 100 });
      layers.push({ type: 'sigmoid' });
      inFeatures = 100;
    }
    layers.push({ type: 'linear', inFeatures: 100, outFeatures: 10 });
    return layers;
  }
  return fail(errorCodes.RANGE, 'namedModel', 'name', modelNames.join(' or '), JSON.stringify(name));
}
