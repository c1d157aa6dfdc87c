// The classic-script build: scripts/build.mjs bundles this (esbuild, IIFE) into
// dist/sqlite-vector.global.js, which a page loads with a plain `<script src>` (no module, no
// bundler) and then uses `SqliteVector.createVectorDB(...)`. The worker (a module worker) and
// the wasm are found next to that script, from its own URL.
import { VectorDB } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';
import { WorkerTransport, browserApi } from './browser.js';

/** This script's URL: document.currentScript while it runs, else the first frame of a stack. */
function scriptUrl() {
  const src = globalThis.document?.currentScript?.src;
  if (src) return src;
  const frame = /(https?:|file:|blob:)[^\s)]+?\.js/.exec(String(new Error().stack ?? ''));
  return frame ? frame[0] : globalThis.location.href;
}

const workerUrl = new URL('./worker.js', scriptUrl()).href;
const spawn = () => new Worker(workerUrl, { type: 'module', name: 'sqlite-vector' });

globalThis.SqliteVector = Object.freeze({
  ...browserApi(() => new WorkerTransport(spawn)),
  VectorDB,
  VectorDBError,
  ErrorCode,
});
