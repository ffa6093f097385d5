import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels, LabelsBuilder } from './labels.js';

const utf8Order = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

test('labels are sorted by name in UTF-8 byte order', () => {
  // JavaScript's own order puts the emoji (a surrogate pair, 0xD83D…) before U+E000 and U+FFFF;
  // UTF-8, and so Prometheus and the on-disk index, put it after them.
  const names = ['😀', '\uffff', 'b', '\ue000', 'é', 'a', '𝒳', 'Z', '_'];
  const ls = Labels.fromStrings(...names.flatMap((n, i) => [n, String(i)]));
  assert.deepEqual(ls.names(), ['Z', '_', 'a', 'b', 'é', '\ue000', '\uffff', '𝒳', '😀']);
  assert.deepEqual(ls.names(), [...names].sort(utf8Order));
  assert.notDeepEqual(ls.names(), [...names].sort());
  assert.equal(ls.get('😀'), '0');
  assert.equal(ls.get('\uffff'), '1');
  // The same order whichever way the set is built.
  const obj = Labels.fromObject(Object.fromEntries(names.map((n, i) => [n, String(i)])));
  assert.ok(obj.equals(ls));
  const list = Labels.fromLabels(names.map((n, i) => ({ name: n, value: String(i) })).reverse());
  assert.ok(list.equals(ls));
});

test('accessors read the sorted set', () => {
  const ls = Labels.fromStrings('job', 'node', '__name__', 'up', 'instance', 'a:9100');
  assert.equal(ls.size, 3);
  assert.equal(ls.isEmpty(), false);
  assert.equal(ls.nameAt(0), '__name__');
  assert.equal(ls.valueAt(0), 'up');
  assert.equal(ls.nameAt(2), 'job');
  assert.equal(ls.get('job'), 'node');
  assert.equal(ls.get('missing'), '');
  assert.equal(ls.has('job'), true);
  assert.equal(ls.has('missing'), false);
  assert.deepEqual(ls.flat(), ['__name__', 'up', 'instance', 'a:9100', 'job', 'node']);
  assert.deepEqual(ls.toObject(), { __name__: 'up', instance: 'a:9100', job: 'node' });
  assert.deepEqual(
    [...ls].map((l) => `${l.name}=${l.value}`),
    ['__name__=up', 'instance=a:9100', 'job=node'],
  );
  const seen: string[] = [];
  ls.forEach((n, v) => seen.push(n + v));
  assert.deepEqual(seen, ['__name__up', 'instancea:9100', 'jobnode']);
  assert.equal(Labels.EMPTY.size, 0);
  assert.ok(Labels.EMPTY.isEmpty());
  assert.equal(Labels.fromSortedFlat([]), Labels.EMPTY);
  assert.throws(() => Labels.fromStrings('a'), /odd number/);
});

test('later duplicates win when building', () => {
  assert.equal(Labels.fromStrings('a', '1', 'a', '2').get('a'), '2');
  const l = Labels.fromLabels([
    { name: 'a', value: '1' },
    { name: 'b', value: 'x' },
    { name: 'a', value: '3' },
  ]);
  assert.equal(l.toString(), '{a="3", b="x"}');
});

test('equality and Prometheus ordering', () => {
  const a = Labels.fromStrings('a', '1', 'b', '2');
  assert.ok(a.equals(Labels.fromStrings('b', '2', 'a', '1')));
  assert.ok(a.equals(a));
  assert.ok(!a.equals(Labels.fromStrings('a', '1')));
  assert.ok(!a.equals(Labels.fromStrings('a', '1', 'b', '3')));
  assert.ok(!a.equals(Labels.fromStrings('a', '1', 'c', '2')));
  // Equality still holds once both hashes are cached, and still fails for different sets.
  const b = Labels.fromStrings('a', '1', 'b', '2');
  a.hash();
  b.hash();
  assert.ok(a.equals(b));
  const c = Labels.fromStrings('a', '1', 'b', '4');
  c.hash();
  assert.ok(!a.equals(c));

  // Ordered label by label, name before value, a prefix first.
  const ordered = [
    Labels.EMPTY,
    Labels.fromStrings('a', ''), // empty value: the label is dropped, so this is EMPTY too
    Labels.fromStrings('a', '1'),
    Labels.fromStrings('a', '1', 'b', '1'),
    Labels.fromStrings('a', '1', 'c', '0'),
    Labels.fromStrings('a', '2'),
    Labels.fromStrings('a', '\uffff'),
    Labels.fromStrings('a', '😀'),
    Labels.fromStrings('b', '0'),
    Labels.fromStrings('😀', '0'),
  ];
  const sign = (n: number): number => Math.sign(n) || 0;
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const want = i < 2 && j < 2 ? 0 : sign(i - j);
      assert.equal(sign(Labels.compare(ordered[i]!, ordered[j]!)), want, `${ordered[i]} vs ${ordered[j]}`);
    }
  }
});

test('hashes are equal for equal sets, however they were built', () => {
  const viaStrings = Labels.fromStrings('job', 'node', 'instance', 'a:9100', '__name__', 'up');
  const viaObject = Labels.fromObject({ __name__: 'up', instance: 'a:9100', job: 'node' });
  const viaFlat = Labels.fromSortedFlat(['__name__', 'up', 'instance', 'a:9100', 'job', 'node']);
  const viaBuilder = new LabelsBuilder(Labels.fromStrings('job', 'x', 'extra', 'y', '__name__', 'up'))
    .set('job', 'node')
    .del('extra')
    .set('instance', 'a:9100')
    .labels();
  for (const ls of [viaObject, viaFlat, viaBuilder]) {
    assert.equal(ls.hash(), viaStrings.hash());
    assert.equal(ls.hashHigh(), viaStrings.hashHigh());
    assert.equal(ls.hashLow(), viaStrings.hashLow());
  }
  const h = viaStrings.hash();
  assert.ok(Number.isSafeInteger(h) && h >= 0);
  assert.equal(viaStrings.hash(), h, 'stable across calls');
  // Where the boundary between name and value falls matters.
  const pairs: [Labels, Labels][] = [
    [Labels.fromStrings('a', 'bc'), Labels.fromStrings('ab', 'c')],
    [Labels.fromStrings('a', 'b', 'c', 'd'), Labels.fromStrings('a', 'bc', 'd', '')],
    [Labels.fromStrings('a', 'b'), Labels.fromStrings('b', 'a')],
    [Labels.EMPTY, Labels.fromStrings('a', 'b')],
    [Labels.fromStrings('a', 'x'), Labels.fromStrings('a', 'x\0')],
  ];
  for (const [x, y] of pairs) assert.notEqual(x.hash(), y.hash(), `${x} vs ${y}`);
});

test('no hash collisions among 200,000 distinct small label sets', () => {
  const seen = new Map<number, string>();
  let n = 0;
  const add = (ls: Labels): void => {
    const s = ls.toString();
    const h = ls.hash();
    const prev = seen.get(h);
    if (prev !== undefined) assert.equal(prev, s, `hash collision: ${prev} and ${s}`);
    seen.set(h, s);
    n++;
  };
  // Realistic sets that differ in one short value, or in which label carries a value.
  for (let i = 0; i < 100_000; i++) {
    add(Labels.fromStrings('__name__', 'http_requests_total', 'instance', `10.0.${i >> 8}.${i & 255}:9100`));
  }
  for (let i = 0; i < 50_000; i++) add(Labels.fromStrings('a', String(i)));
  for (let i = 0; i < 50_000; i++)
    add(Labels.fromStrings('a', String(i % 250), 'b', String(Math.floor(i / 250))));
  assert.equal(n, 200_000);
  assert.equal(seen.size, n);
});

test('toString writes {a="b", c="d"} with Go escapes and quoted non-legacy names', () => {
  const cases: [Labels, string][] = [
    [Labels.EMPTY, '{}'],
    [Labels.fromStrings('a', 'b', 'c', 'd'), '{a="b", c="d"}'],
    [Labels.fromStrings('__name__', 'up', 'job', 'x'), '{__name__="up", job="x"}'],
    [Labels.fromStrings('a.b', 'x', 'job', 'y'), '{"a.b"="x", job="y"}'],
    [Labels.fromStrings('😀', 'x', 'ünï', 'y'), '{"ünï"="y", "😀"="x"}'],
    [Labels.fromStrings('9a', 'x'), '{"9a"="x"}'],
    [Labels.fromStrings('a', 'line\nbreak\t"q"\\'), '{a="line\\nbreak\\t\\"q\\"\\\\"}'],
    [Labels.fromStrings('a', '\x00\x7f\u00a0'), '{a="\\x00\\x7f\\u00a0"}'],
    [Labels.fromStrings('a', 'ünï 😀'), '{a="ünï 😀"}'],
  ];
  for (const [ls, want] of cases) assert.equal(ls.toString(), want);
});

test('without and keep', () => {
  const ls = Labels.fromStrings('a', '1', 'b', '2', 'c', '3');
  assert.equal(ls.without('b').toString(), '{a="1", c="3"}');
  assert.equal(ls.without('a', 'c', 'zz').toString(), '{b="2"}');
  assert.equal(ls.without('zz'), ls, 'nothing removed: the same object');
  assert.equal(ls.keep('a', 'c', 'zz').toString(), '{a="1", c="3"}');
  assert.equal(ls.keep('a', 'b', 'c'), ls);
  assert.equal(ls.keep().toString(), '{}');
  assert.equal(ls.without('a', 'b', 'c'), Labels.EMPTY);
});

test('the builder sets, deletes and keeps labels', () => {
  const base = Labels.fromStrings('a', '1', 'b', '2', 'c', '3');
  const b = new LabelsBuilder(base);
  assert.equal(b.labels(), base, 'no change: the base itself');
  b.set('b', '20').set('d', '4');
  assert.equal(b.get('b'), '20');
  assert.equal(b.get('d'), '4');
  assert.equal(b.get('a'), '1');
  assert.equal(b.labels().toString(), '{a="1", b="20", c="3", d="4"}');
  b.del('a', 'd');
  assert.equal(b.get('a'), '');
  assert.equal(b.get('d'), '');
  assert.equal(b.labels().toString(), '{b="20", c="3"}');
  b.set('a', 'back');
  assert.equal(b.labels().toString(), '{a="back", b="20", c="3"}');
  b.set('c', ''); // an empty value deletes
  assert.equal(b.get('c'), '');
  assert.equal(b.labels().toString(), '{a="back", b="20"}');
  b.set('e', '5').keep('b', 'e', 'zz');
  assert.equal(b.labels().toString(), '{b="20", e="5"}');
  assert.equal(base.toString(), '{a="1", b="2", c="3"}', 'the base is untouched');
  assert.equal(new LabelsBuilder(base).keep('b', 'zz').labels().toString(), '{b="2"}');
  assert.equal(new LabelsBuilder(base).keep().labels(), Labels.EMPTY);

  b.reset(Labels.fromStrings('x', '1'));
  assert.equal(b.labels().toString(), '{x="1"}');
  b.reset();
  assert.equal(b.labels(), Labels.EMPTY);
  // Names added to an empty builder come out sorted in UTF-8 order.
  const sorted = new LabelsBuilder().set('😀', '1').set('\ue000', '2').set('a', '3').labels();
  assert.deepEqual(sorted.names(), ['a', '\ue000', '😀']);
});
