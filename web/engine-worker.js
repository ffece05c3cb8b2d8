// The engine experiments' worker (experiments 7 and up): trains sn.nn models on MNIST and
// Fashion-MNIST off the main thread. Each data set is downloaded and parsed here once and kept;
// runs of different experiments interleave (each yields every ~30 ms), and a new run of an
// experiment cancels that experiment's previous one. Protocol:
//   in:  { type: 'run', experiment, params }, { type: 'stop', experiment }
//   out: { type: 'data', name, loaded, total }   (download progress of a data set, to every view)
//        { experiment, type: 'start' | 'progress' | 'point' | 'done' | 'error', ... }
import init from '../wasm/index.js';
import { loadImageDataset } from './data/image-datasets.js';
import { runCnn } from './runs/cnn.js';
import { runFigure1 } from './runs/figure1.js';
import { runHparam } from './runs/hparam.js';
import { runRnn } from './runs/rnn.js';
import { runSmallBatch } from './runs/smallbatch.js';

const runs = {
  figure1: { dataset: () => 'mnist', run: runFigure1 },
  cnn: { dataset: (params) => params.dataset, run: runCnn },
  hparam: { dataset: () => 'mnist', run: runHparam },
  smallbatch: { dataset: () => 'mnist', run: runSmallBatch },
  rnn: { dataset: () => 'mnist', run: runRnn },
};

// init()'s default in a Worker: SIMD128 + threads (defaultThreads()) where the page is
// cross-origin isolated (scripts/serve.mjs sends COOP/COEP), one thread otherwise.
const sn = init();
const datasets = new Map(); // name → Promise of the parsed set
const active = new Map(); // experiment → { cancelled }

function dataset(name) {
  if (!datasets.has(name)) {
    let posted = -Infinity;
    const onProgress = ({ loaded, total }) => {
      if (total === null || loaded === total || loaded - posted >= total / 200) {
        posted = loaded;
        self.postMessage({ type: 'data', name, loaded, total });
      }
    };
    const loading = loadImageDataset(name, { baseUrl: new URL('/datasets', self.location.href).href, onProgress });
    loading.catch(() => datasets.delete(name)); // a failed download can be retried
    datasets.set(name, loading);
  }
  return datasets.get(name);
}

// Yields to the event loop (a message, not setTimeout: no 4 ms clamp), so stop and other runs'
// messages are handled between chunks.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });

async function start(experiment, params) {
  if (active.has(experiment)) active.get(experiment).cancelled = true;
  const token = { cancelled: false };
  active.set(experiment, token);
  const post = (m) => token.cancelled || self.postMessage({ experiment, ...m });
  try {
    const { dataset: name, run } = runs[experiment];
    const data = await dataset(name(params));
    post({ type: 'start', dataset: name(params) });
    await run({
      sn: await sn,
      data,
      params,
      post,
      pause: async () => {
        await yieldNow();
        return token.cancelled;
      },
    });
  } catch (e) {
    post({ type: 'error', message: e?.message ?? String(e) });
  } finally {
    if (active.get(experiment) === token) active.delete(experiment);
  }
}

self.onmessage = ({ data: m }) => {
  if (m.type === 'run') start(m.experiment, m.params);
  else if (m.type === 'stop' && active.has(m.experiment)) {
    active.get(m.experiment).cancelled = true;
    active.delete(m.experiment);
  }
};
