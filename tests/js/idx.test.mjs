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
    assert.throws(() => parseIdx(file, 'x.idx'), {
      message:
        'idx file x.idx: bad magic number: expected 0x000008NN (0x00000801 labels, 0x00000803 images), got 0x00120801',
    });
    assert.throws(() => parseIdx(gzipSync(idx([3], [1, 2, 3])), 'x.gz'), /\(this is gzip data: gunzip it first\)$/);
    assert.throws(() => parseIdx(idx([3], new Uint8Array(12), 0x0d), 'f.idx'), {
      message:
        'idx file f.idx: bad magic number 0x00000d01: value type 0d (float32) is not supported, expected 08 (unsigned byte, as MNIST)',
    });
    assert.throws(() => parseIdx(idx([], []), 'z'), /0 dimensions/);
    assert.throws(() => parseIdx('not bytes', 's'), /expected an ArrayBuffer or a typed array, got string/);
  });

  test('truncated and oversized files', () => {
    const full = idx([10, 2, 2], iota(40));
    assert.throws(() => parseIdx(full.subarray(0, 2), 't'), {
      message: 'idx file t: truncated: 2 bytes, shorter than the 4-byte magic number',
    });
    assert.throws(() => parseIdx(full.subarray(0, 9), 't'), {
      message: 'idx file t: truncated: the header of 3 dimensions needs 16 bytes, the file has 9',
    });
    assert.throws(() => parseIdx(full.subarray(0, full.length - 1), 't'), {
      message:
        'idx file t: truncated: the header says 10 × 2 × 2 = 40 values after the 16-byte header, the file has 39',
    });
    const longer = new Uint8Array(full.length + 1);
    longer.set(full);
    assert.throws(() => parseIdx(longer, 't'), {
      message: 'idx file t: 1 bytes after the 40 values the header declares (10 × 2 × 2)',
    });
    assert.throws(
      () => parseIdx(idx([0xffffffff, 0xffffffff, 0xffffffff], []), 'o'),
      /truncated: the header says 4294967295 × 4294967295 × 4294967295/,
    );
  });

  test('truncated and corrupt gzip', async () => {
    const packed = gzipSync(idx([100], iota(100)));
    await rejects(
      gunzip(packed.subarray(0, packed.length - 5), 'cut.gz'),
      /^gunzip: cut\.gz: corrupt or truncated gzip data/,
    );
    await rejects(readIdx(packed.subarray(0, 5), 'cut.gz'), /^gunzip: cut\.gz: corrupt or truncated gzip data/);
    const corrupt = Uint8Array.from(packed);
    corrupt[corrupt.length - 6] ^= 0xff; // inside the CRC32 trailer
    await rejects(readIdx(corrupt, 'bad.gz'), /gunzip: bad\.gz: corrupt or truncated gzip data/);
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
    assert.throws(() => imageSetFromIdx(images, 'i', parseIdx(idx([4], [0, 0, 0, 0]), 'l4'), 'l4', 3), {
      message: 'idx file l4: dimension mismatch: 4 labels for 3 images in i',
    });
    assert.throws(() => imageSetFromIdx(labels, 'l', labels, 'l', 3), {
      message:
        'idx file l: expected images, an idx3 file (magic 0x00000803, [N, H, W]), got 1 dimensions (magic 0x00000801)',
    });
    assert.throws(() => imageSetFromIdx(images, 'i', images, 'i', 3), {
      message: 'idx file i: expected labels, an idx1 file (magic 0x00000801, [N]), got 3 dimensions (magic 0x00000803)',
    });
    assert.throws(() => imageSetFromIdx(images, 'i', labels, 'l', 2), {
      message: 'idx file l: label 0 is 2, expected a class in [0, 1]',
    });
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
    assert.throws(() => toTensor(set, [0], out), {
      message: 'toTensor: out: expected 1 samples × 2 = 2 floats, got 4',
    });
    assert.throws(() => toTensor(set, [0, 3]), { message: 'toTensor: indices[1]: expected an index in [0, 2], got 3' });
    assert.throws(
      () => toTensor(set, [0], null, { mean: 0, std: 0 }),
      /normalize\.std: expected a finite value > 0, got 0/,
    );
  });
});
