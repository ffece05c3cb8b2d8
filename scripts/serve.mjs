// A static file server for the page and the browser tests: correct MIME types for ES modules
// and wasm, loopback only. `node scripts/serve.mjs [port]`, or import { serve } for tests.
// Every response carries COOP/COEP (unless `isolated: false`): the page is cross-origin isolated,
// so the package's threaded build (SharedArrayBuffer) runs; worker scripts need COEP too.
// /datasets/NAME/FILE serves the built-in image data sets' idx files from the packages that
// install them (scripts/dataset-files.mjs); only the catalogue's file names, so no other path.
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageDatasets } from '../web/data/image-datasets.js';
import { datasetDir } from './dataset-files.mjs';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

// The data set route's files: "/datasets/mnist/train-images-idx3-ubyte" → its path on disk.
function datasetFiles(dirs) {
  const files = new Map();
  for (const [name, info] of Object.entries(imageDatasets)) {
    for (const file of Object.values(info.files)) files.set(`/datasets/${name}/${file}`, join(dirs(name), file));
  }
  return files;
}

// Cross-origin isolation: what a page needs for SharedArrayBuffer.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The file's bytes, streamed with its Content-Length (the page's loader shows progress from it).
async function sendFile(res, file) {
  const info = await stat(file);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
  });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

// Serves `root` on 127.0.0.1:port (0 = any free port). "/" redirects to `index`. `datasetDirs`
// maps a data set name to the folder its files are read from. `isolated: false` leaves out the
// COOP/COEP headers (a page that is not cross-origin isolated: the single-thread builds).
export function serve({
  root = projectRoot,
  port = 0,
  index = '/web/index.html',
  datasetDirs = datasetDir,
  isolated = true,
} = {}) {
  root = resolve(root);
  const datasets = datasetFiles(datasetDirs);
  const server = createServer(async (req, res) => {
    if (isolated) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400);
      return res.end();
    }
    if (path === '/') {
      res.writeHead(302, { Location: index });
      return res.end();
    }
    if (path.startsWith('/datasets/')) {
      const file = datasets.get(path);
      try {
        if (!file) throw new Error('not a data set file');
        return await sendFile(res, file);
      } catch {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end(`not found: ${path}${file ? ' (is its package installed? see docs/data.md)' : ''}`);
      }
    }
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403);
      return res.end();
    }
    try {
      const info = await stat(file);
      const target = info.isDirectory() ? join(file, 'index.html') : file;
      const body = await readFile(target);
      res.writeHead(200, {
        'Content-Type': types[extname(target)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`not found: ${path}`);
    }
  });
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () =>
      ok({ server, url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const { url } = await serve({ port });
  console.log(`simdnorm page: ${url}/web/index.html (cross-origin isolated: threads)`);
}
