// Module worker that loads one built-in image data set off the main thread, so the page stays
// responsive while 30–55 MB download, gunzip and parse. Protocol (see worker-loader.js):
//   in:  { name: 'mnist' | 'fashion-mnist', baseUrl?: '/datasets' }
//   out: { type: 'progress', loaded, total }  (at most ~200 per load)
//        { type: 'done', dataset }             (its pixel and label buffers are transferred)
//        { type: 'error', message }
import { loadImageDataset } from './image-datasets.js';

self.onmessage = async ({ data: { name, baseUrl } }) => {
  let posted = -Infinity;
  const onProgress = ({ loaded, total }) => {
    if (total === null || loaded === total || loaded - posted >= total / 200) {
      posted = loaded;
      self.postMessage({ type: 'progress', loaded, total });
    }
  };
  try {
    const dataset = await loadImageDataset(name, { baseUrl, onProgress });
    const buffers = new Set([dataset.train, dataset.test].flatMap((s) => [s.pixels.buffer, s.labels.buffer]));
    self.postMessage({ type: 'done', dataset }, [...buffers]);
  } catch (e) {
    self.postMessage({ type: 'error', message: e?.message ?? String(e) });
  }
};
