// The card of a jobs-worker experiment (3: the sweep, 4: the batch-size comparison, 6: both
// builds measured): its run button and status, and the worker's reports of the current job only
// (a new run supersedes the previous one). Elements: `${name}-run`, `${name}-status`.
const $ = (id) => document.getElementById(id);

// name: the job's type for web/jobs-worker.js; on: handlers of its reports by type (without the
// `${name}-` prefix: 'cell', 'point', 'result', 'done'). Returns { start(state) }.
export function createJobCard(worker, name, on) {
  let job = 0;
  const finish = (text) => {
    $(`${name}-status`).textContent = text;
    $(`${name}-run`).disabled = false;
  };
  worker.addEventListener('message', ({ data: m }) => {
    if (m.id !== job) return;
    if (m.type === 'error') return finish(`error: ${m.message}`);
    on[m.type.slice(name.length + 1)]?.(m);
    if (m.type === `${name}-done`) finish('done');
  });
  return {
    start(state) {
      job++;
      $(`${name}-run`).disabled = true;
      $(`${name}-status`).textContent = 'running';
      worker.postMessage({ type: name, id: job, state });
    },
  };
}
