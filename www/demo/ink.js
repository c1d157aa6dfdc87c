// Images as ink. Pixels are "ink" values (0 = background, 255 = full; 0..1 as floats), as in
// the data set; they are shown dark-on-light. paint() and imageCanvas() show ink; inkOf()
// reads it back from any canvas or image, which is how a drawing or a photo becomes a query.
import { SIDE, DIM } from './data.js';

export function paint(canvas, ink) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  const scale = ink instanceof Float32Array ? 255 : 1;
  for (let i = 0; i < DIM; i++) {
    const v = 255 - Math.max(0, Math.min(255, Math.round(ink[i] * scale)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function imageCanvas(ink, label) {
  const c = document.createElement('canvas');
  c.width = SIDE;
  c.height = SIDE;
  if (label) c.setAttribute('aria-label', label);
  c.setAttribute('role', 'img');
  paint(c, ink);
  return c;
}

const small = document.createElement('canvas');
small.width = SIDE;
small.height = SIDE;
const smallCtx = small.getContext('2d', { willReadFrequently: true });

/** Ink of a canvas region scaled into 28x28 (white background = 0 ink). */
export function inkOf(source, sx, sy, sw, sh, invert = true) {
  smallCtx.fillStyle = invert ? '#fff' : '#000';
  smallCtx.fillRect(0, 0, SIDE, SIDE);
  smallCtx.imageSmoothingEnabled = true;
  smallCtx.imageSmoothingQuality = 'high';
  smallCtx.drawImage(source, sx, sy, sw, sh, 0, 0, SIDE, SIDE);
  const d = smallCtx.getImageData(0, 0, SIDE, SIDE).data;
  const out = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) {
    const gray = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255;
    out[i] = invert ? 1 - gray : gray;
  }
  return out;
}
