// The interface between the dispatcher (dispatcher.js) and a binding of the Rust core. The
// wasm-bindgen module (sqlite_vector_wasm.js, generated from src/wasm/) satisfies it as
// generated; the Node-API addon (src/node/) satisfies it through native.js, which converts
// only search options (sent as JSON text) and the exported Buffer. Results are the core's
// shapes (`Hits`, `StoredVector`, `Stats`, `Info` in src/types.rs); metadata crosses both
// ways as JSON object text and is parsed once, by the client.

export interface Binding {
  /** Opens (or creates, or imports from `data`) a database. `persist`: OPFS (browser worker). */
  openDatabase(config: object, persist: boolean, data?: Uint8Array): Promise<Database>;
}

export interface SearchHits {
  ids: string[];
  scores: Float64Array;
  /** Floats per embedding. */
  dimension: number;
  /** The hits' embeddings end to end, or null when not asked for. */
  embeddings: Float32Array | null;
  /** Stored JSON text per hit, null for none. */
  metadata: (string | null)[];
}

export interface StoredVector {
  id: string;
  embedding: Float32Array;
  metadata: string | null;
  timestamp: number;
}

export interface Stats {
  count: number;
  dimension: number | null;
  size: number;
  backend: 'native' | 'wasm';
  path: string;
  persistent: boolean;
  index: null | { type: 'flat' | 'hnsw'; quantization: 'none' | 'int8' | 'binary'; memoryBytes: number };
}

export interface Compaction {
  before: number;
  after: number;
}

export interface Info {
  kernel: string;
  indexBytes: number;
  journalMode: string;
  pageSize: number;
  cacheSizeKib: number;
  mmapSize: number;
}

/** One open database. Methods may return values or promises (wasm answers synchronously). */
export interface Database {
  insertBatch(ids: (string | null)[], flat: Float32Array, lengths: Uint32Array, metadata: (string | null)[]): string[] | Promise<string[]>;
  /** As insertBatch, every id required: inserts, or replaces a stored vector in place. */
  upsertBatch(ids: string[], flat: Float32Array, lengths: Uint32Array, metadata: (string | null)[]): string[] | Promise<string[]>;
  /** `embedding` null keeps it; `metadata` JSON text, `'null'` removes it, null keeps it. */
  update(id: string, embedding: Float32Array | null, metadata: string | null): boolean | Promise<boolean>;
  /** The listed ids, the rows matching the filter, or both; how many were deleted. */
  deleteMany(ids: string[] | null, filter: object | null): number | Promise<number>;
  /** File bytes before and after. */
  compact(): Compaction | Promise<Compaction>;
  search(query: Float32Array, k: number, options?: object): SearchHits | Promise<SearchHits>;
  get(id: string): StoredVector | null | Promise<StoredVector | null>;
  delete(id: string): boolean | Promise<boolean>;
  stats(): Stats | Promise<Stats>;
  export(): Uint8Array | Promise<Uint8Array>;
  close(): void | Promise<void>;
  info(): Info | Promise<Info>;
  createIndex(options: object): void | Promise<void>;
  dropIndex(): void | Promise<void>;
  /** wasm-bindgen objects free their Rust memory explicitly. */
  free?(): void;
}
