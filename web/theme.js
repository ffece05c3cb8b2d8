// The page's colours for drawings that CSS does not reach (uPlot axes, canvases): the CSS
// variables of the current colour scheme (style.css has a light and a dark set), and a hook to
// redraw when the system switches between them while the page is open.

export function cssColor(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

const dark = matchMedia('(prefers-color-scheme: dark)');

// Calls redraw() whenever the colour scheme changes.
export function onColorScheme(redraw) {
  dark.addEventListener('change', redraw);
}
