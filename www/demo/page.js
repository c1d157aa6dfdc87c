// What every part of the demo shares: the database path, the image geometry, the page's
// elements, the URL parameters and the mutable state, and the figures the tests read.
export const DB_PATH = 'fashion-mnist.db';
export const SIDE = 28;
export const DIM = SIDE * SIDE;
export const BATCH = 1000;
export const MAX_N = 60000;
export const GRID_SIZE = 48;
export const CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
export const $ = (id) => document.getElementById(id);
export const el = {
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

export const params = new URLSearchParams(location.search);
export const state = {
  db: null,
  count: 0,
  busy: false,          // loading or clearing
  target: clampN(Number(params.get('n') ?? 10000)),
  query: null,          // { vector: Float32Array, pixels: Uint8Array, label?: number, title, id? }
  seed: 1,
  searchSeq: 0,
};

// What the test (and a curious developer in the console) can read.
export const demo = { inserted: 0, loadMs: 0, insertMs: 0, throughput: 0, lastQueryMs: null, found: null };
window.__demo = demo;

export function clampN(n) {
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), MAX_N) : 10000;
}

// ---------------------------------------------------------------------------------------
