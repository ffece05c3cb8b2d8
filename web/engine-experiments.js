// The engine experiments (7 and up: MNIST, Fashion-MNIST): one worker (engine-worker.js) that
// loads each data set once and trains every run; this module routes its reports to the views.
import { createCnn } from './experiments/cnn.js';
import { createFigure1 } from './experiments/figure1.js';
import { createHparam } from './experiments/hparam.js';
import { createRnn } from './experiments/rnn.js';
import { createSmallBatch } from './experiments/smallbatch.js';

export function createEngineExperiments({ state, change }) {
  const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' });
  const app = { worker, state, change };
  const views = {
    figure1: createFigure1(app),
    cnn: createCnn(app),
    hparam: createHparam(app),
    smallbatch: createSmallBatch(app),
    rnn: createRnn(app),
  };
  worker.onmessage = ({ data: m }) => {
    if (m.type === 'data') Object.values(views).forEach((v) => v.data(m));
    else views[m.experiment]?.message(m);
  };
  worker.addEventListener('error', (e) => {
    console.error(`engine worker: ${e.message ?? 'could not load'}`);
  });
  return worker;
}
