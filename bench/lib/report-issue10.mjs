// Issue 10's part of the report: our hnsw rows (page → worker over OPFS, in one dedicated
// worker beside hnswlib-wasm, native) against the HNSW peers: the recall-vs-q/s curve over ef,
// the smallest ef reaching recall 0.95, build rates, filtered ANN, reopen and heap, and the
// issue's targets with PASS/MISS.
import { find, queryFigure, fmtRate, fmtMB, mdTable } from './report.mjs';
import { FILTERS } from './protocol.mjs';
import { filteredFigure } from './report-issue9.mjs';

export const ISSUE10_HEADLINE = ['syn128-100k', 'syn768-100k', 'fmnist-60k'];
const T = { recall: 0.95, qps: 2, build: 3, filteredRecall: 0.95, filteredQps: 0.3, reopenMs: 500, heapInt8: 0.45 };

const ok = (r) => r && r.status === 'ok';
const fx = (v) => (v == null || !Number.isFinite(v) ? '-' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);
const fr = (v) => (v == null ? '-' : v === 1 ? '1.0' : v.toFixed(3));
const efOf = (v) => Number(/ef=(\d+)/.exec(v.variant)[1]);
const rescoreOf = (v) => Number(/rescore=(\d+)/.exec(v.variant)?.[1] ?? 0);

/** The ef sweep of a row (cosine), by ef (a quantized row's rescore points after its ef). */
const sweepOf = (row) => (row?.queries?.cosine ?? []).filter((v) => v.variant?.startsWith('ef=')).sort((a, b) => efOf(a) - efOf(b) || rescoreOf(a) - rescoreOf(b));

/** The smallest ef whose recall reaches `min` (the fastest such point at that ef), or null. */
export function smallestEf(row, min = T.recall) {
  const good = sweepOf(row).filter((v) => v.recall != null && v.recall >= min);
  if (!good.length) return null;
  return good.filter((v) => efOf(v) === efOf(good[0])).sort((a, b) => b.qps - a.qps)[0];
}

/** Our hnsw systems and the HNSW peer each is compared with. */
function hnswRows(report, d) {
  return Object.entries(report.systems)
    .filter(([, s]) => s.hnsw)
    .map(([name, sys]) => ({ name, sys, row: find(report, name, d), peer: find(report, sys.annPeer, d), twin: sys.pageTwin ? find(report, sys.pageTwin, d) : null }))
    .filter((p) => ok(p.row));
}

const pointText = (v) => (v ? `${v.variant}: recall ${fr(v.recall)}, ${fmtRate(v.qps)} q/s` : 'none reaches it');

export function computeIssue10(report) {
  const out = [];
  const add = (id, label, target, dataset, got) => {
    if (!got) return;
    out.push({ id, label, target, dataset, value: got.value, detail: got.detail ?? '', pass: got.pass, info: target.startsWith('('), headline: ISSUE10_HEADLINE.includes(dataset), unit: got.unit ?? 'x' });
  };
  for (const d of Object.keys(report.datasets)) {
    const ds = report.datasets[d];
    for (const p of hnswRows(report, d)) {
      const native = p.sys.annPeer === 'hnswlib-node';
      const mine = smallestEf(p.row);
      // Speed at recall 0.95: ours at its smallest ef reaching it vs the peer at its own.
      if (ok(p.peer)) {
        const theirs = smallestEf(p.peer);
        if (native) {
          // "at the same recall": the peer's point, and ours' fastest point at least as accurate.
          const ref = theirs ?? sweepOf(p.peer).at(-1);
          const match = ref ? sweepOf(p.row).filter((v) => v.recall >= ref.recall).sort((a, b) => b.qps - a.qps)[0] : null;
          if (ref) {
            add('native-qps', `${p.name}: q/s vs ${p.sys.annPeer} at the same recall@10 (its smallest ef reaching ${T.recall})`, '>= 1x', d, {
              value: match ? match.qps / ref.qps : 0,
              pass: !!match && match.qps >= ref.qps,
              detail: `${p.sys.annPeer} ${pointText(ref)}; ours ${match ? pointText(match) : `never reaches recall ${fr(ref.recall)} (best ${fr(Math.max(...sweepOf(p.row).map((v) => v.recall)))})`}`,
            });
          }
        } else {
          add('ann-qps', `${p.name}: recall@10 >= ${T.recall} at >= ${T.qps}x ${p.sys.annPeer} q/s (smallest ef reaching it, each)`, `>= ${T.qps}x`, d, {
            value: mine && theirs ? mine.qps / theirs.qps : 0,
            pass: !!(mine && theirs) && mine.qps / theirs.qps >= T.qps,
            detail: `ours ${pointText(mine)}; ${p.sys.annPeer} ${pointText(theirs)}` +
              (p.twin && ok(p.twin) && smallestEf(p.twin) ? `; page → worker (${p.sys.pageTwin}) ${pointText(smallestEf(p.twin))}` : ''),
          });
        }
        const b = p.row.batchInsert?.rate, pb = p.peer.batchInsert?.rate;
        if (b && pb) {
          add('build', `${p.name}: build (insert${native ? ' into a file' : ' into OPFS'} with the graph) vs ${p.sys.annPeer}, vectors/s`, native ? '(reported)' : `>= ${T.build}x`, d, {
            value: b / pb,
            pass: native ? true : b / pb >= T.build,
            detail: `${fmtRate(b)} vs ${fmtRate(pb)} vectors/s` + (p.twin && ok(p.twin) ? `; page → worker (${p.sys.pageTwin}) ${fmtRate(p.twin.batchInsert?.rate)}/s` : ''),
          });
        }
      }
      // Filtered ANN (at the tables' ef): recall, never short, q/s against unfiltered ANN.
      for (const f of FILTERS) {
        const g = filteredFigure(p.row, f);
        if (!g || g.na) continue;
        const rel = g.qps / g.unfilteredQps;
        add('filtered', `${p.name}: filtered ${f.name} (${f.selectivity * 100} %) q/s / unfiltered ANN q/s, recall >= ${T.filteredRecall}, never short`, `>= ${T.filteredQps}x`, d, {
          value: rel,
          pass: rel >= T.filteredQps && g.recall >= T.filteredRecall && g.short === 0 && g.wrong === 0,
          detail: `${fmtRate(g.qps)} vs ${fmtRate(g.unfilteredQps)} q/s (${g.variant ?? 'ef=64'}); recall ${fr(g.recall)}; ${g.short} of ${g.queries} answers short of ${g.minResults}, ${g.wrong} non-matching ids`,
        });
      }
      if (p.row.reopen?.ms != null) {
        const r = p.row.reopen;
        const judged = ds.n >= 100000 && ds.dim === 768;
        add('reopen', `${p.name}: reopen with the graph + first answer, ms`, judged ? `<= ${T.reopenMs} ms` : `(<= ${T.reopenMs} ms at 100k x 768)`, d, {
          value: r.ms,
          unit: 'ms',
          pass: judged ? r.ms <= T.reopenMs : true,
          detail: [r.workerStartMs != null && `worker start ${r.workerStartMs.toFixed(0)} ms`, r.importMs != null && `import ${r.importMs.toFixed(0)} ms`, r.initializeMs != null && `initialize ${r.initializeMs.toFixed(0)} ms`, r.firstQueryMs != null && `first query ${r.firstQueryMs.toFixed(0)} ms`, `recall of that answer ${fr(r.recall)}`].filter(Boolean).join(', '),
        });
      }
      if (p.sys.hnsw === 'int8' && ds.dim === 768) {
        const heap = p.row.reopen?.memory?.wasmHeap;
        const idx = p.row.reopen?.memory?.indexMemoryBytes ?? p.row.hnswIndex?.index?.memoryBytes;
        if (heap) {
          add('heap', `${p.name}: wasm heap after reopen + 1 query / raw f32`, `<= ${T.heapInt8}x`, d, {
            value: heap / ds.rawBytes,
            pass: heap / ds.rawBytes <= T.heapInt8,
            detail: `${fmtMB(heap)} for ${fmtMB(ds.rawBytes)}; index.memoryBytes ${fmtMB(idx)} (${fx(idx / ds.rawBytes)})`,
          });
        }
      }
    }
  }
  return out;
}

// ---------- tables ----------

function textTable(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** Every HNSW row (ours and the peers): recall @ q/s per ef, and the smallest ef reaching 0.95. */
function curveRows(report) {
  const efs = [...new Map(report.results.flatMap((r) => sweepOf(r).map((v) => [v.variant, v]))).values()]
    .sort((a, b) => efOf(a) - efOf(b) || rescoreOf(a) - rescoreOf(b)).map((v) => v.variant);
  const rows = [];
  for (const d of Object.keys(report.datasets)) {
    for (const row of report.results.filter((r) => r.dataset === d && ok(r) && sweepOf(r).length)) {
      const s = sweepOf(row);
      const m = smallestEf(row);
      rows.push([row.system, d, fmtRate(row.batchInsert?.rate), ...efs.map((ef) => {
        const v = s.find((x) => x.variant === ef);
        return v ? `${fr(v.recall)} @ ${fmtRate(v.qps)}` : '-';
      }), m ? m.variant : 'none']);
    }
  }
  return { head: ['system', 'data set', 'build vec/s', ...efs, `recall >= ${T.recall} from`], rows };
}

/** Issue 10's like-with-like pair beside the page-to-worker row, per data set. */
function pairRows(report) {
  const rows = [];
  const systems = ['ours-worker-hnsw', 'hnswlib-wasm-worker', 'ours-opfs-hnsw', 'hnswlib-wasm', 'ours-opfs-hnsw-int8'];
  for (const d of Object.keys(report.datasets)) {
    for (const s of systems) {
      const row = find(report, s, d);
      if (!ok(row) || !sweepOf(row).length) continue;
      const m = smallestEf(row);
      const h = queryFigure(row, 'cosine');
      const where = report.systems[s]?.inWorker ? 'in one dedicated worker' : s.startsWith('ours') ? 'page → our worker' : 'page';
      const mem = row.reopen?.memory?.wasmHeap ?? row.memory?.wasmHeap;
      rows.push([s, d, where, fmtRate(row.batchInsert?.rate), m ? `${fmtRate(m.qps)} (${m.variant}, ${fr(m.recall)})` : '-', h ? `${fmtRate(h.qps)} (${fr(h.recall)})` : '-',
        row.reopen?.ms != null ? `${row.reopen.ms.toFixed(0)} ms` : 'n/a', mem ? `${fmtMB(mem)} (${fx(mem / report.datasets[d].rawBytes)})` : '-']);
    }
  }
  return { head: ['system', 'data set', 'where', 'build vec/s', `q/s at recall >= ${T.recall}`, 'q/s ef=64 (recall)', 'reopen+1st q', 'wasm heap (x raw)'], rows };
}

const fmtValue = (r) => (r.unit === 'ms' ? `${r.value.toFixed(0)} ms` : fx(r.value));

export function printIssue10(report, out) {
  const list = report.ratios.issue10 ?? [];
  const c = curveRows(report);
  if (!c.rows.length && !list.length) return;
  if (c.rows.length) out.push('', 'HNSW recall@10 @ q/s over ef (cosine; M=16, efConstruction=100):', textTable(c.head, c.rows));
  const p = pairRows(report);
  if (p.rows.length) out.push('', 'HNSW like with like (issue 10): the worker pair beside the page → worker rows:', textTable(p.head, p.rows));
  out.push('', `Targets (issue 10), data sets ${ISSUE10_HEADLINE.join(', ')}:`);
  const head = list.filter((x) => x.headline);
  if (!head.length) out.push('  (none measured on these data sets)');
  for (const r of head) out.push(`  ${r.info ? 'info' : r.pass ? 'PASS' : 'MISS'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtValue(r)} (target ${r.target})${r.detail ? ` - ${r.detail}` : ''}`);
  const others = list.filter((x) => !x.headline);
  if (others.length) {
    out.push('  other data sets:');
    for (const r of others) out.push(`    ${r.info ? 'info' : r.pass ? 'pass' : 'miss'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtValue(r)} - ${r.detail}`);
  }
}

export function issue10Sections(report) {
  const list = report.ratios.issue10 ?? [];
  const c = curveRows(report);
  if (!c.rows.length && !list.length) return [];
  const L = ['## HNSW (issue 10)', ''];
  L.push('`ours-opfs-hnsw` / `ours-opfs-hnsw-int8`: `createIndex({ type: \'hnsw\', m: 16, efConstruction: 100, quantization })` on the empty database, then the same batch insert as the other rows ' +
    '(so the build rate is the insert into OPFS with the graph), cosine; queries at ef = 16, 32, 64, 128, 256 (`ef` search option); filtered queries at ef=64. ' +
    '`ours-worker-hnsw` and `hnswlib-wasm-worker` run in one kind of dedicated worker (`bench/pages/bench-worker.mjs`, which imports both libraries) through the same loop: ' +
    'ours is created inside that worker, so no postMessage per call. `ours-native-hnsw` (dist/node.js, file) is compared with `hnswlib-node` at the same recall. ' +
    'The speed targets take, for each system, the smallest ef whose recall@10 reaches 0.95.', '');
  const ordered = [...list.filter((r) => r.headline), ...list.filter((r) => !r.headline)];
  if (ordered.length) L.push(mdTable(['target', 'data set', 'measured', 'goal', '', 'detail'], ordered.map((r) => [r.label, r.dataset, fmtValue(r), r.target, r.info ? 'info' : r.pass ? 'PASS' : '**MISS**', r.detail])), '');
  if (c.rows.length) L.push('### recall@10 @ q/s over ef (cosine)', '', mdTable(c.head, c.rows), '');
  const p = pairRows(report);
  if (p.rows.length) L.push('### Like with like: one dedicated worker vs page → worker', '', mdTable(p.head, p.rows), '');
  return L;
}
