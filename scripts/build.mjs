// Builds everything `npm start` and `npm test` need:
//   1. the wasm (cargo, release, +simd128 from .cargo/config.toml);
//   2. wasm-bindgen glue, generated into js/ where the sources import it: web target as
//      js/sqlite_vector_wasm.js, Node ESM target into js/node/ (git-ignored);
//   3. wasm-opt -O3 when binaryen is installed;
//   3b. the native Node addon (cargo, profile `node`, feature `node`) into js/native/
//      (skipped with --no-native);
//   4. js/inline-worker.js generated (the worker and the wasm as one module script, the
//      fallback of bundled apps), js/ copied to dist/ as it is (plain ES modules, no bundling: dist/ loads from any
//      static server with <script type="module">); js/global.js bundled by esbuild into the
//      classic script dist/sqlite-vector.global.js (`<script src>`, globalThis.SqliteVector);
//   5. the demo: Fashion-MNIST converted into dist/demo/data, then webpack.
// Steps whose inputs did not change are skipped.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, statSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGlobal, buildInlineWorker } from './build-global.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const js = join(root, 'js');
const args = new Set(process.argv.slice(2));
const log = (m) => console.log(`\x1b[1m[build]\x1b[0m ${m}`);
const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

log('cargo build --target wasm32-unknown-unknown --release');
run('cargo', ['build', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--release']);
const raw = join(root, 'target/wasm32-unknown-unknown/release/sqlite_vector.wasm');

mkdirSync(join(js, 'node'), { recursive: true });
const targets = [
  { target: 'web', out: js },
  { target: 'experimental-nodejs-module', out: join(js, 'node') },
];
for (const { target, out } of targets) {
  const wasm = join(out, 'sqlite_vector_wasm_bg.wasm');
  if (mtime(wasm) > mtime(raw) && !args.has('--force')) continue;
  log(`wasm-bindgen --target ${target}`);
  run('wasm-bindgen', ['--target', target, '--out-dir', out, '--out-name', 'sqlite_vector_wasm', raw]);
  // binaryen from npm: Debian's wasm-opt 108 breaks wasm-bindgen's externref table.
  const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
  if (existsSync(wasmOpt)) {
    log(`wasm-opt -O3 ${wasm.slice(root.length + 1)}`);
    try {
      run(wasmOpt, ['-O3', '--enable-simd', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
        '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
        wasm, '-o', wasm]);
    } catch {
      log('wasm-opt failed; keeping the unoptimized wasm');
    }
  } else {
    log('wasm-opt not found (npm ci installs binaryen); skipping');
  }
}

if (!args.has('--no-native')) {
  log('cargo build --profile node --features node (the Node-API addon)');
  run('cargo', ['build', '--quiet', '--lib', '--profile', 'node', '--features', 'node']);
  const lib = { darwin: 'libsqlite_vector.dylib', win32: 'sqlite_vector.dll' }[process.platform] ?? 'libsqlite_vector.so';
  mkdirSync(join(js, 'native'), { recursive: true });
  // The name native.js looks for: one file per platform, so several can ship side by side.
  copyFileSync(join(root, 'target/node', lib), join(js, 'native', `sqlite_vector.${process.platform}-${process.arch}.node`));
}

// The Node entry imports the node glue; the browser entry never does.
rmSync(join(js, 'node', 'package.json'), { force: true });
log('js/inline-worker.js (the worker and the wasm as one script, for bundlers that copy neither)');
await buildInlineWorker(js);
log('js/ -> dist/');
cpSync(js, dist, { recursive: true });
log('esbuild js/global.js -> dist/sqlite-vector.global.js');
await buildGlobal(js, dist);

if (!args.has('--no-demo') && existsSync(join(root, 'webpack.config.js'))) {
  const { convertFashionMnist } = await import('./fashion-mnist.mjs');
  log('Fashion-MNIST -> dist/demo/data');
  await convertFashionMnist(join(dist, 'demo', 'data'));
  log('webpack (demo)');
  run(join(root, 'node_modules/.bin/webpack'), ['--config', 'webpack.config.js'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
log('done: dist/');

