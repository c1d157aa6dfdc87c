// Drawing a query: ink on a 280x280 canvas, downscaled to 28x28
import { paint } from './images.js';
import { DIM, SIDE, el } from './page.js';
import { setQuery } from './search.js';

export const drawCtx = el.draw.getContext('2d', { willReadFrequently: true });
export function resetDrawing() {
  drawCtx.fillStyle = '#fff';
  drawCtx.fillRect(0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, new Uint8Array(DIM));
}
resetDrawing();

export let drawing = null;
export function canvasPoint(e) {
  const r = el.draw.getBoundingClientRect();
  return [(e.clientX - r.left) * (el.draw.width / r.width), (e.clientY - r.top) * (el.draw.height / r.height)];
}
el.draw.addEventListener('pointerdown', (e) => {
  el.draw.setPointerCapture(e.pointerId);
  drawing = canvasPoint(e);
  stroke(drawing, drawing);
});
el.draw.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = canvasPoint(e);
  stroke(drawing, p);
  drawing = p;
  drawingToPixels(false);
});
export const endStroke = () => {
  if (!drawing) return;
  drawing = null;
  drawingToPixels(true);
};
el.draw.addEventListener('pointerup', endStroke);
el.draw.addEventListener('pointercancel', endStroke);
el.drawClear.addEventListener('click', resetDrawing);

export function stroke([x0, y0], [x1, y1]) {
  drawCtx.strokeStyle = '#000';
  drawCtx.lineWidth = Number(el.brush.value);
  drawCtx.lineCap = 'round';
  drawCtx.lineJoin = 'round';
  drawCtx.beginPath();
  drawCtx.moveTo(x0, y0);
  drawCtx.lineTo(x1 + 0.01, y1);
  drawCtx.stroke();
}

export const small = document.createElement('canvas');
small.width = SIDE;
small.height = SIDE;
export const smallCtx = small.getContext('2d', { willReadFrequently: true });

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

export function drawingToPixels(run) {
  const v = inkOf(el.draw, 0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, v);
  if (run) {
    if (v.every((x) => x < 0.01)) return;
    el.grid.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
    setQuery({ vector: v, title: 'Your drawing' });
  }
}
