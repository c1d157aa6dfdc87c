// What more than one module needs to know about the database: the open handle and how many
// vectors it holds. The query (search.js) and the grid's sample (grid.js) stay with their owners.
export const state = {
  db: null,
  count: 0,
  busy: false,   // loading or clearing
  target: 10000, // images the page is asked to hold; db-card.js sets it from ?n=
};

// What the test (and a curious developer in the console) can read.
export const demo = {
  inserted: 0, loadMs: 0, insertMs: 0, throughput: 0, lastQueryMs: null, found: null,
  changes: 0,          // onChange events seen (changes.js), this tab's and other tabs'
  offlineReady: false, // a service worker controls the page (offline.js)
};
window.__demo = demo;
