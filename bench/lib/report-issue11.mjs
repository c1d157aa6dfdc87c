// Issue 11's part of the report: the write path. The raw OPFS write probe (the machine's
// physical limit, persistent profile and private context), our batch insert as a fraction of
// it, ids vs generated ids batch by batch, concurrent and sequential single inserts (strict,
// relaxed), OPFS write calls and bytes per call, and the issue's targets with PASS/MISS.
import { find, fmtRate, mdTable } from './report.mjs';

export const ISSUE11_HEADLINE = ['syn128-100k', 'fmnist-60k'];
const T = { probeFraction: 0.5, lastOverFirst: 1.3, concurrent: 20000, seqStrict: 2000, seqRelaxed: 20000, privateBatch: 5000 };
const WRITES = ['ours-opfs-writes', 'ours-opfs-writes-private'];

const ok = (r) => r && r.status === 'ok';
const fx = (v) => (v == null || !Number.isFinite(v) ? '-' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);
const mbps = (v) => (v == null ? '-' : `${v.toFixed(v >= 100 ? 0 : 1)} MB/s`);

/** The write-path rows that ran, with their data set. */
function writeRows(report) {
  return report.results.filter((r) => WRITES.includes(r.system) && ok(r));
}
const probe64 = (row) => (Array.isArray(row?.probe) ? row.probe.find((p) => p.chunk === 65536) : null);

export function computeIssue11(report) {
  const out = [];
  const add = (id, label, target, dataset, got) => {
    if (!got) return;
    out.push({ id, label, target, dataset, value: got.value, detail: got.detail ?? '', pass: got.pass, info: target.startsWith('('), headline: ISSUE11_HEADLINE.includes(dataset), unit: got.unit ?? 'x' });
  };
  const rows = writeRows(report);
  const persistent = rows.find((r) => r.system === 'ours-opfs-writes');
  const p64 = probe64(persistent);
  // Batch insert MB/s (f32 bytes) of the ours-opfs rows against the persistent 64 KiB probe.
  if (p64) {
    for (const d of Object.keys(report.datasets)) {
      const ours = find(report, 'ours-opfs', d);
      const ds = report.datasets[d];
      if (!ok(ours) || !ours.batchInsert?.rate) continue;
      const mb = (ours.batchInsert.rate * ds.dim * 4) / 1e6;
      const judged = ds.dim === 128 || ds.dim === 784;
      add('batch-vs-probe', `ours-opfs batch insert MB/s (f32 bytes) / raw OPFS 64 KiB-write probe`, judged ? `>= ${T.probeFraction}x` : `(>= ${T.probeFraction}x at 128-d and 784-d)`, d, {
        value: mb / p64.mbps,
        pass: judged ? mb / p64.mbps >= T.probeFraction : true,
        detail: `${mbps(mb)} (${fmtRate(ours.batchInsert.rate)} vectors/s) vs probe ${mbps(p64.mbps)} (persistent profile, measured in the ours-opfs-writes row on ${persistent.dataset})`,
      });
    }
  }
  for (const r of rows) {
    const priv = r.system.endsWith('-private');
    const d = r.dataset;
    const g = r.generatedIds;
    if (g?.batchMs?.length > 1) {
      add('generated-ids', `${r.system}: generated-id inserts, last / first ${g.batchSize.toLocaleString('en-US')} batch of ${g.n.toLocaleString('en-US')}`, priv ? `(<= ${T.lastOverFirst}x)` : `<= ${T.lastOverFirst}x`, d, {
        value: g.lastOverFirst,
        pass: priv ? true : g.lastOverFirst <= T.lastOverFirst,
        detail: `batches ${g.batchMs.map((x) => (x / 1000).toFixed(2)).join(', ')} s; ${fmtRate(g.rate)} vectors/s overall (with ids: ${fmtRate(r.batchInsert?.rate)}/s)`,
      });
    }
    const c = r.concurrentStrict;
    if (c) add('concurrent', `${r.system}: concurrent single inserts (Promise.all of ${c.n}), strict, inserts/s`, priv ? '(reported)' : `>= ${fmtRate(T.concurrent)}/s`, d, { value: c.rate, unit: '/s', pass: priv ? true : c.rate >= T.concurrent, detail: `${c.ms.toFixed(0)} ms for ${c.n}; relaxed: ${fmtRate(r.concurrentRelaxed?.rate)}/s` });
    const s = r.sequentialStrict;
    if (s) add('seq-strict', `${r.system}: sequential single inserts, strict, inserts/s`, priv ? '(reported)' : `>= ${fmtRate(T.seqStrict)}/s`, d, { value: s.rate, unit: '/s', pass: priv ? true : s.rate >= T.seqStrict, detail: `${s.n} inserts in ${s.ms.toFixed(0)} ms` });
    const x = r.sequentialRelaxed;
    if (x) add('seq-relaxed', `${r.system}: sequential single inserts, durability 'relaxed', inserts/s`, priv ? '(reported)' : `>= ${fmtRate(T.seqRelaxed)}/s`, d, { value: x.rate, unit: '/s', pass: priv ? true : x.rate >= T.seqRelaxed, detail: `${x.n} inserts in ${x.ms.toFixed(0)} ms` });
    if (priv && r.batchInsert) {
      add('private-batch', `${r.system}: batch insert with ids in a private context, vectors/s (the demo's private-window target)`, `>= ${fmtRate(T.privateBatch)}/s`, d, {
        value: r.batchInsert.rate,
        unit: '/s',
        pass: r.batchInsert.rate >= T.privateBatch,
        detail: `${mbps(r.batchInsert.f32MBps)} f32 = ${fx(r.batchInsert.f32MBps / (probe64(r)?.mbps ?? NaN))} of the private 64 KiB probe; persistent profile: ${fmtRate(persistent?.batchInsert?.rate)}/s`,
      });
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

const PHEAD = ['system', 'data set', 'profile', 'probe 8 KiB', 'probe 64 KiB', 'ms/call 8K / 64K', 'batch ins/s (ids)', 'generated ids/s', 'last/first batch', 'concurrent strict/s', 'concurrent relaxed/s', 'seq strict/s', 'seq relaxed/s'];

function probeCell(row, chunk) {
  if (row.probe?.error) return `failed: ${row.probe.error.slice(0, 40)}`;
  const p = Array.isArray(row.probe) ? row.probe.find((x) => x.chunk === chunk) : null;
  return p ? mbps(p.mbps) : '-';
}

function writeTable(report) {
  return writeRows(report).map((r) => {
    const ms = (chunk) => (Array.isArray(r.probe) ? r.probe.find((x) => x.chunk === chunk)?.msPerCall : null);
    return [r.system, r.dataset, r.system.endsWith('-private') ? 'private' : 'persistent', probeCell(r, 8192), probeCell(r, 65536),
      ms(8192) != null ? `${ms(8192).toFixed(3)} / ${ms(65536).toFixed(3)}` : '-',
      `${fmtRate(r.batchInsert?.rate)} (${mbps(r.batchInsert?.f32MBps)})`, fmtRate(r.generatedIds?.rate), fx(r.generatedIds?.lastOverFirst),
      fmtRate(r.concurrentStrict?.rate), fmtRate(r.concurrentRelaxed?.rate), fmtRate(r.sequentialStrict?.rate), fmtRate(r.sequentialRelaxed?.rate)];
  });
}

const CHEAD = ['system', 'data set', 'phase', 'write calls', 'bytes/call', 'commonest sizes (bytes x calls)', 'flushes', 'reads'];

function callTable(report) {
  const rows = [];
  for (const r of writeRows(report)) {
    const w = r.writeCalls;
    if (!w || w.error) {
      if (w?.error) rows.push([r.system, r.dataset, 'failed', w.error.slice(0, 60), '', '', '', '']);
      continue;
    }
    const phases = [[`insertBatch of ${w.batch.vectors.toLocaleString('en-US')}`, w.batch], [`${w.single.calls} single inserts, strict`, w.single]];
    if (w.singleRelaxed) phases.push([`${w.singleRelaxed.calls} single inserts, relaxed`, w.singleRelaxed]);
    for (const [phase, x] of phases) {
      rows.push([r.system, r.dataset, phase, `${x.write}${phase.startsWith('insertBatch') ? ` (${(x.writeBytes / w.batch.f32Bytes).toFixed(2)}x the f32 bytes)` : ''}`,
        x.bytesPerWrite != null ? Math.round(x.bytesPerWrite).toLocaleString('en-US') : '-', x.commonSizes.map((s) => `${s.bytes}x${s.calls}`).join(', '), x.flush, x.read]);
    }
  }
  return rows;
}

const fmtValue = (r) => (r.unit === '/s' ? `${fmtRate(r.value)}/s` : fx(r.value));

export function printIssue11(report, out) {
  const list = report.ratios.issue11 ?? [];
  const w = writeTable(report);
  if (!w.length && !list.length) return;
  if (w.length) out.push('', 'Write path (issue 11; OPFS probe: 32 MiB through one sync access handle, flush included):', textTable(PHEAD, w));
  const c = callTable(report);
  if (c.length) out.push('', 'OPFS write calls of our VFS (FileSystemSyncAccessHandle.prototype.write counted in a worker running the database):', textTable(CHEAD, c));
  out.push('', `Targets (issue 11):`);
  if (!list.length) out.push('  (none measured)');
  for (const r of list) out.push(`  ${r.info ? 'info' : r.pass ? 'PASS' : 'MISS'}  ${r.dataset.padEnd(12)} ${r.label}: ${fmtValue(r)} (target ${r.target})${r.detail ? ` - ${r.detail}` : ''}`);
}

export function issue11Sections(report) {
  const list = report.ratios.issue11 ?? [];
  const w = writeTable(report);
  if (!w.length && !list.length) return [];
  const L = ['## Write path (issue 11)', ''];
  L.push('`ours-opfs-writes` runs in the persistent profile, `ours-opfs-writes-private` in a private context (`browser.newContext()`, no user data directory). ' +
    'Each first runs the raw OPFS write probe: a worker writes 32 MiB through one `FileSystemSyncAccessHandle` in 8 KiB and in 64 KiB calls, then flushes (MB/s, flush included). ' +
    'Then through our public API from the page: batch insert with ids and with generated ids (10 batches; the time of each), `Promise.all` of 1,000 `insert` calls (strict and relaxed), ' +
    'sequential single inserts (strict, time-boxed; `durability: \'relaxed\'` in the config, time-boxed). Last, a worker with `FileSystemSyncAccessHandle.prototype.write` wrapped ' +
    'creates our database in itself (the same VFS as our worker) and counts the write calls of one batch insert and of 100 single inserts. ' +
    'Our batch insert MB/s counts the f32 bytes only (n x dim x 4).', '');
  if (list.length) L.push(mdTable(['target', 'data set', 'measured', 'goal', '', 'detail'], list.map((r) => [r.label, r.dataset, fmtValue(r), r.target, r.info ? 'info' : r.pass ? 'PASS' : '**MISS**', r.detail])), '');
  if (w.length) L.push(mdTable(PHEAD, w), '');
  const c = callTable(report);
  if (c.length) L.push('### OPFS write calls', '', mdTable(CHEAD, c), '');
  return L;
}
