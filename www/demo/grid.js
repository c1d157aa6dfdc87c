// The grid of images to pick a query from: a sample of the database, or of the test set
// (images the database has never seen). Each tile is data-testid="tile" with its id and label.
import { state } from './state.js';
import { DIM, CLASSES, fetchImages } from './data.js';
import { imageCanvas } from './ink.js';
import { setQuery } from './search.js';
import { showError } from './errors.js';

const GRID_SIZE = 48;

const $ = (id) => document.getElementById(id);
const el = { grid: $('grid'), gridSource: $('grid-source'), shuffle: $('shuffle') };

let seed = 1;
let gridSeq = 0;

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

/** A query from elsewhere (drawing, upload) is no tile's. */
export function deselectTiles() {
  el.grid.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
}

/** The ids of the tiles shown now. */
export function shownTileIds() {
  return [...el.grid.querySelectorAll('[data-testid="tile"]')].map((t) => t.dataset.id);
}

export async function refreshGrid() {
  const seq = ++gridSeq;
  const source = el.gridSource.value;
  let items = [];
  try {
    if (source === 'db') {
      if (state.db && state.count > 0) {
        const indices = sample(state.count, GRID_SIZE, seed);
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
      items = sample(data.n, GRID_SIZE, seed).map((i) => ({
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
      deselectTiles();
      b.classList.add('selected');
      const pixels = item.ink instanceof Float32Array ? item.ink : Float32Array.from(item.ink, (v) => v / 255);
      setQuery({ vector: pixels, label: item.label, title: item.title, id: item.id });
    });
    return b;
  }));
  el.grid.classList.toggle('empty', items.length === 0);
  el.grid.dataset.empty = source === 'db' ? 'The database is empty. Press Load to add images.' : 'No images.';
}

export function setupGrid() {
  el.shuffle.addEventListener('click', () => {
    seed = (seed * 1103515245 + 12345) >>> 0 || 1;
    refreshGrid();
  });
  el.gridSource.addEventListener('change', refreshGrid);
}
