// The native Node-API addon (built from the same crate with `--features node`), adapted to
// the shape of the wasm binding so that dispatcher.js drives either one (see binding.d.ts). It loads wherever
// node:module's require does: Node, and Deno and Bun through their Node compatibility
// (which fall back to wasm where it cannot load).
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

function adapt(addon) {
  return {
    async openDatabase(config, _persist, data) {
      const db = await addon.openDatabase(JSON.stringify(config ?? {}), data ?? undefined);
      return new NativeDatabase(db);
    },
  };
}

/** One open database: the addon's methods, with the conversions the wasm binding does not
 * need (search options, filters and index options cross as JSON text; the exported Buffer
 * as a plain Uint8Array). */
class NativeDatabase {
  #db;

  constructor(db) {
    this.#db = db;
  }

  insertBatch(ids, flat, lengths, metadata) {
    return this.#db.insertBatch(ids, flat, lengths, metadata);
  }

  upsertBatch(ids, flat, lengths, metadata) {
    return this.#db.upsertBatch(ids, flat, lengths, metadata);
  }

  update(id, embedding, metadata) {
    return this.#db.update(id, embedding ?? undefined, metadata ?? undefined);
  }

  deleteMany(ids, filter) {
    return this.#db.deleteMany(ids ?? undefined, filter == null ? undefined : JSON.stringify(filter));
  }

  compact() {
    return this.#db.compact();
  }

  flush() {
    return this.#db.flush();
  }

  search(query, k, options) {
    const json = options == null ? undefined : JSON.stringify(options);
    // A quick search (a graph walk, a small scan) runs right here: the thread pool's round
    // trip costs more than it (see searchNow in src/node/mod.rs). Errors become rejections.
    if (typeof this.#db.searchNow === 'function') try {
      const now = this.#db.searchNow(query, k, json);
      if (now !== undefined && now !== null) return Promise.resolve(now);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#db.search(query, k, json);
  }

  get(id) {
    return this.#db.get(id);
  }

  delete(id) {
    return this.#db.delete(id);
  }

  stats() {
    return this.#db.stats();
  }

  async export() {
    const b = await this.#db.export();
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  close() {
    return this.#db.close();
  }

  info() {
    return this.#db.info();
  }

  createIndex(options) {
    return this.#db.createIndex(JSON.stringify(options ?? {}));
  }

  dropIndex() {
    return this.#db.dropIndex();
  }
}
