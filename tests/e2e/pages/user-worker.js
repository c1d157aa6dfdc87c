// A user's own module worker that imports the package and uses it right here (API.md:
// "Called inside a dedicated worker, createVectorDB runs the database in that worker").
//
// The page sends `{ id, src, arg }`: `src` is the text of an async function the test wrote,
// run here as fn(arg, ctx); the answer is `{ id, ok, value }` or `{ id, ok: false, error }`.
// Every `new Worker(...)` made in this worker is counted, so the test can tell that the
// package did not start a nested worker of its own.
let workersConstructed = 0;
const NativeWorker = self.Worker;
if (typeof NativeWorker === 'function') {
  self.Worker = class CountedWorker extends NativeWorker {
    constructor(...args) {
      workersConstructed++;
      super(...args);
    }
  };
}

const queue = [];
let ctx = null;

/** Everything the test needs to know about a rejection, as plain data. */
const errInfo = (e) => ({
  isVectorDBError: e instanceof ctx.sv.VectorDBError,
  isError: e instanceof Error,
  code: e?.code,
  name: e?.name,
  message: String(e?.message ?? e),
});

async function run({ id, src, arg }) {
  try {
    const fn = (0, eval)(`(${src})`);
    postMessage({ id, ok: true, value: await fn(arg, ctx) });
  } catch (e) {
    postMessage({ id, ok: false, error: { message: String(e?.message ?? e), stack: String(e?.stack ?? '') } });
  }
}

self.onmessage = ({ data }) => (ctx ? run(data) : queue.push(data));

// Imported after Worker is wrapped, so nothing the package does can slip past the count.
import('./dist/sqlite-vector.js').then(
  (sv) => {
    ctx = {
      sv,
      dbs: new Map(), // handles kept between messages
      workersConstructed: () => workersConstructed,
      hasWorker: typeof NativeWorker === 'function',
      isDedicatedWorker: typeof DedicatedWorkerGlobalScope !== 'undefined' && self instanceof DedicatedWorkerGlobalScope,
      /** Runs fn; resolves { ok, value } or { ok: false, error } (never rejects). */
      attempt: async (fn) => {
        try {
          return { ok: true, value: await fn() };
        } catch (e) {
          return { ok: false, error: errInfo(e) };
        }
      },
      /** Search results as plain data. */
      plain: (results) =>
        results.map((r) => {
          const out = { id: r.id, score: r.score, metadata: r.metadata, hasEmbedding: 'embedding' in r && r.embedding !== undefined };
          if (out.hasEmbedding) {
            out.embeddingType = r.embedding?.constructor?.name;
            out.embedding = Array.from(r.embedding);
          }
          return out;
        }),
    };
    postMessage({ type: 'ready' });
    queue.splice(0).forEach(run);
  },
  (e) => postMessage({ type: 'ready', error: String(e?.message ?? e) }),
);
