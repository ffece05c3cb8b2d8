// The parts every engine experiment's card shares (experiments 7 and up): its settings row bound
// to its URL fields, the run button, the progress bar (the data set's download, then training),
// the status (`done` when finished), the step counter and steps/s, and the worker's reports
// routed to the view. Elements are found by id: `${id}-settings` (a form whose selects and number
// inputs are named after their state fields), `${id}-run`, `${id}-progress`, `${id}-status`,
// `${id}-sps` and, when the card has one, `${id}-step`.
import { imageDatasets } from './data/image-datasets.js';
import { int, rate } from './format.js';

const $ = (id) => document.getElementById(id);
const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);

// Selects get their choices (a value from a link that is not among them still shows, and stays
// selected); a change lands in the URL through change(key, value).
function bindSettings(form, state, change, choices, format) {
  for (const [name, values] of Object.entries(choices)) {
    const el = form.elements[name];
    const v = state[name];
    const all = [...new Set([...values, v])];
    if (all.every((c) => typeof c === 'number')) all.sort((a, b) => a - b);
    el.replaceChildren(...all.map((c) => new Option((format[name] ?? String)(c), String(c))));
    el.value = String(v);
    el.onchange = () => change(name, typeof v === 'number' ? Number(el.value) : el.value);
  }
  for (const el of form.querySelectorAll('input[type=number]')) {
    el.value = String(state[el.name]);
    el.onchange = () => {
      const v = Number(el.value);
      if (Number.isInteger(v) && v >= 0) change(el.name, v);
    };
  }
  form.addEventListener('submit', (e) => e.preventDefault());
}

// The run's parameters: the state fields of the card (`${id}Steps`, …) without the prefix, so
// a link's fields are the run's (fig1Steps → steps; …Eval → evalSize, the test images measured).
function paramsOf(state, id) {
  const params = {};
  for (const [key, value] of Object.entries(state)) {
    if (!key.startsWith(id) || key.length === id.length) continue;
    const name = key[id.length].toLowerCase() + key.slice(id.length + 1);
    params[name === 'eval' ? 'evalSize' : name] = value;
  }
  return params;
}

// app: { worker, state, change(key, value) }, the engine worker and the page's settings.
// experiment: the worker's name for the run; id: the prefix of the card's element ids and state
// fields; title: for console errors; choices/format: the settings row's selects; onRun(params):
// clear the view for a new run; on: handlers of the run's other reports by type ('point',
// 'done', …; 'done' before the status reads done), called with (report, params).
// Returns { run(), data(m), message(m) } for engine-experiments.js.
export function createRunCard({ worker, state, change }, { experiment, id, title, choices, format = {}, onRun, on }) {
  bindSettings($(`${id}-settings`), state, change, choices, format);
  let running = null;
  let started = false; // training has begun: download reports no longer concern this card
  const status = (text) => {
    $(`${id}-status`).textContent = text;
  };
  const showRate = (v) => {
    $(`${id}-sps`).textContent = rate(v);
  };
  const datasetOf = (p) => p.dataset ?? 'mnist';

  function run() {
    running = paramsOf(state, id);
    started = false;
    onRun(running);
    $(`${id}-progress`).value = 0;
    status(`loading ${imageDatasets[datasetOf(running)].title}…`);
    worker.postMessage({ type: 'run', experiment, params: running });
  }
  $(`${id}-run`).addEventListener('click', () => run());

  return {
    run,
    data({ name, loaded, total }) {
      if (running && !started && name === datasetOf(running) && total) {
        $(`${id}-progress`).value = loaded / total;
        status(`loading ${imageDatasets[name].title} ${MB(loaded)}/${MB(total)} MB`);
      }
    },
    message(m) {
      switch (m.type) {
        case 'start':
          started = true;
          status('training');
          break;
        case 'progress':
          if ($(`${id}-step`)) $(`${id}-step`).textContent = String(m.step);
          showRate(m.stepsPerSecond);
          $(`${id}-progress`).value = m.step / m.steps;
          status(`training ${int(m.step)}/${int(m.steps)} steps`);
          break;
        case 'done':
          showRate(m.stepsPerSecond);
          $(`${id}-progress`).value = 1;
          on.done(m, running);
          status('done');
          break;
        case 'error':
          status(`error: ${m.message}`);
          console.error(`${title}: ${m.message}`);
          break;
        default:
          on[m.type]?.(m, running);
      }
    },
  };
}
