// Writes the demo's app icons (www/demo/icons/icon-192.png and icon-512.png, committed): the
// favicon of www/demo/index.html (an indigo rounded square with a white peak, on a 16-unit
// grid) rasterized at each size with 4x4 supersampling, encoded as RGBA PNG with node:zlib.
//
//   node scripts/make-icons.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'www/demo/icons');
const INDIGO = [0x4f, 0x46, 0xe5];
const PEAK = [[4, 11], [7, 5], [9, 9], [10, 7], [12, 11]]; // the favicon's path, in 16ths

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0; // filter: none
    rgba.copy(raw, y * (1 + width * 4) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function inPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inRoundedSquare(x, y, r) {
  const cx = Math.min(Math.max(x, r), 16 - r);
  const cy = Math.min(Math.max(y, r), 16 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function icon(size) {
  const rgba = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = ((px + (sx + 0.5) / S) / size) * 16;
          const y = ((py + (sy + 0.5) / S) / size) * 16;
          if (!inRoundedSquare(x, y, 3)) continue;
          if (inPolygon(x, y, PEAK)) fg++;
          else bg++;
        }
      }
      const cover = (bg + fg) / (S * S);
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = cover ? Math.round((INDIGO[c] * bg + 255 * fg) / (bg + fg)) : 0;
      rgba[i + 3] = Math.round(cover * 255);
    }
  }
  return encodePng(size, size, rgba);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(out, { recursive: true });
  for (const size of [192, 512]) {
    writeFileSync(join(out, `icon-${size}.png`), icon(size));
    console.log(`www/demo/icons/icon-${size}.png`);
  }
}
