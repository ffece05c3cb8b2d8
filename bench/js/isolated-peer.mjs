// Times implementations one at a time, each alone in a child process of its own
// (bench/js/peer-process.mjs), for bench/js/run.mjs and bench/js/scaling.mjs.
//
// A process, not a worker_thread: a worker that ends frees its heap and its pool, but its process's
// malloc arenas, its V8 platform's GC threads and the parent's own heap stay shared with the next
// one; freed pages that glibc has or has not returned decide whole repetitions of the e2e calls
// (docs/benchmarks.md). A process that exits takes all of it with it, and starting one costs less
// than loading the library it times. While one is timed the parent only waits for its reply.

import { fork } from 'node:child_process';

// One implementation (spec, see peer-process.mjs) on one shape, as request → reply; `ops` are the
// names it has (none when it has no such shape). end() disposes it and waits until it has exited.
async function startPeer(spec, shape) {
  const child = fork(new URL('./peer-process.mjs', import.meta.url), [JSON.stringify({ spec, shape })], {
    serialization: 'advanced', // typed arrays as such
  });
  const label = `${spec.impl} ${JSON.stringify(spec)} ${shape.id}`;
  const replies = [];
  let waiting = null;
  const deliver = (reply) => (waiting ? (waiting(reply), (waiting = null)) : replies.push(reply));
  child.on('message', deliver);
  child.on('error', (e) => deliver({ error: String(e?.stack ?? e) }));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => deliver({ error: `exited (code ${code}, signal ${signal})` }));
  const next = async () => {
    const m = replies.length ? replies.shift() : await new Promise((resolve) => (waiting = resolve));
    if (m.error) throw new Error(`${label}: ${m.error}`);
    return m;
  };
  const ask = (message) => (child.send(message), next());
  const { name, ops } = await next();
  const end = async () => (await ask({ dispose: true }), await exited);
  return { name, ops, ask, end };
}

// Keys '<op> <mode>' in round r's order: ops rotated by r, the modes of each op together (their
// ratios, e2e ÷ floor, are then taken seconds apart) and rotated by r among themselves.
function roundOrder(keys, r) {
  const byOp = new Map();
  for (const key of keys) {
    const op = key.split(' ')[0];
    byOp.set(op, [...(byOp.get(op) ?? []), key]);
  }
  const rotate = (list) => list.map((_, i) => list[(i + r) % list.length]);
  return rotate([...byOp.values()]).flatMap(rotate);
}

// Times each config ({ spec, ... }) on one shape alone: in each of `rounds` rounds every config
// gets a fresh process for one repetition of each of its ops that `keep` accepts, each round
// starting one config later than the round before, so a drift of the machine's load hits every
// config alike. The first round fixes each op's calls per repetition; the later ones repeat them.
// `first(config, peer)` runs once per config, in the first round, before anything is timed.
// Returns, in config order, { config, name, op, mode, ms: [ms per call of each round] }.
export async function timeIsolated(configs, shape, { rounds, minMs, warmMs, keep = () => true, first }) {
  const series = new Map(); // config → Map(key → { calls, ms })
  const absent = new Set();
  for (let r = 0; r < rounds; ++r)
    for (let i = 0; i < configs.length; ++i) {
      const config = configs[(i + r) % configs.length];
      if (absent.has(config)) continue;
      const peer = await startPeer(config.spec, shape);
      const keys = peer.ops.filter(keep);
      if (!keys.length) {
        absent.add(config);
        await peer.end();
        continue;
      }
      if (!series.has(config)) series.set(config, { name: peer.name, keys: new Map() });
      if (r === 0 && first) await first(config, peer);
      const s = series.get(config);
      for (const key of roundOrder(keys, r)) {
        if (!s.keys.has(key)) s.keys.set(key, { calls: undefined, ms: [] });
        const k = s.keys.get(key);
        const { ms, calls } = await peer.ask({ op: key, minMs, warmMs, calls: k.calls });
        k.calls = calls;
        k.ms.push(ms);
      }
      await peer.end();
    }
  return configs
    .filter((config) => series.has(config))
    .flatMap((config) => {
      const { name, keys } = series.get(config);
      return [...keys].map(([key, { ms }]) => {
        const [op, mode] = key.split(' ');
        return { config, name, op, mode, ms };
      });
    });
}
