// What the demo's browser tests share: the data exactly as the page stores it, an exact brute
// force to check its searches against, and reading the page (its results, its status line).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from '../../scripts/fashion-mnist.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const DIM = 784;

/** The first n train (or 't10k') vectors exactly as the page stores them (f32 of pixel/255). */
export function loadTrain(n, split = 'train') {
  const file = join(dist, `demo/data/fashion-mnist-${split}.bin`);
  const { labels, pixels } = decode(readFileSync(file));
  const vectors = [];
  for (let i = 0; i < n; i++) {
    vectors.push(Float32Array.from(pixels.subarray(i * DIM, (i + 1) * DIM), (p) => p / 255));
  }
  return { vectors, labels: labels.subarray(0, n) };
}

export function score(metric, a, b) {
  let dot = 0, na = 0, nb = 0, d2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    d2 += (a[i] - b[i]) ** 2;
  }
  if (metric === 'cosine') return dot / Math.sqrt(na * nb);
  if (metric === 'euclidean') return Math.sqrt(d2);
  return dot;
}

/** Exact top-k with API.md's order: best first, ties by insertion order. */
export function bruteForce(data, query, k, metric, label) {
  const asc = metric === 'euclidean';
  const all = [];
  data.vectors.forEach((v, i) => {
    if (label === undefined || data.labels[i] === label) all.push({ id: `train-${i}`, i, score: score(metric, query, v) });
  });
  all.sort((x, y) => (asc ? x.score - y.score : y.score - x.score) || x.i - y.i);
  return { top: all.slice(0, k), byId: new Map(all.map((r) => [r.id, r.score])) };
}

/** The results the page shows: [{ id, score, label }]. */
export const readResults = (page) =>
  page.$$eval('[data-testid="result"]', (els) =>
    els.map((e) => ({ id: e.dataset.id, score: Number(e.dataset.score), label: Number(e.dataset.label) })));

/** The page's top-5 must be the exact top-5 (equal ids, or an exact tie at that rank). */
export function assertExactTop(shown, expected, metric) {
  const tol = metric === 'dot' ? 1e-3 : 1e-5;
  for (let r = 0; r < expected.top.length; r++) {
    const got = shown[r];
    const want = expected.top[r];
    const gotTrue = expected.byId.get(got.id);
    assert.ok(gotTrue !== undefined, `rank ${r}: ${got.id} is not a candidate`);
    assert.ok(Math.abs(got.score - gotTrue) < tol, `rank ${r}: ${got.id} score ${got.score}, brute force ${gotTrue}`);
    if (got.id !== want.id) {
      assert.ok(Math.abs(gotTrue - want.score) < 1e-6,
        `rank ${r}: page ${got.id} (${gotTrue}) but brute force ${want.id} (${want.score}), not a tie`);
    }
  }
}

export function assertOrdered(shown, ascending) {
  for (let i = 1; i < shown.length; i++) {
    const ok = ascending ? shown[i].score >= shown[i - 1].score : shown[i].score <= shown[i - 1].score;
    assert.ok(ok, `scores out of order at ${i}: ${shown[i - 1].score} then ${shown[i].score}`);
  }
}

/** Waits until the status says ready (returns its text) or fails with the page's error. */
export async function waitReady(page, timeout) {
  const handle = await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="status"]');
    const err = document.querySelector('[data-testid="error"]');
    if (err && !err.hidden) return { error: err.textContent.replace(/\s+/g, ' ').trim() };
    if (s?.dataset.state === 'ready') return { text: s.textContent };
    return false;
  }, null, { timeout, polling: 100 });
  const r = await handle.jsonValue();
  assert.ok(!r.error, `the page shows an error: ${r.error}`);
  return r.text;
}
