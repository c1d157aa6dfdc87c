// The results list: one card per hit (data-testid="result", with its id, score and label
// in data-*), marked same or other class than the query. Clicking a hit searches with it; its
// × button (data-testid="delete") deletes it from the database, in every tab (changes.js).
import { DIM } from './data.js';
import { imageCanvas } from './ink.js';
import { deleteVector } from './edit.js';

const el = { results: document.getElementById('results') };

function formatScore(score, metric) {
  if (metric === 'cosine') return score.toFixed(4);
  if (metric === 'euclidean') return score.toFixed(3);
  return score.toFixed(2);
}

/**
 * `query` is the query shown now (null when there is none), `queryLabel` the class of the one
 * these results answer; `onPick(query)` receives a hit as a new query.
 */
export function showResults(results, { metric, queryLabel, filter = '', query = null, onPick } = {}) {
  // For tests and screen readers: what the shown results answer.
  el.results.dataset.metric = metric ?? '';
  el.results.dataset.filter = filter;
  el.results.dataset.query = query?.id ?? query?.title ?? '';
  el.results.replaceChildren(...results.map((r, rank) => {
    const label = r.metadata?.label;
    const b = document.createElement('div');
    b.className = 'result';
    b.dataset.testid = 'result';
    b.dataset.id = r.id;
    b.dataset.score = String(r.score);
    if (label !== undefined) b.dataset.label = String(label);
    const same = queryLabel !== undefined && label !== undefined ? label === queryLabel : null;
    if (same !== null) b.classList.add(same ? 'same' : 'other');
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'pick';
    pick.title = `${r.id} · ${r.metadata?.class ?? ''} · ${metric} ${r.score}\nClick to search with this image`;
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
    pick.append(rankEl, imageCanvas(r.embedding ?? new Float32Array(DIM), r.id), meta);
    pick.addEventListener('click', () => {
      if (r.embedding) onPick({ vector: new Float32Array(r.embedding), label, title: `${r.id} · ${r.metadata?.class ?? ''}`, id: r.id });
    });
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'del';
    del.dataset.testid = 'delete';
    del.textContent = '×';
    del.title = `Delete ${r.id} from the database`;
    del.setAttribute('aria-label', `Delete ${r.id}`);
    del.addEventListener('click', () => {
      del.disabled = true;
      deleteVector(r.id).then((deleted) => { del.disabled = deleted; }); // a refresh removes the card
    });
    b.append(pick, del);
    return b;
  }));
  el.results.classList.toggle('empty', results.length === 0);
  el.results.dataset.empty = query ? 'No results (is the database empty, or the filter too narrow?)' : 'Results appear here.';
}
