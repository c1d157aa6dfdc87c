// Turns the raw results into the issue's ratios, a stdout table, results/<date>.json,
// results/latest.md (the BENCHMARKS table) and results/qps-vs-size.svg.
import fs from 'node:fs';
import path from 'node:path';
import { METRICS } from './protocol.mjs';
import { computeIssue9, printIssue9, issue9Targets, issue9Sections } from './report-issue9.mjs';
import { computeIssue10, printIssue10, issue10Sections } from './report-issue10.mjs';
import { computeIssue11, printIssue11, issue11Sections } from './report-issue11.mjs';

const SHORT = { cosine: 'cos', euclidean: 'l2', dot: 'dot' };
const ANN_VARIANT = 'ef=64';

// ---------- picking figures out of a row ----------

const ok = (r) => r && r.status === 'ok';
export function find(report, system, dataset) {
  return report.results.find((r) => r.system === system && r.dataset === dataset);
}

/**
 * The headline query figure of a row for a metric: the variant the adapter marked (a quantized
 * index at its headline rescore), the exact run, or the ANN's ef=64.
 */
export function queryFigure(row, metric) {
  const q = row?.queries?.[metric];
  if (!Array.isArray(q) || !q.length) return null;
  return q.find((v) => v.headline) ?? q.find((v) => v.variant === 'exact') ?? q.find((v) => v.variant === ANN_VARIANT) ?? q[Math.floor(q.length / 2)];
}

/** Memory the system holds, and what was measured. */
export function memoryOf(row) {
  const re = row?.reopen?.memory;
  if (re?.wasmHeap) return { bytes: re.wasmHeap, what: 'wasm heap after reopen + 1 query' };
  if (row?.memory?.wasmHeap && row.memory.dbFileBytes) return { bytes: row.memory.wasmHeap + row.memory.dbFileBytes, what: 'wasm heap + the in-memory database file (MEMFS, JS memory)' };
  if (row?.memory?.wasmHeap) return { bytes: row.memory.wasmHeap, what: 'wasm heap after insert + queries' };
  if (re?.rss && row.reopen.rssBase) return { bytes: re.rss - row.reopen.rssBase, what: 'RSS growth after reopen + 1 query (new process)' };
  if (row?.memory?.rss) return { bytes: row.memory.rss, what: 'process RSS (includes the bench\'s own copy of the data)' };
  return null;
}

// ---------- ratios against the issue's targets ----------

function minRatio(a, b, metrics) {
  const parts = [];
  for (const m of metrics) {
    const x = queryFigure(a, m), y = queryFigure(b, m);
    if (x && y && y.qps > 0) parts.push({ m, r: x.qps / y.qps });
  }
  if (!parts.length) return null;
  return { value: Math.min(...parts.map((p) => p.r)), detail: parts.map((p) => `${SHORT[p.m]} ${p.r.toFixed(2)}x`).join(', ') };
}

const reopenDetail = (r) => [r.importMs != null && `import ${r.importMs.toFixed(0)} ms`, r.initializeMs != null && `initialize ${r.initializeMs.toFixed(0)} ms`, r.firstQueryMs != null && `first query ${r.firstQueryMs.toFixed(0)} ms`].filter(Boolean).join(', ');

export function computeRatios(report) {
  const names = Object.keys(report.datasets);
  const headline = names.includes('syn128-100k') ? 'syn128-100k' : names.find((d) => d.startsWith('syn128')) ?? names[0];
  const out = [];
  const add = (id, label, target, dataset, got, cmp) => {
    if (!got) return;
    out.push({ id, label, target, dataset, value: got.value, detail: got.detail ?? '', pass: cmp(got.value), headline: dataset === headline });
  };
  for (const d of names) {
    const ours = find(report, 'ours-opfs', d);
    const peer = (s) => find(report, s, d);
    if (ok(ours)) {
      if (ok(peer('sqlite-vec-wasm'))) add('qps-vs-sqlite-vec-wasm', 'exact q/s vs sqlite-vec-wasm (min over common metrics)', '>= 8x', d, minRatio(ours, peer('sqlite-vec-wasm'), ['cosine', 'euclidean']), (v) => v >= 8);
      if (ok(peer('sqljs-baseline'))) add('qps-vs-sqljs', 'exact q/s vs sql.js baseline (min over metrics)', '>= 60x', d, minRatio(ours, peer('sqljs-baseline'), METRICS), (v) => v >= 60);
      if (ok(peer('ours-native'))) add('qps-vs-native', 'exact q/s vs native single-thread brute force (ours-native)', '>= 0.7x', d, minRatio(ours, peer('ours-native'), METRICS), (v) => v >= 0.7);
      const ins = ours.batchInsert?.rate;
      const insVs = (s) => (ok(peer(s)) && peer(s).batchInsert?.rate ? { value: ins / peer(s).batchInsert.rate, detail: `${fmtRate(ins)} vs ${fmtRate(peer(s).batchInsert.rate)} vectors/s (${String(peer(s).storage).replace(/ \(.*$/, '')})` } : null);
      add('insert-vs-sqljs', 'durable batch insert vs sql.js in-memory insert', '>= 2x', d, insVs('sqljs-baseline'), (v) => v >= 2);
      add('insert-vs-sqlite-vec-wasm', 'durable batch insert vs sqlite-vec-wasm', '>= 10x', d, insVs('sqlite-vec-wasm'), (v) => v >= 10);
      const raw = report.datasets[d].rawBytes;
      const heap = ours.reopen?.memory?.wasmHeap;
      if (heap) add('heap-vs-raw', 'wasm heap / raw f32 bytes (after reopen + 1 query)', '<= 1.2x', d, { value: heap / raw, detail: `${fmtMB(heap)} for ${fmtMB(raw)} of vectors` }, (v) => v <= 1.2);
      const heapIns = ours.memory?.wasmHeap;
      if (heapIns) add('heap-vs-raw-after-insert', 'wasm heap / raw f32 bytes (after the insert run)', '<= 1.2x', d, { value: heapIns / raw, detail: `${fmtMB(heapIns)} for ${fmtMB(raw)} of vectors` }, (v) => v <= 1.2);
      if (ours.reopen?.ms != null) add('reopen-ms', 'reopen (new page) + first query, ms', d === 'syn128-100k' ? '<= 300 ms' : '(<= 300 ms at 100k x 128)', d, { value: ours.reopen.ms, detail: `${reopenDetail(ours.reopen)}; ${ours.reopen.sameAsTruth ? 'answer = exact top-10' : 'answer differs from the exact top-10'}` }, (v) => v <= 300);
    }
    const nat = find(report, 'ours-native', d);
    if (ok(nat) && report.datasets[d].dim === 128) add('native-insert', 'native batch insert into a file, vectors/s (128-d)', '>= 1,000,000/s', d, { value: nat.batchInsert.rate, detail: `batches of ${nat.batchInsert.batchSize}` }, (v) => v >= 1e6);
  }
  return { headline, list: out, issue9: computeIssue9(report), issue10: computeIssue10(report), issue11: computeIssue11(report) };
}

// ---------- formatting ----------

export function fmtRate(v) {
  if (v == null || !Number.isFinite(v)) return '-';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 10) return v.toFixed(0);
  return v.toFixed(2);
}
export const fmtMB = (b) => (b == null ? '-' : b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);
const fmtRatio = (v, id) => (id === 'reopen-ms' ? `${v.toFixed(0)} ms` : id === 'native-insert' ? `${fmtRate(v)}/s` : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);

function cells(report, row) {
  if (report.systems[row.system]?.writes) return null; // issue 11's write-path rows have their own section
  const ds = report.datasets[row.dataset];
  if (row.status !== 'ok') return null;
  const q = {};
  for (const m of METRICS) {
    const f = queryFigure(row, m);
    const raw = row.queries?.[m];
    q[m] = f ? fmtRate(f.qps) + (f.n < 50 ? `(${f.n}q)` : '') : raw?.na ? 'n/a' : '-';
  }
  const recalls = METRICS.map((m) => queryFigure(row, m)?.recall).filter((r) => r != null);
  const rec = recalls.length ? Math.min(...recalls) : null;
  const exact = report.systems[row.system]?.exact;
  const variant = queryFigure(row, 'cosine')?.variant ?? ANN_VARIANT;
  const recallCell = rec == null ? '-' : `${rec.toFixed(rec === 1 ? 1 : 3)}${exact && rec < 1 ? ' !' : ''}${exact ? '' : ` (${variant})`}`;
  const mem = memoryOf(row);
  const memCell = mem ? `${fmtMB(mem.bytes)} (${(mem.bytes / ds.rawBytes).toFixed(2)}x)` : '-';
  const reopen = row.reopen?.ms != null ? `${row.reopen.ms.toFixed(0)} ms` : report.systems[row.system]?.persistent ? '-' : 'n/a';
  const storage = String(row.storage ?? '').replace(/ \(.*$/, '');
  return [row.system, storage, fmtRate(row.batchInsert?.rate), fmtRate(row.singleInsert?.rate), q.cosine, q.euclidean, q.dot, recallCell, reopen, memCell];
}

const HEAD = ['system', 'storage', 'batch ins/s', 'single ins/s', 'q/s cos', 'q/s l2', 'q/s dot', 'recall@10', 'reopen+1st q', 'memory (x raw)'];

function textTable(rows) {
  const w = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(HEAD), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

export const mdTable = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function dsTitle(report, d) {
  const ds = report.datasets[d];
  return `${d}: ${ds.n.toLocaleString('en-US')} x ${ds.dim} (${fmtMB(ds.rawBytes)} raw f32), ${ds.nq} queries, k=10`;
}

export function printReport(report) {
  const out = [];
  for (const d of Object.keys(report.datasets)) {
    const rows = report.results.filter((r) => r.dataset === d);
    out.push('', dsTitle(report, d), textTable(rows.map((r) => cells(report, r)).filter(Boolean)));
    for (const r of rows.filter((x) => x.status !== 'ok')) out.push(`  ${r.system}: ${r.status.toUpperCase()} - ${r.reason}`);
  }
  out.push('', `Targets (issue 4), headline data set ${report.ratios.headline}:`);
  if (!report.ratios.list.some((x) => x.headline)) out.push('  (none: they need ours-opfs and its peers, or ours-native at 128-d)');
  for (const r of report.ratios.list.filter((x) => x.headline)) {
    out.push(`  ${r.pass ? 'PASS' : 'MISS'}  ${r.label}: ${fmtRatio(r.value, r.id)} (target ${r.target})${r.detail ? ` - ${r.detail}` : ''}`);
  }
  const others = report.ratios.list.filter((x) => !x.headline);
  if (others.length) {
    out.push('  other data sets:');
    for (const r of others) out.push(`    ${r.pass ? 'pass' : 'miss'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtRatio(r.value, r.id)}`);
  }
  printIssue9(report, out);
  printIssue10(report, out);
  printIssue11(report, out);
  out.push('', `shipped (gzip): ${Object.entries(report.shipped).filter(([, v]) => v).map(([k, v]) => `${k} ${fmtMB(v.gzip)}`).join(', ')}`);
  out.push(`${report.machine.cpu}, ${report.machine.cores} cores, ${fmtMB(report.machine.ramBytes)} RAM, Node ${report.machine.node}, Chromium ${report.machine.chromium ?? '-'}; ${(report.seconds / 60).toFixed(1)} min; load average before ${report.machine.loadavgBefore?.[0]?.toFixed(2) ?? '-'}`);
  console.log(out.join('\n'));
}

// ---------- files ----------

function markdown(report) {
  const m = report.machine;
  const c = report.config;
  const L = [];
  L.push('# Benchmarks', '');
  L.push(`Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC with \`${report.command}\` in ${(report.seconds / 60).toFixed(1)} min, every system in the same run on the same data and queries.`, '');
  L.push(`**Machine**: ${m.cpu} (${m.cores} cores${m.simd.length ? `, ${m.simd.join('/')}` : ''}), ${fmtMB(m.ramBytes)} RAM, ${m.os}; Node ${m.node}; Chromium ${m.chromium ?? '-'} (headless). ` +
    `1-minute load average before the run ${m.loadavgBefore?.[0]?.toFixed(2) ?? '-'} (single runs: on a shared 2-core machine figures move by tens of percent between runs).`, '');
  L.push(`**Method**: batch insert = batches of ${c.batchSize.toLocaleString('en-US')} vectors, one call and one transaction each, into a fresh database (durable where the system can be: OPFS in the browser, a file natively). ` +
    `Single insert = up to ${c.singleCount} one-vector calls into a fresh database (${c.singleBudgetMs / 1000} s budget). ` +
    `Queries: k=10, at most ${c.maxQueries} per metric or ${c.queryBudgetMs / 1000} s, after up to ${c.warmup} warm-up queries; one query at a time, awaited, through each system's public API. ` +
    `Recall@10 against exact f64 ground truth (a tie with the 10th within float32 rounding counts). Reopen = a new page (browser) or a new process (Node), from loading the library to the first answer. ` +
    `Browser profile: a persistent (not incognito) context, \`launchPersistentContext\` on a fresh temporary profile directory per system x data set, so OPFS starts empty, lives on disk, survives into the reopen page and is deleted afterwards. ` +
    `HNSW: M=${c.hnsw.M}, efConstruction=${c.hnsw.efConstruction}, cosine index only; its q/s column is ef=64. ` +
    `Our quantized rows (\`ours-*-int8\`, \`ours-opfs-binary\`): the same insert, then \`createIndex\`; their q/s columns are at rescore 4 (int8) and 16 (binary), the library's defaults when these rows were written (approximate: recall below 1.0 is expected). ` +
    `Every vector carries two attributes (h = row % 100, c = row % 10) for the filtered queries, so inserts write them too. See bench/README.md.`, '');
  L.push(`![queries/s vs data set size](${report.files?.svg ?? 'qps-vs-size.svg'})`, '');
  L.push(`## Targets (issue 4)`, '', `Headline data set: ${report.ratios.headline}.`, '');
  const ordered = [...report.ratios.list.filter((r) => r.headline), ...report.ratios.list.filter((r) => !r.headline)];
  L.push(mdTable(['target', 'data set', 'measured', 'goal', '', 'detail'], ordered.map((r) => [r.label, r.dataset, fmtRatio(r.value, r.id), r.target, r.pass ? 'PASS' : '**MISS**', r.detail])));
  L.push('');
  L.push(...issue9Targets(report));
  for (const d of Object.keys(report.datasets)) {
    const rows = report.results.filter((r) => r.dataset === d);
    L.push(`## ${dsTitle(report, d)}`, '');
    L.push(mdTable(HEAD, rows.map((r) => cells(report, r)).filter(Boolean)));
    const bad = rows.filter((x) => x.status !== 'ok');
    if (bad.length) L.push('', ...bad.map((r) => `- ${r.system}: **${r.status}** - ${r.reason}`));
    L.push('');
  }
  const ann = report.results.filter((r) => r.status === 'ok' && !report.systems[r.system]?.exact && !report.systems[r.system]?.index && Array.isArray(r.queries?.cosine));
  if (ann.length) {
    L.push('## ANN frontier (HNSW, cosine)', '');
    L.push(mdTable(['system', 'data set', 'ef', 'q/s', 'recall@10'], ann.flatMap((r) => (r.queries.cosine ?? []).map((v) => [r.system, r.dataset, v.variant.replace('ef=', ''), fmtRate(v.qps), v.recall?.toFixed(3) ?? '-']))));
    L.push('');
  }
  L.push(...issue9Sections(report));
  L.push(...issue10Sections(report));
  L.push(...issue11Sections(report));
  L.push('## Shipped size', '');
  L.push(mdTable(['system', 'files', 'bytes', 'gzip'], Object.entries(report.shipped).filter(([, v]) => v).map(([k, v]) => [k, v.files.map((f) => f.file.split('/').pop()).join(', '), fmtMB(v.bytes), fmtMB(v.gzip)])));
  L.push('');
  L.push('## Notes per system', '');
  const seen = new Set();
  for (const r of report.results) {
    if (r.status !== 'ok' || seen.has(r.system)) continue;
    seen.add(r.system);
    const mem = memoryOf(r);
    L.push(`- **${r.system}**: storage ${r.storage}; memory column = ${mem?.what ?? 'not measured'}${r.notes?.length ? `; ${r.notes.filter((n) => !/built in/.test(n)).join('; ')}` : ''}.`);
  }
  L.push('', `Raw figures: \`bench/results/${report.files?.json ?? `${report.date.slice(0, 10)}.json`}\`.`, '');
  return L.join('\n');
}

const COLORS = ['#d62728', '#ff7f0e', '#8c564b', '#ff9896', '#c49c94', '#fdae6b', '#1f77b4', '#2ca02c', '#17becf', '#9467bd', '#e377c2', '#7f7f7f', '#bcbd22'];

function svgPlot(report) {
  const W = 760, H = 440, L = 70, R = 190, T = 40, B = 55;
  const series = [];
  Object.keys(report.systems).forEach((s, i) => {
    const pts = report.results
      .filter((r) => r.system === s && r.status === 'ok' && queryFigure(r, 'cosine'))
      .map((r) => ({ x: report.datasets[r.dataset].rawBytes / 1e6, y: queryFigure(r, 'cosine').qps, d: r.dataset }))
      .sort((a, b) => a.x - b.x);
    if (pts.length) series.push({ s, pts, color: COLORS[i % COLORS.length] });
  });
  const all = series.flatMap((s) => s.pts);
  if (!all.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">no query figures</text></svg>\n`;
  const lx = (v) => Math.log10(v);
  const [x0, x1] = [Math.floor(lx(Math.min(...all.map((p) => p.x)))), Math.ceil(lx(Math.max(...all.map((p) => p.x))))];
  const [y0, y1] = [Math.floor(lx(Math.min(...all.map((p) => p.y)))), Math.ceil(lx(Math.max(...all.map((p) => p.y))))];
  const X = (v) => L + ((lx(v) - x0) / Math.max(1, x1 - x0)) * (W - L - R);
  const Y = (v) => H - B - ((lx(v) - y0) / Math.max(1, y1 - y0)) * (H - T - B);
  const e = [];
  e.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  e.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  e.push(`<text x="${L}" y="22" font-size="14" font-weight="bold">k=10 cosine q/s vs data set size (log-log; HNSW ef=64; quantized: rescore 4 int8, 16 binary)</text>`);
  for (let p = x0; p <= x1; p++) {
    const x = X(10 ** p);
    e.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" stroke="#ddd"/><text x="${x}" y="${H - B + 16}" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)} MB</text>`);
  }
  for (let p = y0; p <= y1; p++) {
    const y = Y(10 ** p);
    e.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${10 ** p >= 1000 ? fmtRate(10 ** p) : String(10 ** p)}</text>`);
  }
  e.push(`<text x="${(L + W - R) / 2}" y="${H - 20}" text-anchor="middle">raw f32 size of the vectors (n x dim x 4 bytes)</text>`);
  e.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">queries/s</text>`);
  series.forEach(({ s, pts, color }, i) => {
    e.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) e.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${s} ${p.d}: ${fmtRate(p.y)} q/s</title></circle>`);
    const ly = T + 10 + i * 18;
    e.push(`<line x1="${W - R + 14}" y1="${ly}" x2="${W - R + 34}" y2="${ly}" stroke="${color}" stroke-width="3"/><text x="${W - R + 40}" y="${ly + 4}">${s}</text>`);
  });
  const dsNote = Object.entries(report.datasets).map(([d, v]) => `${d} ${fmtMB(v.rawBytes)}`).join(' · ');
  e.push(`<text x="${L}" y="${H - 4}" font-size="10" fill="#555">${dsNote}</text>`);
  e.push('</svg>');
  return e.join('\n') + '\n';
}

export function writeReports(report, dir, suffix = '') {
  fs.mkdirSync(dir, { recursive: true });
  report.files = { json: `${report.date.slice(0, 10)}${suffix}.json`, svg: `qps-vs-size${suffix}.svg` };
  const json = path.join(dir, report.files.json);
  fs.writeFileSync(json, JSON.stringify(report, null, 1) + '\n');
  const md = path.join(dir, `latest${suffix}.md`);
  fs.writeFileSync(md, markdown(report));
  const svg = path.join(dir, report.files.svg);
  fs.writeFileSync(svg, svgPlot(report));
  return [json, md, svg];
}
