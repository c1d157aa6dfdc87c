// Kills (issue 11, "Proof that nothing is lost"), in headless Chromium over real OPFS: for R
// rounds a page opens kill.db (strict durability, the default) and runs a seeded random
// sequence of insertBatch / upsertBatch / deleteMany (by ids, by filter) / compact, one call at
// a time, reporting each call to the test the moment it resolves (page.exposeFunction, awaited
// before the next call, so at most one call is unreported: the one in flight). After a seeded
// random delay the test kills the page abruptly, alternating CDP Page.crash (the renderer and
// its worker die) and page.close(). A fresh page then opens the same path and the test checks
// it against the model built from resolved calls only: every resolved write is there with its
// exact embedding and metadata, nothing else is, and the in-flight call is entirely present or
// entirely absent (a batch never half-applied); count agrees; search equals brute force over
// the rows; and export() opened by the Node wasm build (SQLite quick_check on import) is not
// CORRUPT and holds the same count. From half way on the database holds an exact flat index
// (created by the reader page), which every later write and kill must keep consistent.
//
//   node --test tests/e2e/kill.test.mjs                   (CI size: 8 rounds)
//   SV_KILL_ROUNDS=100 node --test tests/e2e/kill.test.mjs   (the size)
//   SV_KILL_SEED=7 …                                     (another seed; printed on failure)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveRoot, withBrowser } from './harness.mjs';
import { createWasmVectorDB } from '../../dist/node.js';

const ROUNDS = Number(process.env.SV_KILL_ROUNDS ?? 8);
const SEED = Number(process.env.SV_KILL_SEED ?? 20261129);
const DIM = 16;
const PATH = 'kill.db';
let server;

before(async () => {
  server = await serveRoot();
});
after(async () => {
  await server?.close();
});

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

/** Components are multiples of 1/16 in [-2, 2]: exact in f32, so embeddings compare with ===. */
const embedding = (r) => Array.from({ length: DIM }, () => r.int(-32, 32) / 16).map((x, i) => (i === 0 && x === 0 ? 0.0625 : x));

const metadataFor = (r, round, n) => (r.next() < 0.2 ? undefined : { g: r.int(0, 7), round, n, tag: r.pick(['a', 'b', 'c']) });

/** model: Map id → { embedding, metadata }. Applies op (as the library should); returns its expected result. */
function apply(model, op) {
  switch (op.method) {
    case 'insertBatch':
      for (const v of op.args[0]) model.set(v.id, { embedding: v.embedding, metadata: v.metadata });
      return op.args[0].map((v) => v.id);
    case 'upsertBatch':
      for (const v of op.args[0]) model.set(v.id, { embedding: v.embedding, metadata: v.metadata });
      return op.args[0].map((v) => v.id);
    case 'deleteMany': {
      const { ids, filter } = op.args[0];
      let n = 0;
      if (ids) {
        for (const id of ids) if (model.delete(id)) n++;
      } else {
        const values = filter.g.$in;
        for (const [id, row] of [...model]) {
          if (row.metadata && values.includes(row.metadata.g)) {
            model.delete(id);
            n++;
          }
        }
      }
      return n;
    }
    case 'compact':
      return null;
    default:
      throw new Error(op.method);
  }
}

/** A seeded sequence of `n` calls planned against a copy of `model` (as if each resolves). */
function plan(r, model, round, n) {
  const m = new Map(model);
  const ops = [];
  let counter = 0;
  const fresh = () => `r${round}-${counter++}`;
  for (let i = 0; i < n; i++) {
    const ids = [...m.keys()];
    const x = r.next();
    let op;
    if (x < 0.08 && ids.length) op = { method: 'compact', args: [] };
    else if (x < 0.23 && ids.length) {
      const chosen = new Set();
      const want = r.int(1, Math.min(40, ids.length));
      for (let j = 0; j < want; j++) chosen.add(r.pick(ids));
      chosen.add(`missing-${round}-${i}`);
      op = { method: 'deleteMany', args: [{ ids: [...chosen] }] };
    } else if (x < 0.31 && ids.length > 200) {
      const a = r.int(0, 7);
      op = { method: 'deleteMany', args: [{ filter: { g: { $in: [a] } } }] };
    } else if (x < 0.56 && ids.length) {
      const chosen = new Map();
      const want = r.int(1, 60);
      for (let j = 0; j < want; j++) {
        const id = r.next() < 0.6 ? r.pick(ids) : fresh();
        chosen.set(id, { id, embedding: embedding(r), metadata: metadataFor(r, round, j) });
      }
      op = { method: 'upsertBatch', args: [[...chosen.values()]] };
    } else {
      const size = m.size > 1500 ? r.int(1, 20) : r.int(1, 250);
      op = { method: 'insertBatch', args: [Array.from({ length: size }, (_, j) => ({ id: fresh(), embedding: embedding(r), metadata: metadataFor(r, round, j) }))] };
    }
    op.expect = apply(m, op);
    ops.push(op);
  }
  return ops;
}

const stripUndefined = (v) => (v.metadata === undefined ? { id: v.id, embedding: v.embedding } : v);

const cosine = (a, b) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
};

/** The state the page reads: rows of `ids` (null when absent), count, and search answers. */
function readState(page, ids, queries, createIndex) {
  return page.evaluate(
    async ({ path, ids, queries, createIndex }) => {
      let db;
      for (let attemptNo = 0; ; attemptNo++) {
        try {
          db = await sv.createVectorDB({ path });
          await db.initialize();
          break;
        } catch (e) {
          if (attemptNo >= 20 || e?.code !== 'LOCKED') throw e;
          await sleep(500);
        }
      }
      const stats = await db.stats();
      const rows = await Promise.all(
        ids.map(async (id) => {
          const v = await db.get(id);
          return v && { id: v.id, embedding: Array.from(v.embedding), ...(v.metadata === undefined ? {} : { metadata: v.metadata }) };
        }),
      );
      const searches = [];
      for (const q of queries) searches.push((await db.search(q, 10, { includeEmbedding: false })).map((h) => ({ id: h.id, score: h.score })));
      const bytes = await db.export();
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      // Half way, an exact flat index: the later rounds' writes (and kills) must keep it consistent.
      if (createIndex) await db.createIndex({ type: 'flat' });
      await db.close();
      return { count: stats.count, index: stats.index?.type ?? null, rows, searches, exported: btoa(bin) };
    },
    { path: PATH, ids, queries, createIndex },
  );
}

/** Which of `before` (without the in-flight call) and `after` (with it) the page holds, or throws. */
function match(state, ids, candidates, what) {
  const actual = new Map();
  ids.forEach((id, i) => state.rows[i] && actual.set(id, state.rows[i]));
  const problems = [];
  for (const [name, model] of candidates) {
    const diff = [];
    if (state.count !== model.size) diff.push(`count ${state.count} ≠ ${model.size}`);
    for (const id of ids) {
      const want = model.get(id);
      const got = actual.get(id);
      if (!want && got) diff.push(`${id} present`);
      else if (want && !got) diff.push(`${id} missing`);
      else if (want) {
        try {
          assert.deepStrictEqual(got, stripUndefined({ id, embedding: want.embedding, metadata: want.metadata }));
        } catch {
          diff.push(`${id} differs: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
        }
      }
      if (diff.length > 6) break;
    }
    if (!diff.length) return { name, model };
    problems.push(`${name}: ${diff.join('; ')}`);
  }
  assert.fail(`${what}: the database matches neither the resolved calls nor them plus the in-flight call (all or nothing)\n${problems.join('\n')}`);
}

test(`Chromium: ${ROUNDS} rounds of killing a page (Page.crash / page.close) mid-write over OPFS; nothing resolved is lost, nothing half-applied`, { timeout: 60_000 + ROUNDS * 30_000 }, async () => {
  await withBrowser(server, async ({ context, open, log }) => {
    let model = new Map();
    const summary = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = rng(SEED * 1000 + round); // the kill (how, when) is reproducible per round; the plan follows the model
      const indexed = round >= Math.floor(ROUNDS / 2);
      const ops = plan(r, model, round, 400);
      const delay = r.int(50, 600);
      const how = round % 2 === 0 ? 'Page.crash' : 'page.close';
      const where = `seed ${SEED}, round ${round} (${how} after ${delay} ms)`;

      // The writer: opens, then runs ops one at a time, awaiting the report of each.
      const page = await open(`writer${round}`);
      const resolved = [];
      const failed = [];
      let opened;
      const openedP = new Promise((res) => (opened = res));
      await page.exposeFunction('report', (i, result) => {
        if (i === -1) opened();
        else resolved.push({ i, result });
      });
      await page.exposeFunction('reportError', (i, err) => failed.push({ i, err }));
      const running = page
        .evaluate(
          async ({ path, ops }) => {
            const db = await sv.createVectorDB({ path });
            await db.initialize();
            await window.report(-1, null);
            for (let i = 0; i < ops.length; i++) {
              let result;
              try {
                result = await db[ops[i].method](...ops[i].args);
              } catch (e) {
                await window.reportError(i, errInfo(e));
                return;
              }
              await window.report(i, result && typeof result === 'object' && !Array.isArray(result) ? 'compacted' : result);
            }
          },
          { path: PATH, ops: ops.map(({ method, args }) => ({ method, args })) },
        )
        .catch((e) => e);
      await Promise.race([openedP, running.then((e) => Promise.reject(new Error(`writer ended before opening: ${e}`)))]);
      await new Promise((res) => setTimeout(res, delay));
      if (how === 'Page.crash') {
        const cdp = await page.context().newCDPSession(page);
        cdp.send('Page.crash').catch(() => {});
        await page.waitForEvent('crash', { timeout: 10_000 }).catch(() => {});
        await page.close().catch(() => {});
      } else {
        await page.close();
      }
      await running;
      assert.deepEqual(failed, [], `${where}: a write rejected`);

      // The model from resolved calls; results as planned.
      const done = resolved.length;
      for (const { i, result } of resolved) {
        const want = ops[i].method === 'compact' ? 'compacted' : ops[i].expect;
        assert.deepEqual(result, want, `${where}: result of call ${i} (${ops[i].method})`);
      }
      const beforeModel = new Map(model);
      for (let i = 0; i < done; i++) apply(beforeModel, ops[i]);
      const inflight = ops[done];
      const afterModel = new Map(beforeModel);
      apply(afterModel, inflight);

      // A fresh page reads everything the two candidate states could hold.
      const ids = [...new Set([...beforeModel.keys(), ...afterModel.keys(), ...(inflight.method === 'deleteMany' && inflight.args[0].ids ? inflight.args[0].ids : [])])];
      const queries = [embedding(r), embedding(r), embedding(r)];
      const reader = await open(`reader${round}`);
      const state = await readState(reader, ids, queries, round === Math.floor(ROUNDS / 2) - 1);
      assert.equal(state.index, indexed ? 'flat' : null, `${where}: the index after the kill`);
      await reader.close();
      const { name, model: now } = match(state, ids, [['without the in-flight call', beforeModel], ['with the in-flight call', afterModel]], where);

      // Search equals brute force (cosine, best first) over the rows the page holds.
      for (const [qi, q] of queries.entries()) {
        const brute = [...now].map(([id, row]) => ({ id, score: cosine(q, row.embedding) })).sort((a, b) => b.score - a.score).slice(0, 10);
        const got = state.searches[qi];
        assert.equal(got.length, Math.min(10, now.size), `${where}: query ${qi} result count`);
        for (let j = 0; j < got.length; j++) {
          assert.ok(Math.abs(got[j].score - brute[j].score) < 1e-5, `${where}: query ${qi} rank ${j}: ${JSON.stringify(got[j])} vs brute ${JSON.stringify(brute[j])}`);
          assert.ok(now.has(got[j].id) && Math.abs(cosine(q, now.get(got[j].id).embedding) - got[j].score) < 1e-5, `${where}: query ${qi} hit ${got[j].id} has its true score`);
        }
      }

      // The exported file passes SQLite's quick_check on import in the Node wasm build.
      const bytes = new Uint8Array(Buffer.from(state.exported, 'base64'));
      const nodeDb = await createWasmVectorDB({ data: bytes });
      try {
        assert.equal((await nodeDb.stats()).count, now.size, `${where}: count of the exported file in Node`);
      } catch (e) {
        e.message = `${where}: exported file (${bytes.length} bytes): ${e.code ?? ''} ${e.message}`;
        throw e;
      } finally {
        await nodeDb.close().catch(() => {});
      }

      summary.push(`${round}:${how}@${delay}ms resolved=${done} inflight=${inflight.method}(${inflight.method === 'compact' ? 'n/a' : name.startsWith('with ') ? 'applied' : 'absent'}) rows=${now.size}${indexed ? ' (flat index)' : ''}`);
      model = now;
    }
    console.error(`kill test (seed ${SEED}):\n  ${summary.join('\n  ')}`);
    void context;
    void log;
  });
});
