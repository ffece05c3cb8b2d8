// The mini-batches of an engine run: a seeded shuffle of the training set per epoch (mulberry32,
// Fisher–Yates), so twins that draw from two samplers with the same seed see the same batches, and
// a link with the same seed replays the same run.
import { labelsInt32, toTensor } from '../data/idx.js';

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// next() → an Int32Array of `batch` indices in [0, count); every index once per epoch.
export function batchSampler(count, batch, seed) {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  let at = count;
  const out = new Int32Array(batch);
  return {
    next() {
      for (let j = 0; j < batch; j++) {
        if (at === count) {
          for (let i = count - 1; i > 0; i--) {
            const k = Math.floor(random() * (i + 1));
            [order[i], order[k]] = [order[k], order[i]];
          }
          at = 0;
        }
        out[j] = order[at++];
      }
      return out;
    },
  };
}

// Seeded batches of `size` normalized training images: next() → { x, y }, the same two buffers
// refilled each time.
export function batchStream(data, size, seed) {
  const sampler = batchSampler(data.train.count, size, seed);
  const normalize = { mean: data.mean, std: data.std };
  const x = new Float32Array(size * data.train.shape.reduce((a, b) => a * b));
  const y = new Int32Array(size);
  return {
    next() {
      const idx = sampler.next();
      toTensor(data.train, idx, x, normalize);
      labelsInt32(data.train, idx, y);
      return { x, y };
    },
  };
}
