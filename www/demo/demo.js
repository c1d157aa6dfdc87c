// The Fashion-MNIST demo: real images as 784-dimensional vectors in sqlite-vector, persisted in
// OPFS, searched by example (click an image), by drawing, or by an uploaded photo.
// Plain DOM, no framework. The library is imported the way any user would import it
// (`from 'sqlite-vector'`, in database.js and errors.js).
//
// Each module owns one piece of the page (its header says which); this one wires them
// together and starts: the database opens, and fills itself on a first visit. The service
// worker (offline.js) makes a second visit work offline; changes made in another tab sharing
// the database show here as they commit (changes.js).
import { setupErrors } from './errors.js';
import { setupDbCard } from './db-card.js';
import { openDatabase, loadImages, clearDatabase } from './database.js';
import { setupGrid, refreshGrid } from './grid.js';
import { setupSearch, resetQuery } from './search.js';
import { setupTabs } from './tabs.js';
import { setupDrawing } from './drawing.js';
import { setupUpload } from './upload.js';
import { setupOffline } from './offline.js';

setupErrors();
setupDbCard({ onLoad: (n) => loadImages(n).then(refreshGrid), onClear: clearDatabase });
setupGrid();
setupSearch();
setupTabs();
setupDrawing();
setupUpload();
setupOffline();
resetQuery();
openDatabase();
