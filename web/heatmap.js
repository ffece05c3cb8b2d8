// Canvas heatmaps: a network's decision regions with the data on top, and the accuracy grid of
// the learning-rate × init-scale sweep. Plain 2-D canvas; the charts with axes use uPlot.
import { cssColor } from './theme.js';

export const classColors = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
];

// Sizes the backing store for the device pixel ratio so lines and text stay crisp on HiDPI.
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

// probs: Float32Array of gridW*gridH*classes (row-major, row 0 at y = extent.yMax), each pixel
// tinted by its class mix, paler where the network is unsure. points: {x, y, label} arrays.
export function drawBoundary(canvas, { probs, gridW, gridH, classes, extent }, points) {
  const { ctx, w, h } = prepare(canvas);
  const image = new ImageData(gridW, gridH);
  for (let i = 0; i < gridW * gridH; i++) {
    let r = 0,
      g = 0,
      b = 0,
      top = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c];
      const col = classColors[c % classColors.length];
      r += p * col[0];
      g += p * col[1];
      b += p * col[2];
      top = Math.max(top, p);
    }
    // Blend towards white by confidence: a sure region is a clear tint, the boundary is pale.
    const t = 0.25 + 0.45 * Math.max(0, (top - 1 / classes) / (1 - 1 / classes));
    image.data[i * 4] = 255 - t * (255 - r);
    image.data[i * 4 + 1] = 255 - t * (255 - g);
    image.data[i * 4 + 2] = 255 - t * (255 - b);
    image.data[i * 4 + 3] = 255;
  }
  const tile = new OffscreenCanvas(gridW, gridH);
  tile.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, 0, 0, w, h);
  drawPoints(ctx, w, h, extent, points);
}

function drawPoints(ctx, w, h, extent, points) {
  if (!points) return;
  const sx = w / (extent.xMax - extent.xMin);
  const sy = h / (extent.yMax - extent.yMin);
  ctx.lineWidth = 0.8;
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  for (let i = 0; i < points.label.length; i++) {
    const col = classColors[points.label[i] % classColors.length];
    ctx.fillStyle = `rgb(${col[0]},${col[1]},${col[2]})`;
    ctx.beginPath();
    ctx.arc((points.x[i] - extent.xMin) * sx, (extent.yMax - points.y[i]) * sy, 2.6, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

// A marker for the single point predicted in experiment 5.
export function drawProbe(canvas, extent, probe) {
  if (!probe) return;
  const { ctx, w, h } = prepare(canvas);
  const x = ((probe.x - extent.xMin) / (extent.xMax - extent.xMin)) * w;
  const y = ((extent.yMax - probe.y) / (extent.yMax - extent.yMin)) * h;
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#111';
  ctx.beginPath();
  ctx.moveTo(x - 7, y);
  ctx.lineTo(x + 7, y);
  ctx.moveTo(x, y - 7);
  ctx.lineTo(x, y + 7);
  ctx.stroke();
}

// Accuracy in [0, 1] → a perceptually ordered color (light yellow → dark blue, viridis-like).
const ramp = [
  [253, 231, 37],
  [122, 209, 81],
  [34, 168, 132],
  [42, 120, 142],
  [65, 68, 135],
  [68, 1, 84],
];
export function accuracyColor(a) {
  const t = Math.min(1, Math.max(0, 1 - a)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(t));
  const f = t - i;
  const c = ramp[i].map((v, k) => Math.round(v + f * (ramp[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// The sweep grid: cells[row][col] = accuracy or NaN (not yet run); rows are init scales (largest
// at the top), columns learning rates. Axis labels in the margins, the value printed in each cell.
export function drawSweep(canvas, { cells, lrs, scales, title }) {
  const { ctx, w, h } = prepare(canvas);
  ctx.clearRect(0, 0, w, h);
  const left = 44,
    bottom = 34,
    top = 20,
    right = 4;
  const cw = (w - left - right) / lrs.length;
  const ch = (h - top - bottom) / scales.length;
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.fillStyle = cssColor('--ink', '#1f2328');
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, left + (w - left - right) / 2, 9);
  for (let r = 0; r < scales.length; r++) {
    for (let c = 0; c < lrs.length; c++) {
      const a = cells[r][c];
      const x = left + c * cw,
        y = top + (scales.length - 1 - r) * ch;
      ctx.fillStyle = Number.isNaN(a) ? cssColor('--line', '#e3e6ea') : accuracyColor(a);
      ctx.fillRect(x + 1, y + 1, cw - 2, ch - 2);
      if (!Number.isNaN(a) && cw > 26) {
        ctx.fillStyle = a >= 0.5 ? '#111' : '#fff'; // dark text on the light (high) end of the ramp
        ctx.font = `${Math.min(12, cw / 3)}px system-ui, sans-serif`;
        ctx.fillText(a.toFixed(2).replace(/^0/, ''), x + cw / 2, y + ch / 2);
      }
    }
  }
  ctx.fillStyle = cssColor('--muted', '#5b6470');
  ctx.font = '10px system-ui, sans-serif';
  for (let c = 0; c < lrs.length; c++) {
    ctx.fillText(short(lrs[c]), left + c * cw + cw / 2, h - bottom + 9);
  }
  ctx.fillText('learning rate →', left + (w - left - right) / 2, h - 8);
  ctx.textAlign = 'right';
  for (let r = 0; r < scales.length; r++) {
    ctx.fillText(short(scales[r]), left - 4, top + (scales.length - 1 - r) * ch + ch / 2);
  }
  ctx.save();
  ctx.translate(10, top + (h - top - bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('init scale →', 0, 0);
  ctx.restore();
}

function short(v) {
  if (v >= 100 || v < 0.01) return v.toExponential(0).replace('e+', 'e').replace('e-', 'e-');
  return String(+v.toPrecision(2));
}
