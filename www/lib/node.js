// Node / Deno / Bun entry. The wasm build runs in process on SQLite's in-memory VFS (the
// native addon arrives with a later release; until then `createNativeVectorDB` rejects).
import * as wasm from './node/sqlite_vector_wasm.js';
import { VectorDB, normalizeConfig } from './client.js';
import { VectorDBError, ErrorCode } from './errors.js';
import { createHandler } from './handler.js';

export { VectorDB, VectorDBError, ErrorCode };

class InProcessTransport {
  #handle = createHandler(wasm, { persist: false });

  async call(op, args) {
    try {
      // Same cloning rules as postMessage, so values that cannot cross a worker fail here too;
      // the packed vectors are copied into wasm memory anyway and skip the extra clone.
      const cloned = op === 'insertBatch' ? { ...args, ids: structuredClone(args.ids), metadata: structuredClone(args.metadata) } : structuredClone(args);
      return await this.#handle(op, cloned);
    } catch (e) {
      throw VectorDBError.from(e);
    }
  }

  dispose() {}
}

export async function createVectorDB(config) {
  const { backend } = normalizeConfig(config, ':memory:');
  if (backend === 'native') return createNativeVectorDB(config);
  return createWasmVectorDB(config);
}

export async function createWasmVectorDB(config) {
  const { rust } = normalizeConfig(config, ':memory:');
  return new VectorDB(new InProcessTransport(), rust, 'wasm');
}

export async function createNativeVectorDB() {
  throw new VectorDBError(
    ErrorCode.BACKEND_UNAVAILABLE,
    'the native Node backend is not built in this release; use createWasmVectorDB (in-memory)',
  );
}
