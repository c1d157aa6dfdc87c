// Tests of the test oracle itself (tests/fixtures/reference.mjs): if the truth is wrong,
// every comparison against it is worthless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilter, bruteForce, assertSameResults, filterError } from '../fixtures/reference.mjs';

const md = {
  s: 'red',
  n: 5,
  f: 1.5,
  b: true,
  z: null,
  arr: [1, 'x', { k: 2 }],
  obj: { a: 1, b: [2, 3], c: { d: 'deep' } },
};

test('reference: equality on JSON values', () => {
  assert.equal(matchesFilter(md, {}), true);
  assert.equal(matchesFilter(undefined, {}), true);
  assert.equal(matchesFilter(md, { s: 'red' }), true);
  assert.equal(matchesFilter(md, { s: 'blue' }), false);
  assert.equal(matchesFilter(md, { n: 5 }), true);
  assert.equal(matchesFilter(md, { n: '5' }), false, 'a string never equals a number');
  assert.equal(matchesFilter(md, { b: 1 }), false, 'a boolean never equals a number');
  assert.equal(matchesFilter(md, { b: true }), true);
  assert.equal(matchesFilter(md, { arr: [1, 'x', { k: 2 }] }), true);
  assert.equal(matchesFilter(md, { arr: ['x', 1, { k: 2 }] }), false, 'array order matters');
  assert.equal(matchesFilter(md, { arr: 1 }), false, 'no element matching for arrays');
  assert.equal(matchesFilter(md, { obj: { c: { d: 'deep' }, b: [2, 3], a: 1 } }), true, 'key order is irrelevant');
  assert.equal(matchesFilter(md, { obj: { a: 1 } }), false, 'objects compare whole');
  assert.equal(matchesFilter(md, { 'obj.c.d': 'deep' }), true);
  assert.equal(matchesFilter(md, { 'obj.b': [2, 3] }), true);
  assert.equal(matchesFilter(md, { 'obj.a.x': null }), true, 'a path through a non-object is missing');
  assert.equal(matchesFilter(md, { 'arr.0': 1 }), false, 'paths do not index arrays');
  assert.equal(matchesFilter(md, { s: 'red', n: 5 }), true);
  assert.equal(matchesFilter(md, { s: 'red', n: 6 }), false, 'all pairs must hold');
});

test('reference: null matches null and missing', () => {
  assert.equal(matchesFilter(md, { z: null }), true);
  assert.equal(matchesFilter(md, { missing: null }), true);
  assert.equal(matchesFilter(undefined, { missing: null }), true);
  assert.equal(matchesFilter(md, { s: null }), false);
  assert.equal(matchesFilter(md, { missing: { $eq: null } }), true);
  assert.equal(matchesFilter(md, { missing: { $ne: null } }), false);
  assert.equal(matchesFilter(md, { z: { $ne: null } }), false);
  assert.equal(matchesFilter(md, { s: { $ne: null } }), true);
});

test('reference: operators', () => {
  assert.equal(matchesFilter(md, { s: { $eq: 'red' } }), true);
  assert.equal(matchesFilter(md, { s: { $ne: 'red' } }), false);
  assert.equal(matchesFilter(md, { s: { $ne: 'blue' } }), true);
  assert.equal(matchesFilter(md, { missing: { $ne: 'blue' } }), true, '$ne matches a missing field');
  assert.equal(matchesFilter(undefined, { missing: { $ne: 'blue' } }), true);
  assert.equal(matchesFilter(md, { s: { $in: ['blue', 'red'] } }), true);
  assert.equal(matchesFilter(md, { s: { $in: [] } }), false);
  assert.equal(matchesFilter(md, { missing: { $in: ['a'] } }), false);
  assert.equal(matchesFilter(md, { missing: { $in: ['a', null] } }), true);
  assert.equal(matchesFilter(md, { s: { $nin: ['blue', 'red'] } }), false);
  assert.equal(matchesFilter(md, { s: { $nin: [] } }), true);
  assert.equal(matchesFilter(md, { missing: { $nin: ['a'] } }), true, '$nin matches a missing field');
  assert.equal(matchesFilter(md, { missing: { $nin: [null] } }), false);
  assert.equal(matchesFilter(md, { obj: { $in: [{ a: 1 }, { b: [2, 3], a: 1, c: { d: 'deep' } }] } }), true);
  assert.equal(matchesFilter(md, { n: { $gt: 4 } }), true);
  assert.equal(matchesFilter(md, { n: { $gt: 5 } }), false);
  assert.equal(matchesFilter(md, { n: { $gte: 5 } }), true);
  assert.equal(matchesFilter(md, { n: { $lt: 5 } }), false);
  assert.equal(matchesFilter(md, { n: { $lte: 5 } }), true);
  assert.equal(matchesFilter(md, { f: { $gt: 1, $lt: 2 } }), true);
  assert.equal(matchesFilter(md, { f: { $gt: 1, $lt: 1.5 } }), false, 'all operators on a field must hold');
  assert.equal(matchesFilter(md, { s: { $gt: 'q' } }), true, 'strings compare as strings');
  assert.equal(matchesFilter(md, { s: { $gt: 'red' } }), false);
  assert.equal(matchesFilter(md, { s: { $gte: 'red' } }), true);
  assert.equal(matchesFilter(md, { s: { $lt: 5 } }), false, 'a string never compares with a number');
  assert.equal(matchesFilter(md, { n: { $lt: 'z' } }), false, 'a number never compares with a string');
  assert.equal(matchesFilter(md, { b: { $gt: 0 } }), false, 'a boolean never compares');
  assert.equal(matchesFilter(md, { z: { $lt: 1 } }), false, 'null never compares');
  assert.equal(matchesFilter(md, { missing: { $lt: 1 } }), false, 'missing never compares');
  assert.equal(matchesFilter(md, { arr: { $gt: 0 } }), false);
  assert.equal(matchesFilter({ s: 'é' }, { s: { $gt: 'z' } }), true, 'code point order');
  assert.equal(matchesFilter({ s: '\u{1F600}' }, { s: { $gt: '\uFFFD' } }), true, 'astral after BMP (UTF-8 order)');
});

test('reference: invalid filters are recognised', () => {
  for (const f of [5, 'x', null, [], { $or: [] }, { a: { $regex: 'x' } }, { a: { $in: 3 } }, { a: { $gt: true } }, { 'a..b': 1 }]) {
    assert.notEqual(filterError(f), null, JSON.stringify(f));
  }
  assert.equal(filterError({ a: 1, 'b.c': { $in: [1] }, d: { $gt: 'x', $lte: 'z' } }), null);
  assert.throws(() => matchesFilter({}, { a: { $regex: 'x' } }));
});

test('reference: bruteForce scores, orders, thresholds and ties', () => {
  const vs = [
    { id: 'a', embedding: [1, 0], metadata: { g: 1 } },
    { id: 'b', embedding: [0, 1], metadata: { g: 2 } },
    { id: 'c', embedding: [1, 0], metadata: { g: 1 } }, // exact tie with a
    { id: 'z', embedding: [0, 0] }, // zero vector
    { id: 'd', embedding: [3, 4] },
  ];
  const cos = bruteForce(vs, [1, 0], 10);
  assert.deepEqual(cos.map((r) => r.id), ['a', 'c', 'd', 'b', 'z']);
  assert.deepEqual(cos.map((r) => r.score), [1, 1, 0.6, 0, 0]);
  assert.deepEqual(bruteForce(vs, [1, 0], 1).map((r) => r.id), ['a']);
  assert.deepEqual(bruteForce(vs, [0, 0], 10).map((r) => [r.id, r.score]), [['a', 0], ['b', 0], ['c', 0], ['z', 0], ['d', 0]]);
  const dot = bruteForce(vs, [1, 1], 10, { metric: 'dot' });
  assert.deepEqual(dot.map((r) => [r.id, r.score]), [['d', 7], ['a', 1], ['b', 1], ['c', 1], ['z', 0]]);
  const l2 = bruteForce(vs, [3, 0], 10, { metric: 'euclidean' });
  assert.deepEqual(l2.map((r) => [r.id, r.score]), [['a', 2], ['c', 2], ['z', 3], ['b', Math.sqrt(10)], ['d', 4]]);
  assert.deepEqual(bruteForce(vs, [3, 0], 10, { metric: 'euclidean', threshold: 3 }).map((r) => r.id), ['a', 'c', 'z']);
  assert.deepEqual(bruteForce(vs, [1, 0], 10, { threshold: 0.6 }).map((r) => r.id), ['a', 'c', 'd']);
  assert.deepEqual(bruteForce(vs, [1, 1], 10, { metric: 'dot', threshold: 1 }).map((r) => r.id), ['d', 'a', 'b', 'c']);
  assert.deepEqual(bruteForce(vs, [1, 0], 10, { filter: { g: 1 } }).map((r) => r.id), ['a', 'c']);
  assert.deepEqual(bruteForce(vs, [1, 0], 10, { filter: { g: null } }).map((r) => r.id), ['d', 'z']);
  assert.deepEqual(Object.keys(cos[0]), ['id', 'score'], 'only id and score are enumerable');
  assert.throws(() => bruteForce(vs, [1, 0], 1, { metric: 'manhattan' }));
});

test('reference: assertSameResults', () => {
  const vs = [
    { id: 'p', embedding: [1, 0] },
    { id: 'q', embedding: [0.6, 0.8] },
    { id: 'r', embedding: [0.6000001, 0.8] }, // within tolerance of q, not an exact tie
    { id: 's', embedding: [0.6, 0.8] }, // exact tie with q
    { id: 't', embedding: [-1, 0] },
  ];
  const query = [1, 0];
  const exp = bruteForce(vs, query, 5, { metric: 'dot' });
  const plain = (list) => list.map(({ id, score }) => ({ id, score }));
  assertSameResults(plain(exp), exp);
  // float32-ish noise in scores is fine
  assertSameResults(exp.map(({ id, score }) => ({ id, score: Math.fround(score) })), exp);
  // r may move around q and s (tolerant tie), q must stay before s (exact tie)
  assertSameResults(plain([exp[0], exp[2], exp[1], exp[3], exp[4]]), exp);
  assertSameResults(plain([exp[0], exp[2], exp[3], exp[1], exp[4]]), exp);
  assert.throws(() => assertSameResults(plain([exp[0], exp[1], exp[3], exp[2], exp[4]]), exp), /exact tie/);
  assert.throws(() => assertSameResults(plain([exp[0], exp[3], exp[1], exp[2], exp[4]]), exp), /exact tie/);
  // wrong order outside ties, wrong score, wrong length, duplicates, unknown ids
  assert.throws(() => assertSameResults(plain([exp[1], exp[0], exp[2], exp[3], exp[4]]), exp));
  assert.throws(() => assertSameResults([{ id: 'p', score: 0.9 }, ...plain(exp.slice(1))], exp), /score/);
  assert.throws(() => assertSameResults(plain(exp.slice(0, 4)), exp), /expected 5 results/);
  assert.throws(() => assertSameResults(plain([exp[0], exp[0], exp[2], exp[3], exp[4]]), exp), /twice/);
  assert.throws(() => assertSameResults([...plain(exp.slice(0, 4)), { id: 'x', score: -1 }], exp));
  assert.throws(() => assertSameResults({}, exp));
  // a k cut inside a tie group: any members, but the earlier exact tie before the later one
  const pool = bruteForce(vs, query, Infinity, { metric: 'dot' });
  const k2 = bruteForce(vs, query, 2, { metric: 'dot' });
  assertSameResults(plain([pool[0], pool[1]]), k2, { pool });
  assertSameResults(plain([pool[0], pool[2]]), k2, { pool }); // q instead of r
  assert.throws(() => assertSameResults(plain([pool[0], pool[3]]), k2, { pool }), /exact tie/); // s without q, its earlier exact tie
  assert.throws(() => assertSameResults(plain([pool[0], pool[4]]), k2, { pool }));
  assert.throws(() => assertSameResults(plain([pool[0], pool[2]]), k2), /tie group|position/, 'without pool the cut is exact');
});
