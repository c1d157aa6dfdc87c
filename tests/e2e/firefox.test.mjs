// The browser suites again in Firefox: Debian's firefox-esr (installed by scripts/setup.sh)
// driven by puppeteer-core over WebDriver BiDi. The same test files, with harness.mjs's
// launchContext answering for Firefox: the dist API suite (ESM entry, OPFS, reloads, errors,
// in-worker use, searchBatch), the classic script, and many tabs (everything but the CDP
// renderer crash, which is Chromium's).
//
//   node --test tests/e2e/firefox.test.mjs
import fs from 'node:fs';
import { test } from 'node:test';

globalThis.SV_ENGINE = 'firefox';
const { FIREFOX } = await import('./harness.mjs');

if (!fs.existsSync(FIREFOX)) {
  test('Firefox suites', { skip: `${FIREFOX} is missing (scripts/setup.sh installs firefox-esr)` }, () => {});
} else {
  await import('./dist.test.mjs');
  await import('./global.test.mjs');
  await import('./tabs.test.mjs');
}
