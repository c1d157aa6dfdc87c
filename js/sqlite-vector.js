// Browser entry (ESM): the database runs in a dedicated module worker with OPFS persistence.
// Load it from any static server: `import { createVectorDB } from './sqlite-vector.js'`.
import { VectorDB, normalizeConfig } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';

export { VectorDB, VectorDBError, ErrorCode };

/** Talks to the worker: one listener, a Map of pending requests by id. */
class WorkerTransport {
  #worker;
  #pending = new Map();
  #next = 1;
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
      try {
        this.#worker.postMessage({ id, op, args }, transfer);
      } catch (e) {
        this.#pending.delete(id);
        reject(VectorDBError.from(e));
      }
    });
  }

  dispose() {
    this.#worker.terminate();
    this.#die(new VectorDBError(ErrorCode.CLOSED, 'the database is closed'));
  }
}

/**
 * Creates a database handle (not yet opened; `initialize()` or any call opens it).
 * In the browser the backend is always wasm in a dedicated worker.
 */
export async function createVectorDB(config) {
  const { backend, rust, data } = normalizeConfig(config, 'sqlite-vector.db');
  if (backend === 'native') return createNativeVectorDB(config);
  return new VectorDB(new WorkerTransport(), rust, 'wasm', data);
}

/** The wasm backend, always. */
export async function createWasmVectorDB(config) {
  const { rust, data } = normalizeConfig(config, 'sqlite-vector.db');
  return new VectorDB(new WorkerTransport(), rust, 'wasm', data);
}

/** The native backend does not exist in a browser. */
export async function createNativeVectorDB() {
  throw new VectorDBError(ErrorCode.BACKEND_UNAVAILABLE, 'the native backend is not available in a browser; use the wasm backend');
}
