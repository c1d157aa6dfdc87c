// The measuring loops, shared by the browser pages and the Node child processes (plain ESM,
// no Node or DOM imports). An adapter is:
//   { name, storage, metrics: [...], variants?(metric) -> [{ name, apply(), headline? }],
//     open({ path, dim, metric }), insertBatch(base, dim, from, count), insertOne(base, dim, i),
//     buildIndex?() -> details, search(query: Float32Array, k, metric, filter?) -> row numbers,
//     filters?: true | reason it has none, close(), memory?() }
// Row numbers are the vectors' positions in the data set (0-based); adapters map their ids.
// Every inserted row carries the attributes `attributesOf(row)` (as metadata, columns or vec0
// metadata columns), so that the filtered queries of FILTERS can select on them.

export const METRICS = ['cosine', 'euclidean', 'dot'];
export const K = 10;

/** The attributes of row `r`: `h` has 100 values (1 % of the rows each), `c` 10 (10 % each). */
export const attributesOf = (r) => ({ h: r % 100, c: r % 10 });

/**
 * Filtered queries (cosine; exact where the system is): `field = value` on the attributes
 * above. The rows r with r % mod === rem match (the filtered ground truth's selection).
 */
export const FILTERS = [
  { name: 'h=7', field: 'h', value: 7, mod: 100, rem: 7, selectivity: 0.01 },
  { name: 'c=3', field: 'c', value: 3, mod: 10, rem: 3, selectivity: 0.1 },
];
export const FILTER_METRIC = 'cosine';

const now = () => performance.now();

/** Batch insert of rows [0, n) in batches of `batchSize`, each one call (one transaction). */
export async function timeBatchInsert(adapter, base, dim, n, batchSize) {
  const t0 = now();
  for (let from = 0; from < n; from += batchSize) {
    await adapter.insertBatch(base, dim, from, Math.min(batchSize, n - from));
  }
  const ms = now() - t0;
  return { n, ms, rate: (n * 1000) / ms, batchSize };
}

/** Single inserts of rows [0, count), one call each, until `budgetMs` runs out. */
export async function timeSingleInsert(adapter, base, dim, count, budgetMs) {
  const t0 = now();
  let n = 0;
  while (n < count) {
    await adapter.insertOne(base, dim, n);
    n++;
    if (now() - t0 > budgetMs) break;
  }
  const ms = now() - t0;
  return { n, ms, rate: (n * 1000) / ms };
}

/**
 * k-NN queries 0, 1, 2, … until `maxQueries` or `budgetMs`; `warmup` untimed queries first
 * (taken from the end of the query set). Returns the rate and every answer (row numbers).
 */
export async function timeQueries(adapter, queries, dim, { metric, k = K, maxQueries, budgetMs, warmup, filter }) {
  const nq = queries.length / dim;
  const q = (i) => queries.subarray(i * dim, (i + 1) * dim);
  // Warm-up: `warmup` queries, but no more than a fifth of the budget (slow baselines).
  const w0 = now();
  for (let i = 0; i < warmup; i++) {
    await adapter.search(q(nq - 1 - (i % nq)), k, metric, filter);
    if (now() - w0 > budgetMs / 5) break;
  }
  const ids = [];
  const t0 = now();
  let n = 0;
  const max = Math.min(maxQueries, nq);
  while (n < max) {
    ids.push(Array.from(await adapter.search(q(n), k, metric, filter)));
    n++;
    if (now() - t0 > budgetMs) break;
  }
  const ms = now() - t0;
  return { n, ms, qps: (n * 1000) / ms, ids };
}

/**
 * Runs an adapter through insert → index build (when it has one) → queries (every metric and
 * variant) → filtered queries → single inserts.
 */
export async function runPhases(adapter, data, opts, log = () => {}) {
  const { base, queries, dim, n } = data;
  const out = { queries: {} };
  await adapter.open({ path: opts.path, dim, metric: opts.metric ?? 'cosine' });
  log('batch insert');
  out.batchInsert = await timeBatchInsert(adapter, base, dim, n, opts.batchSize);
  if (adapter.afterInsert) await adapter.afterInsert();
  if (adapter.indexStats) out.hnswIndex = adapter.indexStats; // our hnsw rows: the index after the inserts
  out.memoryAfterInsert = adapter.memory ? await adapter.memory() : null;
  if (adapter.buildIndex) {
    // The same f32 search as the exact row, in this session just before the index exists: a
    // reference measured seconds (not minutes) from the quantized queries, for noisy machines.
    log(`queries ${FILTER_METRIC} f32 before createIndex`);
    const r = await timeQueries(adapter, queries, dim, { metric: FILTER_METRIC, maxQueries: opts.maxQueries, budgetMs: opts.queryBudgetMs, warmup: opts.warmup });
    out.beforeIndex = { [FILTER_METRIC]: [{ variant: 'f32 before createIndex', ...r }] };
    log('build index');
    const t0 = now();
    const details = await adapter.buildIndex();
    const ms = now() - t0;
    out.indexBuild = { ms, rate: (n * 1000) / ms, ...details };
    out.memoryAfterIndex = adapter.memory ? await adapter.memory() : null;
  }
  for (const metric of METRICS) {
    if (!adapter.metrics.includes(metric)) {
      out.queries[metric] = { na: adapter.naReason?.(metric) ?? `${metric} not supported` };
      continue;
    }
    if (adapter.prepareMetric) await adapter.prepareMetric(metric, base, dim, n, opts.batchSize);
    const variants = adapter.variants ? adapter.variants(metric) : [{ name: 'exact' }];
    out.queries[metric] = [];
    for (const v of variants) {
      if (v.apply) await v.apply();
      log(`queries ${metric} ${v.name}`);
      const r = await timeQueries(adapter, queries, dim, { metric, maxQueries: opts.maxQueries, budgetMs: opts.queryBudgetMs, warmup: opts.warmup });
      out.queries[metric].push({ variant: v.name, ...(v.headline ? { headline: true } : {}), ...r });
    }
  }
  if (opts.filtered !== false) {
    out.filtered = {};
    for (const f of FILTERS) {
      if (adapter.filters !== true) {
        out.filtered[f.name] = { na: typeof adapter.filters === 'string' ? adapter.filters : 'no filtered search' };
        continue;
      }
      // Quantized systems query through their index at the headline rescore (4 int8, 16 binary).
      const v = adapter.variants?.(FILTER_METRIC).find((x) => x.headline);
      if (v?.apply) await v.apply();
      log(`filtered queries ${FILTER_METRIC} ${f.name}`);
      const r = await timeQueries(adapter, queries, dim, { metric: FILTER_METRIC, filter: f, maxQueries: opts.maxQueries, budgetMs: opts.queryBudgetMs, warmup: opts.warmup });
      out.filtered[f.name] = { metric: FILTER_METRIC, field: f.field, value: f.value, selectivity: f.selectivity, ...(v ? { variant: v.name } : {}), ...r };
    }
  }
  out.memory = adapter.memory ? await adapter.memory() : null;
  await adapter.close();
  if (opts.singleCount > 0 && adapter.insertOne) {
    log('single inserts');
    await adapter.open({ path: opts.singlePath, dim, metric: opts.metric ?? 'cosine', single: true });
    out.singleInsert = await timeSingleInsert(adapter, base, dim, Math.min(opts.singleCount, n), opts.singleBudgetMs);
    await adapter.close();
  }
  out.storage = adapter.storage;
  out.notes = [...(adapter.notes ?? [])];
  return out;
}

/** Reopens a persisted database and answers one query; `ms` from before the open. */
export async function timeReopen(adapter, query, { path, dim, metric = 'cosine', k = K }) {
  const t0 = now();
  await adapter.open({ path, dim, metric, reopen: true });
  const t1 = now();
  const ids = Array.from(await adapter.search(query, k, metric));
  const ms = now() - t0;
  const memory = adapter.memory ? await adapter.memory() : null;
  await adapter.close();
  return { ms, ids, memory, openMs: t1 - t0, firstQueryMs: ms - (t1 - t0), ...(adapter.openBreakdown ?? {}) };
}
