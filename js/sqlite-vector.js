// Browser entry (ESM): the database runs in a dedicated module worker with OPFS persistence.
// Load it from any static server: `import { createVectorDB } from './sqlite-vector.js'`.
// Imported inside a dedicated worker, it runs the database right there instead (OPFS sync
// access handles are available in any dedicated worker): no second worker, no messages.
import { VectorDB, normalizeConfig } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';
import { createDispatcher, toEnvelope, transferablesOf } from './dispatcher.js';
import { acquire } from './locks.js';

export { VectorDB, VectorDBError, ErrorCode };

/** Talks to the worker: one listener, a Map of pending requests by id. */
class WorkerTransport {
  #worker;
  #pending = new Map();
  #next = 1;
  #outbox = [];
  #ready;
  #dead = null;

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'sqlite-vector' });
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.onmessage = ({ data }) => {
        if (data?.type === 'ready') {
          if (data.error) reject(this.#die(VectorDBError.from(data.error)));
          else resolve();
          return;
        }
        const p = this.#pending.get(data.id);
        if (!p) return;
        this.#pending.delete(data.id);
        if (data.ok) p.resolve(data.result);
        else p.reject(VectorDBError.from(data.error));
      };
      this.#worker.onerror = (event) => {
        event.preventDefault?.();
        reject(this.#die(new VectorDBError(ErrorCode.INTERNAL, `worker failed: ${event.message ?? 'could not load'}`)));
      };
    });
    this.#ready.catch(() => {});
  }

  #die(error) {
    this.#dead = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    return error;
  }

  async call(op, args, transfer = []) {
    await this.#ready;
    if (this.#dead) throw this.#dead;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // The calls of one turn go as one message, so that the worker queues them together
      // (concurrent writes then share a transaction).
      if (this.#outbox.push({ message: { id, op, args }, transfer }) === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush() {
    const out = this.#outbox.splice(0);
    if (out.length > 1) {
      try {
        this.#worker.postMessage({ batch: out.map((o) => o.message) }, out.flatMap((o) => o.transfer));
        return;
      } catch {
        // Nothing was sent: each call alone, so that only the one that cannot cross fails.
      }
    }
    for (const { message, transfer } of out) {
      try {
        this.#worker.postMessage(message, transfer);
      } catch (e) {
        this.#pending.get(message.id)?.reject(VectorDBError.from(e));
        this.#pending.delete(message.id);
      }
    }
  }

  dispose() {
    this.#worker.terminate();
    this.#die(new VectorDBError(ErrorCode.CLOSED, 'the database is closed'));
  }
}

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
 * Runs the dispatcher on this thread (inside a dedicated worker), with postMessage's rules:
 * arguments and results are structured clones, typed arrays in the transfer list are moved
 * rather than copied, and errors become VectorDBErrors exactly as they do from worker.js.
 */
class InWorkerTransport {
  #handle = null;
  #ready;
  #dead = null;

  constructor() {
    this.#ready = loadWasm().then(
      (glue) => {
        this.#handle = createDispatcher(glue, { persist: true, acquire });
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
      const result = await this.#handle(op, cloned);
      return structuredClone(result, { transfer: transferablesOf(result) });
    } catch (e) {
      throw VectorDBError.from(toEnvelope(e));
    }
  }

  dispose() {
    // Nothing to terminate: close() has already closed the database and released its lock.
    this.#dead = new VectorDBError(ErrorCode.CLOSED, 'the database is closed');
  }
}

/** Where this handle's database runs: on this thread in a dedicated worker, else in a new worker. */
const newTransport = () => (inDedicatedWorker ? new InWorkerTransport() : new WorkerTransport());

/**
 * Creates a database handle (not yet opened; `initialize()` or any call opens it).
 * In the browser the backend is always wasm: on a page in a dedicated worker of its own,
 * inside a dedicated worker in that worker.
 */
export async function createVectorDB(config) {
  const { backend, rust, data } = normalizeConfig(config, 'sqlite-vector.db');
  if (backend === 'native') return createNativeVectorDB(config);
  return new VectorDB(newTransport(), rust, 'wasm', data);
}

/** The wasm backend, always. */
export async function createWasmVectorDB(config) {
  const { rust, data } = normalizeConfig(config, 'sqlite-vector.db');
  return new VectorDB(newTransport(), rust, 'wasm', data);
}

/** The native backend does not exist in a browser. */
export async function createNativeVectorDB() {
  throw new VectorDBError(ErrorCode.BACKEND_UNAVAILABLE, 'the native backend is not available in a browser; use the wasm backend');
}
