#!/usr/bin/env node
// Converts Debian's Fashion-MNIST (package `dataset-fashion-mnist`, IDX files, gzip) into the
// compact binary files the demo page fetches. No npm dependencies.
//
//   node scripts/fashion-mnist.mjs <outDir>          (e.g. dist/demo/data)
//   import { convertFashionMnist } from './scripts/fashion-mnist.mjs'
//
// Output, per split (`train`: 60 000 images, `t10k`: 10 000 images):
//   <outDir>/fashion-mnist-<split>.bin
//     offset 0   4 bytes  magic "FMN1"
//     offset 4   uint32   count   (little-endian)
//     offset 8   uint32   rows    (28)
//     offset 12  uint32   cols    (28)
//     offset 16  uint8[count]              labels, 0-9
//     then       uint8[count * rows * cols] pixels, row-major, image after image
//   Labels come first so that any prefix of the file holding the first n images is enough
//   to use them: the page streams the file and stops once it has the n it needs.
//   <outDir>/fashion-mnist.json   class names and the files' counts/sizes.
//
// Skips a file when it is already newer than its inputs (and this script).
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, statSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOURCE_DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
export const CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
export const MAGIC = 'FMN1';
export const HEADER_BYTES = 16;
const SPLITS = ['train', 't10k'];

function sourceFiles(split, dir = SOURCE_DIR) {
  return {
    images: join(dir, `${split}-images-idx3-ubyte.gz`),
    labels: join(dir, `${split}-labels-idx1-ubyte.gz`),
  };
}

function readIdx(file, expectedMagic) {
  const buf = gunzipSync(readFileSync(file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false); // IDX is big-endian
  if (magic !== expectedMagic) {
    throw new Error(`${file}: not an IDX file of the expected kind (magic 0x${magic.toString(16)})`);
  }
  const ndim = magic & 0xff;
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * ndim;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - offset !== size) throw new Error(`${file}: truncated (${buf.length - offset} of ${size} bytes)`);
  return { dims, data: buf.subarray(offset) };
}

/** Encodes one split into the demo's binary format. */
export function encode(labels, pixels, rows, cols) {
  const count = labels.length;
  const out = Buffer.alloc(HEADER_BYTES + count + pixels.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(count, 4);
  out.writeUInt32LE(rows, 8);
  out.writeUInt32LE(cols, 12);
  out.set(labels, HEADER_BYTES);
  out.set(pixels, HEADER_BYTES + count);
  return out;
}

/** Parses a file written by `encode` (Node Buffer or Uint8Array). */
export function decode(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const magic = String.fromCharCode(u8[0], u8[1], u8[2], u8[3]);
  if (magic !== MAGIC) throw new Error(`not a Fashion-MNIST demo file (magic ${JSON.stringify(magic)})`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const count = view.getUint32(4, true);
  const rows = view.getUint32(8, true);
  const cols = view.getUint32(12, true);
  const labels = u8.subarray(HEADER_BYTES, HEADER_BYTES + count);
  const pixels = u8.subarray(HEADER_BYTES + count, HEADER_BYTES + count + count * rows * cols);
  return { count, rows, cols, labels, pixels };
}

const mtime = (f) => statSync(f).mtimeMs;

/**
 * Writes <outDir>/fashion-mnist-{train,t10k}.bin and <outDir>/fashion-mnist.json.
 * Returns { outDir, files: [{ split, file, count, bytes, skipped }] }.
 */
export function convertFashionMnist(outDir, { sourceDir = SOURCE_DIR, log = () => {} } = {}) {
  outDir = resolve(outDir);
  const missing = SPLITS.flatMap((s) => Object.values(sourceFiles(s, sourceDir))).filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `Fashion-MNIST data set not found (missing ${missing.join(', ')}).\n` +
      `Install it with: apt-get install dataset-fashion-mnist`,
    );
  }
  mkdirSync(outDir, { recursive: true });
  const self = fileURLToPath(import.meta.url);
  const files = [];
  for (const split of SPLITS) {
    const src = sourceFiles(split, sourceDir);
    const file = join(outDir, `fashion-mnist-${split}.bin`);
    const newestInput = Math.max(mtime(src.images), mtime(src.labels), mtime(self));
    if (existsSync(file) && mtime(file) > newestInput) {
      const head = readFileSync(file).subarray(0, HEADER_BYTES);
      files.push({ split, file, count: head.readUInt32LE(4), bytes: statSync(file).size, skipped: true });
      log(`${file}: up to date`);
      continue;
    }
    const images = readIdx(src.images, 0x00000803);
    const labels = readIdx(src.labels, 0x00000801);
    const [count, rows, cols] = images.dims;
    if (labels.dims[0] !== count) throw new Error(`${split}: ${count} images but ${labels.dims[0]} labels`);
    const out = encode(labels.data, images.data, rows, cols);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, file); // never leave a half-written file that looks up to date
    files.push({ split, file, count, bytes: out.length, skipped: false });
    log(`${file}: ${count} images ${rows}x${cols}, ${(out.length / 1e6).toFixed(1)} MB`);
  }
  const manifest = {
    name: 'Fashion-MNIST',
    source: 'https://github.com/zalandoresearch/fashion-mnist (Debian package dataset-fashion-mnist)',
    format: { magic: MAGIC, headerBytes: HEADER_BYTES, layout: 'header, uint8 labels[count], uint8 pixels[count*rows*cols]' },
    classes: CLASS_NAMES,
    splits: Object.fromEntries(files.map((f) => [f.split, { file: `fashion-mnist-${f.split}.bin`, count: f.count, bytes: f.bytes }])),
  };
  const manifestFile = join(outDir, 'fashion-mnist.json');
  const text = JSON.stringify(manifest, null, 2) + '\n';
  if (!existsSync(manifestFile) || readFileSync(manifestFile, 'utf8') !== text) writeFileSync(manifestFile, text);
  return { outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node scripts/fashion-mnist.mjs <outDir>');
    process.exit(2);
  }
  try {
    convertFashionMnist(outDir, { log: (m) => console.log(`[fashion-mnist] ${m}`) });
  } catch (err) {
    console.error(`[fashion-mnist] ${err.message}`);
    process.exit(1);
  }
}
