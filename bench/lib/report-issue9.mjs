// Issue 9's part of the report: our quantized flat indexes (int8, binary) against our exact
// f32 rows of the same data set and run, the rescore sweep, filtered search against each
// system's own unfiltered search, and the issue's targets with PASS/MISS.
import { find, queryFigure, memoryOf, fmtRate, fmtMB, mdTable } from './report.mjs';
import { FILTERS } from './protocol.mjs';

/** The data sets the issue names (the 10k sets are reported, not judged). */
export const ISSUE9_HEADLINE = ['syn128-100k', 'syn768-100k', 'fmnist-60k'];
const TARGETS = {
  int8: { minRecall: 0.99, minRatio: 3, heap: 0.3 },
  binary: { minRecall: 0.95, minRatio: 8, heap: 0.1, dims: [768] },
  filtered: { maxRatio: 1.5 },
};

const ok = (r) => r && r.status === 'ok';
const fx = (v) => (v == null || !Number.isFinite(v) ? '-' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);
const fr = (v) => (v == null ? '-' : v === 1 ? '1.0' : v.toFixed(3));
const SHORT = { cosine: 'cos', euclidean: 'l2', dot: 'dot' };

const sweepOf = (row) => (row?.queries?.cosine ?? []).filter((v) => v.variant.startsWith('rescore='));
const exactTrueOf = (row) => (row?.queries?.cosine ?? []).find((v) => v.variant === 'exact:true');

/** Our quantized rows of a data set, each with the exact f32 row it is compared with. */
function quantizedRows(report, d) {
  return Object.entries(report.systems)
    .filter(([, s]) => s.index)
    .map(([name, sys]) => ({ name, sys, row: find(report, name, d), exact: find(report, sys.exactOf, d) }))
    .filter((p) => ok(p.row));
}

/** The f32 cosine run of a quantized row's own session, just before createIndex. */
const beforeIndexOf = (row) => row?.beforeIndex?.cosine?.[0] ?? null;

const ratio = (f, exactRow, metric) => {
  const e = queryFigure(exactRow, metric);
  return f && e && e.qps > 0 ? f.qps / e.qps : null;
};

/** index.memoryBytes after the build and after the reopen (the heap the index holds). */
const indexBytes = (row) => row?.reopen?.memory?.indexMemoryBytes ?? row?.indexBuild?.index?.memoryBytes ?? null;

/** The issue's speed target on the cosine sweep: the fastest rescore whose recall is high enough. */
function sweepTarget(p, { minRecall, minRatio }) {
  const sweep = sweepOf(p.row).map((v) => ({ v, r: ratio(v, p.exact, 'cosine') })).filter((s) => s.r != null && s.v.recall != null);
  if (!sweep.length) return null;
  const good = sweep.filter((s) => s.v.recall >= minRecall);
  const best = good.length ? good.reduce((a, b) => (b.r > a.r ? b : a)) : sweep.reduce((a, b) => (b.v.recall > a.v.recall ? b : a));
  const def = sweep.find((s) => s.v.headline);
  const pre = beforeIndexOf(p.row);
  const rest = ['euclidean', 'dot']
    .map((m) => {
      const f = queryFigure(p.row, m);
      return f ? `${SHORT[m]} ${fx(ratio(f, p.exact, m))} recall ${fr(f.recall)} (${f.variant})` : null;
    })
    .filter(Boolean);
  const detail = [
    good.length
      ? `cos ${best.v.variant}: recall ${fr(best.v.recall)} at ${fx(best.r)} ${p.sys.exactOf} q/s`
      : `cos: no rescore reaches recall ${minRecall} (best ${fr(best.v.recall)} at ${best.v.variant}, ${fx(best.r)})`,
    def && def !== best ? `cos ${def.v.variant} (the tables' point): recall ${fr(def.v.recall)} at ${fx(def.r)}` : null,
    pre?.qps > 0 ? `against the f32 scan of the same session (before createIndex): ${fx(best.v.qps / pre.qps)}` : null,
    rest.length ? rest.join(', ') : null,
  ].filter(Boolean).join('; ');
  return { value: best.r, detail, pass: good.length > 0 && best.r >= minRatio };
}

/** Filtered time as a multiple of the same system's unfiltered time (cosine, headline variant). */
export function filteredFigure(row, f) {
  const r = row?.filtered?.[f.name];
  const u = queryFigure(row, r?.metric ?? 'cosine');
  if (!r || r.na || !u || !(r.qps > 0)) return r?.na ? { na: r.na } : null;
  return { ...r, unfilteredQps: u.qps, timeRatio: u.qps / r.qps };
}

export function computeIssue9(report) {
  const out = [];
  const add = (id, label, target, dataset, got) => {
    if (!got) return;
    out.push({ id, label, target, dataset, value: got.value, detail: got.detail ?? '', pass: got.pass, headline: ISSUE9_HEADLINE.includes(dataset), unit: got.unit ?? 'x' });
  };
  for (const d of Object.keys(report.datasets)) {
    const ds = report.datasets[d];
    for (const p of quantizedRows(report, d)) {
      if (!ok(p.exact)) continue;
      const t = TARGETS[p.sys.index];
      if (!t.dims || t.dims.includes(ds.dim)) {
        add(`${p.sys.index}-speed`, `${p.name}: recall@10 >= ${t.minRecall} at >= ${t.minRatio}x ${p.sys.exactOf} q/s (cosine, best rescore)`, `>= ${t.minRatio}x`, d, sweepTarget(p, t));
      }
      if (ds.dim === 768) {
        const idx = indexBytes(p.row);
        const heap = p.row.reopen?.memory?.wasmHeap;
        const mem = memoryOf(p.row);
        if (heap) {
          add(`${p.sys.index}-heap`, `${p.name}: wasm heap after reopen + 1 query / raw f32`, `<= ${t.heap}x`, d, {
            value: heap / ds.rawBytes,
            pass: heap / ds.rawBytes <= t.heap,
            detail: `${fmtMB(heap)} for ${fmtMB(ds.rawBytes)}; index.memoryBytes ${fmtMB(idx)} (${fx(idx / ds.rawBytes)})`,
          });
        } else if (idx) {
          add(`${p.sys.index}-heap`, `${p.name}: index.memoryBytes after reopen / raw f32`, `<= ${t.heap}x`, d, {
            value: idx / ds.rawBytes,
            pass: idx / ds.rawBytes <= t.heap,
            detail: `${fmtMB(idx)} for ${fmtMB(ds.rawBytes)}${mem ? `; ${mem.what}: ${fmtMB(mem.bytes)} (${fx(mem.bytes / ds.rawBytes)})` : ''}`,
          });
        }
      }
    }
    for (const system of ['ours-opfs', 'ours-native']) {
      const row = find(report, system, d);
      if (!ok(row)) continue;
      for (const f of FILTERS) {
        const g = filteredFigure(row, f);
        if (!g || g.na) continue;
        const exactOk = g.recall === 1 && g.short === 0 && g.wrong === 0;
        add('filtered', `${system}: filtered (${f.name}, ${f.selectivity * 100} %) time / unfiltered time, exact, min(k, matches) results`, `<= ${TARGETS.filtered.maxRatio}x`, d, {
          value: g.timeRatio,
          pass: g.timeRatio <= TARGETS.filtered.maxRatio && exactOk,
          detail: `${fmtRate(g.qps)} vs ${fmtRate(g.unfilteredQps)} q/s; recall ${fr(g.recall)}; ${g.short} of ${g.queries} answers short of ${g.minResults}, ${g.wrong} non-matching ids`,
        });
      }
    }
  }
  return out;
}

// ---------- tables ----------

const QHEAD = ['system', 'f32 cos before index (x exact row)', 'index build', 'q/s cos (x exact)', 'q/s l2 (x exact)', 'q/s dot (x exact)', 'recall@10 cos/l2/dot', 'exact:true cos', 'index.memoryBytes (x raw)', 'heap after build (x raw)', 'memory after reopen (x raw)', 'reopen+1st q'];

function quantizedCells(report, d) {
  const ds = report.datasets[d];
  return quantizedRows(report, d).map((p) => {
    const q = (m) => {
      const f = queryFigure(p.row, m);
      return f ? `${fmtRate(f.qps)} (${fx(ratio(f, p.exact, m))})` : '-';
    };
    const rec = ['cosine', 'euclidean', 'dot'].map((m) => fr(queryFigure(p.row, m)?.recall)).join(' / ');
    const et = exactTrueOf(p.row);
    const b = p.row.indexBuild;
    const idx = indexBytes(p.row);
    const mem = memoryOf(p.row);
    const built = p.row.memoryAfterIndex?.wasmHeap;
    const pre = beforeIndexOf(p.row);
    return [
      p.name,
      pre ? `${fmtRate(pre.qps)} (${fx(ratio(pre, p.exact, 'cosine'))})` : '-',
      b ? `${(b.ms / 1000).toFixed(2)} s (${fmtRate(b.rate)}/s)` : '-',
      q('cosine'), q('euclidean'), q('dot'), rec,
      et ? `${fmtRate(et.qps)} (${fx(ratio(et, p.exact, 'cosine'))})` : '-',
      idx ? `${fmtMB(idx)} (${fx(idx / ds.rawBytes)})` : '-',
      built ? `${fmtMB(built)} (${fx(built / ds.rawBytes)})` : '-',
      mem ? `${fmtMB(mem.bytes)} (${fx(mem.bytes / ds.rawBytes)})` : '-',
      p.row.reopen?.ms != null ? `${p.row.reopen.ms.toFixed(0)} ms` : '-',
    ];
  });
}

const SWEEP_HEAD = (rescores) => ['system', 'data set', ...rescores.map((r) => `rescore ${r}`), 'exact:true'];
const sweepCell = (v, p) => (v ? `${fr(v.recall)} @ ${fx(ratio(v, p.exact, 'cosine'))}${v.headline ? ' *' : ''}` : '-');

function sweepRows(report) {
  const rescores = [...new Set(report.results.flatMap((r) => sweepOf(r).map((v) => v.variant.slice(8))))].sort((a, b) => a - b);
  const rows = [];
  for (const d of Object.keys(report.datasets)) {
    for (const p of quantizedRows(report, d)) {
      const sweep = sweepOf(p.row);
      if (!sweep.length) continue;
      rows.push([p.name, d, ...rescores.map((r) => sweepCell(sweep.find((v) => v.variant === `rescore=${r}`), p)), sweepCell(exactTrueOf(p.row), p)]);
    }
  }
  return { head: SWEEP_HEAD(rescores), rows };
}

const FHEAD = ['system', 'data set', 'unfiltered q/s', ...FILTERS.flatMap((f) => [`${f.name} (${f.selectivity * 100} %) q/s`, 'time x unfiltered', 'recall@10', 'results'])];

function filteredRows(report) {
  const rows = [];
  for (const d of Object.keys(report.datasets)) {
    for (const row of report.results.filter((r) => r.dataset === d && ok(r) && r.filtered)) {
      const cells = [row.system, d, fmtRate(queryFigure(row, 'cosine')?.qps)];
      if (FILTERS.every((f) => row.filtered[f.name]?.na)) continue;
      for (const f of FILTERS) {
        const g = filteredFigure(row, f);
        if (!g || g.na) {
          cells.push(g?.na ? 'n/a' : '-', '', '', '');
          continue;
        }
        const bad = [g.short && `${g.short} short`, g.wrong && `${g.wrong} wrong ids`].filter(Boolean).join(', ');
        const exact = report.systems[row.system]?.exact;
        cells.push(fmtRate(g.qps) + (g.n < 50 ? `(${g.n}q)` : ''), fx(g.timeRatio), `${fr(g.recall)}${exact && g.recall < 1 ? ' !' : ''}`, bad || `all ${g.minResults}`);
      }
      rows.push(cells);
    }
  }
  return rows;
}

const fmtValue = (r) => fx(r.value);

// ---------- stdout ----------

function textTable(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

export function printIssue9(report, out) {
  const list = report.ratios.issue9 ?? [];
  const anyQ = Object.keys(report.datasets).some((d) => quantizedRows(report, d).length);
  if (anyQ) {
    out.push('', 'Quantized flat indexes (q/s and memory as multiples of our exact f32 row of the same run; memory x raw f32):');
    for (const d of Object.keys(report.datasets)) {
      const rows = quantizedCells(report, d);
      if (rows.length) out.push(`${d}:`, textTable(QHEAD, rows));
    }
    const s = sweepRows(report);
    if (s.rows.length) out.push('', 'recall@10 vs q/s (cosine; recall @ q/s as a multiple of the exact f32 row):', textTable(s.head, s.rows));
  }
  const f = filteredRows(report);
  if (f.length) out.push('', `Filtered search (cosine, k=10; time as a multiple of the same system's unfiltered time):`, textTable(FHEAD, f));
  out.push('', `Targets (issue 9), data sets ${ISSUE9_HEADLINE.join(', ')}:`);
  const head = list.filter((x) => x.headline);
  if (!head.length) out.push('  (none measured on these data sets)');
  for (const r of head) out.push(`  ${r.pass ? 'PASS' : 'MISS'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtValue(r)} (target ${r.target})${r.detail ? ` - ${r.detail}` : ''}`);
  const others = list.filter((x) => !x.headline);
  if (others.length) {
    out.push('  other data sets:');
    for (const r of others) out.push(`    ${r.pass ? 'pass' : 'miss'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtValue(r)}`);
  }
}

// ---------- markdown ----------

export function issue9Targets(report) {
  const list = report.ratios.issue9 ?? [];
  if (!list.length) return [];
  const ordered = [...list.filter((r) => r.headline), ...list.filter((r) => !r.headline)];
  return [
    '## Targets (issue 9)', '',
    `Judged on ${ISSUE9_HEADLINE.join(', ')}; the 10k data sets are listed below them for reference. ` +
      'Speed targets take the fastest rescore of the cosine sweep that reaches the recall; filtered targets need recall 1.0 and min(k, matches) results in every answer too.', '',
    mdTable(['target', 'data set', 'measured', 'goal', '', 'detail'], ordered.map((r) => [r.label, r.dataset, fmtValue(r), r.target, r.pass ? 'PASS' : '**MISS**', r.detail])),
    '',
  ];
}

export function issue9Sections(report) {
  const L = [];
  const anyQ = Object.keys(report.datasets).some((d) => quantizedRows(report, d).length);
  if (anyQ) {
    L.push('## Quantized flat indexes', '');
    L.push('`createIndex({ type: \'flat\', quantization })` after the same batch insert as the exact rows (its time is the build column). ' +
      'q/s at rescore 4 (int8) and 16 (binary), the library\'s defaults when these rows were written, as a multiple of our exact f32 row of the same data set and run ' +
      '(`ours-opfs` for the browser rows, `ours-native` for the native one); `exact:true` scans the f32 vectors in the file. ' +
      'The first column is the same f32 cosine search run in the quantized row\'s own session just before `createIndex`, against the exact row: ' +
      'it should be 1.0x, and how far it is from 1.0x shows how much the machine\'s load moved between the two rows. ' +
      'index.memoryBytes is `stats().index.memoryBytes` (after the reopen); heap after build is the worker\'s wasm memory right after `createIndex` ' +
      'in the session that inserted the rows (wasm memory never shrinks, so it keeps the f32 high-water mark); memory after reopen is the wasm heap after a new page ' +
      'opens the file and answers 1 query (browser) or the RSS growth of the reopening process (native). All as multiples of the raw f32 bytes (n x dim x 4). ' +
      'The quantized rows skip the single-insert phase.', '');
    for (const d of Object.keys(report.datasets)) {
      const rows = quantizedCells(report, d);
      if (rows.length) L.push(`**${d}**`, '', mdTable(QHEAD, rows), '');
    }
    const s = sweepRows(report);
    if (s.rows.length) {
      L.push('### recall@10 vs q/s by rescore (cosine)', '', 'Each cell: recall@10 @ q/s as a multiple of the exact f32 row; * marks the point the other tables use. rescore x k candidates by code are rescored with the exact f32 vectors read from the file.', '');
      L.push(mdTable(s.head, s.rows), '');
    }
  }
  const f = filteredRows(report);
  if (f.length) {
    L.push('## Filtered search', '');
    L.push(`Every vector carries \`h = row % 100\` and \`c = row % 10\` (our metadata, sql.js INTEGER columns, vec0 metadata columns). ` +
      `Queries: cosine, k=10, \`{ h: 7 }\` (1 % of the rows) and \`{ c: 3 }\` (10 %), the same budget as the unfiltered queries. ` +
      'Recall against the brute-force top 10 over the matching rows; "results" checks that every answer has min(k, matches) ids, all matching. ' +
      'Quantized rows filter through their index at rescore 4 (int8) / 16 (binary).', '');
    L.push(mdTable(FHEAD, f), '');
  }
  return L;
}
