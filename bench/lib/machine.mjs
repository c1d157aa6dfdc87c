// What the figures were measured on.
import fs from 'node:fs';
import os from 'node:os';

const read = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };

export function describeMachine(chromium) {
  const cpuinfo = read('/proc/cpuinfo');
  const field = (name) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? null;
  const flags = field('flags') ?? '';
  const osRelease = read('/etc/os-release').match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1] ?? os.type();
  return {
    cpu: field('model name') ?? os.cpus()[0]?.model ?? 'unknown',
    cpuMHz: Number(field('cpu MHz')) || null,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    simd: ['avx512f', 'avx2', 'fma', 'sse4_2'].filter((f) => flags.split(/\s+/).includes(f)),
    ramBytes: os.totalmem(),
    os: `${osRelease}, Linux ${os.release()}`,
    node: process.version,
    chromium,
  };
}
