// Canvas drawings for the image experiments: a confusion matrix (rows: true class, columns:
// predicted; shade by the share of the row, counts written in) and grey images with captions.
import { cssColor } from './theme.js';

// counts: classes × classes, row-major. Sized to the canvas' CSS width (square).
export function drawConfusion(canvas, counts, classes, { color = '#2563eb', title = '' } = {}) {
  const size = canvas.clientWidth || 260;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * dpr);
  canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  canvas.dataset.total = String(counts.reduce((a, b) => a + b, 0)); // the images counted, for tests
  const ink = cssColor('--ink', '#1f2328');
  const muted = cssColor('--muted', '#5b6470');
  const left = 22; // the true classes' column
  const top = 34; // the title's line, then the predicted classes' row
  const cell = (size - top) / classes;
  ctx.font = '10px system-ui';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = muted;
  ctx.fillText(title, left + (classes * cell) / 2, 8);
  for (let k = 0; k < classes; k++) {
    ctx.fillText(String(k), left + (k + 0.5) * cell, top - 8); // predicted
    ctx.fillText(String(k), left / 2, top + (k + 0.5) * cell); // true
  }
  for (let r = 0; r < classes; r++) {
    let total = 0;
    for (let c = 0; c < classes; c++) total += counts[r * classes + c];
    for (let c = 0; c < classes; c++) {
      const n = counts[r * classes + c];
      const share = total ? n / total : 0;
      ctx.globalAlpha = n ? 0.08 + 0.92 * share : 0;
      ctx.fillStyle = r === c ? color : muted;
      ctx.fillRect(left + c * cell + 0.5, top + r * cell + 0.5, cell - 1, cell - 1);
      ctx.globalAlpha = 1;
      if (n && cell >= 18) {
        ctx.fillStyle = share > 0.55 ? '#fff' : ink;
        ctx.fillText(String(n), left + (c + 0.5) * cell, top + (r + 0.5) * cell);
      }
    }
  }
}

// One grey image (Uint8Array, width × height, 0 = black as in MNIST's ink-on-black) on a canvas.
export function drawImage(canvas, pixels, width, height) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i];
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}
