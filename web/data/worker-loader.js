// Loads a built-in image data set in a dedicated worker (dataset-worker.js) and resolves with it
// on the calling thread: for pages that need the images on the main thread (an image grid). A
// training worker imports image-datasets.js and calls loadImageDataset itself instead.
export function loadImageDatasetInWorker(name, { baseUrl = '/datasets', onProgress = null } = {}) {
  const worker = new Worker(new URL('./dataset-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') return onProgress?.(data);
      worker.terminate();
      if (data.type === 'done') resolve(data.dataset);
      else reject(new Error(data.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`dataset worker: ${e.message}`));
    };
    worker.postMessage({ name, baseUrl: new URL(baseUrl, location.href).href });
  });
}
