import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { StorageError, ValueType } from '../../storage/interface.js';
import { MemoryStorage } from '../../storage/memory.js';
import { collectSamples, collectSeries } from '../../storage/series.js';
import { runStorageSuite } from '../../storage/testing/querier-suite.js';
import { Head } from './head.js';

runStorageSuite('head', { open: () => new Head() });

const L = (...kv: string[]): Labels => Labels.fromStrings(...kv);
const eq = (n: string, v: string): Matcher => Matcher.create('=', n, v);
const isKind = (kind: string) => (e: unknown) => e instanceof StorageError && e.kind === kind;

describe('head', () => {
  it('rejects samples older than half a chunk range behind the newest (out of bounds)', () => {
    const head = new Head({ chunkRange: 1000 });
    const a = head.appender();
    a.append(0, L('__name__', 'a'), 10_000, 1);
    a.commit();
    const b = head.appender();
    assert.throws(() => b.append(0, L('__name__', 'b'), 9_499, 1), isKind('out_of_bounds'));
    b.append(0, L('__name__', 'b'), 9_500, 1);
    b.commit();
    assert.equal(head.stats.outOfBoundSamples, 1);
  });

  it('checks order against samples pending in the same transaction', () => {
    const head = new Head();
    const app = head.appender();
    const ref = app.append(0, L('__name__', 'x'), 2000, 1);
    assert.throws(() => app.append(ref, L('__name__', 'x'), 1000, 1), isKind('out_of_order'));
    app.commit();
    // A new transaction compares against committed data only.
    const app2 = head.appender();
    assert.throws(() => app2.append(ref, L('__name__', 'x'), 1500, 1), isKind('out_of_order'));
    app2.rollback();
    assert.equal(head.stats.outOfOrderSamples, 2);
  });

  it('returns stable references and accepts them on later appends', () => {
    const head = new Head();
    const ls = L('__name__', 'r', 'a', 'b');
    const app = head.appender();
    const ref = app.append(0, ls, 1000, 1);
    app.commit();
    const app2 = head.appender();
    assert.equal(app2.append(ref, ls, 2000, 2), ref);
    assert.equal(app2.append(0, ls, 3000, 3), ref);
    app2.commit();
    assert.equal(head.numSeries(), 1);
  });

  it('cuts chunks at 120 samples for a steady rate and reads across them', () => {
    const head = new Head();
    const ls = L('__name__', 'c');
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const app = head.appender();
      app.append(0, ls, i * 15_000, i);
      app.commit();
    }
    const s = head.seriesByLabels(ls)!;
    // 1000 samples at 15s span 4h10m: the first 2h range (480 samples) splits into 4 chunks of
    // 120, the second likewise, and the rest starts a third range.
    assert.deepEqual(
      [...s.chunks, s.head!].map((c) => c.chunk.numSamples()),
      [120, 120, 120, 120, 120, 120, 120, 120, 40],
    );
    const [series] = collectSeries(head.querier(0, Infinity).select(false, undefined, eq('__name__', 'c')));
    const got = collectSamples(series!);
    assert.equal(got.length, n);
    assert.deepEqual(got[999], [999 * 15_000, 999]);
    // Range clipping and seek across chunk boundaries.
    const [part] = collectSeries(
      head.querier(1_800_000, 3_600_000).select(false, undefined, eq('__name__', 'c')),
    );
    const it = part!.iterator();
    assert.equal(it.next(), ValueType.Float);
    assert.equal(it.t, 1_800_000);
    assert.equal(it.seek(3_000_000), ValueType.Float);
    assert.equal(it.t, 3_000_000);
    let count = 1;
    while (it.next() !== ValueType.None) count++;
    assert.equal(count, 41);
    assert.equal(it.t, 3_600_000);
  });

  it('agrees with the memory storage on random workloads', () => {
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const head = new Head();
    const mem = new MemoryStorage();
    const series = Array.from({ length: 50 }, (_, i) => L('__name__', `m${i % 5}`, 'i', String(i)));
    for (let step = 0; step < 300; step++) {
      const ha = head.appender();
      const ma = mem.appender();
      for (const ls of series) {
        if (rnd() < 0.3) continue;
        const v = rnd() < 0.05 ? NaN : Math.round(rnd() * 1000) / 10;
        ha.append(0, ls, step * 10_000, v);
        ma.append(0, ls, step * 10_000, v);
      }
      ha.commit();
      ma.commit();
    }
    for (const [mint, maxt] of [
      [0, 3_000_000],
      [1_234_567, 2_345_678],
      [2_990_000, 2_990_000],
    ] as const) {
      const matchers = [Matcher.create('=~', '__name__', 'm[13]')];
      const want = collectSeries(mem.querier(mint, maxt).select(true, undefined, ...matchers));
      const got = collectSeries(head.querier(mint, maxt).select(true, undefined, ...matchers));
      assert.deepEqual(
        got.map((s) => [s.labels.toString(), collectSamples(s).map(String)]),
        want.map((s) => [s.labels.toString(), collectSamples(s).map(String)]),
      );
    }
  });

  it('truncation drops old chunks, garbage-collects empty series and rejects older samples', () => {
    const head = new Head();
    const old = L('__name__', 'old');
    const cur = L('__name__', 'cur');
    const app = head.appender();
    app.append(0, old, 1000, 1);
    app.append(0, cur, 1000, 1);
    app.commit();
    for (let t = 2; t < 1000; t++) {
      const a = head.appender();
      a.append(0, cur, t * 15_000, t);
      a.commit();
    }
    head.truncate(7_200_000);
    assert.equal(head.seriesByLabels(old), undefined);
    assert.equal(head.numSeries(), 1);
    assert.deepEqual(head.postings.labelValues('__name__'), ['cur']);
    assert.ok(head.minTime() >= 7_200_000 - 2 * 60 * 60 * 1000);
    const a = head.appender();
    assert.throws(() => a.append(0, L('__name__', 'new'), 7_199_999, 1), isKind('out_of_bounds'));
    a.rollback();
  });

  it('stores exemplars in a ring buffer and rejects out-of-order and oversized ones', () => {
    const head = new Head({ maxExemplars: 3 });
    const ls = L('__name__', 'h');
    const ex = (ts: number, id: string) => ({ labels: L('trace_id', id), value: 1, ts, hasTs: true });
    const app = head.appender();
    const ref = app.append(0, ls, 1000, 1);
    app.appendExemplar(ref, ls, ex(1000, 'a'));
    app.commit();
    const app2 = head.appender();
    assert.throws(() => app2.appendExemplar(ref, ls, ex(500, 'b')), isKind('out_of_order_exemplar'));
    assert.throws(
      () => app2.appendExemplar(ref, ls, ex(2000, 'x'.repeat(121))),
      isKind('exemplar_labels_too_long'),
    );
    for (let i = 2; i <= 5; i++) app2.appendExemplar(ref, ls, ex(i * 1000, String(i)));
    app2.commit();
    const got = head.exemplars.select(0, 10_000, () => true);
    assert.equal(got.length, 1);
    assert.deepEqual(
      got[0]!.exemplars.map((e) => e.labels.get('trace_id')),
      ['3', '4', '5'],
    );
  });

  it('records metadata per series', () => {
    const head = new Head();
    const ls = L('__name__', 'up');
    const app = head.appender();
    app.updateMetadata(0, ls, { type: 'gauge', help: 'Up.', unit: '' });
    app.commit();
    assert.deepEqual(head.seriesByLabels(ls)!.metadata, { type: 'gauge', help: 'Up.', unit: '' });
  });
});
