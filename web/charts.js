// uPlot charts used by the experiments: line charts over steps, and percentile-band charts.
// Each chart follows its container's width (ResizeObserver) and takes columnar data arrays.
import uPlot from './node_modules/uplot/dist/uPlot.esm.js';
import { cssColor, onColorScheme } from './theme.js';

export const twinColors = { bn: '#2563eb', plain: '#dc2626' };
// The two series of a chart of both twins, BN first (more fields for both: points, width…).
export const twinSeries = (more = {}) => [
  { label: 'with BN', stroke: twinColors.bn, ...more },
  { label: 'plain', stroke: twinColors.plain, ...more },
];

// Axis text and grid lines in the page's colours (its CSS variables), read at every draw so they
// follow a switch between light and dark mode.
function axisColors() {
  const line = () => cssColor('--line', '#e3e6ea');
  return {
    stroke: () => cssColor('--muted', '#5b6470'),
    grid: { stroke: line, width: 1 },
    ticks: { stroke: line, width: 1 },
  };
}

// The chart follows its container's width, redraws in the other colour scheme, and draws new data
// only while it is on screen (or near it): the page has about 20 charts and repainting those out
// of sight as the twins train would cost the main thread most of its time. Returns setData.
function follow(el, plot, height) {
  const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
  observer.observe(el);
  onColorScheme(() => plot.redraw(false, true));
  let visible = true;
  let latest = null; // data that arrived while out of sight
  new IntersectionObserver(
    ([entry]) => {
      visible = entry.isIntersecting;
      if (visible && latest) plot.setData(latest);
      if (visible) latest = null;
    },
    { rootMargin: '300px 0px' },
  ).observe(el);
  return (data) => {
    if (visible) plot.setData(data);
    else latest = data;
  };
}

// series: [{ label, stroke, dash?, points?, scale? }]; data: [xs, ...ys]. Series with
// scale: 'y2' use a second y axis on the right, labelled y2Label.
export function lineChart(el, { series, height = 180, y, x = {}, yLabel, xLabel = 'step', legend = true, y2Label }) {
  const axisFont = { font: '11px system-ui', labelFont: '11px system-ui', labelSize: 16, ...axisColors() };
  const opts = {
    width: el.clientWidth || 400,
    height,
    legend: { show: legend, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, ...x }, y: { ...(y ?? {}) }, ...(y2Label ? { y2: {} } : {}) },
    axes: [
      { label: xLabel, size: 32, ...axisFont },
      { label: yLabel, size: 52, ...axisFont },
      ...(y2Label ? [{ scale: 'y2', side: 1, label: y2Label, size: 52, ...axisFont, grid: { show: false } }] : []),
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        scale: s.scale ?? 'y',
        stroke: s.stroke,
        width: s.width ?? 1.5,
        dash: s.dash,
        points: { show: s.points ?? false, size: 5, fill: s.stroke },
        spanGaps: true,
      })),
    ],
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], el);
  return { setData: follow(el, plot, height), plot };
}

// Percentile bands of one quantity over steps: data = [steps, p10, p25, p50, p75, p90].
export function bandChart(el, { color, height = 120, title }) {
  const fill = (a) => color.replace('rgb(', 'rgba(').replace(')', `,${a})`);
  const opts = {
    width: el.clientWidth || 300,
    height,
    title,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { size: 24, font: '10px system-ui', ...axisColors() },
      { size: 40, font: '10px system-ui', ...axisColors() },
    ],
    series: [
      {},
      ...[fill(0.35), fill(0.6), color, fill(0.6), fill(0.35)].map((stroke, i) => ({
        stroke,
        width: i === 2 ? 1.6 : 1,
        points: { show: false },
      })),
    ],
    bands: [
      { series: [5, 1], fill: fill(0.12) },
      { series: [4, 2], fill: fill(0.25) },
    ],
  };
  const plot = new uPlot(opts, [[], [], [], [], [], []], el);
  return { setData: follow(el, plot, height), plot };
}
