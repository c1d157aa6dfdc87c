// A tiny static server for the bench: serves the repository's dist/ and bench/ (pages, the
// peers' packages under bench/node_modules, the cached data under bench/.cache) on 127.0.0.1.
// Answers If-Modified-Since with 304, as ordinary static hosting does, so a reopened page
// finds the wasm in the HTTP cache (and Chromium's compiled-code cache) like a real reload.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json',
};

export function startServer(repoRoot) {
  const allowed = ['dist', 'bench'].map((d) => path.join(repoRoot, d) + path.sep);
  const server = http.createServer(async (req, res) => {
    let file;
    try {
      const { pathname } = new URL(req.url, 'http://x');
      file = path.resolve(repoRoot, '.' + path.posix.normalize('/' + decodeURIComponent(pathname)));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!allowed.some((a) => file.startsWith(a))) {
      res.writeHead(403).end();
      return;
    }
    let st;
    try {
      st = await fs.promises.stat(file);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end();
      return;
    }
    const lastModified = st.mtime.toUTCString();
    const headers = { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Last-Modified': lastModified, 'Cache-Control': 'no-cache' };
    if (req.headers['if-modified-since'] === lastModified) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': st.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); }),
      });
    });
  });
}
