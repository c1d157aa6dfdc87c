// The query and searching with it. A query comes from the grid, a drawing, an upload or a
// hit; any change of metric, class or k searches again.
import { state, demo } from './state.js';
import { DIM, CLASSES } from './data.js';
import { paint } from './ink.js';
import { fmtInt } from './format.js';
import { showError } from './errors.js';
import { showResults } from './results.js';

const $ = (id) => document.getElementById(id);
const el = {
  metric: $('metric'), classFilter: $('class-filter'), k: $('k'),
  queryCanvas: $('query-canvas'), queryLabel: $('query-label'), querySummary: $('query-summary'), queryTime: $('query-time'),
};

let query = null; // { vector: Float32Array, label?: number, title, id? }
let searchSeq = 0;

export function setQuery(q) {
  query = q;
  paint(el.queryCanvas, q.vector);
  el.queryLabel.textContent = q.title;
  search();
}

/** No query: how the page starts, and what clearing the database leaves. */
export function resetQuery() {
  query = null;
  el.queryLabel.textContent = 'Pick an image, draw one, or upload a photo.';
  el.querySummary.textContent = '';
  el.queryTime.textContent = '';
  paint(el.queryCanvas, new Uint8Array(DIM));
  showResults([]);
}

/** Searches again with the current query (after the database changed); no query, no search. */
export function refreshSearch() {
  return search();
}

async function search() {
  const q = query;
  if (!q || !state.db) return;
  const seq = ++searchSeq;
  const metric = el.metric.value;
  const k = Number(el.k.value);
  const filterValue = el.classFilter.value;
  const options = { metric, includeEmbedding: true };
  if (filterValue !== '') options.filter = { label: Number(filterValue) };
  try {
    const t0 = performance.now();
    const results = await state.db.search(q.vector, k, options);
    const ms = performance.now() - t0;
    if (seq !== searchSeq) return; // a newer query is under way
    demo.lastQueryMs = ms;
    showResults(results, { metric, queryLabel: q.label, filter: filterValue, query: q, onPick: setQuery });
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
    if (seq !== searchSeq) return;
    showError(e, { title: `Search failed${e?.code ? ` (${e.code})` : ''}` });
  }
}

export function setupSearch() {
  for (let i = 0; i < CLASSES.length; i++) {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = CLASSES[i];
    el.classFilter.append(o);
  }
  el.metric.addEventListener('change', search);
  el.classFilter.addEventListener('change', search);
  el.k.addEventListener('change', search);
}

