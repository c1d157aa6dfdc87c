// Browser entry (ESM): the database runs in a dedicated module worker with OPFS persistence,
// shared by every same-origin tab that opens the same path (share.js).
// Load it from any static server: `import { createVectorDB } from './sqlite-vector.js'`.
// Imported inside a dedicated worker, it runs the database right there instead (OPFS sync
// access handles are available in any dedicated worker): no second worker, no messages.
import { VectorDB } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';
import { toEnvelope } from './dispatcher.js';
import { missingApiProbed } from './locks.js';
import { SharedDatabase } from './share.js';
import { WorkerTransport, browserApi } from './browser.js';

export { VectorDB, VectorDBError, ErrorCode };

/** True in a dedicated worker: the database can run on this thread. */
const inDedicatedWorker =
  typeof DedicatedWorkerGlobalScope !== 'undefined' && globalThis instanceof DedicatedWorkerGlobalScope;

/** The wasm glue, loaded and initialised once per worker (every database here shares it). */
let wasmLoading = null;
function loadWasm() {
  if (!wasmLoading) {
    // (a bundler makes the glue its own chunk, fetched only when a worker runs the database)
    const loading = import(/* webpackChunkName: "sqlite-vector-wasm" */ './sqlite_vector_wasm.js').then(async (glue) => {
      await glue.default();
      return glue;
    });
    wasmLoading = loading;
    loading.catch(() => {
      if (wasmLoading === loading) wasmLoading = null; // a later handle may retry
    });
  }
  return wasmLoading;
}

/**
 * Runs the database on this thread (inside a dedicated worker), with postMessage's rules:
 * arguments are structured clones (typed arrays in the transfer list are moved rather than
 * copied), results are the binding's fresh objects (as a transfer would leave them), and
 * errors become VectorDBErrors exactly as they do from worker.js.
 */
class InWorkerTransport {
  #db = null;
  #ready;
  #dead = null;
  caps = missingApiProbed();
  onEvent = null;

  constructor() {
    this.#ready = loadWasm().then(
      (glue) => {
        this.#db = new SharedDatabase(glue, (event) => this.onEvent?.(structuredClone(event)));
      },
      (e) => {
        throw VectorDBError.from(toEnvelope(e));
      },
    );
    this.#ready.catch(() => {});
  }

  async call(op, args, transfer = []) {
    await this.#ready;
    if (this.#dead) throw this.#dead;
    let cloned;
    try {
      // As in node.js: a packed batch is strings, nulls and typed arrays the client made for
      // this call, and an imported file is copied by the binding; nothing to clone there.
      if (op === 'insertBatch' || op === 'upsertBatch') cloned = args;
      else if (op === 'open' && args?.data) {
        const { data, ...config } = args;
        cloned = { ...structuredClone(config), data };
      } else cloned = structuredClone(args, { transfer });
    } catch (e) {
      throw VectorDBError.from(e); // DataCloneError → INVALID_ARGUMENT, as postMessage gives
    }
    try {
      // A result is made for this call alone (copied out of wasm memory by the binding), so
      // nothing else holds it: handing it over as it is equals a transfer, without the cost
      // of a structured clone (measured: 70 of the 75 us a 10k x 128 search call added).
      return await this.#db.call(op, cloned);
    } catch (e) {
      throw VectorDBError.from(toEnvelope(e));
    }
  }

  dispose() {
    // Nothing to terminate: close() has already closed the database and released its locks.
    this.#dead = new VectorDBError(ErrorCode.CLOSED, 'the database is closed');
  }
}

/**
 * Where this handle's database runs: on this thread in a dedicated worker, else in a new
 * worker: worker.js beside this file (written so that bundlers find it, and the wasm it
 * loads, with no configuration), or, where that fails to load, the self-contained copy.
 */
const newTransport = () =>
  inDedicatedWorker
    ? new InWorkerTransport()
    : new WorkerTransport(
        () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'sqlite-vector' }),
        () => import(/* webpackChunkName: "sqlite-vector-inline" */ './inline.js').then((m) => m.startInlineWorker('sqlite-vector')),
      );

/**
 * Creates a database handle (not yet opened; `initialize()` or any call opens it).
 * In the browser the backend is always wasm: on a page in a dedicated worker of its own,
 * inside a dedicated worker in that worker.
 */
export const { createVectorDB, createWasmVectorDB, createNativeVectorDB } = browserApi(newTransport);
