// The fixed cost of a call (issue 9, item 4), in headless Chromium over OPFS (a persistent
// profile): `node bench/overhead.mjs [--n=10000] [--dim=128]`. For the page (our worker
// behind postMessage) and inside a dedicated worker (the database on that thread), the time of
// a single awaited search over the time per query of one searchBatch of the same queries (≈ the
// scan): the targets are ≤ 1.3× from the page and ≤ 1.1× in the worker at 10k × 128.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './lib/server.mjs';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const spec = { n: arg('n', 10000), dim: arg('dim', 128), count: arg('count', 500) };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { url, close } = await startServer(root);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-overhead-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('pageerror', e.message));
  await page.goto(`${url}/bench/pages/harness.html`);
  const onPage = await page.evaluate(async (s) => (await import('/bench/pages/overhead.mjs')).measure({ ...s, path: 'overhead-page.db' }), spec);
  const inWorker = await page.evaluate((s) => new Promise((resolve, reject) => {
    const w = new Worker('/bench/pages/overhead.mjs', { type: 'module' });
    w.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data.result));
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ ...s, path: 'overhead-worker.db' });
  }), spec);
  const line = (where, r, goal) => `${where.padEnd(22)} single ${r.singleMs.toFixed(3)} ms, searchBatch ${r.batchMs.toFixed(3)} ms/query, ratio ${r.ratio.toFixed(2)}x (goal <= ${goal}x), stats() ${r.statsMs.toFixed(3)} ms`;
  console.log(`${spec.n} x ${spec.dim}, k=10, ${spec.count} queries, Chromium ${context.browser()?.version() ?? ''} persistent profile, OPFS`);
  console.log(line('page -> our worker', onPage, 1.3));
  console.log(line('in a dedicated worker', inWorker, 1.1));
  console.log(JSON.stringify({ spec, onPage, inWorker }));
} finally {
  await context.close();
  await close();
  fs.rmSync(profile, { recursive: true, force: true });
}
