// Search: the query panel, the filters and the results.
import { imageCanvas, paint } from './images.js';
import { CLASSES, DIM, demo, el, state } from './page.js';
import { fmtInt, showError } from './status.js';

for (let i = 0; i < CLASSES.length; i++) {
  const o = document.createElement('option');
  o.value = String(i);
  o.textContent = CLASSES[i];
  el.classFilter.append(o);
}

export function setQuery(q) {
  state.query = q;
  paint(el.queryCanvas, q.vector);
  el.queryLabel.textContent = q.title;
  search();
}

export function formatScore(score, metric) {
  if (metric === 'cosine') return score.toFixed(4);
  if (metric === 'euclidean') return score.toFixed(3);
  return score.toFixed(2);
}

export function setResults(results, metric, queryLabel, filter = '') {
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

export async function search() {
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
