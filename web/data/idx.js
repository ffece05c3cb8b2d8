// The idx reader for the page, its workers and Node scripts (no DOM, no Node APIs): the format of
// MNIST-style files (LeCun et al.) — a big-endian header of two zero bytes, the value type
// (0x08 = unsigned byte), the number of dimensions and one uint32 per dimension, then the values
// row-major. Images are idx3 (magic 0x00000803, [N, H, W]), labels idx1 (0x00000801, [N]).
// The same checks and messages as the native reader (src/nn/idx.cpp), as the package's errors:
// "simdnorm: <function>: <file>: expected <what>, got <given>" with code SIMDNORM_SHAPE (sizes)
// or SIMDNORM_RANGE (values).
import { errorCodes, fail, simdnormError } from '../../wasm/errors.js';

const hex32 = (v) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
const TYPE_NAMES = { 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const { SHAPE, RANGE, TYPE } = errorCodes;

const asBytes = (data, fn) => {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return fail(TYPE, fn, 'data', 'an ArrayBuffer or a typed array', typeof data);
};

export const isGzip = (data) => {
  const b = asBytes(data, 'isGzip');
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
};

// Decompresses gzip data with the platform's DecompressionStream (browsers, workers, Node ≥ 18:
// one code path everywhere, so the Node tests exercise what the page runs).
export async function gunzip(data, source = 'data') {
  const stream = new Blob([asBytes(data, 'gunzip')]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    const error = simdnormError(
      RANGE,
      `simdnorm: gunzip: ${source}: expected a complete, valid gzip stream, got ${e.message}`,
    );
    error.cause = e;
    throw error;
  }
}

// Parses a whole uncompressed idx file of unsigned bytes: { dims, values } where values is a
// Uint8Array view of `data` (no copy). Throws naming `source` and what is wrong.
export function parseIdx(data, source = 'data') {
  const fn = 'parseIdx';
  const b = asBytes(data, fn);
  if (b.length < 4) {
    fail(
      SHAPE,
      fn,
      source,
      'an idx file (a 4-byte magic number, then the dimensions)',
      `${b.length} bytes (truncated)`,
    );
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = view.getUint32(0);
  if (b[0] !== 0 || b[1] !== 0) {
    fail(
      RANGE,
      fn,
      source,
      'magic number 0x000008NN (0x00000801 labels, 0x00000803 images)',
      hex32(magic) + (isGzip(b) ? ' (gzip data: gunzip it first)' : ''),
    );
  }
  if (b[2] !== 0x08) {
    fail(
      RANGE,
      fn,
      source,
      `value type 08 (unsigned byte, as MNIST) in magic number ${hex32(magic)}`,
      `${hex32(b[2]).slice(8)} (${TYPE_NAMES[b[2]] ?? 'unknown'})`,
    );
  }
  const rank = b[3];
  if (rank === 0) fail(SHAPE, fn, source, `1 or more dimensions in magic number ${hex32(magic)}`, '0');
  const header = 4 + 4 * rank;
  if (b.length < header) {
    fail(SHAPE, fn, source, `a ${header}-byte header (${rank} dimensions)`, `${b.length} bytes (truncated)`);
  }
  const dims = Array.from({ length: rank }, (_, d) => view.getUint32(4 + 4 * d));
  const count = dims.reduce((a, d) => a * d, 1);
  // Above 2^53 the product is inexact, like the native reader's size_t overflow: no file is that
  // big, so it is reported as truncated without the count.
  const exact = Number.isSafeInteger(count);
  const available = b.length - header;
  if (!exact || available !== count) {
    fail(
      SHAPE,
      fn,
      source,
      `${dims.join(' × ')}${exact ? ` = ${count}` : ''} values after the ${header}-byte header`,
      `${available}${!exact || available < count ? ' (truncated)' : ` (${available - count} bytes after the data)`}`,
    );
  }
  return { dims, values: b.subarray(header) };
}

// parseIdx after gunzip when the data is gzip (by content, as Fashion-MNIST's .gz files).
export async function readIdx(data, source = 'data') {
  return parseIdx(isGzip(data) ? await gunzip(data, source) : data, source);
}

// Images [N, H, W] and labels [N] as an image set: { count, shape: [1, H, W], classes, pixels
// (Uint8Array, N·H·W), labels (Uint8Array, N) }. Plain data, so it crosses postMessage.
// toTensor() turns pixels into the float inputs a model takes.
export function imageSetFromIdx(images, imagesSource, labels, labelsSource, classes) {
  const fn = 'imageSetFromIdx';
  if (images.dims.length !== 3) {
    fail(
      SHAPE,
      fn,
      imagesSource,
      'images, an idx3 file (magic 0x00000803, [N, H, W])',
      `${images.dims.length} dimensions (magic ${hex32(0x800 + images.dims.length)})`,
    );
  }
  if (labels.dims.length !== 1) {
    fail(
      SHAPE,
      fn,
      labelsSource,
      'labels, an idx1 file (magic 0x00000801, [N])',
      `${labels.dims.length} dimensions (magic ${hex32(0x800 + labels.dims.length)})`,
    );
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    fail(
      SHAPE,
      fn,
      labelsSource,
      `${count} labels, one per image in ${imagesSource}`,
      `${labels.dims[0]} (dimension mismatch)`,
    );
  }
  const i = labels.values.findIndex((label) => label >= classes);
  if (i >= 0) fail(RANGE, fn, `${labelsSource}: label ${i}`, `a class in [0, ${classes - 1}]`, labels.values[i]);
  return { count, shape: [1, height, width], classes, pixels: images.values, labels: labels.values };
}

// The samples `indices` (default: all, in order) as floats [n, 1, H, W] scaled to [0, 1] as
// torchvision's ToTensor does, then (x − mean) / std when `normalize` = { mean, std } is given
// (the catalogue's constants, as transforms.Normalize). Writes into `out` when given.
// v / 255 rounded to float equals C++'s float(v) / 255.0f: double rounding is exact for division.
export function toTensor(set, indices = null, out = null, normalize = null) {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const n = indices ? indices.length : set.count;
  const x = out ?? new Float32Array(n * size);
  if (x.length !== n * size) {
    fail(SHAPE, 'toTensor', 'out', `${n} samples × ${size} = ${n * size} floats`, `${x.length} floats`);
  }
  // Every pixel value's float, computed as float arithmetic would (fround after each operation:
  // exact for − and / of floats), so the result matches TensorDataset::normalize bit for bit.
  const scale = new Float32Array(256);
  const mean = Math.fround(normalize?.mean ?? 0),
    std = Math.fround(normalize?.std ?? 1);
  if (normalize && !(Number.isFinite(std) && std > 0)) {
    fail(RANGE, 'toTensor', 'normalize.std', 'a finite value > 0', normalize.std);
  }
  for (let v = 0; v < 256; v++) {
    const t = Math.fround(v / 255);
    scale[v] = normalize ? Math.fround(Math.fround(t - mean) / std) : t;
  }
  for (let j = 0; j < n; j++) {
    const i = indices ? indices[j] : j;
    if (!(Number.isInteger(i) && i >= 0 && i < set.count)) {
      fail(RANGE, 'toTensor', `indices[${j}]`, `an index in [0, ${set.count - 1}]`, i);
    }
    const from = set.pixels.subarray(i * size, (i + 1) * size);
    for (let k = 0; k < size; k++) x[j * size + k] = scale[from[k]];
  }
  return x;
}

// The labels of `indices` (default: all) as the Int32Array the models' trainStep takes.
export function labelsInt32(set, indices = null, out = null) {
  const n = indices ? indices.length : set.count;
  const y = out ?? new Int32Array(n);
  for (let j = 0; j < n; j++) y[j] = set.labels[indices ? indices[j] : j];
  return y;
}
