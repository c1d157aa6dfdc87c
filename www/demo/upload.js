// Uploading a photo: grayscale, crop to the object, pad to a square, 28x28. The background
// (from the border) becomes 0 ink, as in Fashion-MNIST.
import { DIM } from './data.js';
import { paint, inkOf } from './ink.js';
import { setQuery } from './search.js';
import { deselectTiles } from './grid.js';
import { showError } from './errors.js';

const $ = (id) => document.getElementById(id);
const el = {
  drop: $('drop'), file: $('file'),
  uploadPreview: $('upload-preview'), uploadImg: $('upload-img'), uploadPx: $('upload-px'),
};

async function useFile(file) {
  if (!file) return;
  if (!file.type.startsWith('image/')) {
    showError(new Error(`${file.name} is not an image`));
    return;
  }
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 256 / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const work = document.createElement('canvas');
    work.width = w;
    work.height = h;
    const ctx = work.getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#fff'; // transparent PNGs: white background
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    bitmap.close?.();
    const d = ctx.getImageData(0, 0, w, h).data;
    const gray = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) gray[i] = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255;
    // Background level from the border.
    let sum = 0;
    let cnt = 0;
    for (let x = 0; x < w; x++) { sum += gray[x] + gray[(h - 1) * w + x]; cnt += 2; }
    for (let y = 0; y < h; y++) { sum += gray[y * w] + gray[y * w + w - 1]; cnt += 2; }
    const bg = sum / cnt;
    const lightBackground = bg >= 0.5;
    // Bounding box of the object: pixels that differ clearly from the background.
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (Math.abs(gray[y * w + x] - bg) > 0.12) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) { x0 = 0; y0 = 0; x1 = w - 1; y1 = h - 1; }
    // Square crop around the box, filled with the background.
    const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
    const sq = document.createElement('canvas');
    sq.width = side;
    sq.height = side;
    const sctx = sq.getContext('2d');
    const level = Math.round(bg * 255);
    sctx.fillStyle = `rgb(${level},${level},${level})`;
    sctx.fillRect(0, 0, side, side);
    sctx.drawImage(work, x0, y0, x1 - x0 + 1, y1 - y0 + 1,
      Math.floor((side - (x1 - x0 + 1)) / 2), Math.floor((side - (y1 - y0 + 1)) / 2), x1 - x0 + 1, y1 - y0 + 1);
    let v = inkOf(sq, 0, 0, side, side, lightBackground);
    // Background to 0 ink, full contrast.
    const bgInk = lightBackground ? 1 - bg : bg;
    let max = 0;
    for (let i = 0; i < DIM; i++) { v[i] = Math.max(0, v[i] - bgInk); if (v[i] > max) max = v[i]; }
    if (max > 0) v = v.map((x) => x / max);
    el.uploadImg.src = URL.createObjectURL(file);
    el.uploadImg.onload = () => URL.revokeObjectURL(el.uploadImg.src);
    paint(el.uploadPx, v);
    el.uploadPreview.hidden = false;
    deselectTiles();
    setQuery({ vector: v, title: `Uploaded: ${file.name}` });
  } catch (e) {
    showError(e, { title: `Could not read ${file.name}` });
  }
}

export function setupUpload() {
  el.file.addEventListener('change', () => useFile(el.file.files[0]));
  el.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.drop.classList.add('over');
  });
  el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    el.drop.classList.remove('over');
    useFile(e.dataTransfer.files[0]);
  });
}
