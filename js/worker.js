// The dedicated module worker: loads the wasm, owns the only connection, answers
// `{id, op, args}` with `{id, ok, result | error: {code, message}}`. Sends `{type: 'ready'}`
// (or `{type: 'ready', error}`) once before anything else.
import init, * as wasm from './sqlite_vector_wasm.js';
import { createDispatcher, toEnvelope, transferablesOf } from './dispatcher.js';

/** One holder per database across every tab of the origin (Web Locks), asked without waiting. */
function acquire(path) {
  if (!self.navigator?.locks) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(`sqlite-vector:${path}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject({ code: 'LOCKED', message: `database "${path}" is open in another tab or worker; close it there and retry` });
          return undefined;
        }
        return new Promise((release) => resolve(release)); // held until release()
      })
      .catch((e) => reject(toEnvelope(e)));
  });
}

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

self.onmessage = (event) => (handle ? answer(event.data) : pending.push(event.data));

init().then(
  () => {
    handle = createDispatcher(wasm, { persist: true, acquire });
    postMessage({ type: 'ready' });
    pending.splice(0).forEach(answer);
  },
  (e) => postMessage({ type: 'ready', error: toEnvelope(e) }),
);
