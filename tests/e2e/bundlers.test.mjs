// The package inside apps built by bundlers, with no plugin and no configuration: the tiny app
// in tests/e2e/bundlers/app (a bare `import ... from 'sqlite-vector'`) is built with Vite and
// with esbuild (ESM and IIFE output) against a copy of the package as npm installs it, then run
// in headless Chromium: it inserts and searches with exact results (brute force in f64).
//
//   node --test tests/e2e/bundlers.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/serve.mjs';
import { withBrowser, repo, dist } from './harness.mjs';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';

const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));
let tmp;
let app;

before(() => {
  assert.ok(fs.existsSync(path.join(dist, 'inline-worker.js')), 'dist/inline-worker.js is missing: run `npm run build` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-bundlers-'));
  app = path.join(tmp, 'app');
  fs.cpSync(path.join(repo, 'tests/e2e/bundlers/app'), app, { recursive: true });
  // the package as `npm install sqlite-vector` lays it out: package.json and dist/
  const pkg = path.join(app, 'node_modules/sqlite-vector');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(dist, path.join(pkg, 'dist'), { recursive: true, filter: (src) => !src.includes(`${path.sep}demo`) });
});
after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Serves `root`, opens its index.html and runs the app on the fixtures. */
async function runApp(root) {
  const server = await startServer({ root });
  try {
    let out;
    await withBrowser({ tmp, url: server.url }, async ({ open }) => {
      const page = await open('app', 'index.html');
      out = await page.evaluate((fx) => window.run({ vectors: fx.vectors, queries: fx.queries, k: 5 }), fixtures);
    });
    return out;
  } finally {
    await server.close();
  }
}

function check(out, label) {
  assert.equal(out.count, fixtures.vectors.length, `${label}: count`);
  assert.equal(out.role, 'leader');
  assert.deepEqual(out.dup, { isVectorDBError: true, code: 'DUPLICATE_ID' }, `${label}: typed errors`);
  assert.equal(out.changes, 1, `${label}: onChange`);
  for (const [qi, res] of out.results.entries()) {
    const q = fixtures.queries[qi];
    assertSameResults(res, bruteForce(fixtures.vectors, q, 5), { pool: bruteForce(fixtures.vectors, q, Infinity), message: `${label} q${qi}` });
  }
}

test('Vite (vite build, no config): worker and wasm found, exact results', { timeout: 90_000 }, async () => {
  const bin = path.join(repo, 'node_modules/.bin/vite');
  execFileSync(bin, ['build', '--logLevel', 'warn'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  const built = fs.readdirSync(path.join(app, 'dist/assets'));
  assert.ok(built.some((f) => f.endsWith('.wasm')), `Vite emitted the wasm: ${built}`);
  const out = await runApp(path.join(app, 'dist'));
  check(out, 'vite');
  assert.ok(out.fetched.some((p) => /\/assets\/worker-.*\.js$/.test(p)), `the worker Vite emitted was used: ${out.fetched}`);
  assert.ok(!out.fetched.some((p) => /inline/.test(p)), 'not the self-contained copy');
});

for (const format of ['esm', 'iife']) {
  test(`esbuild (--bundle --format=${format}, no plugin): the self-contained worker, exact results`, { timeout: 90_000 }, async () => {
    const { build } = await import('esbuild');
    const out = path.join(app, `out-${format}`);
    await build({ entryPoints: [path.join(app, 'main.js')], bundle: true, format, outdir: out, logLevel: 'error', absWorkingDir: app });
    const type = format === 'esm' ? ' type="module"' : '';
    fs.writeFileSync(path.join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><script${type} src="./main.js"></script><p>esbuild ${format}</p>\n`);
    assert.deepEqual(fs.readdirSync(out).sort(), ['index.html', 'main.js'], 'esbuild copies neither worker.js nor the wasm');
    check(await runApp(out), `esbuild ${format}`);
  });
}
