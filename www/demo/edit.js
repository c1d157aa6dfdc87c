// Changing the database from the page: adding the drawn image, deleting a result. Every tab
// sharing the database sees the change through db.onChange (changes.js); this tab marks its
// own writes so that the status line does not call them another tab's.
import { state } from './state.js';
import { showError } from './errors.js';
import { setStatus, showDetails } from './db-card.js';
import { expectOwn } from './changes.js';

const DB_PATH = 'fashion-mnist.db';

async function write(op, ids, run, done) {
  if (!state.db || state.busy) return false;
  const forget = expectOwn(op, ids);
  try {
    const result = await run(state.db);
    await showDetails();
    setStatus(`${done(result)} — ${state.count} vectors in ${DB_PATH}`, 'ready');
    return result;
  } catch (e) {
    forget();
    showError(e, { title: `${op === 'delete' ? 'Delete' : 'Add'} failed${e?.code ? ` (${e.code})` : ''}` });
    return false;
  }
}

/** Stores a drawing (784 floats in [0, 1]) as `drawn-<random>`; resolves to its id, or false. */
export function addDrawing(vector) {
  const id = `drawn-${crypto.randomUUID().slice(0, 8)}`;
  const metadata = { class: 'Drawing', drawn: true };
  return write('insert', [id], (db) => db.insert({ id, embedding: vector, metadata }), () => `Added ${id}`)
    .then((r) => r && id);
}

/** Deletes one vector; resolves true when it existed. */
export function deleteVector(id) {
  return write('delete', [id], (db) => db.delete(id), (existed) => (existed ? `Deleted ${id}` : `${id} was already gone`));
}
