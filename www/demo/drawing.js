// Drawing a query: ink on a 280x280 canvas, downscaled to 28x28. The preview follows the pen;
// the search runs when the pen is lifted. "Add to database" stores the drawing (edit.js).
import { DIM } from './data.js';
import { paint, inkOf } from './ink.js';
import { setQuery } from './search.js';
import { deselectTiles } from './grid.js';
import { addDrawing } from './edit.js';

const $ = (id) => document.getElementById(id);
const el = { draw: $('draw'), brush: $('brush'), drawClear: $('draw-clear'), drawAdd: $('draw-add'), drawPreview: $('draw-preview') };

let drawn = null; // the last drawing with ink, as 784 floats: what "Add to database" stores

const drawCtx = el.draw.getContext('2d', { willReadFrequently: true });

function resetDrawing() {
  drawCtx.fillStyle = '#fff';
  drawCtx.fillRect(0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, new Uint8Array(DIM));
  drawn = null;
  el.drawAdd.disabled = true;
}

function canvasPoint(e) {
  const r = el.draw.getBoundingClientRect();
  return [(e.clientX - r.left) * (el.draw.width / r.width), (e.clientY - r.top) * (el.draw.height / r.height)];
}

function stroke([x0, y0], [x1, y1]) {
  drawCtx.strokeStyle = '#000';
  drawCtx.lineWidth = Number(el.brush.value);
  drawCtx.lineCap = 'round';
  drawCtx.lineJoin = 'round';
  drawCtx.beginPath();
  drawCtx.moveTo(x0, y0);
  drawCtx.lineTo(x1 + 0.01, y1);
  drawCtx.stroke();
}

function drawingToPixels(run) {
  const v = inkOf(el.draw, 0, 0, el.draw.width, el.draw.height);
  paint(el.drawPreview, v);
  if (run) {
    if (v.every((x) => x < 0.01)) return;
    drawn = v;
    el.drawAdd.disabled = false;
    deselectTiles();
    setQuery({ vector: v, title: 'Your drawing' });
  }
}

export function setupDrawing() {
  resetDrawing();
  let drawing = null; // the pen's last point while it is down
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
  const endStroke = () => {
    if (!drawing) return;
    drawing = null;
    drawingToPixels(true);
  };
  el.draw.addEventListener('pointerup', endStroke);
  el.draw.addEventListener('pointercancel', endStroke);
  el.drawClear.addEventListener('click', resetDrawing);
  el.drawAdd.addEventListener('click', async () => {
    if (!drawn) return;
    el.drawAdd.disabled = true;
    const id = await addDrawing(drawn);
    el.drawAdd.disabled = !!id; // stored once; draw again to add another
  });
}
