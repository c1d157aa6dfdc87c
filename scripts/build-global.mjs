// dist/sqlite-vector.global.js: the page side of the browser package (js/global.js and what
// it imports) bundled by esbuild into one classic script that sets globalThis.SqliteVector.
// The worker stays dist/worker.js (a module worker) and finds the wasm beside itself.
// Run by scripts/build.mjs after js/ is copied to dist/; alone: `node scripts/build-global.mjs`.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function buildGlobal(js, dist) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(js, 'global.js')],
    outfile: join(dist, 'sqlite-vector.global.js'),
    bundle: true,
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
    banner: { js: '// sqlite-vector, classic-script build: sets globalThis.SqliteVector; worker.js and the wasm load from beside this file.' },
  });
  rmSync(join(dist, 'global.js'), { force: true }); // the entry itself is not part of the package
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  await buildGlobal(join(root, 'js'), join(root, 'dist'));
}
