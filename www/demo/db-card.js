// The database card at the top of the page: the status line (its text, data-state and
// data-count are what the e2e test waits on), the details, the progress bar, and the
// Images / Load / Clear controls. The number of images to hold lives in the URL (?n=), so a
// reload or a shared link asks for the same.
import { state } from './state.js';
import { fmtBytes, fmtInt } from './format.js';

const MAX_N = 60000;

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'), details: $('details'),
  loadN: $('load-n'), load: $('load'), clear: $('clear'),
  progressWrap: $('progress-wrap'), progress: $('progress'), progressBar: $('progress-bar'), progressText: $('progress-text'),
};

function clampN(n) {
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), MAX_N) : 10000;
}

export function setStatus(text, stateName) {
  el.status.textContent = text;
  el.status.dataset.state = stateName;
  showCount();
}

/** During a load the count moves on batch by batch while the status text stays. */
export function showCount() {
  el.status.dataset.count = String(state.count);
}

export async function showDetails() {
  if (!state.db) {
    el.details.textContent = '';
    return;
  }
  const s = await state.db.stats();
  state.count = s.count;
  showCount();
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

export function updateButtons() {
  const n = Number(el.loadN.value);
  el.load.disabled = state.busy || !state.db || state.count >= n;
  el.load.textContent = state.count > 0 && state.count < n ? `Load ${fmtInt(n - state.count)} more` : 'Load';
  el.clear.disabled = state.busy;
}

export function setProgress(fraction, text) {
  el.progressWrap.hidden = false;
  const pct = Math.max(0, Math.min(100, fraction * 100));
  el.progressBar.style.width = `${pct}%`;
  el.progress.setAttribute('aria-valuenow', pct.toFixed(0));
  el.progressText.textContent = text;
}

export function hideProgress() {
  el.progressWrap.hidden = true;
}

/** Reads ?n= into state.target and wires the controls: onLoad(n) and onClear(). */
export function setupDbCard({ onLoad, onClear }) {
  state.target = clampN(Number(new URLSearchParams(location.search).get('n') ?? 10000));
  // A ?n= that is not one of the choices becomes one, in order.
  if (![...el.loadN.options].some((o) => Number(o.value) === state.target)) {
    const o = document.createElement('option');
    o.value = String(state.target);
    o.textContent = fmtInt(state.target);
    el.loadN.append(o);
    [...el.loadN.options].sort((a, b) => a.value - b.value).forEach((opt) => el.loadN.append(opt));
  }
  el.loadN.value = String(state.target);

  el.load.addEventListener('click', () => onLoad(Number(el.loadN.value)));
  el.clear.addEventListener('click', onClear);
  el.loadN.addEventListener('change', () => {
    state.target = Number(el.loadN.value);
    const u = new URL(location.href);
    u.searchParams.set('n', String(state.target));
    history.replaceState(null, '', u);
    updateButtons();
  });
}
