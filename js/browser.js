// The page side of the browser package, shared by the ESM entry (sqlite-vector.js) and the
// classic-script build (global.js): the transport to the database's worker, and the create
// functions. Where the worker comes from is the entry's business (`spawn`): the ESM entry
// writes `new Worker(new URL('./worker.js', import.meta.url))` literally, as bundlers expect.
import { VectorDB, normalizeConfig } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';

/** Talks to the worker: one listener, a Map of pending requests by id. */
export class WorkerTransport {
  #worker;
  #pending = new Map();
  #next = 1;
  #outbox = [];
  #ready;
  #dead = null;
  #lifecycle = [];
  /** The browser API the worker lacks for a persistent database, or null (its first message). */
  caps;
  /** Set by the client: called with each onChange event. */
  onEvent = null;

  /**
   * @param {() => Worker} spawn starts the worker
   * @param {() => Promise<Worker>} [fallback] starts it another way when `spawn` throws or its
   *   script fails to load before saying anything (e.g. an app bundled by a tool that does not
   *   copy worker.js and the wasm: the entry then uses the self-contained copy, inline.js)
   */
  constructor(spawn, fallback) {
    let capsKnown;
    this.caps = new Promise((resolve) => (capsKnown = resolve));
    if (typeof Worker !== 'function') {
      const missing = 'Web Workers (Worker)'; // createVectorDB says so
      capsKnown(missing);
      this.#worker = { postMessage() {}, terminate() {} };
      this.#ready = Promise.reject(unavailable(missing));
      this.#ready.catch(() => {});
      return;
    }
    this.#ready = new Promise((resolve, reject) => {
      let heard = false;
      const attach = (worker) => {
        if (this.#dead) return worker.terminate(); // disposed while it started
        this.#worker = worker;
        worker.onmessage = ({ data }) => {
          heard = true;
          if (data?.type === 'caps') return capsKnown(data.missing);
          if (data?.type === 'change') return this.onEvent?.(data.event);
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
        worker.onerror = (event) => {
          event.preventDefault?.();
          if (!heard && fallback) return useFallback();
          fail(`worker failed: ${event.message ?? 'could not load'}`);
        };
      };
      const fail = (message) => {
        const error = this.#die(new VectorDBError(ErrorCode.INTERNAL, message));
        capsKnown(null);
        reject(error);
      };
      const useFallback = () => {
        const start = fallback;
        fallback = null;
        this.#worker?.terminate();
        this.#worker = { postMessage() {}, terminate() {} }; // until it is there
        start().then(attach, (e) => fail(`worker failed to start: ${e?.message ?? e}`));
      };
      try {
        attach(spawn());
      } catch (e) {
        if (fallback) useFallback();
        else fail(`worker failed to start: ${e?.message ?? e}`);
      }
    });
    this.#ready.catch(() => {});
    // A page going into the back/forward cache or being frozen lets go of the database (its
    // OPFS handles and its place as leader) and takes part again when it comes back.
    const active = (value) => () => this.#worker?.postMessage({ type: 'lifecycle', active: value });
    const on = (target, type, fn) => {
      target?.addEventListener?.(type, fn);
      this.#lifecycle.push(() => target?.removeEventListener?.(type, fn));
    };
    if (typeof document !== 'undefined') {
      on(globalThis, 'pagehide', active(false));
      on(globalThis, 'pageshow', (e) => e.persisted && active(true)());
      on(document, 'freeze', active(false));
      on(document, 'resume', active(true));
    }
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
      // (concurrent writes then share a transaction: queue.js).
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
    this.#lifecycle.splice(0).forEach((off) => off());
    this.#worker.terminate();
    this.#die(new VectorDBError(ErrorCode.CLOSED, 'the database is closed'));
  }
}

/**
 * The create functions over `newTransport()`. A persistent database needs OPFS sync access
 * handles and Web Locks: where either is missing, createVectorDB rejects BACKEND_UNAVAILABLE.
 */
export function browserApi(newTransport) {
  async function create(config) {
    const { rust, data, exclusive } = normalizeConfig(config, 'sqlite-vector.db');
    const persistent = rust.path !== ':memory:';
    const t = newTransport();
    const missing = await t.caps; // on a page: what the worker lacks (sync handles exist only there)
    if (missing && (persistent || missing.startsWith('Web Workers'))) {
      t.dispose();
      throw unavailable(missing);
    }
    return new VectorDB(t, exclusive ? { ...rust, exclusive } : rust, 'wasm', data);
  }
  return {
    /** In a browser the backend is always wasm (on a page in a worker of its own). */
    async createVectorDB(config) {
      const { backend } = normalizeConfig(config, 'sqlite-vector.db');
      if (backend === 'native') return createNativeVectorDB();
      return create(config);
    },
    /** The wasm backend, always. */
    createWasmVectorDB: create,
    createNativeVectorDB,
  };
}

const unavailable = (api) => new VectorDBError(ErrorCode.BACKEND_UNAVAILABLE, `this browser lacks ${api}, which a persistent database needs`);

/** The native backend does not exist in a browser. */
async function createNativeVectorDB() {
  throw new VectorDBError(ErrorCode.BACKEND_UNAVAILABLE, 'the native backend is not available in a browser; use the wasm backend');
}
