// The dedicated module worker: loads the wasm, owns the only connection, answers
// `{id, op, args}` (or `{batch: [{id, op, args}, ...]}`) with one
// `{id, ok, result | error: {code, message}}` per request. Sends `{type: 'ready'}`
// (or `{type: 'ready', error}`) once before anything else.
import init, * as wasm from './sqlite_vector_wasm.js';
import { createDispatcher, toEnvelope, transferablesOf } from './dispatcher.js';
import { acquire } from './locks.js';

let handle = null;
const pending = [];

async function answer({ id, op, args }) {
  try {
    const result = await handle(op, args);
    postMessage({ id, ok: true, result }, transferablesOf(result));
  } catch (e) {
    postMessage({ id, ok: false, error: toEnvelope(e) });
  }
}

// The page sends the calls of one turn as one message `{ batch: [...] }`: queued together,
// concurrent writes share a transaction (queue.js).
self.onmessage = ({ data }) => {
  for (const request of data?.batch ?? [data]) handle ? answer(request) : pending.push(request);
};

init().then(
  () => {
    handle = createDispatcher(wasm, { persist: true, acquire });
    postMessage({ type: 'ready' });
    pending.splice(0).forEach(answer);
  },
  (e) => postMessage({ type: 'ready', error: toEnvelope(e) }),
);
