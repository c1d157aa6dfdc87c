// The calls both of our bench adapters make through the public VectorDB API (Node and the
// browser page alike; plain ESM, served to the page from bench/lib/). `getDb` returns the
// adapter's open database.
export function oursOps(getDb) {
  return {
    async insertBatch(base, dim, from, count) {
      const vs = new Array(count);
      for (let i = 0; i < count; i++) {
        const r = from + i;
        vs[i] = { id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim) };
      }
      await getDb().insertBatch(vs);
    },
    async insertOne(base, dim, r) {
      await getDb().insert({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim) });
    },
    async search(q, k, metric) {
      const hits = await getDb().search(q, k, { metric, includeEmbedding: false });
      return hits.map((h) => Number(h.id));
    },
  };
}
