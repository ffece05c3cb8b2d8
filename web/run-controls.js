// The settings row of an engine experiment's card: selects and number inputs named after their
// state fields (so a link's values show and a change lands in the URL through change(key, value)).
// A value from a link that is not among the choices still shows, and stays selected.
export function bindRunControls(form, state, change, choices, format = {}) {
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
