// Parent side of bench/lib/node-child.mjs: forks one child per run, with a time limit.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-child.mjs');

export class ChildError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export function runNodeChild(spec, { timeoutMs, log }) {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=8192'] });
    let stderr = '';
    let settled = false;
    child.stdout.on('data', () => {});
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const done = (fn, v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(v);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(reject, new ChildError(`timed out after ${Math.round(timeoutMs / 1000)} s`, 'TIMEOUT'));
    }, timeoutMs);
    child.on('message', (m) => {
      if (m.log) return log(m.log);
      if (m.ok) done(resolve, m.result);
      else done(reject, new ChildError(m.error, m.code));
    });
    child.on('exit', (code, signal) => {
      done(reject, new ChildError(`child exited (${signal ?? code}) before answering${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`, 'CRASHED'));
    });
    child.send(spec);
  });
}
