// A tiny app that uses the package the way an app built by a bundler does: a bare import of
// 'sqlite-vector', nothing configured. tests/e2e/bundlers.test.mjs builds it with Vite and
// with esbuild and runs each build in Chromium.
import { createVectorDB, VectorDBError } from 'sqlite-vector';

/** Inserts `vectors`, runs each of `queries`, returns what the test compares with brute force. */
window.run = async ({ vectors, queries, k }) => {
  const db = await createVectorDB({ path: 'bundled.db' });
  const changes = [];
  db.onChange((e) => changes.push(e));
  await db.insertBatch(vectors);
  const results = [];
  for (const q of queries) results.push((await db.search(q, k, { includeEmbedding: false })).map((r) => ({ id: r.id, score: r.score })));
  let dup = null;
  try {
    await db.insert(vectors[0]);
  } catch (e) {
    dup = { isVectorDBError: e instanceof VectorDBError, code: e.code };
  }
  const stats = await db.stats();
  await db.close();
  const fetched = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
  return { results, dup, count: stats.count, role: stats.role, changes: changes.length, fetched };
};
window.harnessReady = true;
