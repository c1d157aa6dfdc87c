// The page's one database: opening it (and, when it is empty, filling it), loading more
// images into it, and deleting it from OPFS.
import { createVectorDB } from 'sqlite-vector';
import { state, demo } from './state.js';
import { DIM, CLASSES, fetchImages } from './data.js';
import { fmtBytes, fmtInt } from './format.js';
import { showError, clearError } from './errors.js';
import { setStatus, showCount, showDetails, updateButtons, setProgress, hideProgress } from './db-card.js';
import { refreshGrid } from './grid.js';
import { resetQuery } from './search.js';
import { followChanges, expectOwn } from './changes.js';

const DB_PATH = 'fashion-mnist.db';
const BATCH = 1000;

let unfollow = () => {};

/** The page's database from now on; its changes, from any tab, are followed (changes.js). */
function adopt(db) {
  unfollow();
  state.db = db;
  unfollow = followChanges(db);
}

/**
 * The first train index a load adds: one past the last train-<i> stored. Loads add images in
 * order, so the stored ones are a prefix, less any deleted since: a binary search over
 * db.get finds its end (a deleted image inside it may end the search early; the load's upsert
 * then puts such images back).
 */
async function nextTrainIndex(db, count) {
  if (count === 0) return 0;
  let lo = 0;
  let hi = 60000; // no train image has this index
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await db.get(`train-${mid}`)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function openDatabase() {
  clearError();
  state.busy = true;
  updateButtons();
  setStatus(`Opening ${DB_PATH}…`, 'opening');
  try {
    const db = await createVectorDB({ path: DB_PATH, dimension: DIM, metric: 'cosine' });
    try {
      await db.initialize();
    } catch (e) {
      db.close().catch(() => {});
      throw e;
    }
    adopt(db);
    const s = await db.stats();
    state.count = s.count;
    demo.found = s.count;
  } catch (e) {
    state.busy = false;
    setStatus(e?.code === 'LOCKED' ? 'The database is open in another tab' : 'Could not open the database', 'error');
    updateButtons();
    showError(e, { title: e?.code === 'LOCKED' ? 'Database in use (LOCKED)' : undefined, retry: openDatabase });
    return;
  }
  state.busy = false;
  await showDetails();
  if (state.count === 0) {
    await loadImages(state.target);
  } else {
    const more = state.count < state.target ? ` — press Load to add ${state.target - state.count} more` : '';
    setStatus(`Found ${state.count} vectors in ${DB_PATH}${more}`, 'ready');
  }
  await refreshGrid();
}

/**
 * Adds train images up to index n-1 (ids train-<i>, so a later load continues where this one
 * stopped). When the database holds other vectors too (drawings) or lost some (deleted), the
 * batches are upserts, so that nothing already stored is refused as a duplicate.
 */
export async function loadImages(n) {
  if (state.busy || !state.db) return;
  clearError();
  state.busy = true;
  updateButtons();
  const db = state.db;
  let start;
  let upsert;
  try {
    start = await nextTrainIndex(db, state.count);
    upsert = start !== state.count;
    setStatus(`Downloading ${n} images…`, 'loading');
    setProgress(0, 'Downloading…');
    const data = await fetchImages('train', n, (f, bytes) => setProgress(f * 0.1, `Downloading images: ${fmtBytes(bytes)}`));
    n = data.n;
    setStatus(`Loading ${n - start} vectors into ${DB_PATH}…`, 'loading');
    const t0 = performance.now();
    let insertMs = 0;
    for (let from = start; from < n; from += BATCH) {
      const to = Math.min(n, from + BATCH);
      const batch = new Array(to - from);
      const floats = new Float32Array((to - from) * DIM);
      const px = data.pixels.subarray(from * DIM, to * DIM);
      for (let j = 0; j < floats.length; j++) floats[j] = px[j] / 255;
      for (let i = from; i < to; i++) {
        const label = data.labels[i];
        batch[i - from] = {
          id: `train-${i}`,
          embedding: floats.subarray((i - from) * DIM, (i - from + 1) * DIM),
          metadata: { label, class: CLASSES[label], index: i },
        };
      }
      const b0 = performance.now();
      const ids = batch.map((v) => v.id);
      const forget = expectOwn(upsert ? 'upsert' : 'insert', ids);
      await (upsert ? db.upsertBatch(batch) : db.insertBatch(batch)).catch((e) => {
        forget();
        throw e;
      });
      insertMs += performance.now() - b0;
      if (!upsert) state.count = to;
      demo.inserted = to - start;
      const elapsed = (performance.now() - t0) / 1000;
      const rate = (to - start) / elapsed;
      setProgress(0.1 + 0.9 * ((to - start) / (n - start)),
        `${fmtInt(to)} / ${fmtInt(n)} vectors · ${fmtInt(rate)} vectors/s · ${elapsed.toFixed(1)} s`);
      showCount();
    }
    if (upsert) state.count = (await db.stats()).count;
    const ms = performance.now() - t0;
    const inserted = Math.max(0, n - start);
    demo.loadMs = ms;
    demo.insertMs = insertMs;
    demo.throughput = inserted / (ms / 1000);
    setProgress(1, `Loaded ${fmtInt(inserted)} vectors in ${(ms / 1000).toFixed(2)} s · ${fmtInt(demo.throughput)} vectors/s ` +
      `(batches of ${BATCH}, insertBatch alone ${fmtInt(inserted / (insertMs / 1000))} vectors/s)`);
    state.busy = false;
    setStatus(`Loaded ${inserted} vectors (${fmtInt(demo.throughput)} vectors/s) — ${state.count} vectors in ${DB_PATH}`, 'ready');
  } catch (e) {
    state.busy = false;
    setStatus(`${state.count} vectors in ${DB_PATH} (loading stopped)`, 'error');
    showError(e, { title: `Loading failed${e?.code ? ` (${e.code})` : ''}` });
  }
  await showDetails().catch(showError);
}

export async function clearDatabase() {
  if (state.busy) return;
  if (!confirm(`Delete ${DB_PATH} (${state.count} vectors) from this browser's storage?`)) return;
  clearError();
  state.busy = true;
  updateButtons();
  setStatus('Clearing…', 'opening');
  try {
    if (state.db) {
      const db = state.db;
      state.db = null;
      unfollow();
      unfollow = () => {};
      await db.close();
    }
    const root = await navigator.storage.getDirectory();
    // The worker is gone once close() returns; its file handles are released soon after.
    for (let attempt = 0; ; attempt++) {
      try {
        await root.removeEntry('.sqlite-vector', { recursive: true });
        break;
      } catch (e) {
        if (e.name === 'NotFoundError') break;
        if (attempt >= 10 || e.name !== 'NoModificationAllowedError') throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    state.busy = false;
    setStatus('Could not clear the database', 'error');
    showError(e, {
      title: `Could not delete the database${e?.name ? ` (${e.name})` : ''}`,
      retry: () => location.reload(),
      note: ' — another tab may still be using it. Close other tabs of this page and retry.',
    });
    return;
  }
  state.busy = false;
  state.count = 0;
  demo.inserted = 0;
  hideProgress();
  resetQuery();
  // Reopen an empty database and wait for the user to press Load.
  try {
    const db = await createVectorDB({ path: DB_PATH, dimension: DIM, metric: 'cosine' });
    await db.initialize();
    adopt(db);
    setStatus(`Database cleared: 0 vectors in ${DB_PATH}. Press Load to add images.`, 'ready');
    await showDetails();
    await refreshGrid();
  } catch (e) {
    setStatus('Could not reopen the database', 'error');
    showError(e, { retry: openDatabase });
  }
}
