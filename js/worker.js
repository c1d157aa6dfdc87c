// The dedicated module worker: loads the wasm and holds one database handle (share.js: alone,
// or as one member of the tabs sharing the path). Answers `{id, op, args}` with
// `{id, ok, result | error: {code, message}}`. Sends `{type: 'caps', missing}` first (the
// browser API a persistent database would lack here, or null), then `{type: 'ready'}` (or
// `{type: 'ready', error}`) once the wasm is loaded, and `{type: 'change', event}` after each
// committed write by any tab sharing the database. `{type: 'lifecycle', active}` from the page
// (pagehide/pageshow, freeze/resume) lets go of the database and takes part again. The page
// sends the calls of one turn as one `{batch: [{id, op, args}, ...]}`: queued together,
// concurrent writes share a transaction (queue.js).
import init, * as wasm from './sqlite_vector_wasm.js';
import { toEnvelope, transferablesOf } from './dispatcher.js';
import { missingApiProbed } from './locks.js';
import { SharedDatabase } from './share.js';

missingApiProbed().then((missing) => postMessage({ type: 'caps', missing }));

let db = null;
const pending = [];

async function answer({ id, op, args }) {
  try {
    const result = await db.call(op, args);
    postMessage({ id, ok: true, result }, transferablesOf(result));
  } catch (e) {
    postMessage({ id, ok: false, error: toEnvelope(e) });
  }
}

function receive(data) {
  if (data?.type === 'lifecycle') {
    (data.active ? db.resume() : db.suspend()).catch(() => {});
  } else if (data?.batch) data.batch.forEach(answer);
  else answer(data);
}

self.onmessage = ({ data }) => (db ? receive(data) : pending.push(data));

// The self-contained copy (inline.js) hands over the wasm's bytes; otherwise the glue fetches
// the .wasm from beside itself.
const bytes = globalThis.sqliteVectorWasmBytes;
init(bytes ? { module_or_path: bytes } : undefined).then(
  () => {
    db = new SharedDatabase(wasm, (event) => postMessage({ type: 'change', event }));
    postMessage({ type: 'ready' });
    pending.splice(0).forEach(receive);
  },
  (e) => postMessage({ type: 'ready', error: toEnvelope(e) }),
);
