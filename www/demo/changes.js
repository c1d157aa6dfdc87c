// Keeping the page in step with its database (db.onChange): after a committed write — in this
// tab or in another tab sharing the database — the count and details are read again, the
// current query searches again (a deleted hit disappears, an added image can appear), and the
// grid is redrawn when it shows a deleted image or was empty. Events that arrive while a
// refresh runs are merged into the next one. The status line names changes from elsewhere;
// this tab's own writes (edit.js) say what they did themselves.
import { state, demo } from './state.js';
import { setStatus, showDetails } from './db-card.js';
import { showError } from './errors.js';
import { refreshSearch } from './search.js';
import { refreshGrid, shownTileIds } from './grid.js';

const DB_PATH = 'fashion-mnist.db';
const own = new Set(); // keys of this tab's writes whose events have not arrived yet
const keyOf = (op, ids) => `${op}:${ids.length}:${ids[0] ?? ''}:${ids[ids.length - 1] ?? ''}`;

/** Marks a write this tab is about to make; returns a function that unmarks it (when it failed). */
export function expectOwn(op, ids) {
  const key = keyOf(op, ids);
  own.add(key);
  return () => own.delete(key);
}

let pending = null; // { deleted: Set, foreign: [events] } merged until the next refresh
let running = false;

function describe(events) {
  const ids = events.flatMap((e) => e.ids);
  const verb = { insert: 'added', upsert: 'added', update: 'updated', delete: 'deleted', import: 'replaced', compact: 'compacted' };
  const ops = [...new Set(events.map((e) => verb[e.op] ?? e.op))].join('/');
  const what = ids.length === 0 ? 'the database' : ids.length === 1 ? ids[0] : `${ids.length} vectors`;
  return `another tab ${ops} ${what}`;
}

async function refresh() {
  running = true;
  try {
    while (pending && state.db) {
      const { deleted, foreign, all } = pending;
      pending = null;
      if (foreign.length === 0 && state.busy) continue; // this tab's own load reports itself
      await showDetails();
      if (foreign.length && !state.busy) setStatus(`${state.count} vectors in ${DB_PATH} · ${describe(foreign)}`, 'ready');
      await refreshSearch();
      const shown = shownTileIds();
      if (shown.length === 0 || shown.some((id) => deleted.has(id)) || all.some((e) => e.op === 'import')) await refreshGrid();
    }
  } catch (e) {
    showError(e, { title: `Could not follow a change${e?.code ? ` (${e.code})` : ''}` });
  } finally {
    running = false;
  }
}

/** Follows `db`'s changes; returns the unsubscribe function. */
export function followChanges(db) {
  return db.onChange((e) => {
    demo.changes++;
    const mine = own.delete(keyOf(e.op, e.ids));
    pending ??= { deleted: new Set(), foreign: [], all: [] };
    pending.all.push(e);
    if (e.op === 'delete') e.ids.forEach((id) => pending.deleted.add(id));
    if (!mine) pending.foreign.push(e);
    if (!running) refresh();
  });
}
