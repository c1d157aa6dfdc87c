// Shipped size of each system: the files a user ships (JS + wasm, or the native binaries),
// raw and gzipped (zlib, default level, as a static server would send them).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The relative-import closure of an ESM entry (static/dynamic imports, new URL(…, import.meta.url)). */
function closure(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    if (!/\.(m?js)$/.test(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    const re = /(?:from\s*|import\s*\(\s*|new URL\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
    for (const m of text.matchAll(re)) visit(path.resolve(path.dirname(file), m[1]));
    const url = /new URL\(\s*['"]([^'"/:][^'"]*)['"]\s*,\s*import\.meta\.url/g;
    for (const m of text.matchAll(url)) visit(path.resolve(path.dirname(file), m[1]));
  };
  visit(entry);
  return [...seen];
}

function measure(root, files) {
  let bytes = 0, gzip = 0;
  const list = [];
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const b = fs.readFileSync(f);
    const g = gzipSync(b).length;
    bytes += b.length;
    gzip += g;
    list.push({ file: path.relative(root, f), bytes: b.length, gzip: g });
  }
  return list.length ? { bytes, gzip, files: list } : null;
}

export function shippedSizes(repoRoot) {
  const dist = path.join(repoRoot, 'dist');
  const nm = path.join(repoRoot, 'bench', 'node_modules');
  const glob = (dir, re) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(dir, f)) : []);
  const browser = new Set([...closure(path.join(dist, 'sqlite-vector.js')), ...closure(path.join(dist, 'worker.js'))]);
  const nodeFiles = closure(path.join(dist, 'node.js'));
  const wasmNode = nodeFiles.filter((f) => !f.includes(`${path.sep}native`));
  const native = [...nodeFiles.filter((f) => !f.includes(`${path.sep}node${path.sep}`)), ...glob(path.join(dist, 'native'), /\.node$/)];
  return {
    'ours-opfs': measure(repoRoot, [...browser]),
    'ours-wasm-node': measure(repoRoot, wasmNode),
    'ours-native': measure(repoRoot, native),
    'sqljs-baseline': measure(repoRoot, ['sql-wasm-browser.js', 'sql-wasm-browser.wasm'].map((f) => path.join(nm, 'sql.js/dist', f))),
    'sqlite-vec-wasm': measure(repoRoot, ['sqlite3.mjs', 'sqlite3.wasm'].map((f) => path.join(nm, 'sqlite-vec-wasm-demo', f))),
    'hnswlib-wasm': measure(repoRoot, closure(path.join(nm, 'hnswlib-wasm/dist/hnswlib.js'))),
    'sqlite-vec-native': measure(repoRoot, [
      ...glob(path.join(nm, 'better-sqlite3/lib'), /\.js$/), ...glob(path.join(nm, 'better-sqlite3/lib/methods'), /\.js$/),
      path.join(nm, 'better-sqlite3/build/Release/better_sqlite3.node'),
      ...glob(path.join(nm, 'sqlite-vec-linux-x64'), /\.so$/), path.join(nm, 'sqlite-vec/index.mjs'),
    ]),
    'hnswlib-node': measure(repoRoot, [path.join(nm, 'hnswlib-node/lib/index.js'), path.join(nm, 'hnswlib-node/build/Release/addon.node')]),
  };
}
