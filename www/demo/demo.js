// The Fashion-MNIST demo: real images as 784-dimensional vectors in sqlite-vector, persisted in
// OPFS, searched by example (click an image), by drawing, or by an uploaded photo.
// Plain DOM, no framework. The library is imported the way any user would import it.
// Each part is a module of its own (page state, status, data, database, images, grid,
// search, drawing, upload); importing them wires their event listeners.
import { openDatabase } from './database.js';
import { paint } from './images.js';
import { DIM, el, state } from './page.js';
import { setResults } from './search.js';
import { fmtInt } from './status.js';
import './data.js';
import './grid.js';
import './drawing.js';
import './upload.js';

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
