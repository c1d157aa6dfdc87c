// Errors, status line, details and the progress bar.
import { VectorDBError } from 'sqlite-vector';
import { el, state } from './page.js';

// Errors and status

export const HINTS = {
  LOCKED: 'The database is open in another tab or window. Close the other tab, then press Retry.',
  QUOTA_EXCEEDED: 'The browser ran out of storage for this site. Load fewer images or clear the database. Nothing was half-written.',
  DIMENSION_MISMATCH: 'The stored database holds vectors of another length. Clear the database to start again.',
  CORRUPT: 'The stored database is damaged or not a sqlite-vector database. Clear the database to start again.',
  BACKEND_UNAVAILABLE: 'This browser cannot run the database (it needs Web Workers, WebAssembly and the Origin Private File System).',
  CLOSED: 'The database was closed. Reload the page.',
  DUPLICATE_ID: 'Some of these images are already in the database; nothing of that batch was written.',
};

export let retryAction = null;

export function showError(err, { title, retry } = {}) {
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

export function clearError() {
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

export function setStatus(text, stateName) {
  el.status.textContent = text;
  el.status.dataset.state = stateName;
  el.status.dataset.count = String(state.count);
}

export const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} kB`);
export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

export async function showDetails() {
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
