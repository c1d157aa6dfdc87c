// Types of the public API (API.md). The same declarations serve the browser and Node entries.

export type Metric = 'cosine' | 'euclidean' | 'dot';
export type BackendType = 'native' | 'wasm';

export type ErrorCodeName =
  | 'DIMENSION_MISMATCH'
  | 'INVALID_VECTOR'
  | 'INVALID_ARGUMENT'
  | 'DUPLICATE_ID'
  | 'CLOSED'
  | 'LOCKED'
  | 'QUOTA_EXCEEDED'
  | 'BACKEND_UNAVAILABLE'
  | 'CORRUPT'
  | 'INTERNAL';

export declare const ErrorCode: { readonly [K in ErrorCodeName]: K };

export declare class VectorDBError extends Error {
  constructor(code: ErrorCodeName, message: string);
  readonly name: 'VectorDBError';
  readonly code: ErrorCodeName;
}

export interface VectorDBConfig {
  /** Browser: a file in OPFS (default 'sqlite-vector.db'). Node: ':memory:' (default). */
  path?: string;
  /** Vector length, fixed once set. Absent: taken from the first insert. */
  dimension?: number;
  /** Default metric for search (default 'cosine'). */
  metric?: Metric;
  backend?: 'auto' | 'wasm' | 'native';
  /** Alias for backend: 'wasm'. */
  forceWasm?: boolean;
  /** SQLite page cache in KiB. */
  cacheSize?: number;
  /** Native only; ignored in the browser. */
  walMode?: boolean;
  /** Native only; ignored in the browser. */
  mmapSize?: number;
  /**
   * An exported database file (`db.export()`, from any backend) to create the database from.
   * Bytes that are not a sqlite-vector database reject with CORRUPT; nothing is written.
   */
  data?: Uint8Array | ArrayBuffer;
  /** With `data`: replace a database that already exists at `path` (otherwise INVALID_ARGUMENT). */
  overwrite?: boolean;
  /**
   * Browser: keep the database to this one handle. By default every same-origin tab (and
   * worker) opening the same `path` shares it: one holds it, the others forward their calls.
   * With `true`, any other opener gets LOCKED, and so does this one if others share it now.
   */
  exclusive?: boolean;
  /**
   * 'strict' (default): a resolved write is on disk. 'relaxed': commits are not synced one by
   * one, so a crash of the machine may lose the last writes; the file is never corrupted and a
   * batch never half-applied. Any other value rejects with INVALID_ARGUMENT at open.
   */
  durability?: 'strict' | 'relaxed';
}

/** What a committed write call changed (`db.onChange`). */
export interface ChangeEvent {
  op: 'insert' | 'upsert' | 'update' | 'delete' | 'import' | 'compact';
  /** Every id the call touched (may be empty for import/compact). */
  ids: string[];
}

export interface Vector {
  id?: string;
  embedding: number[] | Float32Array;
  metadata?: Record<string, unknown>;
}

export interface SearchResult {
  id: string;
  /** cosine: similarity (desc) · dot: dot product (desc) · euclidean: L2 distance (asc) */
  score: number;
  embedding?: Float32Array;
  metadata?: Record<string, unknown>;
}

export type FilterValue =
  | unknown
  | { $eq?: unknown; $ne?: unknown; $in?: unknown[]; $nin?: unknown[]; $gt?: number | string; $gte?: number | string; $lt?: number | string; $lte?: number | string };

export interface SearchOptions {
  metric?: Metric;
  /** cosine/dot keep score >= threshold; euclidean keeps score <= threshold. */
  threshold?: number;
  /** All conditions must hold; dotted paths reach nested fields. */
  filter?: Record<string, FilterValue>;
  /** Default true. */
  includeEmbedding?: boolean;
  /** The true top-k by f32 whatever index exists (with a quantized index: a scan of the f32
   * vectors in the file). Default false. */
  exact?: boolean;
  /** Quantized indexes: rescore × k candidates are rescored with f32 (default 2 for int8,
   * 16 for binary). */
  rescore?: number;
  /** hnsw search breadth (default 64, at least k; with int8 at least rescore × k). */
  ef?: number;
}

export interface StoredVector {
  id: string;
  embedding: Float32Array;
  metadata?: Record<string, unknown>;
  /** Time of the last write of this vector (insert, upsert or update), ms since the Unix epoch. */
  timestamp: number;
}

export interface DatabaseStats {
  count: number;
  dimension: number | null;
  /** Bytes of the database file. */
  size: number;
  backend: BackendType;
  path: string;
  persistent: boolean;
  /** Browser: whether this tab holds the database ('leader') or forwards to the tab that does. */
  role?: 'leader' | 'follower';
  /** The database's index, or null (plain f32 exact search). */
  index: null | { type: 'flat' | 'hnsw'; quantization: Quantization; m?: number; efConstruction?: number; memoryBytes: number };
}

export type Quantization = 'none' | 'int8' | 'binary';

export interface IndexOptions {
  type: 'flat' | 'hnsw';
  /** Default 'none'. With codes, f32 vectors are not held in memory: they stay in the file
   * and are read to rescore. */
  quantization?: Quantization;
  /** hnsw only: links per node (default 16, 2..128) and build breadth (default 100). */
  m?: number;
  efConstruction?: number;
}

export interface DatabaseInfo {
  /** 'avx2+fma', 'simd128' or 'scalar'. */
  kernel: string;
  indexBytes: number;
  /** 'delete', 'wal', 'memory', ... */
  journalMode: string;
  pageSize: number;
  cacheSizeKib: number;
  mmapSize: number;
}

/** A change to a stored vector: at least one key. */
export interface VectorPatch {
  embedding?: number[] | Float32Array;
  /** Replaced whole; null removes it. */
  metadata?: Record<string, unknown> | null;
}

/** Which vectors deleteMany deletes: the listed ids, the matches of the filter, or with both
 * the listed ids that match the filter. */
export interface DeleteSelection {
  ids?: string[];
  filter?: Record<string, FilterValue>;
}

export declare class VectorDB {
  private constructor();
  initialize(): Promise<void>;
  insert(vector: Vector): Promise<string>;
  insertBatch(vectors: Vector[]): Promise<string[]>;
  search(query: number[] | Float32Array, k?: number, options?: SearchOptions): Promise<SearchResult[]>;
  /**
   * Many queries in one call (one message to the worker): one result list per query, in
   * order, each what `search(query, k, options)` gives. A bad query anywhere rejects the whole
   * call with the code `search` would give; `[]` gives `[]`.
   */
  searchBatch(queries: (number[] | Float32Array)[], k?: number, options?: SearchOptions): Promise<SearchResult[][]>;
  get(id: string): Promise<StoredVector | null>;
  delete(id: string): Promise<boolean>;
  /** Inserts, or replaces the embedding and metadata of the stored vector with this id; a
   * replaced vector keeps its place in insertion order (ties). The id is required. */
  upsert(vector: Vector & { id: string }): Promise<string>;
  /** upsert for many vectors in one transaction; an id repeated in the batch: the last wins. */
  upsertBatch(vectors: (Vector & { id: string })[]): Promise<string[]>;
  /** false when the id is not stored. An empty patch or an unknown key rejects with INVALID_ARGUMENT. */
  update(id: string, patch: VectorPatch): Promise<boolean>;
  /** One transaction; resolves to how many were deleted. Neither ids nor filter: INVALID_ARGUMENT. */
  deleteMany(selection: DeleteSelection): Promise<number>;
  /** Returns the space of deleted rows to the file system; file bytes (stats().size) before and after. */
  compact(): Promise<{ before: number; after: number }>;
  stats(): Promise<DatabaseStats>;
  /** Builds the index from the stored rows; stored in the file and kept up to date by every write. */
  createIndex(options: IndexOptions): Promise<void>;
  /** Back to plain f32 exact search. */
  dropIndex(): Promise<void>;
  /**
   * Calls `listener` once per committed write call, by this handle or by any other tab or worker
   * sharing the database (the writer's included), with all the ids it touched. Returns the
   * function that removes it. A tab hidden in the back/forward cache hears nothing meanwhile.
   */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  close(): Promise<void>;
  getBackendType(): BackendType;
  /** The whole SQLite database file, a consistent snapshot; opens on every backend. */
  export(): Promise<Uint8Array>;
  /** Diagnostics: the similarity kernel, bytes held by the in-memory index, SQLite settings. */
  info(): Promise<DatabaseInfo>;
}

/**
 * A database handle (opened by `initialize()` or the first call). Browser: on a page the
 * database runs in a dedicated worker of its own; called inside a dedicated worker, it runs in
 * that worker. Node, Deno, Bun: the native addon when it loads, otherwise wasm in memory.
 */
export declare function createVectorDB(config?: VectorDBConfig): Promise<VectorDB>;
export declare function createWasmVectorDB(config?: VectorDBConfig): Promise<VectorDB>;
export declare function createNativeVectorDB(config?: VectorDBConfig): Promise<VectorDB>;
