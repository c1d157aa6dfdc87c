#!/usr/bin/env node
// A small dependency-free static file server for dist/ (the demo and the e2e tests).
//
//   node scripts/serve.mjs [--port N] [--root dir] [--host addr]
//
// Port: --port, else env PORT, else 8080; when it is taken the next ones are tried.
// Prints one line, `sqlite-vector demo: http://127.0.0.1:8080/demo/`, and serves until killed.
//
// As a module: `startServer({ root = 'dist', port = 0, host = '127.0.0.1' })` resolves to
// `{ url, port, close() }` (url without a trailing slash, e.g. `http://127.0.0.1:41234`).
//
// Behaviour: `/` redirects to `/demo/`; a directory serves its index.html (a directory path
// without the trailing slash is redirected to it, so relative URLs resolve); nothing outside
// `root` is ever served; every response carries `Cache-Control: no-cache`. OPFS needs a secure
// context, which 127.0.0.1/localhost are, and no COOP/COEP headers are needed.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
});

export function mimeType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function send(res, status, body, headers = {}) {
  const text = body == null ? '' : String(body);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function redirect(res, location) {
  send(res, 302, `Found: ${location}\n`, { Location: location });
}

/** Maps a URL pathname to a file system path inside root, or null when it would escape. */
function resolveInside(root, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  // Normalise as a POSIX URL path first, then join: '..' can never climb above '/'.
  const normal = path.posix.normalize('/' + decoded.replace(/\\/g, '/'));
  const full = path.resolve(root, '.' + normal);
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}

function handler(root) {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    let pathname;
    let search;
    try {
      const u = new URL(req.url, 'http://localhost');
      pathname = u.pathname;
      search = u.search;
      decodeURIComponent(pathname);
    } catch {
      send(res, 400, 'Bad Request\n');
      return;
    }
    if (pathname === '/') {
      redirect(res, '/demo/' + search);
      return;
    }
    const file = resolveInside(root, pathname);
    if (file === null) {
      send(res, 403, 'Forbidden\n');
      return;
    }
    let target = file;
    let stat;
    try {
      stat = await fs.promises.stat(target);
      if (stat.isDirectory()) {
        if (!pathname.endsWith('/')) {
          redirect(res, pathname + '/' + search);
          return;
        }
        target = path.join(target, 'index.html');
        stat = await fs.promises.stat(target);
      }
    } catch {
      send(res, 404, 'Not Found\n');
      return;
    }
    if (!stat.isFile()) {
      send(res, 404, 'Not Found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': mimeType(target),
      'Content-Length': stat.size,
      'Cache-Control': 'no-cache',
      'Last-Modified': stat.mtime.toUTCString(),
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(target);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function resolveRoot(root) {
  // The default is this repository's dist/, wherever the command is run from; an explicit
  // relative root is taken relative to the current directory.
  return root === undefined ? path.join(repoRoot, 'dist') : path.resolve(root);
}

/**
 * Starts a static server. `port = 0` picks a free port. With `tryNext > 0`, a taken port
 * makes it try the next `tryNext` ports before giving up.
 */
export async function startServer({ root, port = 0, host = '127.0.0.1', tryNext = 0 } = {}) {
  const absRoot = resolveRoot(root);
  const server = http.createServer(handler(absRoot));
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let bound;
  for (let attempt = 0; ; attempt++) {
    try {
      bound = await listen(server, port === 0 ? 0 : port + attempt, host);
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || port === 0 || attempt >= tryNext) throw err;
    }
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    root: absRoot,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [name, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--port' || name === '-p') out.port = value();
    else if (name === '--root' || name === '-r') out.root = value();
    else if (name === '--host') out.host = value();
    else if (name === '--help' || name === '-h') out.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\nusage: node scripts/serve.mjs [--port N] [--root dir] [--host addr]`);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: node scripts/serve.mjs [--port N] [--root dir] [--host addr]');
    return;
  }
  const port = Number(args.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`bad port ${args.port ?? process.env.PORT}`);
    process.exit(2);
  }
  const root = resolveRoot(args.root);
  if (!fs.existsSync(root)) {
    console.error(`${root} does not exist (run \`npm run build\` first)`);
    process.exit(1);
  }
  const host = args.host ?? '127.0.0.1';
  const server = await startServer({ root, port, host, tryNext: port === 0 ? 0 : 50 });
  console.log(`sqlite-vector demo: ${server.url}/demo/`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
