// The Fashion-MNIST demo: real images as 784-dimensional vectors in sqlite-vector, persisted in
// OPFS, searched by example (click an image), by drawing, or by an uploaded photo.
// Plain DOM, no framework. The library is imported the way any user would import it.
import { createVectorDB, VectorDBError } from 'sqlite-vector';

const DB_PATH = 'fashion-mnist.db';
const SIDE = 28;
const DIM = SIDE * SIDE;
const BATCH = 1000;
const MAX_N = 60000;
const GRID_SIZE = 48;
const CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
const DATA_MAGIC = 'FMN1';
const DATA_HEADER = 16;

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'), details: $('details'),
  loadN: $('load-n'), load: $('load'), clear: $('clear'),
  progressWrap: $('progress-wrap'), progress: $('progress'), progressBar: $('progress-bar'), progressText: $('progress-text'),
  error: $('error'), errorTitle: $('error-title'), errorMessage: $('error-message'), errorRetry: $('error-retry'), errorDismiss: $('error-dismiss'),
  grid: $('grid'), gridSource: $('grid-source'), shuffle: $('shuffle'),
  draw: $('draw'), brush: $('brush'), drawClear: $('draw-clear'), drawPreview: $('draw-preview'),
  drop: $('drop'), file: $('file'), uploadPreview: $('upload-preview'), uploadImg: $('upload-img'), uploadPx: $('upload-px'),
  metric: $('metric'), classFilter: $('class-filter'), k: $('k'),
  queryCanvas: $('query-canvas'), queryLabel: $('query-label'), querySummary: $('query-summary'), queryTime: $('query-time'),
  results: $('results'),
};

const params = new URLSearchParams(location.search);
const state = {
  db: null,
  count: 0,
  busy: false,          // loading or clearing
  target: clampN(Number(params.get('n') ?? 10000)),
  query: null,          // { vector: Float32Array, pixels: Uint8Array, label?: number, title, id? }
  seed: 1,
  searchSeq: 0,
};

// What the test (and a curious developer in the console) can read.
const demo = { inserted: 0, loadMs: 0, insertMs: 0, throughput: 0, lastQueryMs: null, found: null };
window.__demo = demo;

function clampN(n) {
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), MAX_N) : 10000;
}

// ---------------------------------------------------------------------------------------
// Errors and status

const HINTS = {
  LOCKED: 'The database is open in another tab or window. Close the other tab, then press Retry.',
  QUOTA_EXCEEDED: 'The browser ran out of storage for this site. Load fewer images or clear the database. Nothing was half-written.',
  DIMENSION_MISMATCH: 'The stored database holds vectors of another length. Clear the database to start again.',
  CORRUPT: 'The stored database is damaged or not a sqlite-vector database. Clear the database to start again.',
  BACKEND_UNAVAILABLE: 'This browser cannot run the database (it needs Web Workers, WebAssembly and the Origin Private File System).',
  CLOSED: 'The database was closed. Reload the page.',
  DUPLICATE_ID: 'Some of these images are already in the database; nothing of that batch was written.',
};

let retryAction = null;

function showError(err, { title, retry } = {}) {
  console.error(err);
  const isDbError = err instanceof VectorDBError;
  const code = isDbError ? err.code : err?.name && err.name !== 'Error' ? err.name : null;
  el.errorTitle.textContent = title ?? (code ? `Error (${code})` : 'Error');
  const hint = isDbError ? HINTS[err.code] : null;
  const message = String(err?.message ?? err);
  el.errorMessage.textContent = hint ? `${hint} (${message})` : message;
  el.error.dataset.code = code ?? '';
  retryAction = retry ?? null;
  el.errorRetry.hidden = !retryAction;
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
  el.error.dataset.code = '';
  el.errorMessage.textContent = '';
  retryAction = null;
}

el.errorDismiss.addEventListener('click', clearError);
el.errorRetry.addEventListener('click', () => {
  const action = retryAction;
  clearError();
  action?.();
});
window.addEventListener('unhandledrejection', (e) => showError(e.reason));
window.addEventListener('error', (e) => e.error && showError(e.error));

function setStatus(text, stateName) {
  el.status.textContent = text;
  el.status.dataset.state = stateName;
  el.status.dataset.count = String(state.count);
}

const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} kB`);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

async function showDetails() {
  if (!state.db) {
    el.details.textContent = '';
    return;
  }
  const s = await state.db.stats();
  state.count = s.count;
  el.status.dataset.count = String(s.count);
  const parts = [
    `${s.path}`,
    `${s.backend} backend`,
    s.persistent ? 'persisted in OPFS' : 'in memory',
    `${fmtBytes(s.size)} on disk`,
  ];
  if (s.dimension) parts.push(`${s.dimension} dimensions`);
  try {
    const est = await navigator.storage?.estimate?.();
    if (est?.quota) parts.push(`site storage ${fmtBytes(est.usage ?? 0)} of ${fmtBytes(est.quota)}`);
  } catch { /* optional */ }
  el.details.textContent = parts.join(' · ');
  updateButtons();
}

function updateButtons() {
  const n = Number(el.loadN.value);
  el.load.disabled = state.busy || !state.db || state.count >= n;
  el.load.textContent = state.count > 0 && state.count < n ? `Load ${fmtInt(n - state.count)} more` : 'Load';
  el.clear.disabled = state.busy;
}

function setProgress(fraction, text) {
  el.progressWrap.hidden = false;
  const pct = Math.max(0, Math.min(100, fraction * 100));
  el.progressBar.style.width = `${pct}%`;
  el.progress.setAttribute('aria-valuenow', pct.toFixed(0));
  el.progressText.textContent = text;
}

// ---------------------------------------------------------------------------------------
// Data: the converted Fashion-MNIST files (scripts/fashion-mnist.mjs). Labels come before
// the pixels, so reading a prefix of the file is enough for the first n images: the file is
// streamed and the download stops as soon as those are in.

const datasets = new Map(); // split -> { n, total, labels, pixels }

async function fetchImages(split, n, onProgress) {
  const have = datasets.get(split);
  if (have && have.n >= n) return have;
  const url = new URL(`data/fashion-mnist-${split}.bin`, location.href);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`could not download ${url.pathname}: ${e.message}`);
  }
  if (!res.ok) throw new Error(`could not download ${url.pathname}: HTTP ${res.status} (was the demo built with npm run build?)`);
  const reader = res.body.getReader();
  let head = new Uint8Array(0);
  let out = null;
  let filled = 0;
  let needed = Infinity;
  let total = 0;
  while (filled < needed) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = value;
    if (!out) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      if (joined.length < DATA_HEADER) {
        head = joined;
        continue;
      }
      const magic = String.fromCharCode(...joined.subarray(0, 4));
      if (magic !== DATA_MAGIC) throw new Error(`${url.pathname} is not a converted Fashion-MNIST file`);
      const view = new DataView(joined.buffer, joined.byteOffset, DATA_HEADER);
      total = view.getUint32(4, true);
      if (view.getUint32(8, true) !== SIDE || view.getUint32(12, true) !== SIDE) throw new Error(`${url.pathname}: unexpected image size`);
      n = Math.min(n, total);
      needed = DATA_HEADER + total + n * DIM;
      out = new Uint8Array(needed);
      chunk = joined;
    }
    const take = Math.min(chunk.length, needed - filled);
    out.set(chunk.subarray(0, take), filled);
    filled += take;
    onProgress?.(filled / needed, filled);
  }
  reader.cancel().catch(() => {});
  if (!out || filled < needed) throw new Error(`${url.pathname} ended early (${filled} of ${needed} bytes)`);
  const data = {
    n,
    total,
    labels: out.subarray(DATA_HEADER, DATA_HEADER + n),
    pixels: out.subarray(DATA_HEADER + total, DATA_HEADER + total + n * DIM),
  };
  datasets.set(split, data);
  return data;
}

// ---------------------------------------------------------------------------------------
// Opening and loading

async function openDatabase() {
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
    state.db = db;
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

async function loadImages(n) {
  if (state.busy || !state.db) return;
  clearError();
  state.busy = true;
  updateButtons();
  const start = state.count;
  const db = state.db;
  try {
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
      await db.insertBatch(batch);
      insertMs += performance.now() - b0;
      state.count = to;
      demo.inserted = to - start;
      const elapsed = (performance.now() - t0) / 1000;
      const rate = (to - start) / elapsed;
      setProgress(0.1 + 0.9 * ((to - start) / (n - start)),
        `${fmtInt(to)} / ${fmtInt(n)} vectors · ${fmtInt(rate)} vectors/s · ${elapsed.toFixed(1)} s`);
      el.status.dataset.count = String(to);
    }
    const ms = performance.now() - t0;
    const inserted = n - start;
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

async function clearDatabase() {
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
    });
    el.errorMessage.textContent += ' — another tab may still be using it. Close other tabs of this page and retry.';
    return;
  }
  state.busy = false;
  state.count = 0;
  demo.inserted = 0;
  el.progressWrap.hidden = true;
  state.query = null;
  el.queryLabel.textContent = 'Pick an image, draw one, or upload a photo.';
  el.querySummary.textContent = '';
  el.queryTime.textContent = '';
  paint(el.queryCanvas, new Uint8Array(DIM));
  setResults([]);
  // Reopen an empty database and wait for the user to press Load.
  try {
    const db = await createVectorDB({ path: DB_PATH, dimension: DIM, metric: 'cosine' });
    await db.initialize();
    state.db = db;
    setStatus(`Database cleared: 0 vectors in ${DB_PATH}. Press Load to add images.`, 'ready');
    await showDetails();
    await refreshGrid();
  } catch (e) {
    setStatus('Could not reopen the database', 'error');
    showError(e, { retry: openDatabase });
  }
}

el.load.addEventListener('click', () => loadImages(Number(el.loadN.value)).then(refreshGrid));
el.clear.addEventListener('click', clearDatabase);
el.loadN.addEventListener('change', () => {
  state.target = Number(el.loadN.value);
  const u = new URL(location.href);
  u.searchParams.set('n', String(state.target));
  history.replaceState(null, '', u);
  updateButtons();
});

// ---------------------------------------------------------------------------------------
// Drawing images. Pixels are "ink" values (0 = background, 255 = full), as in the data set;
// they are shown dark-on-light.

function paint(canvas, ink) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  const scale = ink instanceof Float32Array ? 255 : 1;
  for (let i = 0; i < DIM; i++) {
    const v = 255 - Math.max(0, Math.min(255, Math.round(ink[i] * scale)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function imageCanvas(ink, label) {
  const c = document.createElement('canvas');
  c.width = SIDE;
  c.height = SIDE;
  if (label) c.setAttribute('aria-label', label);
  c.setAttribute('role', 'img');
  paint(c, ink);
  return c;
}

// ---------------------------------------------------------------------------------------
// The grid of images to pick from

function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(n, size, seed) {
  const rand = mulberry32(seed);
  const picked = new Set();
  size = Math.min(size, n);
  while (picked.size < size) picked.add(Math.floor(rand() * n));
  return [...picked];
}

let gridSeq = 0;

async function refreshGrid() {
  const seq = ++gridSeq;
  const source = el.gridSource.value;
  let items = [];
  try {
    if (source === 'db') {
      if (state.db && state.count > 0) {
        const indices = sample(state.count, GRID_SIZE, state.seed);
        const rows = await Promise.all(indices.map((i) => state.db.get(`train-${i}`)));
        items = rows.filter(Boolean).map((r) => ({
          id: r.id,
          ink: r.embedding,
          label: r.metadata?.label,
          title: `${r.id} · ${r.metadata?.class ?? ''}`,
        }));
      }
    } else {
      const data = await fetchImages('t10k', 10000);
      items = sample(data.n, GRID_SIZE, state.seed).map((i) => ({
        id: `test-${i}`,
        ink: data.pixels.subarray(i * DIM, (i + 1) * DIM),
        label: data.labels[i],
        title: `test image ${i} · ${CLASSES[data.labels[i]]}`,
      }));
    }
  } catch (e) {
    showError(e);
  }
  if (seq !== gridSeq) return;
  el.grid.replaceChildren(...items.map((item) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tile';
    b.dataset.testid = 'tile';
    b.dataset.id = item.id;
    b.dataset.label = String(item.label);
    b.title = item.title;
    b.append(imageCanvas(item.ink, item.title));
    b.addEventListener('click', () => {
      el.grid.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
      b.classList.add('selected');
      const pixels = item.ink instanceof Float32Array ? item.ink : Float32Array.from(item.ink, (v) => v / 255);
      setQuery({ vector: pixels, label: item.label, title: item.title, id: item.id });
    });
    return b;
  }));
  el.grid.classList.toggle('empty', items.length === 0);
  el.grid.dataset.empty = source === 'db' ? 'The database is empty. Press Load to add images.' : 'No images.';
}

el.shuffle.addEventListener('click', () => {
  state.seed = (state.seed * 1103515245 + 12345) >>> 0 || 1;
  refreshGrid();
});
el.gridSource.addEventListener('change', refreshGrid);

// ---------------------------------------------------------------------------------------
// Search

for (let i = 0; i < CLASSES.length; i++) {
  const o = document.createElement('option');
  o.value = String(i);
  o.textContent = CLASSES[i];
  el.classFilter.append(o);
}

function setQuery(q) {
  state.query = q;
  paint(el.queryCanvas, q.vector);
  el.queryLabel.textContent = q.title;
  search();
}

function formatScore(score, metric) {
  if (metric === 'cosine') return score.toFixed(4);
  if (metric === 'euclidean') return score.toFixed(3);
  return score.toFixed(2);
}

function setResults(results, metric, queryLabel, filter = '') {
  // For tests and screen readers: what the shown results answer.
  el.results.dataset.metric = metric ?? '';
  el.results.dataset.filter = filter;
  el.results.dataset.query = state.query?.id ?? state.query?.title ?? '';
  el.results.replaceChildren(...results.map((r, rank) => {
    const label = r.metadata?.label;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'result';
    b.dataset.testid = 'result';
    b.dataset.id = r.id;
    b.dataset.score = String(r.score);
    if (label !== undefined) b.dataset.label = String(label);
    const same = queryLabel !== undefined && label !== undefined ? label === queryLabel : null;
    if (same !== null) b.classList.add(same ? 'same' : 'other');
    b.title = `${r.id} · ${r.metadata?.class ?? ''} · ${metric} ${r.score}\nClick to search with this image`;
    const rankEl = document.createElement('span');
    rankEl.className = 'rank';
    rankEl.textContent = String(rank + 1);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = formatScore(r.score, metric);
    const cls = document.createElement('span');
    cls.className = 'cls';
    if (same !== null) {
      const dot = document.createElement('span');
      dot.className = `dot ${same ? 'same' : 'other'}`;
      cls.append(dot);
    }
    cls.append(r.metadata?.class ?? '');
    const rid = document.createElement('span');
    rid.className = 'rid';
    rid.textContent = r.id;
    meta.append(score, cls, rid);
    b.append(rankEl, imageCanvas(r.embedding ?? new Float32Array(DIM), r.id), meta);
    b.addEventListener('click', () => {
      if (r.embedding) setQuery({ vector: new Float32Array(r.embedding), label, title: `${r.id} · ${r.metadata?.class ?? ''}`, id: r.id });
    });
    return b;
  }));
  el.results.classList.toggle('empty', results.length === 0);
  el.results.dataset.empty = state.query ? 'No results (is the database empty, or the filter too narrow?)' : 'Results appear here.';
}

async function search() {
  const q = state.query;
  if (!q || !state.db) return;
  const seq = ++state.searchSeq;
  const metric = el.metric.value;
  const k = Number(el.k.value);
  const filterValue = el.classFilter.value;
  const options = { metric, includeEmbedding: true };
  if (filterValue !== '') options.filter = { label: Number(filterValue) };
  try {
    const t0 = performance.now();
    const results = await state.db.search(q.vector, k, options);
    const ms = performance.now() - t0;
    if (seq !== state.searchSeq) return; // a newer query is under way
    demo.lastQueryMs = ms;
    setResults(results, metric, q.label, filterValue);
    const same = q.label !== undefined ? results.filter((r) => r.metadata?.label === q.label).length : null;
    el.queryTime.innerHTML = '';
    const strong = document.createElement('strong');
    strong.textContent = `${ms.toFixed(1)} ms`;
    el.queryTime.append(`${results.length} results in `, strong,
      filterValue === '' ? ` · exact search over ${fmtInt(state.count)} vectors` : ` · ${CLASSES[filterValue]} only`);
    el.queryTime.dataset.ms = ms.toFixed(3);
    const order = metric === 'euclidean' ? 'distance, lower is closer' : metric === 'cosine' ? 'similarity, higher is closer' : 'dot product, higher is closer';
    el.querySummary.textContent = `${metric} ${order}` +
      (same !== null && results.length ? ` · ${same} of ${results.length} are ${CLASSES[q.label]}` : '');
  } catch (e) {
    if (seq !== state.searchSeq) return;
    showError(e, { title: `Search failed${e?.code ? ` (${e.code})` : ''}` });
  }
}

el.metric.addEventListener('change', search);
el.classFilter.addEventListener('change', search);
el.k.addEventListener('change', search);

// ---------------------------------------------------------------------------------------
// Tabs

document.querySelectorAll('.tab').forEach((tab) => {
  tab.addEventListener('click', () => {
    document.querySelectorAll('.tab').forEach((t) => {
      const on = t === tab;
      t.classList.toggle('active', on);
      t.setAttribute('aria-selected', String(on));
    });
    document.querySelectorAll('.tab-panel').forEach((p) => {
      p.hidden = p.dataset.panel !== tab.dataset.tab;
    });
  });
});

// ---------------------------------------------------------------------------------------
// Drawing a query: ink on a 280x280 canvas, downscaled to 28x28

const drawCtx = el.draw.getContext('2d', { willReadFrequently: true });
function resetDrawing() {
  drawCtx.fillStyle = '#fff';
  drawCtx.fillRect(0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, new Uint8Array(DIM));
}
resetDrawing();

let drawing = null;
function canvasPoint(e) {
  const r = el.draw.getBoundingClientRect();
  return [(e.clientX - r.left) * (el.draw.width / r.width), (e.clientY - r.top) * (el.draw.height / r.height)];
}
el.draw.addEventListener('pointerdown', (e) => {
  el.draw.setPointerCapture(e.pointerId);
  drawing = canvasPoint(e);
  stroke(drawing, drawing);
});
el.draw.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = canvasPoint(e);
  stroke(drawing, p);
  drawing = p;
  drawingToPixels(false);
});
const endStroke = () => {
  if (!drawing) return;
  drawing = null;
  drawingToPixels(true);
};
el.draw.addEventListener('pointerup', endStroke);
el.draw.addEventListener('pointercancel', endStroke);
el.drawClear.addEventListener('click', resetDrawing);

function stroke([x0, y0], [x1, y1]) {
  drawCtx.strokeStyle = '#000';
  drawCtx.lineWidth = Number(el.brush.value);
  drawCtx.lineCap = 'round';
  drawCtx.lineJoin = 'round';
  drawCtx.beginPath();
  drawCtx.moveTo(x0, y0);
  drawCtx.lineTo(x1 + 0.01, y1);
  drawCtx.stroke();
}

const small = document.createElement('canvas');
small.width = SIDE;
small.height = SIDE;
const smallCtx = small.getContext('2d', { willReadFrequently: true });

/** Ink of a canvas region scaled into 28x28 (white background = 0 ink). */
function inkOf(source, sx, sy, sw, sh, invert = true) {
  smallCtx.fillStyle = invert ? '#fff' : '#000';
  smallCtx.fillRect(0, 0, SIDE, SIDE);
  smallCtx.imageSmoothingEnabled = true;
  smallCtx.imageSmoothingQuality = 'high';
  smallCtx.drawImage(source, sx, sy, sw, sh, 0, 0, SIDE, SIDE);
  const d = smallCtx.getImageData(0, 0, SIDE, SIDE).data;
  const out = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) {
    const gray = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255;
    out[i] = invert ? 1 - gray : gray;
  }
  return out;
}

function drawingToPixels(run) {
  const v = inkOf(el.draw, 0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, v);
  if (run) {
    if (v.every((x) => x < 0.01)) return;
    el.grid.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
    setQuery({ vector: v, title: 'Your drawing' });
  }
}

// ---------------------------------------------------------------------------------------
// Uploading a photo: grayscale, crop to the object, pad to a square, 28x28. The background
// (from the border) becomes 0 ink, as in Fashion-MNIST.

async function useFile(file) {
  if (!file) return;
  if (!file.type.startsWith('image/')) {
    showError(new Error(`${file.name} is not an image`));
    return;
  }
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 256 / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const work = document.createElement('canvas');
    work.width = w;
    work.height = h;
    const ctx = work.getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#fff'; // transparent PNGs: white background
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    bitmap.close?.();
    const d = ctx.getImageData(0, 0, w, h).data;
    const gray = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) gray[i] = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255;
    // Background level from the border.
    let sum = 0;
    let cnt = 0;
    for (let x = 0; x < w; x++) { sum += gray[x] + gray[(h - 1) * w + x]; cnt += 2; }
    for (let y = 0; y < h; y++) { sum += gray[y * w] + gray[y * w + w - 1]; cnt += 2; }
    const bg = sum / cnt;
    const lightBackground = bg >= 0.5;
    // Bounding box of the object: pixels that differ clearly from the background.
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (Math.abs(gray[y * w + x] - bg) > 0.12) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) { x0 = 0; y0 = 0; x1 = w - 1; y1 = h - 1; }
    // Square crop around the box, filled with the background.
    const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
    const sq = document.createElement('canvas');
    sq.width = side;
    sq.height = side;
    const sctx = sq.getContext('2d');
    const level = Math.round(bg * 255);
    sctx.fillStyle = `rgb(${level},${level},${level})`;
    sctx.fillRect(0, 0, side, side);
    sctx.drawImage(work, x0, y0, x1 - x0 + 1, y1 - y0 + 1,
      Math.floor((side - (x1 - x0 + 1)) / 2), Math.floor((side - (y1 - y0 + 1)) / 2), x1 - x0 + 1, y1 - y0 + 1);
    let v = inkOf(sq, 0, 0, side, side, lightBackground);
    // Background to 0 ink, full contrast.
    const bgInk = lightBackground ? 1 - bg : bg;
    let max = 0;
    for (let i = 0; i < DIM; i++) { v[i] = Math.max(0, v[i] - bgInk); if (v[i] > max) max = v[i]; }
    if (max > 0) v = v.map((x) => x / max);
    el.uploadImg.src = URL.createObjectURL(file);
    el.uploadImg.onload = () => URL.revokeObjectURL(el.uploadImg.src);
    paint(el.uploadPx, v);
    el.uploadPreview.hidden = false;
    el.grid.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
    setQuery({ vector: v, title: `Uploaded: ${file.name}` });
  } catch (e) {
    showError(e, { title: `Could not read ${file.name}` });
  }
}

el.file.addEventListener('change', () => useFile(el.file.files[0]));
el.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  el.drop.classList.add('over');
});
el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
el.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  el.drop.classList.remove('over');
  useFile(e.dataTransfer.files[0]);
});

// ---------------------------------------------------------------------------------------
// Start

if (![...el.loadN.options].some((o) => Number(o.value) === state.target)) {
  const o = document.createElement('option');
  o.value = String(state.target);
  o.textContent = fmtInt(state.target);
  el.loadN.append(o);
  [...el.loadN.options].sort((a, b) => a.value - b.value).forEach((opt) => el.loadN.append(opt));
}
el.loadN.value = String(state.target);
setResults([]);
paint(el.queryCanvas, new Uint8Array(DIM));
openDatabase();
