// A self-contained horizontal grouped bar chart as an SVG string (no dependencies): one group per
// label, one bar per series, a log-scale axis so that 100× gaps stay readable.

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(s) {
  return String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}

// groups: [{ label, values: [number | null per series] }], series: [names], unit: axis caption.
export function barChartSvg({ title, unit, series, groups }) {
  const barH = 9,
    gap = 8,
    labelW = 190,
    plotW = 560,
    top = 46,
    legendH = 18 * Math.ceil(series.length / 3);
  const groupH = series.length * barH + gap;
  const height = top + groups.length * groupH + 40 + legendH;
  const width = labelW + plotW + 90;
  const all = groups.flatMap((g) => g.values).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = (v) => labelW + (plotW * Math.log10(v / lo)) / Math.log10(hi / lo);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${x(d)}" x2="${x(d)}" y1="${top - 6}" y2="${top + groups.length * groupH}" stroke="#ddd"/>`);
    out.push(
      `<text x="${x(d)}" y="${top - 10}" text-anchor="middle" fill="#555">${d >= 1 ? d : d.toPrecision(1)}</text>`,
    );
  }
  groups.forEach((g, i) => {
    const y0 = top + i * groupH;
    out.push(
      `<text x="${labelW - 6}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end">${escapeXml(g.label)}</text>`,
    );
    g.values.forEach((v, k) => {
      if (!(v > 0)) return;
      out.push(
        `<rect x="${labelW}" y="${y0 + k * barH}" width="${Math.max(1, x(v) - labelW)}" height="${barH - 1}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeXml(`${series[k]}: ${v.toPrecision(3)} ${unit}`)}</title></rect>`,
      );
    });
  });
  const axisY = top + groups.length * groupH + 14;
  out.push(
    `<text x="${labelW + plotW / 2}" y="${axisY}" text-anchor="middle" fill="#555">${escapeXml(unit)} (log scale)</text>`,
  );
  series.forEach((name, k) => {
    const lx = labelW + (k % 3) * 200,
      ly = axisY + 14 + 18 * Math.floor(k / 3);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
