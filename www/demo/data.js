// The converted Fashion-MNIST files (scripts/fashion-mnist.mjs). Labels come before the
// pixels, so reading a prefix of the file is enough for the first n images: the file is
// streamed and the download stops as soon as those are in.
export const SIDE = 28;
export const DIM = SIDE * SIDE;
export const CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
const DATA_MAGIC = 'FMN1';
const DATA_HEADER = 16;

const datasets = new Map(); // split -> { n, total, labels, pixels }

/** The first n images of a split ('train' or 't10k'); fewer if the split is smaller, more if an
 *  earlier call fetched more: callers go by the returned { n, total, labels, pixels }. */
export async function fetchImages(split, n, onProgress) {
  const have = datasets.get(split);
  if (have && have.n >= n) return have;
  const url = new URL(`data/fashion-mnist-${split}.bin`, location.href);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`could not download ${url.pathname}: ${e.message}`);
  }
  if (!res.ok) throw new Error(`could not download ${url.pathname}: HTTP ${res.status} (was the demo built with npm run build?)`);
  const reader = res.body.getReader();
  let head = new Uint8Array(0);
  let out = null;
  let filled = 0;
  let needed = Infinity;
  let total = 0;
  while (filled < needed) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = value;
    if (!out) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      if (joined.length < DATA_HEADER) {
        head = joined;
        continue;
      }
      const magic = String.fromCharCode(...joined.subarray(0, 4));
      if (magic !== DATA_MAGIC) throw new Error(`${url.pathname} is not a converted Fashion-MNIST file`);
      const view = new DataView(joined.buffer, joined.byteOffset, DATA_HEADER);
      total = view.getUint32(4, true);
      if (view.getUint32(8, true) !== SIDE || view.getUint32(12, true) !== SIDE) throw new Error(`${url.pathname}: unexpected image size`);
      n = Math.min(n, total);
      needed = DATA_HEADER + total + n * DIM;
      out = new Uint8Array(needed);
      chunk = joined;
    }
    const take = Math.min(chunk.length, needed - filled);
    out.set(chunk.subarray(0, take), filled);
    filled += take;
    onProgress?.(filled / needed, filled);
  }
  reader.cancel().catch(() => {});
  if (!out || filled < needed) throw new Error(`${url.pathname} ended early (${filled} of ${needed} bytes)`);
  const data = {
    n,
    total,
    labels: out.subarray(DATA_HEADER, DATA_HEADER + n),
    pixels: out.subarray(DATA_HEADER + total, DATA_HEADER + total + n * DIM),
  };
  datasets.set(split, data);
  return data;
}
