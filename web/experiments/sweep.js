// Experiment 3: final test accuracy over a learning-rate × init-scale grid, plain and BN side by
// side, trained in a separate worker. Both variants of a cell share init, batches and steps.
import { int, num, rate, say } from '../format.js';
import { drawSweep } from '../heatmap.js';
import { createJobCard } from '../job-card.js';
import { onColorScheme } from '../theme.js';
import { sweepAxes } from '../trainer-config.js';

const $ = (id) => document.getElementById(id);
const TARGET = 0.9;

export function createSweep({ worker }) {
  let grid = null; // { lrs, scales, cells: { bn, plain }, steps }

  function draw() {
    if (!grid) return;
    for (const variant of ['plain', 'bn']) {
      drawSweep($(`sweep-${variant}`), {
        cells: grid.cells[variant],
        lrs: grid.lrs,
        scales: grid.scales,
        title: variant === 'bn' ? 'with BN: test accuracy' : 'plain: test accuracy',
      });
    }
  }
  new ResizeObserver(draw).observe($('sweep-bn'));
  onColorScheme(draw);

  function empty(state) {
    const { lrs, scales } = sweepAxes(state);
    const blank = () => scales.map(() => lrs.map(() => NaN));
    grid = { lrs, scales, cells: { bn: blank(), plain: blank() }, steps: state.sweepSteps, state };
    draw();
    say($('explain-sweep'), [
      `Run the sweep: ${lrs.length} learning rates × ${scales.length} init scales, each trained `,
      `with and without BN for ${int(state.sweepSteps)} steps (same init and batches per cell), `,
      'then the test accuracies are compared.',
    ]);
  }

  const card = createJobCard(worker, 'sweep', {
    cell(m) {
      grid.cells[m.variant][m.row][m.col] = m.accuracy;
      grid.stepsPerSecond = m.stepsPerSecond;
      $('sweep-progress').value = m.done / m.total;
      $('sweep-status').textContent = `running ${m.done}/${m.total}`;
      $('sweep-sps').textContent = rate(m.stepsPerSecond);
      draw();
    },
    done: explain,
  });

  function explain() {
    const { cells, lrs, scales, steps } = grid;
    const total = lrs.length * scales.length;
    const count = (v) => cells[v].flat().filter((a) => a >= TARGET).length;
    // The learning rates that reach the target at the init scale nearest to 1 (the usual init).
    const row = scales.reduce((best, s, i) => (Math.abs(Math.log(s)) < Math.abs(Math.log(scales[best])) ? i : best), 0);
    const range = (v) => {
      const ok = lrs.filter((_, c) => cells[v][row][c] >= TARGET);
      if (ok.length === 0) return 'none';
      const [lo, hi] = [Math.min(...ok), Math.max(...ok)];
      return lo === hi ? num(lo) : `${num(lo)}–${num(hi)}`;
    };
    say($('explain-sweep'), [
      `After ${int(steps)} steps of ${grid.state.optimizer} (at `,
      { b: `${rate(grid.stepsPerSecond)} steps/s` },
      '), ',
      { b: `${count('bn')} of ${total}` },
      ' (learning rate, init scale) pairs reached 90 % test accuracy with BN and ',
      { b: `${count('plain')} of ${total}` },
      ' without. At init scale ',
      { b: num(scales[row]) },
      ', the learning rates that got there were ',
      { b: range('bn') },
      ' with BN and ',
      { b: range('plain') },
      ' without.',
    ]);
  }

  return {
    show: empty,
    run(state) {
      empty(state);
      $('sweep-progress').value = 0;
      say($('explain-sweep'), ['Sweep running…']);
      card.start(state);
    },
  };
}
