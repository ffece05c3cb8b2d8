// Experiment 8: BN in a CNN (the benchmarks' CNN, web/runs/cnn.js) on Fashion-MNIST or MNIST:
// loss and test accuracy of both twins, per-channel statistics of the second ReLU's input over
// training, 16 test images with both twins' predictions, and each twin's confusion matrix.
import { lineChart, twinColors, twinSeries } from '../charts.js';
import { imageDatasets } from '../data/image-datasets.js';
import { acc3, duration, int, num, pct, rate, say } from '../format.js';
import { drawConfusion, drawImage } from '../image-grid.js';
import { createRunCard } from '../run-card.js';
import { onColorScheme } from '../theme.js';

const $ = (id) => document.getElementById(id);
const CHANNEL_COLORS = ['#0891b2', '#16a34a', '#d97706', '#9333ea'];
const title = (name) => imageDatasets[name].title;

function channelChart(el) {
  return lineChart(el, {
    height: 160,
    yLabel: 'mean, std',
    series: CHANNEL_COLORS.flatMap((stroke, c) => [
      { label: `ch ${c} mean`, stroke, width: 1.4 },
      { label: `ch ${c} std`, stroke, dash: [4, 3], width: 1.2 },
    ]),
  });
}

export function createCnn(app) {
  const charts = {
    loss: lineChart($('cnn-chart-loss'), {
      height: 160,
      yLabel: 'train loss',
      series: twinSeries(),
    }),
    acc: lineChart($('cnn-chart-acc'), {
      height: 160,
      yLabel: 'test accuracy',
      series: twinSeries(),
    }),
    plain: channelChart($('cnn-chart-plain')),
    bn: channelChart($('cnn-chart-bn')),
  };
  let points = [];
  let images = null;
  let frame = 0;

  say($('explain-cnn'), [
    'Run it: two copies of the benchmarks’ CNN (two 3×3 conv layers of 16 and 32 channels with ReLU ',
    'and max pooling, then a linear layer), one with BatchNorm2d after each conv, same initial weights, ',
    'same batches of 32, SGD with momentum 0.9.',
  ]);

  function drawGrid(last) {
    const grid = $('cnn-grid');
    if (!images) return grid.replaceChildren();
    const cells = images.labels.map((label, j) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      drawImage(canvas, images.pixels.subarray(j * 784, (j + 1) * 784), 28, 28);
      const caption = document.createElement('figcaption');
      const line = (twin) => {
        const span = document.createElement('span');
        span.className = twin;
        if (!last) return span;
        const k = last.grid[twin][j];
        span.textContent = `${twin === 'bn' ? 'BN' : 'plain'}: ${images.classNames[k]} ${k === label ? '✓' : '✗'}`;
        span.classList.toggle('wrong', k !== label);
        return span;
      };
      const truth = document.createElement('b');
      truth.textContent = images.classNames[label];
      caption.append(truth, line('bn'), line('plain'));
      figure.append(canvas, caption);
      return figure;
    });
    grid.replaceChildren(...cells);
  }

  function draw() {
    frame = 0;
    const steps = points.map((p) => p.step);
    const measured = points.filter((p) => Number.isFinite(p.loss.bn));
    charts.loss.setData([
      measured.map((p) => p.step),
      measured.map((p) => p.loss.bn),
      measured.map((p) => p.loss.plain),
    ]);
    charts.acc.setData([steps, points.map((p) => p.acc.bn), points.map((p) => p.acc.plain)]);
    for (const twin of ['plain', 'bn']) {
      const series = CHANNEL_COLORS.flatMap((_, c) => [
        points.map((p) => p.channels[twin].mean[c]),
        points.map((p) => p.channels[twin].std[c]),
      ]);
      charts[twin].setData([steps, ...series]);
    }
    const last = points.at(-1);
    drawGrid(last);
    for (const twin of ['bn', 'plain']) {
      drawConfusion($(`cnn-confusion-${twin}`), last?.confusion[twin] ?? new Array(100).fill(0), 10, {
        color: twinColors[twin],
        title: `${twin === 'bn' ? 'with BN' : 'plain'}: true class (rows) × predicted`,
      });
    }
  }
  const redraw = () => {
    frame ||= requestAnimationFrame(draw);
  };
  new ResizeObserver(redraw).observe($('cnn-confusion-bn'));
  onColorScheme(redraw);

  function explain(done, { steps, lr, dataset }) {
    const last = points.at(-1);
    const spread = (twin) => {
      const s = last.channels[twin].std;
      return `${num(Math.min(...s), 2)}–${num(Math.max(...s), 2)}`;
    };
    const early = points.find((p) => p.step >= steps / 10) ?? last;
    say($('explain-cnn'), [
      `This run (${title(dataset)}, ${int(steps)} steps of 32, lr ${lr}, ${duration(done.seconds)} at `,
      { b: `${rate(done.stepsPerSecond)} steps/s` },
      '): test accuracy ',
      { b: pct(last.acc.bn, 1) },
      ' with BN and ',
      { b: pct(last.acc.plain, 1) },
      ' plain (at step ',
      int(early.step),
      `: ${pct(early.acc.bn, 1)} and ${pct(early.acc.plain, 1)}). `,
      'The standard deviations of the shown channels of the second ReLU’s input end at ',
      { b: spread('bn') },
      ' with BN and ',
      { b: spread('plain') },
      ' plain; the BN twin misclassifies ',
      { b: int(16 - last.grid.bn.filter((k, j) => k === images.labels[j]).length) },
      ' of the 16 images shown, the plain twin ',
      { b: int(16 - last.grid.plain.filter((k, j) => k === images.labels[j]).length) },
      '.',
    ]);
  }

  return createRunCard(app, {
    experiment: 'cnn',
    id: 'cnn',
    title: 'CNN',
    choices: {
      cnnDataset: ['fashion-mnist', 'mnist'],
      cnnSteps: [20, 100, 300, 1000, 3000],
      cnnLr: [0.01, 0.03, 0.1, 0.3],
    },
    format: { cnnDataset: title, cnnSteps: int },
    onRun() {
      points = [];
      images = null;
      draw();
    },
    on: {
      images(m) {
        images = m;
      },
      point(m) {
        points.push(m);
        $('cnn-acc-bn').textContent = acc3(m.acc.bn);
        $('cnn-acc-plain').textContent = acc3(m.acc.plain);
        redraw();
      },
      done(m, running) {
        draw();
        explain(m, running);
      },
    },
  });
}
