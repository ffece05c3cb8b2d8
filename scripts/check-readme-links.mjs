// Links in a README that npm publishes: npmjs.com shows the packed README.md and resolves relative
// links against package.json "repository", but relative images do not survive everywhere the
// README is shown (mirrors, editors, the tarball itself). So: every image is an absolute URL;
// every other link is absolute, an in-page anchor, or a path to a file tracked in this repository.
// `node scripts/check-readme-links.mjs [README.md]` prints each problem and exits 1 on any.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

// Every link and image target with its kind, outside code blocks and code spans.
export function readmeLinks(markdown) {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const links = [];
  for (const m of prose.matchAll(/(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)/g))
    links.push({ image: m[1] === '!', target: m[2] });
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm))
    links.push({ image: false, target: m[1] });
  for (const m of prose.matchAll(/<(img|a|source)\b[^>]*?\s(src|href|srcset)\s*=\s*["']([^"']+)["']/gi))
    links.push({ image: m[1].toLowerCase() !== 'a', target: m[3] });
  return links;
}

function trackedFiles(root) {
  try {
    return new Set(execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n'));
  } catch {
    return null; // not a git checkout: nothing to compare with
  }
}

// Problems (strings) with the links of `markdown`, a README at the root of `root`.
export function readmeLinkProblems(markdown, { root = projectRoot, tracked = trackedFiles(root) } = {}) {
  const problems = [];
  for (const { image, target } of readmeLinks(markdown)) {
    const absolute = /^(https?:|mailto:)/i.test(target);
    if (image) {
      if (!/^https:/i.test(target)) problems.push(`image ${target}: not an absolute https URL`);
      continue;
    }
    if (absolute || target.startsWith('#')) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      problems.push(`link ${target}: a scheme readers' browsers do not open`);
      continue;
    }
    const file = decodeURI(target.replace(/[#?].*$/, ''))
      .replace(/^\.\//, '')
      .replace(/\/$/, '');
    if (file.startsWith('/') || file.split('/').includes('..')) {
      problems.push(`link ${target}: outside the repository`);
    } else if (!tracked) {
      problems.push(`link ${target}: relative, and ${root} is not a git checkout to check it against`);
    } else if (!tracked.has(file) && ![...tracked].some((f) => f.startsWith(`${file}/`))) {
      problems.push(`link ${target}: no file or folder ${file} in the repository`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = process.argv[2] ?? fileURLToPath(new URL('../README.md', import.meta.url));
  const problems = readmeLinkProblems(readFileSync(readme, 'utf8'));
  for (const p of problems) console.error(`${readme}: ${p}`);
  if (problems.length) process.exit(1);
  console.log(`${readme}: every link is absolute or names a file in the repository`);
}
