// Node / Deno / Bun entry. `auto` picks the native addon (rusqlite, a real file, AVX2
// kernels, calls off the JS thread) when it loads, and otherwise the wasm build in process on
// SQLite's in-memory VFS — saying so once on stderr, never silently.
import * as wasm from './node/sqlite_vector_wasm.js';
import { VectorDB, normalizeConfig } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';
import { createDispatcher } from './dispatcher.js';
import { loadNative } from './native.js';

export { VectorDB, VectorDBError, ErrorCode };

/** Runs the worker's dispatcher in process, with postMessage's cloning rules. */
class InProcessTransport {
  #handle;
  /** Set by the client: called with each onChange event (this process has one handle per file). */
  onEvent = null;

  constructor(binding, persist) {
    this.#handle = createDispatcher(binding, { persist, changed: (event) => this.onEvent?.(event) });
  }

  async call(op, args) {
    try {
      // Same cloning rules as postMessage, so values that cannot cross a worker fail here too.
      // A packed batch is strings, nulls and a Float32Array the binding copies: nothing to clone.
      let cloned;
      if (op === 'insertBatch' || op === 'upsertBatch') cloned = args;
      else if (op === 'open' && args?.data) {
        const { data, ...config } = args;
        cloned = { ...structuredClone(config), data };
      }
      else cloned = structuredClone(args);
      return await this.#handle(op, cloned);
    } catch (e) {
      throw VectorDBError.from(e);
    }
  }

  dispose() {}
}

let warned = false;

/** Native when the addon loads here, else wasm (with one line on stderr saying why). */
export async function createVectorDB(config) {
  const { backend } = normalizeConfig(config, ':memory:');
  if (backend === 'native') return createNativeVectorDB(config);
  if (backend === 'wasm') return createWasmVectorDB(config);
  const native = loadNative();
  if (native.module) return createNativeVectorDB(config);
  if (!warned) {
    warned = true;
    process.stderr.write(`sqlite-vector: native backend unavailable (${native.error}); using the wasm build in memory\n`);
  }
  return createWasmVectorDB(config);
}

/** The wasm build, always (in process, on SQLite's in-memory VFS: nothing persists). */
export async function createWasmVectorDB(config) {
  const { rust, data } = normalizeConfig(config, ':memory:');
  return new VectorDB(new InProcessTransport(wasm, false), rust, 'wasm', data);
}

/** The native addon; rejects with BACKEND_UNAVAILABLE when it cannot load here. */
export async function createNativeVectorDB(config) {
  const { rust, data } = normalizeConfig(config, ':memory:');
  const native = loadNative();
  if (!native.module) {
    throw new VectorDBError(ErrorCode.BACKEND_UNAVAILABLE, `the native addon cannot load here: ${native.error}`);
  }
  return new VectorDB(new InProcessTransport(native.module, true), rust, 'native', data);
}
