// The error banner: every failure the page meets ends up here, with a hint for the
// library's error codes and, where trying again can help, a Retry button.
import { VectorDBError } from 'sqlite-vector';

const HINTS = {
  LOCKED: 'The database is open in another tab or window. Close the other tab, then press Retry.',
  QUOTA_EXCEEDED: 'The browser ran out of storage for this site. Load fewer images or clear the database. Nothing was half-written.',
  DIMENSION_MISMATCH: 'The stored database holds vectors of another length. Clear the database to start again.',
  CORRUPT: 'The stored database is damaged or not a sqlite-vector database. Clear the database to start again.',
  BACKEND_UNAVAILABLE: 'This browser cannot run the database (it needs Web Workers, WebAssembly and the Origin Private File System).',
  CLOSED: 'The database was closed. Reload the page.',
  DUPLICATE_ID: 'Some of these images are already in the database; nothing of that batch was written.',
};

const $ = (id) => document.getElementById(id);
const el = {
  error: $('error'), errorTitle: $('error-title'), errorMessage: $('error-message'),
  errorRetry: $('error-retry'), errorDismiss: $('error-dismiss'),
};

let retryAction = null;

/** `note` is appended to the message: what the user can do that the error cannot know. */
export function showError(err, { title, retry, note } = {}) {
  console.error(err);
  const isDbError = err instanceof VectorDBError;
  const code = isDbError ? err.code : err?.name && err.name !== 'Error' ? err.name : null;
  el.errorTitle.textContent = title ?? (code ? `Error (${code})` : 'Error');
  const hint = isDbError ? HINTS[err.code] : null;
  const message = String(err?.message ?? err);
  el.errorMessage.textContent = (hint ? `${hint} (${message})` : message) + (note ?? '');
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

export function setupErrors() {
  el.errorDismiss.addEventListener('click', clearError);
  el.errorRetry.addEventListener('click', () => {
    const action = retryAction;
    clearError();
    action?.();
  });
  window.addEventListener('unhandledrejection', (e) => showError(e.reason));
  window.addEventListener('error', (e) => e.error && showError(e.error));
}
