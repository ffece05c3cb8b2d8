// The JS idx reader (web/data/idx.js) on small synthetic files made here: round trips, plain and
// gzip, and every malformed case (truncated, bad magic, wrong type, mismatched counts) names the
// file and what is wrong, with the same wording as the native reader (src/nn/tests/idx_test.cpp).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gunzip, imageSetFromIdx, labelsInt32, parseIdx, readIdx, toTensor } from '../../web/data/idx.js';

// An idx file: 00 00 type rank, big-endian dims, then the values.
function idx(dims, values, type = 0x08) {
  const b = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(b.buffer);
  b.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  b.set(values, 4 + 4 * dims.length);
  return b;
}
const iota = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);

// assert.throws for the package's error form: the message and the code (SHAPE for sizes that do
// not fit, RANGE for values, TYPE for wrong JS types), as the native reader's simdnorm::Error.
function throwsCode(fn, code, message) {
  assert.throws(fn, (e) => {
    assert.equal(e.code, code, e.message);
    if (message instanceof RegExp) assert.match(e.message, message);
    else assert.equal(e.message, message);
    return true;
  });
}

async function rejects(promise, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, message);
    return true;
  });
}

describe('idx reader', () => {
  test('parses dims and values, plain and gzipped, from ArrayBuffers and views', async () => {
    const values = iota(4 * 3 * 5);
    const file = idx([4, 3, 5], values);
    for (const data of [
      file,
      file.buffer,
      new DataView(file.buffer),
      gzipSync(file),
      Uint8Array.from(gzipSync(file)).buffer,
    ]) {
      const a = await readIdx(data, 'mem');
      assert.deepEqual(a.dims, [4, 3, 5]);
      assert.deepEqual(a.values, values);
    }
    // A view with an offset: the header is read where the view starts.
    const padded = new Uint8Array(file.length + 7);
    padded.set(file, 7);
    assert.deepEqual(parseIdx(padded.subarray(7), 'mem').dims, [4, 3, 5]);
    // Dims ≥ 2^24 are full big-endian 32-bit numbers.
    assert.deepEqual(parseIdx(idx([0x01020304, 0], []), 'mem').dims, [0x01020304, 0]);
  });

  test('bad magic numbers and value types', async () => {
    const file = idx([3], [1, 2, 3]);
    file[1] = 0x12;
    throwsCode(
      () => parseIdx(file, 'x.idx'),
      'SIMDNORM_RANGE',
      'simdnorm: parseIdx: x.idx: expected magic number 0x000008NN (0x00000801 labels, 0x00000803 images), got 0x00120801',
    );
    throwsCode(
      () => parseIdx(gzipSync(idx([3], [1, 2, 3])), 'x.gz'),
      'SIMDNORM_RANGE',
      /\(gzip data: gunzip it first\)$/,
    );
    throwsCode(
      () => parseIdx(idx([3], new Uint8Array(12), 0x0d), 'f.idx'),
      'SIMDNORM_RANGE',
      'simdnorm: parseIdx: f.idx: expected value type 08 (unsigned byte, as MNIST) in magic number 0x00000d01, got 0d (float32)',
    );
    throwsCode(
      () => parseIdx(idx([], []), 'z.idx'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: z.idx: expected 1 or more dimensions in magic number 0x00000800, got 0',
    );
    throwsCode(
      () => parseIdx('not bytes', 's'),
      'SIMDNORM_TYPE',
      'simdnorm: parseIdx: data: expected an ArrayBuffer or a typed array, got string',
    );
  });

  test('truncated and oversized files', () => {
    const full = idx([10, 2, 2], iota(40));
    throwsCode(
      () => parseIdx(full.subarray(0, 2), 't'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: t: expected an idx file (a 4-byte magic number, then the dimensions), got 2 bytes (truncated)',
    );
    throwsCode(
      () => parseIdx(full.subarray(0, 9), 't'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: t: expected a 16-byte header (3 dimensions), got 9 bytes (truncated)',
    );
    throwsCode(
      () => parseIdx(full.subarray(0, full.length - 1), 't'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: t: expected 10 × 2 × 2 = 40 values after the 16-byte header, got 39 (truncated)',
    );
    const longer = new Uint8Array(full.length + 1);
    longer.set(full);
    throwsCode(
      () => parseIdx(longer, 't'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: t: expected 10 × 2 × 2 = 40 values after the 16-byte header, got 41 (1 bytes after the data)',
    );
    throwsCode(
      () => parseIdx(idx([0xffffffff, 0xffffffff, 0xffffffff], []), 'o'),
      'SIMDNORM_SHAPE',
      'simdnorm: parseIdx: o: expected 4294967295 × 4294967295 × 4294967295 values after the 16-byte header, got 0 (truncated)',
    );
  });

  test('truncated and corrupt gzip', async () => {
    const packed = gzipSync(idx([100], iota(100)));
    await rejects(
      gunzip(packed.subarray(0, packed.length - 5), 'cut.gz'),
      /^simdnorm: gunzip: cut\.gz: expected a complete, valid gzip stream, got /,
    );
    await rejects(
      readIdx(packed.subarray(0, 5), 'cut.gz'),
      /^simdnorm: gunzip: cut\.gz: expected a complete, valid gzip stream, got /,
    );
    const corrupt = Uint8Array.from(packed);
    corrupt[corrupt.length - 6] ^= 0xff; // inside the CRC32 trailer
    await rejects(
      readIdx(corrupt, 'bad.gz'),
      /^simdnorm: gunzip: bad\.gz: expected a complete, valid gzip stream, got /,
    );
  });

  test('images and labels must match', () => {
    const images = parseIdx(idx([3, 2, 2], [0, 51, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'i');
    const labels = parseIdx(idx([3], [2, 0, 1]), 'l');
    const set = imageSetFromIdx(images, 'i', labels, 'l', 3);
    assert.equal(set.count, 3);
    assert.deepEqual(set.shape, [1, 2, 2]);
    const x = toTensor(set);
    assert.equal(x[1], Math.fround(0.2)); // 51/255
    assert.equal(x[2], 1);
    assert.equal(x[11], Math.fround(9 / 255));
    assert.deepEqual(labelsInt32(set), Int32Array.from([2, 0, 1]));
    throwsCode(
      () => imageSetFromIdx(images, 'i', parseIdx(idx([4], [0, 0, 0, 0]), 'l4'), 'l4', 3),
      'SIMDNORM_SHAPE',
      'simdnorm: imageSetFromIdx: l4: expected 3 labels, one per image in i, got 4 (dimension mismatch)',
    );
    throwsCode(
      () => imageSetFromIdx(labels, 'l', labels, 'l', 3),
      'SIMDNORM_SHAPE',
      'simdnorm: imageSetFromIdx: l: expected images, an idx3 file (magic 0x00000803, [N, H, W]), got 1 dimensions (magic 0x00000801)',
    );
    throwsCode(
      () => imageSetFromIdx(images, 'i', images, 'i', 3),
      'SIMDNORM_SHAPE',
      'simdnorm: imageSetFromIdx: i: expected labels, an idx1 file (magic 0x00000801, [N]), got 3 dimensions (magic 0x00000803)',
    );
    throwsCode(
      () => imageSetFromIdx(images, 'i', labels, 'l', 2),
      'SIMDNORM_RANGE',
      'simdnorm: imageSetFromIdx: l: label 0: expected a class in [0, 1], got 2',
    );
  });

  test('toTensor: batches in index order, Normalize, and bad arguments', () => {
    const set = imageSetFromIdx(
      parseIdx(idx([3, 1, 2], [0, 255, 10, 20, 30, 40]), 'i'),
      'i',
      parseIdx(idx([3], [0, 1, 1]), 'l'),
      'l',
      2,
    );
    assert.deepEqual(toTensor(set, [2, 0]), Float32Array.from([30 / 255, 40 / 255, 0, 1]));
    assert.deepEqual(labelsInt32(set, [2, 0]), Int32Array.from([1, 0]));
    // (x − mean) / std in float arithmetic, as torchvision's Normalize on float32 tensors.
    const f = Math.fround;
    const m = f(0.1307),
      s = f(0.3081);
    const z = toTensor(set, [1], null, { mean: 0.1307, std: 0.3081 });
    assert.deepEqual(z, Float32Array.from([f(f(f(10 / 255) - m) / s), f(f(f(20 / 255) - m) / s)]));
    const out = new Float32Array(4);
    assert.equal(toTensor(set, [0, 1], out), out);
    throwsCode(
      () => toTensor(set, [0], out),
      'SIMDNORM_SHAPE',
      'simdnorm: toTensor: out: expected 1 samples × 2 = 2 floats, got 4 floats',
    );
    throwsCode(
      () => toTensor(set, [0, 3]),
      'SIMDNORM_RANGE',
      'simdnorm: toTensor: indices[1]: expected an index in [0, 2], got 3',
    );
    throwsCode(
      () => toTensor(set, [0], null, { mean: 0, std: 0 }),
      'SIMDNORM_RANGE',
      'simdnorm: toTensor: normalize.std: expected a finite value > 0, got 0',
    );
  });
});
