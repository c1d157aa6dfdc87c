// Parity across the four targets, and one portable file in both directions.
//
//   node --test tests/parity/
//
// The script of tests/parity/cases.mjs (every query x metric x filter x k and threshold of
// the shared fixtures, plus bad inputs with the code API.md gives them) runs through:
//   rust    native Rust (examples/parity.rs via cargo),
//   addon   the Node-API addon (dist/node.js, createNativeVectorDB, a file on disk),
//   wasm    the wasm build in Node (createWasmVectorDB),
//   opfs    the wasm build in a Chromium dedicated worker over OPFS (dist/sqlite-vector.js).
// Each target must match the float64 brute force of tests/fixtures/reference.mjs, and all
// four must agree with each other: the same ids in the same order, scores within 1e-5
// relative, the same error code for every bad input.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { createNativeVectorDB, createWasmVectorDB } from '../../dist/node.js';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';
import { paritySearches, parityErrors, runParity, indexedSearches, INDEXES } from './cases.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const REL = 1e-5;

let tmp;
let server;
let browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-parity-'));
  const root = path.join(tmp, 'www');
  fs.cpSync(path.join(repo, 'tests/e2e/pages'), root, { recursive: true });
  fs.cpSync(path.join(repo, 'dist'), path.join(root, 'dist'), { recursive: true, filter: (f) => !f.includes(`${path.sep}demo`) });
  fs.cpSync(path.join(repo, 'tests/parity/cases.mjs'), path.join(root, 'cases.mjs'));
  server = await startServer({ root });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A page of a fresh Chromium profile (empty OPFS), with the package loaded. */
async function newPage() {
  await browser?.close();
  browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, 'profile-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return openPage();
}

async function openPage() {
  const page = await browser.newPage();
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => window.sv !== undefined);
  return page;
}

/** Scores agree within 1e-5 relative (with a 1e-6 floor for scores near zero). */
function closeScores(a, b) {
  return Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)) + 1e-6;
}

function assertSameAs(results, reference, target, refName) {
  const searches = paritySearches(fixtures);
  assert.equal(results.searches.length, reference.searches.length, `${target}: number of searches`);
  for (const [i, s] of searches.entries()) {
    const got = results.searches[i];
    const want = reference.searches[i];
    const label = `${target} vs ${refName}, search ${i} (query ${s.qi}, k ${s.k}, ${JSON.stringify(s.options)})`;
    assert.deepEqual(got.ids, want.ids, `${label}: ids`);
    for (const [j, score] of got.scores.entries()) {
      assert.ok(closeScores(score, want.scores[j]), `${label}: score ${j}: ${score} vs ${want.scores[j]}`);
    }
  }
  assert.deepEqual(results.errors, reference.errors, `${target} vs ${refName}: error codes`);
  assert.equal(results.count, reference.count, `${target} vs ${refName}: count after the bad inputs`);
}

describe('parity: four targets, one script', () => {
  const results = {};

  before(async () => {
    // native Rust
    const script = path.join(tmp, 'script.json');
    const out = path.join(tmp, 'rust.json');
    fs.writeFileSync(script, JSON.stringify({
      path: path.join(tmp, 'rust.db'),
      vectors: fixtures.vectors,
      searches: paritySearches(fixtures),
      indexed: indexedSearches(fixtures),
      indexes: INDEXES,
      errors: parityErrors(fixtures),
    }));
    execFileSync('cargo', ['run', '--quiet', '--example', 'parity', '--', script, out], { cwd: repo, stdio: 'inherit' });
    results.rust = JSON.parse(fs.readFileSync(out, 'utf8'));
    // the Node addon, on a file
    results.addon = await runParity(createNativeVectorDB, fixtures, { path: path.join(tmp, 'addon.db') });
    // wasm in Node
    results.wasm = await runParity(createWasmVectorDB, fixtures);
    // wasm in a Chromium worker over OPFS
    const page = await newPage();
    results.opfs = await page.evaluate(async (fixtures) => {
      const { runParity } = await import('./cases.mjs');
      const r = await runParity((c) => window.sv.createVectorDB(c), fixtures, { path: 'parity.db' });
      const db = await window.sv.createVectorDB({ path: 'parity.db' });
      r.persisted = (await db.stats()).persistent;
      await db.close();
      return r;
    }, fixtures);
  });

  test('the browser target really ran over OPFS', () => {
    assert.equal(results.opfs.persisted, true);
  });

  test('every target equals the float64 brute force', () => {
    const searches = paritySearches(fixtures);
    const truth = searches.map((s) => ({
      expected: bruteForce(fixtures.vectors, s.query, s.k, s.options),
      pool: bruteForce(fixtures.vectors, s.query, Infinity, s.options),
    }));
    for (const [target, r] of Object.entries(results)) {
      for (const [i, s] of searches.entries()) {
        const actual = r.searches[i].ids.map((id, j) => ({ id, score: r.searches[i].scores[j] }));
        assertSameResults(actual, truth[i].expected, {
          rel: REL,
          pool: truth[i].pool,
          message: `${target}, query ${s.qi} k ${s.k} ${JSON.stringify(s.options)}`,
        });
      }
    }
  });

  test('indexes (int8, binary, hnsw, hnsw over int8) on every target: exact: true equals brute force; approximate answers keep exact scores, min(k, matches) results and a recall floor', () => {
    const searches = indexedSearches(fixtures);
    for (const [target, r] of Object.entries(results)) {
      for (const { name: quantization, floor } of INDEXES) {
        let hit = 0;
        let total = 0;
        for (const [i, s] of searches.entries()) {
          const expected = bruteForce(fixtures.vectors, s.query, s.k, s.options);
          const pool = bruteForce(fixtures.vectors, s.query, Infinity, s.options);
          const label = `${target} ${quantization}, query ${s.qi} k ${s.k} ${JSON.stringify(s.options)}`;
          const exact = r.indexed[quantization].exact[i];
          assertSameResults(exact.ids.map((id, j) => ({ id, score: exact.scores[j] })), expected, { rel: REL, pool, message: `exact ${label}` });
          const approx = r.indexed[quantization].approx[i];
          assert.equal(approx.ids.length, expected.length, `approx ${label}: min(k, matches) results`);
          for (const [j, id] of approx.ids.entries()) {
            const truth = pool.find((p) => p.id === id);
            assert.ok(truth, `approx ${label}: ${id} passes the filter and threshold`);
            assert.ok(closeScores(approx.scores[j], truth.score), `approx ${label}: ${id} scores ${approx.scores[j]} vs ${truth.score}`);
          }
          hit += approx.ids.filter((id) => expected.some((e) => e.id === id)).length;
          total += expected.length;
        }
        assert.ok(hit / total >= floor, `${target} ${quantization}: recall ${hit / total} below ${floor}`);
      }
    }
  });

  test('every bad input gets the code API.md gives it, on every target', () => {
    const expected = [...parityErrors(fixtures).map((c) => ({ name: c.name, code: c.code })), { name: 'search after close', code: 'CLOSED' }];
    for (const [target, r] of Object.entries(results)) {
      assert.deepEqual(r.errors, expected, `${target}: error codes`);
      assert.equal(r.count, fixtures.vectors.length, `${target}: the bad inputs wrote nothing`);
    }
  });

  for (const target of ['addon', 'wasm', 'opfs']) {
    test(`${target} gives native Rust's ids, scores and codes`, () => {
      assertSameAs(results[target], results.rust, target, 'rust');
    });
  }
});

describe('one portable file, both ways', () => {
  const searches = paritySearches(fixtures).filter((_, i) => i % 7 === 0);
  const plain = (hits) => ({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });

  async function answers(db) {
    const out = [];
    for (const s of searches) out.push(plain(await db.search(s.query, s.k, { ...s.options, includeEmbedding: false })));
    return out;
  }

  function assertSameAnswers(got, want, what) {
    for (const [i, w] of want.entries()) {
      assert.deepEqual(got[i].ids, w.ids, `${what}: search ${i} ids`);
      for (const [j, s] of got[i].scores.entries()) assert.ok(closeScores(s, w.scores[j]), `${what}: search ${i} score ${j}`);
    }
  }

  test('a file written by the Node addon opens in the browser over OPFS', async () => {
    const file = path.join(tmp, 'from-node.db');
    const db = await createNativeVectorDB({ path: file, walMode: true });
    await db.insertBatch(fixtures.vectors);
    const want = await answers(db);
    const got1 = await db.get(fixtures.vectors[3].id);
    await db.close();
    const bytes = [...fs.readFileSync(file)]; // the file itself, as the addon left it on disk

    const page = await newPage();
    const r = await page.evaluate(async ({ bytes, searches }) => {
      const db = await window.sv.createVectorDB({ path: 'imported.db', data: new Uint8Array(bytes) });
      const answers = [];
      for (const s of searches) {
        const hits = await db.search(s.query, s.k, { ...s.options, includeEmbedding: false });
        answers.push({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });
      }
      const stats = await db.stats();
      await db.close();
      return { answers, stats };
    }, { bytes, searches });
    assert.equal(r.stats.count, fixtures.vectors.length);
    assert.equal(r.stats.persistent, true);
    assertSameAnswers(r.answers, want, 'browser after import');

    // A new page (new worker) opens it from OPFS alone, without the bytes.
    const again = await openPage();
    const r2 = await again.evaluate(async (id) => {
      const db = await window.sv.createVectorDB({ path: 'imported.db' });
      const got = await db.get(id);
      const stats = await db.stats();
      await db.close();
      return { got: { id: got.id, embedding: [...got.embedding], metadata: got.metadata, timestamp: got.timestamp }, stats };
    }, fixtures.vectors[3].id);
    assert.equal(r2.stats.count, fixtures.vectors.length);
    assert.deepEqual(r2.got, { id: got1.id, embedding: [...got1.embedding], metadata: got1.metadata, timestamp: got1.timestamp });
  });

  test('a file exported from the browser opens natively, from the path and from the bytes', async () => {
    const page = await newPage();
    const r = await page.evaluate(async ({ vectors, searches }) => {
      const db = await window.sv.createVectorDB({ path: 'browser.db' });
      await db.insertBatch(vectors);
      const answers = [];
      for (const s of searches) {
        const hits = await db.search(s.query, s.k, { ...s.options, includeEmbedding: false });
        answers.push({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });
      }
      const bytes = await db.export();
      await db.close();
      return { answers, bytes: [...bytes], isU8: bytes instanceof Uint8Array };
    }, { vectors: fixtures.vectors, searches });
    assert.equal(r.isU8, true, 'export() resolves to a Uint8Array');
    const bytes = Uint8Array.from(r.bytes);

    const file = path.join(tmp, 'from-browser.db');
    fs.writeFileSync(file, bytes);
    const fromFile = await createNativeVectorDB({ path: file });
    assertSameAnswers(await answers(fromFile), r.answers, 'native, opening the file');
    assert.equal((await fromFile.stats()).count, fixtures.vectors.length);
    await fromFile.close();

    const fromBytes = await createNativeVectorDB({ path: path.join(tmp, 'imported-native.db'), data: bytes });
    assertSameAnswers(await answers(fromBytes), r.answers, 'native, importing the bytes');
    await fromBytes.close();
  });

  test('a file mutated natively (relaxed, int8 index, compacted) opens in the browser; mutated there, it opens natively again', async () => {
    const exact = (list) => list.map((s) => ({ ...s, options: { ...s.options, exact: true, includeEmbedding: false } }));
    const run = async (db, list) => {
      const out = [];
      for (const s of list) out.push(plain(await db.search(s.query, s.k, s.options)));
      return out;
    };
    const v = fixtures.vectors;
    const file = path.join(tmp, 'mutated.db');
    const db = await createNativeVectorDB({ path: file, durability: 'relaxed' });
    await db.insertBatch(v);
    await db.createIndex({ type: 'flat', quantization: 'int8' });
    await db.upsertBatch(v.slice(0, 20).map((x, i) => ({ id: x.id, embedding: v[i + 100].embedding, metadata: { moved: i } })));
    await db.update(v[30].id, { metadata: null });
    await db.deleteMany({ filter: fixtures.filters[1] });
    await db.deleteMany({ ids: v.slice(40, 90).map((x) => x.id) });
    await db.compact();
    const want = await run(db, exact(searches));
    const count = (await db.stats()).count;
    await db.close();
    const bytes = [...fs.readFileSync(file)];

    const page = await newPage();
    const r = await page.evaluate(async ({ bytes, list, more }) => {
      const db = await window.sv.createVectorDB({ path: 'mutated.db', data: new Uint8Array(bytes) });
      const answers = async () => {
        const out = [];
        for (const s of list) {
          const hits = await db.search(s.query, s.k, s.options);
          out.push({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });
        }
        return out;
      };
      const imported = await answers();
      const stats = await db.stats();
      await db.upsertBatch(more);
      await db.deleteMany({ ids: more.slice(0, 5).map((x) => x.id) });
      await db.compact();
      const mutated = await answers();
      const after = (await db.stats()).count;
      const exported = await db.export();
      await db.close();
      return { imported, mutated, stats, after, bytes: [...exported] };
    }, { bytes, list: exact(searches), more: v.slice(150, 180).map((x, i) => ({ id: x.id, embedding: v[i].embedding })) });
    assert.equal(r.stats.count, count);
    assert.equal(r.stats.index?.quantization, 'int8', 'the index came with the file');
    assertSameAnswers(r.imported, want, 'browser after importing the mutated file');

    const back = await createNativeVectorDB({ path: path.join(tmp, 'mutated-back.db'), data: Uint8Array.from(r.bytes) });
    assertSameAnswers(await run(back, exact(searches)), r.mutated, 'native after the browser mutated it');
    assert.equal((await back.stats()).count, r.after);
    await back.close();
  });

  test('the browser refuses bad bytes with CORRUPT and an occupied path without overwrite; nothing is lost', async () => {
    const page = await newPage();
    const r = await page.evaluate(async (vectors) => {
      const code = async (fn) => {
        try {
          await fn();
          return 'OK';
        } catch (e) {
          return e.code;
        }
      };
      const open = async (config) => {
        const db = await window.sv.createVectorDB(config);
        try {
          await db.initialize();
        } finally {
          await db.close().catch(() => {});
        }
      };
      const db = await window.sv.createVectorDB({ path: 'keep.db' });
      await db.insertBatch(vectors);
      const good = await db.export();
      await db.close();
      const junk = new TextEncoder().encode('not a database '.repeat(100));
      const out = {
        junk: await code(() => open({ path: 'keep.db', data: junk, overwrite: true })),
        truncated: await code(() => open({ path: 'keep.db', data: good.slice(0, good.length >> 1), overwrite: true })),
        occupied: await code(() => open({ path: 'keep.db', data: good })),
        notBytes: await code(() => open({ path: 'x.db', data: 'hello' })),
      };
      const check = await window.sv.createVectorDB({ path: 'keep.db' });
      out.count = (await check.stats()).count;
      await check.close();
      out.overwrite = await code(() => open({ path: 'keep.db', data: good, overwrite: true }));
      return out;
    }, fixtures.vectors.slice(0, 20));
    assert.deepEqual(r, { junk: 'CORRUPT', truncated: 'CORRUPT', occupied: 'INVALID_ARGUMENT', notBytes: 'INVALID_ARGUMENT', count: 20, overwrite: 'OK' });
  });
});
