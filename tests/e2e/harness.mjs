// Shared by the browser tests added with many tabs (tabs, global, bundlers): a temporary web
// root holding the harness pages and a copy of dist/, served on 127.0.0.1 (a secure context,
// so OPFS works), and Debian's Chromium with a fresh profile per use (playwright-core only;
// nothing is downloaded).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = path.join(repo, 'dist');
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** A web root: tests/e2e/pages plus dist/ (as ./dist/) plus `extra` {name: dir}; served. */
export async function serveRoot(extra = {}) {
  for (const f of ['sqlite-vector.js', 'worker.js']) {
    assert.ok(fs.existsSync(path.join(dist, f)), `dist/${f} is missing: run \`npm run build\` first`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-e2e-'));
  const root = path.join(tmp, 'www');
  fs.cpSync(path.join(repo, 'tests/e2e/pages'), root, { recursive: true });
  fs.cpSync(dist, path.join(root, 'dist'), { recursive: true });
  for (const [name, dir] of Object.entries(extra)) fs.cpSync(dir, path.join(root, name), { recursive: true });
  const server = await startServer({ root });
  return {
    url: server.url,
    root,
    tmp,
    async close() {
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The engine the browser suites run in: 'chromium' unless a runner (firefox.test.mjs) sets it. */
export const ENGINE = globalThis.SV_ENGINE ?? 'chromium';
export const ENGINE_NAME = { chromium: 'Chromium', firefox: 'Firefox' }[ENGINE];
export const FIREFOX = '/usr/bin/firefox-esr';

/**
 * A browser with its own profile at `userDataDir`, as a Playwright persistent context:
 * Debian's Chromium through playwright-core, or Debian's Firefox ESR through puppeteer-core
 * (WebDriver BiDi), its pages wrapped to answer the Playwright calls the suites make.
 */
export async function launchContext(userDataDir, engine = ENGINE) {
  if (engine === 'chromium') {
    return chromium.launchPersistentContext(userDataDir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  }
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir, protocolTimeout: 120_000 });
  const wrap = (p) => ({
    goto: (url) => p.goto(url),
    evaluate: (fn, arg) => p.evaluate(fn, arg),
    waitForFunction: (fn, arg, opts = {}) => p.waitForFunction(fn, { timeout: opts.timeout ?? 30_000, polling: 100 }, arg),
    reload: () => p.reload(),
    close: () => p.close(),
    waitForTimeout: (ms) => new Promise((r) => setTimeout(r, ms)),
    screenshot: (o) => p.screenshot(o),
    on(event, fn) {
      if (event === 'pageerror' || event === 'console') p.on(event, fn);
    },
  });
  return {
    engine,
    newPage: async () => wrap(await browser.newPage()),
    close: () => browser.close(),
  };
}

/**
 * A fresh browser profile (empty OPFS) for fn({ context, open, log }). `open(name, page)`
 * opens `page` (default index.html) in a new tab and waits for `window.harnessReady`.
 */
export async function withBrowser(server, fn) {
  const userDataDir = fs.mkdtempSync(path.join(server.tmp, 'profile-'));
  const context = await launchContext(userDataDir);
  const log = [];
  const open = async (name = 'tab', page = 'index.html') => {
    const p = await context.newPage();
    p.on('pageerror', (e) => log.push(`[${name} pageerror] ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log.push(`[${name} console.${m.type()}] ${m.text()}`);
    });
    if (ENGINE === 'chromium') p.on('crash', () => log.push(`[${name}] crashed`));
    await p.goto(`${server.url}/${page}`);
    await p.waitForFunction(() => window.harnessReady === true, null, { timeout: 15_000 });
    return p;
  };
  try {
    await fn({ context, open, log });
  } catch (e) {
    if (log.length) e.message += `\n--- browser log ---\n${log.join('\n')}`;
    throw e;
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** Asserts an { ok: false, error } from window.attempt with a VectorDBError of `code`. */
export function assertCode(outcome, code, what) {
  assert.equal(outcome.ok, false, `${what}: expected a rejection with ${code}, got ${JSON.stringify(outcome.value)?.slice(0, 200)}`);
  assert.equal(outcome.error.isVectorDBError, true, `${what}: instanceof VectorDBError in the page (${JSON.stringify(outcome.error)})`);
  assert.equal(outcome.error.code, code, `${what}: code ${outcome.error.code} (${outcome.error.message}), expected ${code}`);
}
