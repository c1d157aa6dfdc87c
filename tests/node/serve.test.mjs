// scripts/serve.mjs: MIME types, redirects, index.html, no escape from root, no-cache, CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tmp;
let root;
let server;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-serve-'));
  root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'demo'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sub dir'), { recursive: true });
  fs.writeFileSync(path.join(root, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
  fs.writeFileSync(path.join(root, 'sub dir', 'index.html'), 'sub');
  const files = {
    'a.js': 'export {}', 'a.mjs': 'export {}', 'a.wasm': '\0asm', 'a.json': '{}', 'a.html': '<p>',
    'a.css': 'p{}', 'a.png': 'png', 'a.svg': '<svg/>', 'a.bin': 'bin', 'a.unknownext': 'x',
  };
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(root, name), body);
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
  server = await startServer({ root });
});

after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A raw GET so that '..' and odd encodings reach the server unnormalised. */
function rawGet(port, target, method = 'GET') {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => (data += d));
    sock.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const [status, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    sock.on('error', reject);
  });
}

test('serve: startServer returns url, port and close', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(typeof server.port, 'number');
  assert.ok(server.port > 0);
  assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  assert.equal(typeof server.close, 'function');
});

test('serve: MIME types and Cache-Control', async () => {
  const want = {
    'a.js': 'text/javascript', 'a.mjs': 'text/javascript', 'a.wasm': 'application/wasm',
    'a.json': 'application/json', 'a.html': 'text/html', 'a.css': 'text/css', 'a.png': 'image/png',
    'a.svg': 'image/svg+xml', 'a.bin': 'application/octet-stream', 'a.unknownext': 'application/octet-stream',
  };
  for (const [name, type] of Object.entries(want)) {
    const res = await fetch(`${server.url}/${name}`);
    assert.equal(res.status, 200, name);
    assert.equal(res.headers.get('content-type').split(';')[0], type, name);
    assert.equal(res.headers.get('cache-control'), 'no-cache', name);
    assert.equal(await res.text(), fs.readFileSync(path.join(root, name), 'utf8'), name);
  }
  assert.equal((await fetch(`${server.url}/a.wasm`)).headers.get('content-type'), 'application/wasm');
});

test('serve: / redirects to /demo/, directories serve index.html', async () => {
  const r = await fetch(`${server.url}/`, { redirect: 'manual' });
  assert.ok([301, 302, 303, 307, 308].includes(r.status), String(r.status));
  assert.equal(new URL(r.headers.get('location'), server.url).pathname, '/demo/');
  const followed = await fetch(`${server.url}/`);
  assert.equal(followed.status, 200);
  assert.equal(new URL(followed.url).pathname, '/demo/');
  assert.equal(await followed.text(), '<!doctype html><title>demo</title>');
  assert.equal(followed.headers.get('content-type').split(';')[0], 'text/html');
  const noSlash = await fetch(`${server.url}/demo`);
  assert.equal(noSlash.status, 200);
  assert.equal(await noSlash.text(), '<!doctype html><title>demo</title>');
  const spaced = await fetch(`${server.url}/sub%20dir/`);
  assert.equal(spaced.status, 200);
  assert.equal(await spaced.text(), 'sub');
  const q = await fetch(`${server.url}/a.json?x=1`);
  assert.equal(await q.text(), '{}');
});

test('serve: missing files are 404, HEAD works', async () => {
  const res = await fetch(`${server.url}/nope.js`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const head = await fetch(`${server.url}/a.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String('export {}'.length));
  assert.equal(await head.text(), '');
});

test('serve: nothing outside root is served', async () => {
  for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/demo/../../secret.txt', '/%2e%2e%2fsecret.txt',
    '/demo/%2e%2e/%2e%2e/secret.txt', '/..%5csecret.txt', '/%2e%2e%5csecret.txt', '//../secret.txt',
    `/${'..%2f'.repeat(8)}etc/passwd`, '/a.js%00.html', '/%ZZ']) {
    const res = await rawGet(server.port, target);
    assert.ok(res.status >= 400 && res.status < 500, `${target} -> ${res.status}`);
    assert.ok(!res.body.includes('secret') && !res.body.includes('root:'), target);
  }
});

test('serve: CLI prints one line and moves to the next port when taken', async () => {
  // Occupy a port, then ask the CLI for it: it must take a later one.
  const blocker = await startServer({ root });
  const child = spawn(process.execPath, [path.join(repo, 'scripts/serve.mjs'), '--port', String(blocker.port), '--root', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const m = /^sqlite-vector demo: (http:\/\/127\.0\.0\.1:(\d+))\/demo\/\n$/.exec(line);
    assert.ok(m, JSON.stringify(line));
    assert.notEqual(Number(m[2]), blocker.port);
    assert.ok(Number(m[2]) > blocker.port);
    const res = await fetch(`${m[1]}/demo/`);
    assert.equal(await res.text(), '<!doctype html><title>demo</title>');
  } finally {
    child.kill('SIGTERM');
    await blocker.close();
  }
});
