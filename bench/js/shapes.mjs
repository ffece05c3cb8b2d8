// The shapes of docs/benchmarks.md (the same as bench/native), as each JS peer receives them,
// and fixed-seed inputs.

import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';

export const SHAPES = [
  { id: 'S1', layout: 'nchw', dims: [32, 64, 32, 32] },
  { id: 'S2', layout: 'nc', dims: [256, 1024] },
  { id: 'S3', layout: 'nchw', dims: [8, 32, 8, 8] },
  { id: 'S4', layout: 'nhwc', dims: [16, 56, 56, 64] },
  { id: 'S5', layout: 'nchw', dims: [64, 64, 64, 64] },
];

export const channelsOf = (shape) => (shape.layout === 'nhwc' ? shape.dims[3] : shape.dims[1]);
export const numelOf = (shape) => shape.dims.reduce((a, b) => a * b, 1);

// Deterministic normal-ish values (sum of uniforms from a 32-bit LCG): same inputs every run.
export function fixedRandom(length, seed, mean = 0, std = 1) {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = 0; i < length; ++i) out[i] = mean + std * (u() + u() + u() - 1.5) * 2;
  return out;
}

// Inputs shared by every peer for one shape; `tensors`: x and dy made before (readTensors).
export function makeInputs(shape, tensors = null) {
  const n = numelOf(shape),
    c = channelsOf(shape);
  return {
    x: tensors?.x ?? fixedRandom(n, 1, 0.5, 2),
    dy: tensors?.dy ?? fixedRandom(n, 2),
    weight: fixedRandom(c, 3, 1, 0.2),
    bias: fixedRandom(c, 4, 0, 0.1),
    runningMean: fixedRandom(c, 5, 0.5, 0.1),
    runningVar: fixedRandom(c, 6, 4, 0.5).map(Math.abs),
    eps: 1e-5,
    momentum: 0.1,
  };
}

// x and dy of makeInputs in a file, written once and read by every process that times the shape:
// making S5's takes 2 s, reading them back a fifth of that.
export function writeTensors(inputs, path) {
  const bytes = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(path, Buffer.concat([bytes(inputs.x), bytes(inputs.dy)]));
}

export function readTensors(shape, path) {
  const n = numelOf(shape);
  const x = new Float32Array(n),
    dy = new Float32Array(n);
  const fd = openSync(path, 'r');
  try {
    for (const [a, at] of [
      [x, 0],
      [dy, x.byteLength],
    ])
      if (readSync(fd, a, 0, a.byteLength, at) !== a.byteLength)
        throw new Error(`${path}: shorter than ${shape.id}'s x and dy`);
  } finally {
    closeSync(fd);
  }
  return { x, dy };
}
