// WebKit: Debian's WebKitGTK MiniBrowser (package webkit2gtk-driver, installed with xvfb by
// scripts/setup.sh) under Xvfb, launched directly with OPFS switched on
// (--features=+FileSystem,+StorageAPI,+AccessHandle). In an automation (WebDriver) session
// WebKitGTK 2.50's getDirectory() rejects, so no WebDriver: tests/e2e/pages/webkit.html runs
// its checks itself and POSTs the outcome to a collector here.
//
// WebKitGTK 2.50 has createSyncAccessHandle, but it throws NotSupportedError, so a persistent
// database must be refused: createVectorDB rejects BACKEND_UNAVAILABLE naming that API (ESM
// entry and classic script). What does work there is checked too: a ':memory:' database in
// the worker (wasm SIMD), whose searches match the brute force over the shared fixtures.
//
// Skipped, saying why, only when the binaries are missing outside CI (CI=true: they must be there).
//
//   node --test tests/e2e/webkit.test.mjs
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { serveRoot, repo } from './harness.mjs';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = '/usr/bin/Xvfb';
const FEATURES = '--features=+FileSystem,+StorageAPI,+AccessHandle';
const missing = [MINIBROWSER, XVFB].filter((f) => !fs.existsSync(f));
const skip = missing.length && !process.env.CI
  ? `${missing.join(' and ')} missing (scripts/setup.sh installs webkit2gtk-driver and xvfb)` : false;
const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));

const children = [];
after(() => children.forEach(killGroup));

/** Kills a process we spawned (detached: its own process group) with everything it started. */
function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Starts Xvfb on a free display (it picks one: -displayfd); resolves to { display, child }. */
function startXvfb() {
  const child = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true,
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 10 s: ${err}`)), 10_000);
    let out = '';
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ display: `:${out.trim()}`, child });
      }
    });
    child.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${err}`)));
  });
}

/** A server collecting the page's POSTed JSON reports; `next(stage)` waits for one. */
async function startCollector() {
  const reports = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*' }).end();
      if (req.method !== 'POST') return;
      try {
        reports.push(JSON.parse(body));
      } catch {
        reports.push({ stage: 'unparsable', body });
      }
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/report`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    async next(stage, timeout, why) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const r = reports.find((x) => x.stage === stage);
        if (r) return r;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no '${stage}' report from the page in ${timeout} ms${why()}`);
        await new Promise((res) => { const t = setTimeout(res, left); waiters.push(() => { clearTimeout(t); res(); }); });
      }
    },
  };
}

function assertRefused(outcome, what) {
  assert.equal(outcome.ok, false, `${what}: a persistent database must be refused here, it opened`);
  assert.equal(outcome.error.isVectorDBError, true, `${what}: a VectorDBError (${JSON.stringify(outcome.error)})`);
  assert.equal(outcome.error.code, 'BACKEND_UNAVAILABLE', `${what}: ${outcome.error.code} ${outcome.error.message}`);
  assert.match(outcome.error.message, /OPFS sync access handles \(createSyncAccessHandle: .+\)/, `${what}: the message names the API`);
}

function assertSearches(outcome, what) {
  assert.equal(outcome.ok, true, `${what}: ${JSON.stringify(outcome.error)}`);
  const { searches, stats } = outcome.value;
  assert.equal(stats.persistent, false);
  assert.equal(stats.count, fixtures.vectors.length);
  assert.equal(searches.length, fixtures.queries.length * 3);
  for (const s of searches) {
    const opts = { metric: s.metric, filter: fixtures.filters[s.fi] };
    const q = fixtures.queries[s.qi];
    assertSameResults(s.res, bruteForce(fixtures.vectors, q, 7, opts), { pool: bruteForce(fixtures.vectors, q, Infinity, opts), message: `${what} q${s.qi} ${s.metric}` });
  }
}

test('WebKitGTK: no usable OPFS sync access handles → BACKEND_UNAVAILABLE naming the API; in memory it searches exactly', { skip, timeout: 90_000 }, async (t) => {
  assert.deepEqual(missing, [], 'CI=true: scripts/setup.sh must have installed webkit2gtk-driver and xvfb');
  const server = await serveRoot({ fixtures: path.join(repo, 'tests/fixtures') });
  const collector = await startCollector();
  const home = fs.mkdtempSync(path.join(server.tmp, 'webkit-home-'));
  let browser;
  let log = '';
  try {
    const { display } = await startXvfb();
    const version = execFileSync(MINIBROWSER, ['--version'], { env: { ...process.env, DISPLAY: display }, timeout: 10_000 }).toString().trim();
    const url = `${server.url}/webkit.html?report=${encodeURIComponent(collector.url)}&fixtures=${encodeURIComponent(`${server.url}/fixtures/fixtures.json`)}`;
    browser = spawn(MINIBROWSER, [FEATURES, url], {
      env: {
        ...process.env, DISPLAY: display, HOME: home, XDG_DATA_HOME: path.join(home, 'data'),
        XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config'),
        WEBKIT_DISABLE_COMPOSITING_MODE: '1', LIBGL_ALWAYS_SOFTWARE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    children.push(browser);
    browser.stdout.on('data', (d) => { log += d; });
    browser.stderr.on('data', (d) => { log += d; });
    const why = () => `\n--- MiniBrowser output ---\n${log.slice(-3000)}`;
    await collector.next('loaded', 30_000, why);
    const r = await collector.next('done', 45_000, why);
    assert.ok(!r.fatal, `the page failed: ${r.fatal}`);
    t.diagnostic(`${version} (${r.userAgent}); APIs on the page ${JSON.stringify(r.apis)}`);
    t.diagnostic(`createVectorDB({ path: 'webkit.db' }): ${r.persistent.error?.code}: ${r.persistent.error?.message}`);

    // What this engine has (on the page): Web Locks, OPFS, BroadcastChannel, wasm SIMD. In the
    // worker createSyncAccessHandle exists but throws: the refusal's message carries its error.
    assert.deepEqual(r.apis, { secureContext: true, webLocks: true, getDirectory: true, broadcastChannel: true, wasmSimd: true });
    assertRefused(r.persistent, 'ESM createVectorDB');
    assertRefused(r.persistentGlobal, 'SqliteVector.createVectorDB');
    assertSearches(r.memory, 'ESM :memory:');
    assertSearches(r.memoryGlobal, 'SqliteVector :memory:');
  } finally {
    if (browser) killGroup(browser);
    children.forEach(killGroup);
    await collector.close();
    await server.close();
  }
});
