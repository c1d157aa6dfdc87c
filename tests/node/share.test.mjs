// The parts of many-tab sharing that need no browser: a write's `settle` on the new leader
// (dispatcher.js WRITES) and the follower's request records (follower.js): what is resent,
// with or without `recover`, and when a call gives up with LOCKED.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as wasm from '../../dist/node/sqlite_vector_wasm.js';
import { createDispatcher } from '../../dist/dispatcher.js';
import { Forwarder, WAIT } from '../../dist/follower.js';
import { uuid7 } from '../../dist/uuid7.js';

const batch = (ids, scale = 1) => ({
  ids,
  flat: Float32Array.from(ids.flatMap((_, i) => [i + 1, 2 * scale, 3])),
  lengths: Uint32Array.from(ids.map(() => 3)),
  metadata: ids.map((_, i) => JSON.stringify({ i, big: 12345678901234567890 })),
});

test('settle: a committed insert is answered, not run again; an absent one runs; another one is DUPLICATE_ID', async () => {
  const events = [];
  const handle = createDispatcher(wasm, { persist: false, changed: (e) => events.push(e) });
  await handle('open', { path: ':memory:' });
  assert.deepEqual(await handle('insertBatch', batch(['a', 'b'])), ['a', 'b']);
  assert.deepEqual(events, [{ op: 'insert', ids: ['a', 'b'] }]);

  // the same call again with recover: already in the database → its answer, nothing written
  assert.deepEqual(await handle('insertBatch', batch(['a', 'b']), { recover: true }), ['a', 'b']);
  assert.equal((await handle('stats')).count, 2);
  assert.equal(events.length, 1, 'no second event for a call answered from the database');

  // same ids, other vectors (another tab's write): run, so the core refuses it
  await assert.rejects(handle('insertBatch', batch(['a', 'b'], 7), { recover: true }), { code: 'DUPLICATE_ID' });
  // first id absent: it never committed → it runs now
  assert.deepEqual(await handle('insertBatch', batch(['c', 'd']), { recover: true }), ['c', 'd']);
  assert.equal((await handle('stats')).count, 4);
  // without recover the rule is the plain one
  await assert.rejects(handle('insertBatch', batch(['c', 'd'])), { code: 'DUPLICATE_ID' });

  assert.equal(await handle('delete', { id: 'a' }), true);
  assert.equal(await handle('delete', { id: 'a' }), false);
  assert.deepEqual(events.slice(-1), [{ op: 'delete', ids: ['a'] }], 'a delete that found nothing fires no event');

  // onStart runs just before the call and may refuse it
  await assert.rejects(handle('stats', undefined, { onStart: () => { throw { code: 'LOCKED', message: 'late' }; } }), { code: 'LOCKED' });
  await handle('close');
});

/** A target that records what was sent to it. */
const target = (id) => {
  const sent = [];
  return { id, sent, send: (rec) => sent.push({ rid: rec.rid, op: rec.op, recover: rec.recover, args: rec.args }) };
};

test('forwarder: resent to a new leader; writes sent to a vanished one carry recover', async () => {
  const fwd = new Forwarder('me');
  const a = target('A');
  fwd.lead(a);
  const ins = fwd.call('insertBatch', { ids: ['x', null], flat: new Float32Array(2), lengths: Uint32Array.of(1, 1), metadata: [null, null] });
  const get = fwd.call('get', { id: 'x' });
  assert.equal(a.sent.length, 2);
  const [insReq, getReq] = a.sent;
  assert.equal(insReq.args.ids[0], 'x');
  assert.match(insReq.args.ids[1], /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'a generated id is named before sending');

  fwd.receive({ t: 'started', from: 'A', rid: insReq.rid });
  const b = target('B'); // A crashed: B announces itself
  fwd.lead(b);
  assert.deepEqual(b.sent.map((s) => [s.op, s.recover]), [['insertBatch', true], ['get', false]]);
  assert.deepEqual(b.sent[0].args.ids, insReq.args.ids, 'resent with the same ids');
  // a late answer from A is ignored; B's counts
  fwd.receive({ t: 'res', from: 'A', rid: insReq.rid, ok: true, result: ['late'] });
  fwd.receive({ t: 'res', from: 'B', rid: insReq.rid, ok: true, result: ['x', 'y'] });
  fwd.receive({ t: 'res', from: 'B', rid: getReq.rid, ok: false, error: { code: 'CLOSED', message: 'm' } });
  assert.deepEqual(await ins, ['x', 'y']);
  await assert.rejects(get, { code: 'CLOSED' });
});

test('forwarder: after bye (or a refusal while resigning) a call goes on as it was, without recover', async () => {
  const fwd = new Forwarder('me');
  const a = target('A');
  fwd.lead(a);
  const del = fwd.call('delete', { id: 'x' });
  const del2 = fwd.call('delete', { id: 'y' });
  fwd.receive({ t: 'res', from: 'A', rid: a.sent[1].rid, retry: true }); // refused: not run
  fwd.receive({ t: 'bye', from: 'A' }); // every answer A owed came before: the first never ran there
  assert.equal(fwd.target, null);
  const b = target('B');
  fwd.lead(b);
  assert.deepEqual(b.sent.map((s) => [s.args.id, s.recover]), [['x', false], ['y', false]]);
  b.sent.forEach((s) => fwd.receive({ t: 'res', from: 'B', rid: s.rid, ok: true, result: true }));
  assert.deepEqual(await Promise.all([del, del2]), [true, true]);
});

test('forwarder: LOCKED when no leader starts a call within 10 s; a started call waits', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const fwd = new Forwarder('me');
    const waiting = fwd.call('stats');
    const a = target('A');
    mock.timers.tick(WAIT - 1);
    fwd.lead(a);
    fwd.receive({ t: 'started', from: 'A', rid: a.sent[0].rid });
    const lonely = fwd.call('get', { id: 'q' });
    mock.timers.tick(WAIT);
    await assert.rejects(lonely, { code: 'LOCKED' });
    fwd.receive({ t: 'res', from: 'A', rid: a.sent[0].rid, ok: true, result: 'ok' });
    assert.equal(await waiting, 'ok', 'started in time: answered whenever it finishes');
    await fwd.idle();
  } finally {
    mock.timers.reset();
  }
});

test('uuid7: version 7, variant 10, increasing within a millisecond', () => {
  const ids = Array.from({ length: 5000 }, uuid7);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual([...ids].sort(), ids, 'in generation order');
  assert.equal(new Set(ids).size, ids.length);
});

test('onChange in Node: once per committed write call, with its ids; nothing for failures or reads', async () => {
  const { createWasmVectorDB, createVectorDB } = await import('../../dist/node.js');
  for (const create of [createWasmVectorDB, createVectorDB]) {
    const db = await create();
    const seen = [];
    const off = db.onChange((e) => seen.push(e));
    const ids = await db.insertBatch([{ embedding: [1, 2] }, { id: 'b', embedding: [2, 1] }]);
    await db.insert({ id: 'c', embedding: [3, 3] });
    await assert.rejects(db.insert({ id: 'c', embedding: [3, 3] }), { code: 'DUPLICATE_ID' });
    await db.search([1, 1], 2);
    assert.equal(await db.delete('b'), true);
    assert.equal(await db.delete('b'), false);
    off();
    await db.delete('c');
    assert.deepEqual(seen, [{ op: 'insert', ids }, { op: 'insert', ids: ['c'] }, { op: 'delete', ids: ['b'] }]);
    assert.throws(() => db.onChange('nope'), { code: 'INVALID_ARGUMENT' });
    await db.close();
  }
});
