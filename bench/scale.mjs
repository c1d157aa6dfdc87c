#!/usr/bin/env node
// Issue 9's "Scale" figure: syn768 at 1M and 2M rows (2M x 768 = 6.1 GB of f32, more than
// wasm32 can hold) loaded into an OPFS database in headless Chromium with a binary flat index,
// then queried. Not part of `node bench/run.mjs`; see bench/README.md ("Scale").
//
//   node bench/scale.mjs [--n=1000000,2000000] [--dim=768] [--quick] [--nq=100] ...
//
// Per size, in a fresh persistent Chromium profile (deleted afterwards): a dedicated worker
// (bench/pages/scale-worker.mjs) generates the rows itself from the seed (bench/lib/syngen.mjs,
// the generator of bench/lib/data.mjs), creates our database in that worker with
// createIndex({ type: 'flat', quantization: 'binary' }) on the empty database, inserts in
// batches of 10,000, reads the wasm heap and stats().index.memoryBytes, times queries at
// rescore 1, 4, 16, 64 and exact: true, and computes the exact cosine top 10 by regenerating
// the rows in two nested workers. A failure (crash, time-out, quota) is recorded with its
// reason and the figures gathered until then.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './lib/server.mjs';
import { describeMachine } from './lib/machine.mjs';
import { CHROMIUM, chromiumVersion } from './lib/browser.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const RESULTS = path.join(BENCH, 'results');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const HEAP_TARGET_MB = 400; // issue 9: 2M x 768 with a binary index answers queries with heap <= 400 MB
const MB = 1e6;

const HELP = `usage: node bench/scale.mjs [--n=1000000,2000000] [--dim=768] [--quick] [options]
  --n=LIST         row counts, comma-separated (default 1000000,2000000; --quick: 20000)
  --dim=D          dimension (default 768)
  --quick          smoke run: n=20000, 50 queries, short budgets; writes *-quick files
  --nq=Q           queries (default 100; quick 50), from the syn768 query stream
  --rescore=LIST   rescore values (default 1,4,16,64)
  --budget=S       seconds of timed queries per rescore value at most (default 60; quick 10)
  --exact=Q        exact: true queries at most (default 20; quick 10; 0 skips)
  --exact-budget=S seconds of exact queries at most (default 60; quick 10)
  --batch=B        rows per insertBatch (default 10000)
  --gt-workers=W   ground-truth workers (default 2); --no-gt skips the ground truth (no recall)
  --timeout=S      per size, whole run (default 600 + n / 1000 * 0.6)
  --index-after-load  control: createIndex after the load (the quantizer trains on every row)
  --no-write       print only
Writes bench/results/scale-<date>.json and scale-latest.md (quick: scale-<date>-quick.json and
scale-latest-quick.md, gitignored). Rows of other sizes already in the same day's file are kept.`;

function parseArgs(argv) {
  const a = { quick: false, write: true, gt: true };
  for (const arg of argv) {
    const i = arg.indexOf('=');
    const [k, v] = i >= 0 ? [arg.slice(0, i), arg.slice(i + 1)] : [arg, undefined];
    const num = () => { const x = Number(v); if (!Number.isFinite(x) || x < 0) throw new Error(`${k}: not a number: ${v}`); return x; };
    const list = () => v.split(',').map((s) => { const x = Number(s.replace(/_/g, '')); if (!Number.isInteger(x) || x <= 0) throw new Error(`${k}: bad value ${s}`); return x; });
    if (k === '--quick') a.quick = true;
    else if (k === '--n') a.n = list();
    else if (k === '--dim') a.dim = num();
    else if (k === '--nq') a.nq = num();
    else if (k === '--rescore') a.rescores = list();
    else if (k === '--budget') a.budget = num();
    else if (k === '--exact') a.exact = num();
    else if (k === '--exact-budget') a.exactBudget = num();
    else if (k === '--batch') a.batch = num();
    else if (k === '--gt-workers') a.gtWorkers = num();
    else if (k === '--no-gt') a.gt = false;
    else if (k === '--timeout') a.timeout = num();
    else if (k === '--no-write') a.write = false;
    else if (k === '--index-after-load') a.indexAfterLoad = true;
    else if (k === '--help' || k === '-h') { console.log(HELP); process.exit(0); } else throw new Error(`unknown argument ${arg}\n${HELP}`);
  }
  return a;
}

const started = Date.now();
const stamp = () => `[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s]`;
const log = (m) => console.log(`${stamp()} ${m}`);

function freeDiskBytes(dir) {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function duBytes(dir) {
  try {
    return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split(/\s/)[0]);
  } catch {
    return null;
  }
}

/** One size in its own fresh persistent profile. Resolves with the worker's result or a failure. */
async function runSize(serverUrl, spec, timeoutMs) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-scale-chromium-'));
  const row = { n: spec.n, dim: spec.dim, startedAt: new Date().toISOString(), loadavgBefore: os.loadavg()[0], freeDiskBefore: freeDiskBytes(profile) };
  let context;
  let partial = null;
  let lastMsg = Date.now();
  let peakProfileBytes = null;
  const du = setInterval(() => { const b = duBytes(profile); if (b !== null) peakProfileBytes = Math.max(peakProfileBytes ?? 0, b); }, 30_000);
  try {
    const need = spec.n * spec.dim * 4 * 1.2;
    if (row.freeDiskBefore !== null && row.freeDiskBefore < need) throw new Error(`not enough disk: ${(row.freeDiskBefore / 1e9).toFixed(1)} GB free, about ${(need / 1e9).toFixed(1)} GB needed`);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = context.pages()[0] ?? await context.newPage();
    row.userAgent = await page.evaluate(() => navigator.userAgent);
    const outcome = await new Promise((resolve, reject) => {
      const fail = (m) => reject(new Error(m));
      const timer = setTimeout(() => fail(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      const stall = setInterval(() => {
        if (Date.now() - lastMsg > spec.stallMs) fail(`no message from the worker for ${Math.round(spec.stallMs / 1000)} s`);
      }, 5_000);
      const done = (f) => (x) => { clearTimeout(timer); clearInterval(stall); f(x); };
      resolve = done(resolve);
      reject = done(reject);
      page.on('crash', () => fail('the page crashed (renderer process gone: out of memory?)'));
      page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') log(`console.error: ${m.text()}`); });
      context.on('close', () => fail('the browser context closed'));
      page.exposeFunction('__scaleMsg', (data) => {
        lastMsg = Date.now();
        if (data.log) log(`n=${spec.n}: ${data.log}`);
        else if (data.partial) partial = data.partial;
        else if (data.ok) resolve(data.result);
        else fail(data.error ?? 'unknown worker failure');
      }).then(() => page.goto(`${serverUrl}/bench/pages/scale.html`))
        .then(() => page.waitForFunction(() => window.scaleReady === true, null, { timeout: 30_000 }))
        .then(() => page.evaluate((s) => window.scaleStart(s), spec))
        .catch((e) => fail(String(e.message ?? e).split('\n')[0]));
    });
    Object.assign(row, { status: 'ok', ...outcome });
  } catch (e) {
    Object.assign(row, { status: 'failed', reason: String(e.message ?? e).split('\n')[0], ...(partial ? { partial } : {}) });
    log(`n=${spec.n} FAILED: ${row.reason}`);
  } finally {
    clearInterval(du);
    const b = duBytes(profile);
    if (b !== null) peakProfileBytes = Math.max(peakProfileBytes ?? 0, b);
    row.profileBytes = peakProfileBytes;
    await context?.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    row.loadavgAfter = os.loadavg()[0];
    row.seconds = (Date.now() - Date.parse(row.startedAt)) / 1000;
  }
  return row;
}

// ---- report ----

const f0 = (x) => (x == null || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f3 = (x) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(3));
const qps = (x) => (x == null || !Number.isFinite(x) ? '–' : x >= 100 ? f0(x) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function figuresOf(row) {
  const r = row.status === 'ok' ? row : { ...row.partial, status: row.status, reason: row.reason };
  return r ?? {};
}

export function markdown(report) {
  const rescores = report.config.rescores;
  const L = [];
  L.push(`# Scale: syn768 with a binary flat index in a Chromium worker over OPFS (issue 9)`);
  L.push('');
  L.push(`${report.date.slice(0, 10)}, \`${report.command}\`, ${(report.seconds / 60).toFixed(1)} min. Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${(report.machine.ramBytes / 2 ** 30).toFixed(1)} GiB RAM, ${report.machine.os}; Chromium ${report.machine.chromium}. 1-minute load average before each size in the JSON (the bench itself adds about 1–2).`);
  L.push('');
  L.push(`Rows generated inside the worker from the seed (the bench's syn768 family: 100 Gaussian clusters, spread 0.35), ids \`"0"…"n-1"\`, no metadata; \`createVectorDB({ path, dimension })\` inside that dedicated worker, \`createIndex({ type: 'flat', quantization: 'binary' })\` on the empty database, then \`insertBatch\` of ${report.config.batch.toLocaleString('en-US')} rows. Load rate: insert = time inside \`insertBatch\` only; wall = with the generation of the rows (single thread). Heap = the worker's WebAssembly.Memory after the load (wasm memory never shrinks, so this is the high-water mark so far); the target is issue 9's ≤ ${HEAP_TARGET_MB} MB. ${report.config.nq} queries from the syn768 query stream, k = ${report.config.k}, cosine, one at a time, \`includeEmbedding: false\`; recall@10 against the exact top 10 computed by regenerating every row (ties with the 10th within 1e-5 count, as in the main bench).`);
  L.push('');
  const head = ['n', 'dim', 'load: insert vectors/s (MB/s)', 'load: wall vectors/s', 'heap MB', `heap ≤ ${HEAP_TARGET_MB} MB`, 'index.memoryBytes MB', 'file MB',
    ...rescores.map((r) => `rescore ${r}: q/s · recall`), 'exact:true q/s (queries)'];
  L.push(`| ${head.join(' | ')} |`);
  L.push(`|${head.map(() => '---').join('|')}|`);
  for (const row of report.rows) {
    const r = figuresOf(row);
    const load = r.load ?? {};
    const heap = r.heap?.afterQueries ?? r.heap?.afterLoad;
    const q = (name) => (r.queries ?? []).find((x) => x.name === name);
    const cell = (name) => {
      const x = q(name);
      if (!x) return '–';
      if (x.error) return `failed: ${x.error.message}`;
      return `${qps(x.qps)} · ${f3(x.recall?.recall)}${x.queries < report.config.nq ? ` (${x.queries}q)` : ''}`;
    };
    const ex = q('exact:true');
    const loaded = load.rows != null && load.rows < row.n ? ` (${f0(load.rows)} loaded)` : '';
    const failed = row.status !== 'ok' ? ` **failed: ${row.reason}**` : '';
    L.push(`| ${f0(row.n)}${loaded}${failed} | ${row.dim} | ${f0(load.insertRate)} (${f1(load.insertMBps)}) | ${f0(load.wallRate)} | ${f1(heap / MB)} | ${heap == null ? '–' : heap / MB <= HEAP_TARGET_MB ? `PASS (${(heap / MB / HEAP_TARGET_MB).toFixed(2)}×)` : `MISS (${(heap / MB / HEAP_TARGET_MB).toFixed(2)}×)`} | ${f1(r.stats?.index?.memoryBytes / MB)} | ${f0(r.stats?.size / MB)} | ${rescores.map((x) => cell(`rescore=${x}`)).join(' | ')} | ${ex ? (ex.error ? `failed: ${ex.error.message}` : `${qps(ex.qps)} (${ex.queries}q, ${f0(ex.msPerQuery?.mean)} ms; recall ${f3(ex.recall?.recall)})`) : '–'} |`);
  }
  L.push('');
  L.push(`MB = 10^6 bytes. Issue 9's starting point (f32 in the heap, no index): 1M × 768 loaded in 62 s (16k vectors/s), filled 3.1 GB of the 4 GB wasm32 heap, and an exact query took 341 ms; about 1.3M × 768 could not be held at all.`);
  L.push('');
  for (const row of report.rows) {
    const r = figuresOf(row);
    const load = r.load ?? {};
    const bits = [];
    if (load.rows) bits.push(`load ${f0(load.rows)} rows in ${f1(load.wallMs / 1000)} s (insert ${f1(load.insertMs / 1000)} s, generation ${f1(load.genMs / 1000)} s; batches ${f0(load.batchMs?.min)}–${f0(load.batchMs?.max)} ms, first ${f0(load.batchMs?.first)}, last ${f0(load.batchMs?.last)})`);
    if (r.heap) bits.push(`heap MB: open ${f1(r.heap.afterOpen / MB)}, after createIndex ${f1(r.heap.afterCreateIndex / MB)}, after load ${f1(r.heap.afterLoad / MB)}, after queries ${f1(r.heap.afterQueries / MB)}`);
    if (r.queries) bits.push(`ms per query (p50): ${r.queries.filter((x) => !x.error).map((x) => `${x.name} ${f1(x.msPerQuery.p50)}`).join(', ')}`);
    if (r.groundTruth) bits.push(`ground truth ${f1(r.groundTruth.ms / 1000)} s (${r.groundTruth.workers} workers)`);
    if (row.profileBytes) bits.push(`profile on disk ${f0(row.profileBytes / MB)} MB`);
    if ((r.failures ?? []).length) bits.push(`failures: ${r.failures.map((f) => `${f.phase}: ${f.code ?? ''} ${f.message}`).join('; ')}`);
    bits.push(`load average before ${f1(row.loadavgBefore)}; ${f0(row.seconds)} s in all`);
    L.push(`- n = ${f0(row.n)} (${row.status}): ${bits.join('; ')}.`);
  }
  L.push('');
  return L.join('\n');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const dim = a.dim ?? 768;
  const config = {
    dim,
    sizes: a.n ?? (a.quick ? [20000] : [1000000, 2000000]),
    nq: a.nq ?? (a.quick ? 50 : 100),
    k: 10,
    batch: a.batch ?? 10000,
    rescores: a.rescores ?? [1, 4, 16, 64],
    queryBudgetMs: (a.budget ?? (a.quick ? 10 : 60)) * 1000,
    exactQueries: a.exact ?? (a.quick ? 10 : 20),
    exactBudgetMs: (a.exactBudget ?? (a.quick ? 10 : 60)) * 1000,
    warmup: 3,
    groundTruth: a.gt,
    gtWorkers: a.gtWorkers ?? 2,
    quick: a.quick,
    indexAfterLoad: Boolean(a.indexAfterLoad),
  };
  if (!fs.existsSync(path.join(REPO, 'dist', 'sqlite-vector.js'))) throw new Error('dist/ is missing: npm run build first');
  const chromiumV = await chromiumVersion();
  const machine = describeMachine(chromiumV);
  log(`scale bench: n = ${config.sizes.join(', ')} x ${dim}; Chromium ${chromiumV}; load average ${os.loadavg()[0].toFixed(2)}`);
  if (os.loadavg()[0] > 1.5) log(`warning: the machine is busy (load average ${os.loadavg()[0].toFixed(2)}): figures will be low`);

  const date = new Date().toISOString().slice(0, 10);
  const suffix = a.quick ? '-quick' : '';
  const jsonFile = path.join(RESULTS, `scale-${date}${suffix}.json`);
  const mdFile = path.join(RESULTS, `scale-latest${suffix}.md`);
  let rows = [];
  if (a.write && fs.existsSync(jsonFile)) {
    try {
      rows = JSON.parse(fs.readFileSync(jsonFile, 'utf8')).rows.filter((r) => r.dim !== dim || !config.sizes.includes(r.n));
      if (rows.length) log(`keeping ${rows.length} row(s) of other sizes from ${path.relative(REPO, jsonFile)}`);
    } catch { rows = []; }
  }
  const server = await startServer(REPO);
  const write = () => {
    rows.sort((x, y) => x.dim - y.dim || x.n - y.n);
    const report = {
      date: new Date().toISOString(), command: `node bench/scale.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      seconds: (Date.now() - started) / 1000, machine, config, heapTargetMB: HEAP_TARGET_MB, rows,
    };
    if (a.write) {
      fs.mkdirSync(RESULTS, { recursive: true });
      fs.writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
      fs.writeFileSync(mdFile, markdown(report));
    }
    return report;
  };
  try {
    for (const n of config.sizes) {
      const spec = {
        ...config, n, path: `scale-${n}x${dim}.db`, reportMs: a.quick ? 2_000 : 10_000, stallMs: Math.max(300_000, config.exactBudgetMs * 3),
      };
      const timeoutMs = (a.timeout ?? 600 + (n / 1000) * 0.6) * 1000;
      log(`n=${n}: fresh profile, timeout ${Math.round(timeoutMs / 1000)} s`);
      const row = await runSize(server.url, spec, timeoutMs);
      rows = rows.filter((r) => !(r.n === n && r.dim === dim));
      rows.push(row);
      write();
    }
  } finally {
    await server.close();
  }
  const report = write();
  console.log('\n' + markdown(report));
  if (a.write) log(`wrote ${path.relative(REPO, jsonFile)} and ${path.relative(REPO, mdFile)}`);
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
