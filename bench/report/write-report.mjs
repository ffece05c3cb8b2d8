// Writes a report's markdown and SVG beside its JSON. Reports link into the repository from its
// root (`](/docs/benchmarks.md#targets)`); those links are made relative to the folder the report
// lands in, so they work in bench/results/ and in a machine's subfolder of it alike.
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function writeReport(json, { md, svg }) {
  const up = relative(dirname(resolve(json)), ROOT)
    .split('\\')
    .join('/');
  const linked = md.replace(/\]\(\/([^)]*)\)/g, (_, path) => `](${up}/${path})`);
  writeFileSync(json.replace(/\.json$/, '.md'), linked);
  writeFileSync(json.replace(/\.json$/, '.svg'), svg);
  return linked;
}
