// The native Node-API addon (built from the same crate with `--features node`), adapted to
// the shape of the wasm binding so that handler.js drives either one. Node only: Deno and
// Bun reach it through node:module too, and fall back to wasm where it cannot load.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where the addon of this platform lives; `SQLITE_VECTOR_ADDON` overrides it. */
export function addonPath() {
  const override = globalThis.process?.env?.SQLITE_VECTOR_ADDON;
  if (override) return override;
  return fileURLToPath(new URL(`./native/sqlite_vector.${process.platform}-${process.arch}.node`, import.meta.url));
}

let loaded = null;

/**
 * Loads the addon once. Returns `{ module }` (the adapted binding) or `{ error }` (why it
 * cannot load here), and remembers the answer.
 */
export function loadNative() {
  if (loaded) return loaded;
  const path = addonPath();
  try {
    const addon = createRequire(import.meta.url)(path);
    if (typeof addon?.openDatabase !== 'function') throw new Error(`${path} is not the sqlite-vector addon`);
    loaded = { module: adapt(addon) };
  } catch (e) {
    loaded = { error: `${e?.message ?? e}`.split('\n')[0] };
  }
  return loaded;
}

const fromJson = (s) => (s === undefined || s === null ? undefined : JSON.parse(s));

function adapt(addon) {
  return {
    async openDatabase(config, _persist, data) {
      const db = await addon.openDatabase(JSON.stringify(config ?? {}), data ?? undefined);
      return new NativeDatabase(db);
    },
  };
}

/** One open database; the same methods and results as the wasm binding's WasmVectorDb. */
class NativeDatabase {
  #db;

  constructor(db) {
    this.#db = db;
  }

  insertBatch(ids, flat, lengths, metadata) {
    return this.#db.insertBatch(ids, flat, lengths, metadata);
  }

  async search(query, k, options) {
    const r = await this.#db.search(query, k, options == null ? undefined : JSON.stringify(options));
    return { ids: r.ids, scores: r.scores, dimension: r.dimension, embeddings: r.embeddings ?? null, metadata: r.metadata.map(fromJson) };
  }

  async get(id) {
    const r = await this.#db.get(id);
    if (!r) return null;
    const out = { id: r.id, embedding: r.embedding };
    if (r.metadata != null) out.metadata = JSON.parse(r.metadata);
    out.timestamp = r.timestamp;
    return out;
  }

  delete(id) {
    return this.#db.delete(id);
  }

  async stats() {
    return JSON.parse(await this.#db.stats());
  }

  async export() {
    const b = await this.#db.export();
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  close() {
    return this.#db.close();
  }

  async storageSettings() {
    return JSON.parse(await this.#db.storageSettings());
  }

  kernelName() {
    return this.#db.kernelName();
  }

  indexBytes() {
    return this.#db.indexBytes();
  }
}
