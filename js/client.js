// The VectorDB API of API.md over a transport (a worker in the browser, the wasm module in
// process in Node). The client packs inputs into Float32Arrays (checking that they are
// numbers), transfers them, and unpacks results; all database rules live in Rust.
import { VectorDBError, ErrorCode } from './errors.js';

const fail = (code, message) => {
  throw new VectorDBError(code, message);
};

/** A typed array of numbers (not a DataView, not BigInt). */
const isNumberArrayView = (v) =>
  ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);

/** Copies a vector into a new Float32Array, rejecting anything that is not numbers. */
export function toFloat32(v, what) {
  const out = new Float32Array(embeddingLength(v, what));
  copyNumbers(v, out, 0, what);
  return out;
}

/** Writes a vector (checked by embeddingLength) into `out` at `at`, rejecting non-numbers. */
function copyNumbers(v, out, at, what) {
  if (!Array.isArray(v)) {
    out.set(v, at); // a typed array of numbers: converted to f32 as Float32Array.from does
    return;
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') fail(ErrorCode.INVALID_VECTOR, `${what} has a value that is not a number at index ${i}`);
    out[at + i] = x;
  }
}

/** An id must be absent (generated) or a non-empty string. */
function checkId(id, what) {
  if (typeof id !== 'string' || id === '') fail(ErrorCode.INVALID_ARGUMENT, `${what} must be a non-empty string`);
}

/**
 * Metadata must be plain JSON (what every backend stores the same way): objects, arrays,
 * strings, finite numbers, booleans and null; a property set to undefined is left out, as
 * JSON.stringify does. Anything JSON would silently change (NaN, a Date, a Map, a class
 * instance, a function, undefined in an array) is refused.
 */
function checkJson(value, where, seen = new Set()) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(ErrorCode.INVALID_ARGUMENT, `metadata is not JSON: ${where} is ${value}`);
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) fail(ErrorCode.INVALID_ARGUMENT, `metadata is not JSON: ${where} is circular`);
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJson(value[i], `${where}[${i}]`, seen);
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          fail(ErrorCode.INVALID_ARGUMENT, `metadata is not JSON: ${where} is a ${value.constructor?.name ?? 'non-plain object'}`);
        }
        for (const key of Object.keys(value)) {
          if (value[key] !== undefined) checkJson(value[key], `${where}.${key}`, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      fail(ErrorCode.INVALID_ARGUMENT, `metadata is not JSON: ${where} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`);
  }
}

/** The length of an embedding, checking that it is an array of numbers or a typed array. */
function embeddingLength(v, what) {
  if (isNumberArrayView(v)) return v.length;
  if (!Array.isArray(v)) fail(ErrorCode.INVALID_VECTOR, `${what} must be an array of numbers or a Float32Array`);
  return v.length;
}

/** Metadata as the JSON text every backend parses with the same rules (serde_json); null for none. */
function metadataText(m, what) {
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m)) fail(ErrorCode.INVALID_ARGUMENT, `${what} must be a JSON object`);
  checkJson(m, 'metadata');
  return JSON.stringify(m);
}

/**
 * Packs a batch: ids, one Float32Array of every embedding back to back, lengths, metadata as
 * JSON text. `op` names the call in errors; `upsertBatch` requires every id.
 */
function pack(vectors, op = 'insertBatch') {
  if (!Array.isArray(vectors)) fail(ErrorCode.INVALID_ARGUMENT, `${op} takes an array of vectors`);
  const n = vectors.length;
  const one = n === 1;
  const name = (i) => (one ? 'vector' : `vector ${i} of the batch`);
  const lengths = new Uint32Array(n);
  const ids = new Array(n);
  const metadata = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = vectors[i];
    if (v === null || typeof v !== 'object') fail(ErrorCode.INVALID_ARGUMENT, `${name(i)} must be an object { id?, embedding, metadata? }`);
    lengths[i] = embeddingLength(v.embedding, `${name(i)}'s embedding`);
    total += lengths[i];
    ids[i] = v.id === undefined || v.id === null ? null : v.id;
    if (ids[i] !== null || op === 'upsertBatch') checkId(ids[i], `${name(i)}'s id`);
    metadata[i] = metadataText(v.metadata, `${name(i)}'s metadata`);
  }
  // One copy, straight into the packed buffer (the caller's arrays are never kept).
  const flat = new Float32Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    copyNumbers(vectors[i].embedding, flat, at, `${name(i)}'s embedding`);
    at += lengths[i];
  }
  return { ids, flat, lengths, metadata };
}

/**
 * Packs the queries of a batch search: every query back to back in one Float32Array, with
 * their lengths. Each query is checked as `search` checks its one query (INVALID_VECTOR).
 */
function packQueries(queries) {
  if (!Array.isArray(queries)) fail(ErrorCode.INVALID_ARGUMENT, 'searchBatch takes an array of queries');
  const n = queries.length;
  const lengths = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    lengths[i] = embeddingLength(queries[i], `query ${i} of the batch`);
    total += lengths[i];
  }
  const flat = new Float32Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    copyNumbers(queries[i], flat, at, `query ${i} of the batch`);
    at += lengths[i];
  }
  return { flat, lengths };
}

/** A packed `SearchHits` (binding.d.ts) as the API's SearchResult[]. */
function unpackHits({ ids, scores, dimension, embeddings, metadata }) {
  const out = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const hit = { id: ids[i], score: scores[i] };
    if (embeddings) hit.embedding = embeddings.subarray(i * dimension, (i + 1) * dimension);
    // Stored JSON text, parsed here once: key order, every digit and big integers come
    // back as JSON.parse(JSON.stringify(value)) gives them, on every backend.
    if (metadata[i] != null) hit.metadata = JSON.parse(metadata[i]);
    out[i] = hit;
  }
  return out;
}

/** The argument checks `search` and `searchBatch` share (the rest are the core's). */
function checkSearchArgs(k, options) {
  if (options === null || typeof options !== 'object') fail(ErrorCode.INVALID_ARGUMENT, 'search options must be an object');
  if (typeof k !== 'number') fail(ErrorCode.INVALID_ARGUMENT, 'k must be a positive integer');
}

export class VectorDB {
  #transport;
  #config;
  #data;
  #backend;
  #opening = null;
  #closed = false;
  #listeners = new Set();

  /** @internal use createVectorDB / createWasmVectorDB */
  constructor(transport, config, backend, data = null) {
    this.#transport = transport;
    this.#config = config;
    this.#backend = backend;
    this.#data = data;
    transport.onEvent = (event) => this.#emit(event);
  }

  /**
   * Calls `listener({ op, ids })` once per committed write call, by this handle or any other
   * sharing the database (other tabs included). Returns the function that stops it.
   */
  onChange(listener) {
    if (typeof listener !== 'function') fail(ErrorCode.INVALID_ARGUMENT, 'onChange takes a function');
    const entry = (event) => listener(event);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  #emit({ op, ids }) {
    if (this.#closed) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener({ op, ids: [...ids] });
      } catch (e) {
        // a listener's own error is its own: reported, never breaking the others or the call
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Opens (or creates) the database; idempotent. Every other method calls it. */
  initialize() {
    if (this.#closed) return Promise.reject(new VectorDBError(ErrorCode.CLOSED, 'the database is closed'));
    if (!this.#opening) {
      const config = this.#data ? { ...this.#config, data: this.#data } : this.#config;
      this.#opening = this.#transport.call('open', config).then(
        () => {
          this.#data = null; // imported: the bytes are in the database now
        },
        (e) => {
          this.#opening = null; // a later call may retry (e.g. after LOCKED)
          throw e;
        },
      );
    }
    return this.#opening;
  }

  async #call(op, args, transfer) {
    await this.initialize();
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    return this.#transport.call(op, args, transfer);
  }

  /** @returns {Promise<string>} the id (generated when absent) */
  async insert(vector) {
    const [id] = await this.#insert([vector]);
    return id;
  }

  /** One transaction: all or nothing. @returns {Promise<string[]>} */
  insertBatch(vectors) {
    return this.#insert(vectors);
  }

  async #insert(vectors) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    const packed = pack(vectors);
    return this.#call('insertBatch', packed, [packed.flat.buffer]);
  }

  /** Inserts, or replaces the embedding and metadata of the stored vector with this id (it
   * keeps its place in insertion order). The id is required. @returns {Promise<string>} */
  async upsert(vector) {
    const [id] = await this.#upsert([vector]);
    return id;
  }

  /** upsert for many vectors in one transaction; a repeated id: the last one wins.
   * @returns {Promise<string[]>} */
  upsertBatch(vectors) {
    return this.#upsert(vectors);
  }

  async #upsert(vectors) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    const packed = pack(vectors, 'upsertBatch');
    return this.#call('upsertBatch', packed, [packed.flat.buffer]);
  }

  /**
   * Changes a stored vector: `{ embedding?, metadata? }` (metadata replaced whole; null
   * removes it). @returns {Promise<boolean>} false when the id is not stored
   */
  async update(id, patch) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    checkId(id, 'id');
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      fail(ErrorCode.INVALID_ARGUMENT, 'update takes a patch object { embedding?, metadata? }');
    }
    const unknown = Object.keys(patch).filter((k) => k !== 'embedding' && k !== 'metadata');
    if (unknown.length) fail(ErrorCode.INVALID_ARGUMENT, `update: unknown patch key ${JSON.stringify(unknown[0])} (expected embedding, metadata)`);
    const hasEmbedding = patch.embedding !== undefined;
    const hasMetadata = patch.metadata !== undefined;
    if (!hasEmbedding && !hasMetadata) fail(ErrorCode.INVALID_ARGUMENT, 'update needs an embedding or metadata to change');
    const embedding = hasEmbedding ? toFloat32(patch.embedding, 'embedding') : null;
    // JSON text 'null' removes the metadata; null leaves it as it is.
    const metadata = !hasMetadata ? null : patch.metadata === null ? 'null' : metadataText(patch.metadata, 'metadata');
    return this.#call('update', { id, embedding, metadata }, embedding ? [embedding.buffer] : []);
  }

  /**
   * Deletes `{ ids }`, the rows matching `{ filter }`, or with both the listed ids that
   * match the filter, in one transaction. @returns {Promise<number>} how many were deleted
   */
  async deleteMany(selection) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    if (selection === null || typeof selection !== 'object' || Array.isArray(selection)) {
      fail(ErrorCode.INVALID_ARGUMENT, 'deleteMany takes { ids?, filter? }');
    }
    const unknown = Object.keys(selection).filter((k) => k !== 'ids' && k !== 'filter');
    if (unknown.length) fail(ErrorCode.INVALID_ARGUMENT, `deleteMany: unknown key ${JSON.stringify(unknown[0])} (expected ids, filter)`);
    const { ids = null, filter = null } = selection;
    if (ids === null && filter === null) fail(ErrorCode.INVALID_ARGUMENT, 'deleteMany needs ids or a filter');
    if (ids !== null) {
      if (!Array.isArray(ids)) fail(ErrorCode.INVALID_ARGUMENT, 'deleteMany: ids must be an array of ids');
      ids.forEach((id, i) => checkId(id, `ids[${i}]`));
    }
    if (filter !== null && (typeof filter !== 'object' || Array.isArray(filter))) {
      fail(ErrorCode.INVALID_ARGUMENT, 'deleteMany: filter must be an object');
    }
    return this.#call('deleteMany', { ids, filter });
  }

  /** Returns the space of deleted rows to the file system.
   * @returns {Promise<{ before: number, after: number }>} file bytes (stats().size) */
  async compact() {
    return this.#call('compact');
  }

  async search(query, k = 5, options = {}) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    checkSearchArgs(k, options);
    const q = toFloat32(query, 'query');
    return unpackHits(await this.#call('search', { query: q, k, options }, [q.buffer]));
  }

  /**
   * Many queries in one call (one message to the worker): one result list per query, in
   * order, each what `search(queries[i], k, options)` gives. A bad query anywhere rejects
   * the whole call with the code `search` would give. @returns {Promise<SearchResult[][]>}
   */
  async searchBatch(queries, k = 5, options = {}) {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    checkSearchArgs(k, options);
    const { flat, lengths } = packQueries(queries);
    const results = await this.#call('searchBatch', { flat, lengths, k, options }, [flat.buffer]);
    return results.map(unpackHits);
  }

  async get(id) {
    checkId(id, 'id');
    const r = await this.#call('get', { id });
    if (!r) return null;
    const out = { id: r.id, embedding: r.embedding };
    if (r.metadata != null) out.metadata = JSON.parse(r.metadata);
    out.timestamp = r.timestamp;
    return out;
  }

  async delete(id) {
    checkId(id, 'id');
    return this.#call('delete', { id });
  }

  /** The whole SQLite database file (a consistent snapshot); open it again with
   * `createVectorDB({ path, data })` on any backend. @returns {Promise<Uint8Array>} */
  async export() {
    return this.#call('export');
  }

  async stats() {
    return this.#call('stats');
  }

  /** Makes `{ type: 'flat', quantization?: 'none' | 'int8' | 'binary' }` the database's
   * index: stored in the file, kept up to date by every write, loaded at open. */
  async createIndex(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      fail(ErrorCode.INVALID_ARGUMENT, 'index options must be an object { type, quantization? }');
    }
    checkJson(options, 'index options');
    return this.#call('createIndex', { options });
  }

  /** Back to plain f32 exact search. */
  async dropIndex() {
    return this.#call('dropIndex');
  }

  /** Closes the database; every later call rejects with CLOSED. */
  async close() {
    if (this.#closed) fail(ErrorCode.CLOSED, 'the database is closed');
    this.#closed = true;
    this.#listeners.clear();
    try {
      const opened = this.#opening && (await this.#opening.then(() => true, () => false));
      if (opened) await this.#transport.call('close');
    } finally {
      this.#transport.dispose();
    }
  }

  /** @returns {'native' | 'wasm'} */
  getBackendType() {
    return this.#backend;
  }

  /** Diagnostics: the kernel in use and the bytes held by the in-memory index. */
  async info() {
    return this.#call('info');
  }
}

/** Checks the config fields shared by every entry; returns a copy with defaults filled in. */
export function normalizeConfig(config, defaultPath) {
  if (config === undefined || config === null) config = {};
  if (typeof config !== 'object') fail(ErrorCode.INVALID_ARGUMENT, 'config must be an object');
  const backend = config.forceWasm ? 'wasm' : config.backend ?? 'auto';
  if (!['auto', 'wasm', 'native'].includes(backend)) {
    fail(ErrorCode.INVALID_ARGUMENT, `unknown backend ${JSON.stringify(backend)} (expected 'auto', 'wasm' or 'native')`);
  }
  const path = config.path ?? defaultPath;
  if (typeof path !== 'string' || path === '') fail(ErrorCode.INVALID_ARGUMENT, 'path must be a non-empty string');
  const rust = { path };
  for (const key of ['dimension', 'metric', 'cacheSize', 'walMode', 'mmapSize', 'overwrite', 'durability']) {
    if (config[key] !== undefined) rust[key] = config[key];
  }
  let data = null;
  if (config.data !== undefined && config.data !== null) {
    if (config.data instanceof ArrayBuffer) data = new Uint8Array(config.data);
    else if (config.data instanceof Uint8Array) data = config.data;
    else fail(ErrorCode.INVALID_ARGUMENT, 'data must be a Uint8Array (an exported database file)');
  }
  // Browser: true keeps the database to this one handle (another opener gets LOCKED).
  const exclusive = config.exclusive ?? false;
  if (typeof exclusive !== 'boolean') fail(ErrorCode.INVALID_ARGUMENT, 'exclusive must be a boolean');
  return { backend, rust, data, exclusive };
}
