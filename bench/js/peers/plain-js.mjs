// The baseline a web developer writes without a library: Float32Array loops, double accumulation
// for the statistics (two passes), channels-first or channels-last indexing.

import { channelsOf } from '../shapes.mjs';

function geometry(shape) {
  const c = channelsOf(shape);
  const n = shape.dims[0];
  const s = shape.dims.reduce((a, b) => a * b, 1) / (n * c);
  // Element (n, c, s) lives at n·cStride·… : channels-first runs of S, channels-last rows of C.
  return shape.layout === 'nhwc' ? { n, c, s, cStride: 1, sStride: c } : { n, c, s, cStride: s, sStride: 1 };
}

export function plainJsPeer(shape, inp) {
  const { n, c, s, cStride, sStride } = geometry(shape);
  const perSample = c * s;
  const end = s * sStride;
  const mean = new Float64Array(c),
    invstd = new Float64Array(c);
  // Loops written out (no per-element callbacks): what a careful hand-written version looks like.
  const normalize = (x, y, m, is) => {
    for (let ci = 0; ci < c; ++ci) {
      const k = is[ci] * inp.weight[ci],
        b = inp.bias[ci],
        mc = m[ci];
      for (let ni = 0; ni < n; ++ni) {
        const base = ni * perSample + ci * cStride;
        for (let i = base; i < base + end; i += sStride) y[i] = (x[i] - mc) * k + b;
      }
    }
    return y;
  };
  const trainForward = (x, y) => {
    const count = n * s;
    for (let ci = 0; ci < c; ++ci) {
      let sum = 0;
      for (let ni = 0; ni < n; ++ni) {
        const base = ni * perSample + ci * cStride;
        for (let i = base; i < base + end; i += sStride) sum += x[i];
      }
      const m = sum / count;
      let m2 = 0;
      for (let ni = 0; ni < n; ++ni) {
        const base = ni * perSample + ci * cStride;
        for (let i = base; i < base + end; i += sStride) {
          const d = x[i] - m;
          m2 += d * d;
        }
      }
      mean[ci] = m;
      invstd[ci] = 1 / Math.sqrt(m2 / count + inp.eps);
      inp.runningMean[ci] = (1 - inp.momentum) * inp.runningMean[ci] + inp.momentum * m;
      inp.runningVar[ci] = (1 - inp.momentum) * inp.runningVar[ci] + inp.momentum * (m2 / (count - 1));
    }
    return normalize(x, y, mean, invstd);
  };
  const runningInvstd = Float64Array.from(inp.runningVar, (v) => 1 / Math.sqrt(v + inp.eps));
  const backward = (dy, x, dx) => {
    const count = n * s;
    for (let ci = 0; ci < c; ++ci) {
      let sdy = 0,
        sdyx = 0;
      const m = mean[ci];
      for (let ni = 0; ni < n; ++ni) {
        const base = ni * perSample + ci * cStride;
        for (let i = base; i < base + end; i += sStride) {
          sdy += dy[i];
          sdyx += dy[i] * (x[i] - m);
        }
      }
      const is = invstd[ci],
        a = inp.weight[ci] * is;
      const b = -a * is * is * (sdyx / count),
        k = -a * (sdy / count);
      for (let ni = 0; ni < n; ++ni) {
        const base = ni * perSample + ci * cStride;
        for (let i = base; i < base + end; i += sStride) dx[i] = a * dy[i] + b * (x[i] - m) + k;
      }
    }
    return dx;
  };
  const len = inp.x.length;
  const y = new Float32Array(len),
    dx = new Float32Array(len);
  return {
    name: 'plain JS',
    ops: {
      'infer e2e': () => normalize(inp.x, new Float32Array(len), inp.runningMean, runningInvstd),
      'infer resident': () => normalize(inp.x, y, inp.runningMean, runningInvstd),
      'train_fwd e2e': () => trainForward(inp.x, new Float32Array(len)),
      'train_fwd resident': () => trainForward(inp.x, y),
      'bwd e2e': () => backward(inp.dy, inp.x, new Float32Array(len)),
      'bwd resident': () => backward(inp.dy, inp.x, dx),
      'fwd_bwd e2e': () => {
        trainForward(inp.x, new Float32Array(len));
        return backward(inp.dy, inp.x, new Float32Array(len));
      },
      'fwd_bwd resident': () => {
        trainForward(inp.x, y);
        return backward(inp.dy, inp.x, dx);
      },
    },
    setup: () => trainForward(inp.x, y), // mean/invstd for a lone backward
    dispose() {},
  };
}
