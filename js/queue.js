// The dispatcher's queue: requests run strictly one after another, in arrival order (the
// connection is single-threaded and order must follow the caller's), and consecutive writes
// of the same kind that are waiting together share one transaction (group commit).
//
// A group is `insertBatch` or `upsertBatch` requests merged into one call of that op: every
// request's vectors end to end, in order, so the merged call has exactly the effect of the
// requests one after another (an upsert's repeated id: the last wins, in the place of its
// first). Each request resolves to its own slice of the ids once the shared transaction has
// committed. When the merged call fails, nothing of it was written, and the requests run
// one by one, so that each resolves or rejects exactly as it would have alone.

const GROUPED = new Set(['insertBatch', 'upsertBatch']);
/** Bounds on one group, so that a burst never holds more than this twice in memory. */
const MAX_REQUESTS = 4096;
const MAX_FLOATS = 1 << 22;

/**
 * @param {(op: string, args: any) => Promise<any>} run  runs one request
 * @returns {(op: string, args: any) => Promise<any>}
 */
export function createQueue(run) {
  /** @type {{ op: string, args: any, resolve: (v: any) => void, reject: (e: any) => void }[]} */
  const waiting = [];
  let pumping = false;

  async function one(r) {
    try {
      r.resolve(await run(r.op, r.args));
    } catch (e) {
      r.reject(e);
    }
  }

  /** The requests at the head that can share a transaction with the first. */
  function takeGroup() {
    const first = waiting.shift();
    const group = [first];
    if (!GROUPED.has(first.op)) return group;
    let floats = first.args.flat.length;
    while (waiting.length && group.length < MAX_REQUESTS && waiting[0].op === first.op) {
      floats += waiting[0].args.flat.length;
      if (floats > MAX_FLOATS) break;
      group.push(waiting.shift());
    }
    return group;
  }

  async function together(group) {
    const parts = group.map((r) => r.args);
    let ids;
    try {
      ids = await run(group[0].op, merge(parts));
    } catch {
      for (const r of group) await one(r);
      return;
    }
    let at = 0;
    for (const r of group) {
      const n = r.args.lengths.length;
      r.resolve(ids.slice(at, at + n));
      at += n;
    }
  }

  async function pump() {
    try {
      while (waiting.length) {
        const group = takeGroup();
        if (group.length === 1) await one(group[0]);
        else await together(group);
      }
    } finally {
      pumping = false;
    }
  }

  return function handle(op, args) {
    return new Promise((resolve, reject) => {
      waiting.push({ op, args, resolve, reject });
      // Started a microtask later, so that every request made in this turn (a burst of
      // calls in process, or a batch of messages from a page) is waiting by then.
      if (!pumping) {
        pumping = true;
        queueMicrotask(pump);
      }
    });
  };
}

/** Packed batches (binding.d.ts: ids, flat, lengths, metadata) end to end, as one. */
function merge(parts) {
  let floats = 0;
  let count = 0;
  for (const p of parts) {
    floats += p.flat.length;
    count += p.lengths.length;
  }
  const flat = new Float32Array(floats);
  const lengths = new Uint32Array(count);
  const ids = [];
  const metadata = [];
  let f = 0;
  let n = 0;
  for (const p of parts) {
    flat.set(p.flat, f);
    lengths.set(p.lengths, n);
    f += p.flat.length;
    n += p.lengths.length;
    for (let i = 0; i < p.lengths.length; i++) {
      ids.push(p.ids[i]);
      metadata.push(p.metadata[i]);
    }
  }
  return { ids, flat, lengths, metadata };
}
