// Times implementations one at a time, each alone in a child process of its own
// (bench/js/peer-process.mjs), for bench/js/run.mjs and bench/js/scaling.mjs.
//
// A process, not a worker_thread: a worker that ends frees its heap and its pool, but its process's
// malloc arenas, its V8 platform's GC threads and the parent's own heap stay shared with the next
// one; freed pages that glibc has or has not returned decide whole repetitions of the e2e calls
// (docs/benchmarks.md). A process that exits takes all of it with it, and starting one costs less
// than loading the library it times. While one is timed the parent only waits for its reply.

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { makeInputs, writeTensors } from './shapes.mjs';

// glibc's allocator as a long-lived process has it (docs/benchmarks.md, "How the Node suite
// times"). Its mmap threshold rises by itself to the largest block freed so far, at most 32 MiB;
// set here to that maximum from the start, so outputs up to 32 MiB come from the heap, as in a
// process that has freed one such array before, and S5's 64 MiB ones are mapped and faulted in
// on every call, as in any process. The trim threshold keeps freed heap pages mapped: in a
// long-lived process, live blocks above them keep them so; in a young one the outputs sit at the
// top of a near-empty heap and every collection returns them, and each call then faults its 8 MiB
// output in anew (S1 e2e inference 20–40 ms a call for seconds, against 2 ms once settled).
// The same for every implementation, each of which returns fresh output arrays.
const STEADY_ALLOCATOR = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295';
const childEnv = {
  ...process.env,
  GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, STEADY_ALLOCATOR].filter(Boolean).join(':'),
};

// One implementation (spec, see peer-process.mjs) on one shape, as request → reply; `ops` are the
// names it has (none when it has no such shape). end() disposes it and waits until it has exited.
async function startPeer(spec, shape, tensors) {
  const child = fork(new URL('./peer-process.mjs', import.meta.url), [JSON.stringify({ spec, shape, tensors })], {
    serialization: 'advanced', // typed arrays as such
    env: childEnv,
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
// gets a fresh process for `repetitions` repetitions of each of its ops that `keep(key, config)`
// accepts (key: '<op> <mode>'), each round starting one config later than the round before, so a
// drift of the machine's load hits every config alike. `first(config, peer)` runs once per config,
// in the first round, before anything is timed.
// Returns, in config order, { config, name, op, mode, ms: [ms per call of each repetition] }.
export async function timeIsolated(
  configs,
  shape,
  { rounds, repetitions = 1, minMs, warmMs, keep = () => true, first },
) {
  const dir = mkdtempSync(join(os.tmpdir(), 'simdnorm-bench-'));
  const tensors = join(dir, `${shape.id}.f32`);
  writeTensors(makeInputs(shape), tensors);
  const series = new Map(); // config → { name, keys: Map(key → ms of each repetition) }
  const absent = new Set();
  try {
    for (let r = 0; r < rounds; ++r)
      for (let i = 0; i < configs.length; ++i) {
        const config = configs[(i + r) % configs.length];
        if (absent.has(config)) continue;
        const peer = await startPeer(config.spec, shape, tensors);
        const keys = peer.ops.filter((key) => keep(key, config));
        if (!keys.length) {
          absent.add(config);
          await peer.end();
          continue;
        }
        if (!series.has(config)) series.set(config, { name: peer.name, keys: new Map() });
        if (r === 0 && first) await first(config, peer);
        const s = series.get(config);
        for (const key of roundOrder(keys, r)) {
          const { ms } = await peer.ask({ op: key, minMs, warmMs, repetitions });
          s.keys.set(key, [...(s.keys.get(key) ?? []), ...ms]);
        }
        await peer.end();
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return configs
    .filter((config) => series.has(config))
    .flatMap((config) => {
      const { name, keys } = series.get(config);
      return [...keys].map(([key, ms]) => {
        const [op, mode] = key.split(' ');
        return { config, name, op, mode, ms };
      });
    });
}
