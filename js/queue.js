// The dispatcher's queue: requests run strictly one after another, in arrival order (the
// connection is single-threaded and order must follow the caller's), and consecutive writes
// of the same kind that are waiting together share one transaction (group commit).
//
// A group is `insertBatch` or `upsertBatch` requests merged into one call of that op: every
// request's vectors end to end, in order, so the merged call has exactly the effect of the
// requests one after another (an upsert's repeated id: the last wins, in the place of its
// first). Once the shared transaction has committed, each request is reported committed
// (its onChange event) and resolves to its own slice of the ids. When the merged call fails,
// nothing of it was written, and the requests run one by one, so that each settles exactly
// as it would have alone.

const GROUPED = new Set(['insertBatch', 'upsertBatch']);
/** Bounds on one group, so that a burst never holds more than this twice in memory. */
const MAX_REQUESTS = 4096;
const MAX_FLOATS = 1 << 22;

/**
 * @param {{
 *   begin: (op: string, args: any, opts: object) => void,
 *   run: (op: string, args: any, opts: object) => Promise<any>,
 *   merged: (op: string, args: any) => Promise<any>,
 *   committed: (op: string, args: any, result: any) => void,
 * }} steps  `begin`: just before a request runs (may throw to refuse it); `run`: one request
 *   on its own (reporting its commit); `merged`: a group's merged call; `committed`: reports
 *   one request of a group that committed
 * @returns {(op: string, args: any, opts?: object) => Promise<any>}
 */
export function createQueue({ begin, run, merged, committed }) {
  /** @type {{ op: string, args: any, opts: object, resolve: (v: any) => void, reject: (e: any) => void }[]} */
  const waiting = [];
  let pumping = false;

  /** Whether `r` may share a transaction (a recovered call runs alone: see WRITES.settle). */
  const groupable = (r) => GROUPED.has(r.op) && !r.opts.recover;

  /** The requests at the head that can share a transaction with the first. */
  function takeGroup() {
    const first = waiting.shift();
    const group = [first];
    if (!groupable(first)) return group;
    let floats = first.args.flat.length;
    while (waiting.length && group.length < MAX_REQUESTS && waiting[0].op === first.op && groupable(waiting[0])) {
      floats += waiting[0].args.flat.length;
      if (floats > MAX_FLOATS) break;
      group.push(waiting.shift());
    }
    return group;
  }

  /** Runs `r` alone; `begun`: its `begin` has already passed. */
  async function one(r, begun = false) {
    try {
      if (!begun) begin(r.op, r.args, r.opts);
      r.resolve(await run(r.op, r.args, r.opts));
    } catch (e) {
      r.reject(e);
    }
  }

  async function together(group) {
    const started = [];
    for (const r of group) {
      try {
        begin(r.op, r.args, r.opts);
        started.push(r);
      } catch (e) {
        r.reject(e);
      }
    }
    if (started.length < 2) {
      if (started.length) await one(started[0], true);
      return;
    }
    let ids;
    try {
      ids = await merged(started[0].op, merge(started.map((r) => r.args)));
    } catch {
      for (const r of started) await one(r, true);
      return;
    }
    let at = 0;
    for (const r of started) {
      const n = r.args.lengths.length;
      const mine = ids.slice(at, at + n);
      at += n;
      try {
        committed(r.op, r.args, mine);
      } finally {
        r.resolve(mine);
      }
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

  return function handle(op, args, opts = {}) {
    return new Promise((resolve, reject) => {
      waiting.push({ op, args, opts, resolve, reject });
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
