// Painting images. Pixels are "ink" values (0 = background, 255 = full), as in the data set;
// they are shown dark-on-light.
import { DIM, SIDE } from './page.js';

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
