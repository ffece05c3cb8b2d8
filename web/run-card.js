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

// experiment: the worker's name for the run; title: for console errors; choices/format: the
// settings row's selects; params(): the run's parameters from the state (`dataset` among them,
// or MNIST); onRun(params): clear the view for a new run; on: handlers of the run's other
// reports by type ('point', 'done', …; 'done' before the status reads done).
// Returns { run(params?), data(m), message(m) } for engine-experiments.js; run(overrides) starts
// a run with params() and the overrides.
export function createRunCard({
  worker,
  state,
  change,
  experiment,
  id,
  title,
  choices,
  format = {},
  params,
  onRun,
  on,
}) {
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

  function run(overrides = {}) {
    running = { ...params(), ...overrides };
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
