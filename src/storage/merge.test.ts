import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { ValueType, type Appender, type Storage } from './interface.js';
import { MemoryStorage } from './memory.js';
import { MergeQuerier, MergeSampleIterator, mergeStrings } from './merge.js';
import { ListSampleIterator, collectSamples, collectSeries } from './series.js';
import { runStorageSuite } from './testing/querier-suite.js';

/**
 * A storage that writes even timestamps (in seconds) to one memory storage and odd ones to
 * another, and reads them back through a MergeQuerier: the shared suite then checks that the
 * merge reassembles every series exactly.
 */
class SplitStorage implements Storage {
  private readonly parts = [new MemoryStorage(), new MemoryStorage()];

  appender(): Appender {
    const apps = this.parts.map((p) => p.appender());
    // Append-time checks (order, duplicates) need the whole series, so the first part also
    // sees every sample through a third, validating storage.
    const check = new MemoryStorage();
    const all = check.appender();
    return {
      append: (_ref, labels, t, v) => {
        all.append(0, labels, t, v);
        apps[Math.floor(t / 1000) % 2]!.append(0, labels, t, v);
        return 0;
      },
      appendExemplar: (_ref, labels, e) => apps[0]!.appendExemplar(0, labels, e),
      updateMetadata: (_ref, labels, m) => apps[0]!.updateMetadata(0, labels, m),
      commit: () => {
        for (const a of apps) a.commit();
      },
      rollback: () => {
        for (const a of apps) a.rollback();
      },
    };
  }

  querier(mint: number, maxt: number): MergeQuerier {
    return new MergeQuerier(this.parts.map((p) => p.querier(mint, maxt)));
  }
}

runStorageSuite('memory', { open: () => new MemoryStorage() });
runStorageSuite('merge of two memory storages', { open: () => new SplitStorage() });

describe('MergeSampleIterator', () => {
  const it3 = (): MergeSampleIterator =>
    new MergeSampleIterator([
      new ListSampleIterator([1, 3, 5], [10, 30, 50]),
      new ListSampleIterator([2, 3, 6], [20, 99, 60]),
      new ListSampleIterator([], []),
    ]);

  it('interleaves by timestamp and keeps the first source on ties', () => {
    const got: [number, number][] = [];
    const m = it3();
    while (m.next() !== ValueType.None) got.push([m.t, m.v]);
    assert.deepEqual(got, [
      [1, 10],
      [2, 20],
      [3, 30],
      [5, 50],
      [6, 60],
    ]);
  });

  it('seeks across sources and stays on a qualifying sample', () => {
    const m = it3();
    assert.equal(m.seek(4), ValueType.Float);
    assert.equal(m.t, 5);
    assert.equal(m.seek(5), ValueType.Float);
    assert.equal(m.t, 5);
    assert.equal(m.next(), ValueType.Float);
    assert.equal(m.t, 6);
    assert.equal(m.seek(7), ValueType.None);
  });
});

describe('MergeQuerier', () => {
  it('merges identical series from two sources into one, deduplicating samples', () => {
    const a = new MemoryStorage();
    const b = new MemoryStorage();
    const ls = Labels.fromStrings('__name__', 'm', 'x', '1');
    const other = Labels.fromStrings('__name__', 'm', 'x', '2');
    const aa = a.appender();
    aa.append(0, ls, 1000, 1);
    aa.append(0, ls, 2000, 2);
    aa.commit();
    const ba = b.appender();
    ba.append(0, ls, 2000, 2);
    ba.append(0, ls, 3000, 3);
    ba.append(0, other, 1000, 7);
    ba.commit();
    const q = new MergeQuerier([a.querier(0, 10_000), b.querier(0, 10_000)]);
    const got = collectSeries(q.select(false, undefined, Matcher.create('=', '__name__', 'm')));
    assert.deepEqual(
      got.map((s) => [s.labels.toString(), collectSamples(s)]),
      [
        [
          '{__name__="m", x="1"}',
          [
            [1000, 1],
            [2000, 2],
            [3000, 3],
          ],
        ],
        ['{__name__="m", x="2"}', [[1000, 7]]],
      ],
    );
    assert.deepEqual(q.labelValues('x', undefined), ['1', '2']);
    assert.deepEqual(q.labelValues('x', { limit: 1 }), ['1']);
  });

  it('merges sorted string lists', () => {
    assert.deepEqual(mergeStrings([['a', 'c'], ['b', 'c'], []]), ['a', 'b', 'c']);
    assert.deepEqual(mergeStrings([['a', 'c'], ['b']], 2), ['a', 'b']);
  });
});
