// The demo's service worker: the app works offline after one visit.
//
// This file is a template. The build (scripts/sw-plugin.mjs, run by webpack) writes
// dist/demo/sw.js from it, replacing PRECACHE below with the files it actually emitted:
//   shell: every file of dist/demo/ but the source maps, sw.js and data/ (html, css, the
//          bundled page, the library's worker chunks and wasm, the manifest, the icons);
//   data:  dist/demo/data/* (the converted Fashion-MNIST files the page fetches);
// each with a version, a hash of those files' bytes. Cache names carry the version, so a new
// build installs into new caches and `activate` deletes every other cache of this demo; the
// data cache keeps its name while the data does not change, so a new shell does not download
// it again.
//
// Requests for a precached file are answered from the cache (a navigation to the demo's
// directory, with any ?query, is answered with index.html); everything else goes to the network.
const PRECACHE = self.__SV_PRECACHE__; // { version, shell: { version, urls }, data: { version, urls } }
if (!PRECACHE) throw new Error('sw.js is the unbuilt template: serve dist/demo/ (npm run build)');

const PREFIX = 'sqlite-vector-demo-';
const SHELL = `${PREFIX}shell-${PRECACHE.shell.version}`;
const DATA = `${PREFIX}data-${PRECACHE.data.version}`;
const scope = new URL(self.registration.scope);
const abs = (u) => new URL(u, scope).href;
const CACHE_OF = new Map([
  ...PRECACHE.shell.urls.map((u) => [abs(u), SHELL]),
  ...PRECACHE.data.urls.map((u) => [abs(u), DATA]),
]);

/** Fills `name` with the `urls` it lacks, bypassing the HTTP cache; one failure fails the install. */
async function fill(name, urls) {
  const cache = await caches.open(name);
  const missing = [];
  for (const u of urls) if (!(await cache.match(abs(u)))) missing.push(u);
  await Promise.all(missing.map(async (u) => {
    const res = await fetch(new Request(abs(u), { cache: 'reload' }));
    if (!res.ok) throw new Error(`precache ${u}: HTTP ${res.status}`);
    await cache.put(abs(u), res);
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await fill(SHELL, PRECACHE.shell.urls);
    await fill(DATA, PRECACHE.data.urls);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== SHELL && name !== DATA) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The precached URL a request stands for, or null. */
function precached(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  url.hash = '';
  if (request.mode === 'navigate' && url.origin === scope.origin &&
      (url.pathname === scope.pathname || url.pathname === `${scope.pathname}index.html`)) {
    return abs('index.html');
  }
  url.search = '';
  return CACHE_OF.has(url.href) ? url.href : null;
}

self.addEventListener('fetch', (event) => {
  const key = precached(event.request);
  if (!key) return; // the network, as if there were no service worker
  event.respondWith((async () => {
    const hit = await (await caches.open(CACHE_OF.get(key))).match(key);
    return hit ?? fetch(event.request);
  })());
});
