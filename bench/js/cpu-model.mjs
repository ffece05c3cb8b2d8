// The CPU the Node suite ran on, in the same words as the native suite's header
// (bench/native/cpu_model.cpp): os.cpus() gives only the model name, which on a VM ("AMD EPYC")
// hides the generation.

import { readFileSync } from 'node:fs';
import os from 'node:os';

export function cpuModel() {
  let text;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
  const fields = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  if (fields.has('model name') && fields.has('cpu family'))
    return `${fields.get('model name')} (x86 family ${fields.get('cpu family')}, model ${fields.get('model')})`;
  if (fields.has('CPU implementer'))
    return `aarch64 (implementer ${fields.get('CPU implementer')}, part ${fields.get('CPU part')})`;
  return os.cpus()[0]?.model ?? 'unknown';
}
