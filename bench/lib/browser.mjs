// Runs one browser system on one data set in headless Chromium (the system Chromium through
// playwright-core; nothing is downloaded): a fresh profile (so OPFS starts empty) per run, one
// page for insert + queries + single inserts, then a new page for the reopen measurement.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function openPage(context, serverUrl, log, label) {
  const page = await context.newPage();
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[bench] ')) log(`${label}: ${t.slice(8)}`);
    else if (m.type() === 'error') log(`${label} console.error: ${t}`);
  });
  page.on('pageerror', (e) => log(`${label} pageerror: ${e.message}`));
  // The page asks for the wasm heap of our worker (dist/worker.js): read it in the worker's
  // realm, where the wasm-bindgen glue's initSync() returns the live instance's exports.
  await page.exposeFunction('__benchWorkerHeap', async () => {
    const w = page.workers().filter((x) => x.url().endsWith('/dist/worker.js')).at(-1);
    if (!w) return null;
    return w.evaluate(async (url) => (await import(url)).initSync().memory.buffer.byteLength, `${serverUrl}/dist/sqlite_vector_wasm.js`);
  });
  await page.goto(`${serverUrl}/bench/pages/harness.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
  return page;
}

/**
 * @returns {{ run, reopen?, userAgent }} raw figures from bench/lib/protocol.mjs; throws on
 * failure (the caller records it and goes on).
 */
export async function runBrowserSystem({ system, spec, serverUrl, reopen, timeoutMs, log, privateContext = false, method = 'run' }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-bench-chromium-'));
  let context;
  let browser = null;
  try {
    if (privateContext) {
      // Issue 11: a private (incognito-like) context: browser.newContext() has no user data
      // directory, so OPFS is not backed by the profile on disk.
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
      context = await browser.newContext();
    } else {
      context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    }
    const page = await openPage(context, serverUrl, log, system);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const run = await withTimeout(page.evaluate(([m, s]) => window.bench[m](s), [method, spec]), timeoutMs, `${system} ${method}`);
    await page.close();
    let reopened = null;
    if (reopen) {
      const page2 = await openPage(context, serverUrl, log, `${system} reopen`);
      reopened = await withTimeout(page2.evaluate((s) => window.bench.reopen(s), spec), 120_000, `${system} reopen`);
      await page2.close();
    }
    return { run, reopen: reopened, userAgent };
  } finally {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

export async function chromiumVersion() {
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const v = browser.version();
    await browser.close();
    return v;
  } catch (e) {
    return `unknown (${e.message.split('\n')[0]})`;
  }
}
