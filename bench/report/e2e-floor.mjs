// The e2e-vs-floor table of bench/js/run.mjs results: for every shape × op, simdnorm
// wasm-simd128's e2e time as a multiple of its floor (copy in + resident kernel + copy out,
// bench/js/e2e-floor.mjs), both measured in the same run. Target ≤ 1.2× (issue 13). Beside it,
// what the fresh output arrays cost (floor − the floor into caller-owned arrays) and the e2e call
// into a caller-owned `out`.

import { markdownTable } from './markdown.mjs';
import { fmt, formatWithSpread, summarize } from './stats.mjs';

const OURS = 'simdnorm wasm-simd128';
const OPS = ['infer', 'train_fwd', 'bwd', 'fwd_bwd'];
const OP_LABEL = { infer: 'infer', train_fwd: 'train fwd', bwd: 'bwd', fwd_bwd: 'fwd+bwd' };
export const FLOOR_TARGET = 1.2;

export function floorReport(json) {
  const stat = (shape, op, mode) => {
    const r = json.results.find((x) => x.shape === shape && x.peer === OURS && x.op === op && x.mode === mode);
    return r ? summarize(r.ms) : null;
  };
  const rows = [],
    misses = [];
  for (const shape of [...new Set(json.results.map((r) => r.shape))]) {
    const layout = json.results.find((r) => r.shape === shape).layout;
    for (const op of OPS) {
      const floor = stat(shape, op, 'floor'),
        e2e = stat(shape, op, 'e2e'),
        resident = stat(shape, op, 'resident'),
        floorOut = stat(shape, op, 'floor_out'),
        e2eOut = stat(shape, op, 'e2e_out');
      if (!floor || !e2e) continue;
      const ratio = e2e.median / floor.median;
      const ok = ratio <= FLOOR_TARGET;
      if (!ok) misses.push(`${shape} ${OP_LABEL[op]} ${fmt(ratio)}×`);
      rows.push([
        `${shape} ${layout}`,
        OP_LABEL[op],
        resident ? fmt(resident.median) : '—',
        formatWithSpread(floor),
        formatWithSpread(e2e),
        `${fmt(ratio)}× ${ok ? '✓' : '✗'}`,
        floorOut ? fmt(floor.median - floorOut.median) : '—',
        e2eOut ? formatWithSpread(e2eOut) : '—',
      ]);
    }
  }
  if (!rows.length) return { md: '', misses };
  const md = [
    '',
    'simdnorm wasm-simd128 e2e against its floor: copy in (`Tensor.set`) + the resident kernel + copy out ' +
      '(`Tensor.toFloat32Array`), timed in the same run (`bench/js/e2e-floor.mjs`). ' +
      `Milliseconds per call, median (min–max) of the repetitions, each after a full garbage collection; target e2e ≤ ${FLOOR_TARGET}× the floor. ` +
      'Both the e2e call and the floor return fresh Float32Arrays; "fresh outputs" is what these cost (allocation and first touch ' +
      'of their pages: floor − the same floor copying into arrays allocated once), and "e2e into out" the e2e call ' +
      'with a caller-owned Float32Array `out`, which avoids that cost.',
    '',
    markdownTable(
      ['shape', 'op', 'resident', 'floor', 'e2e', `e2e ÷ floor (≤ ${FLOOR_TARGET}×)`, 'fresh outputs', 'e2e into out'],
      rows,
    ),
    misses.length
      ? `Above ${FLOOR_TARGET}× the floor in this run: ${misses.join('; ')}.\n`
      : `e2e is within ${FLOOR_TARGET}× the floor on every op × shape in this run.\n`,
  ].join('\n');
  return { md, misses };
}
