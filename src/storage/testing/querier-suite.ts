/**
 * One shared test suite for every {@link Storage} implementation (memory, head, blocks, merged):
 * each implementation's test file calls {@link runStorageSuite} with a factory, so they all
 * answer the same questions the same way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../../model/value.js';
import { StorageError, type Storage } from '../interface.js';
import { collectSamples, collectSeries } from '../series.js';

/** Builds a fresh, empty storage for one test; `close` releases it. */
export interface StorageFactory {
  open(): Storage | Promise<Storage>;
  close?(s: Storage): void | Promise<void>;
}

const L = (...kv: string[]): Labels => Labels.fromStrings(...kv);
const m = (type: '=' | '!=' | '=~' | '!~', name: string, value: string): Matcher =>
  Matcher.create(type, name, value);

/** Registers the shared storage tests under `name`. */
export function runStorageSuite(name: string, factory: StorageFactory): void {
  const withStorage = async (fn: (s: Storage) => void | Promise<void>): Promise<void> => {
    const s = await factory.open();
    try {
      await fn(s);
    } finally {
      await factory.close?.(s);
    }
  };

  const load = (s: Storage): void => {
    const app = s.appender();
    for (let i = 0; i < 10; i++) {
      app.append(0, L('__name__', 'up', 'job', 'api', 'instance', 'a'), i * 1000, 1);
      app.append(0, L('__name__', 'up', 'job', 'api', 'instance', 'b'), i * 1000, i % 2);
      app.append(0, L('__name__', 'up', 'job', 'db', 'instance', 'c'), i * 1000, 0);
      app.append(0, L('__name__', 'http_requests_total', 'job', 'api', 'code', '200'), i * 1000, i * 10);
    }
    app.commit();
  };

  describe(`storage suite: ${name}`, () => {
    it('selects by equality and returns sorted series with their samples', () =>
      withStorage((s) => {
        load(s);
        const q = s.querier(0, 100_000);
        const got = collectSeries(q.select(true, undefined, m('=', '__name__', 'up')));
        assert.deepEqual(
          got.map((x) => x.labels.toString()),
          [
            '{__name__="up", instance="a", job="api"}',
            '{__name__="up", instance="b", job="api"}',
            '{__name__="up", instance="c", job="db"}',
          ],
        );
        assert.deepEqual(
          collectSamples(got[1]!),
          Array.from({ length: 10 }, (_, i) => [i * 1000, i % 2]),
        );
        q.close();
      }));

    it('applies !=, =~, !~ and treats a missing label as ""', () =>
      withStorage((s) => {
        load(s);
        const q = s.querier(0, 100_000);
        const names = (...ms: Matcher[]): string[] =>
          collectSeries(q.select(true, undefined, ...ms)).map((x) => x.labels.toString());
        assert.equal(names(m('=', '__name__', 'up'), m('!=', 'job', 'api')).length, 1);
        assert.equal(names(m('=~', 'job', 'a.*')).length, 3);
        assert.equal(names(m('!~', 'job', 'a.*'), m('=~', '__name__', '.+')).length, 1);
        // code="" matches series without a code label.
        assert.equal(names(m('=', 'code', ''), m('=~', '__name__', '.+')).length, 3);
        assert.equal(names(m('!=', 'code', ''), m('=~', '__name__', '.+')).length, 1);
        q.close();
      }));

    it('restricts samples to the querier time range, inclusive at both ends', () =>
      withStorage((s) => {
        load(s);
        const q = s.querier(2000, 4000);
        const [first] = collectSeries(q.select(true, undefined, m('=', 'instance', 'a')));
        assert.deepEqual(
          collectSamples(first!).map(([t]) => t),
          [2000, 3000, 4000],
        );
        const none = collectSeries(
          s.querier(20_000, 30_000).select(true, undefined, m('=', 'instance', 'a')),
        );
        assert.equal(none.length, 0);
        q.close();
      }));

    it('answers label names and values, sorted, filtered by matchers', () =>
      withStorage((s) => {
        load(s);
        const q = s.querier(0, 100_000);
        assert.deepEqual(q.labelNames(undefined), ['__name__', 'code', 'instance', 'job']);
        assert.deepEqual(q.labelNames(undefined, m('=', 'job', 'db')), ['__name__', 'instance', 'job']);
        assert.deepEqual(q.labelValues('instance', undefined), ['a', 'b', 'c']);
        assert.deepEqual(q.labelValues('instance', undefined, m('=', 'job', 'api')), ['a', 'b']);
        assert.deepEqual(q.labelValues('nope', undefined), []);
        q.close();
      }));

    it('rejects out-of-order and duplicate samples, accepts an identical repeat', () =>
      withStorage((s) => {
        const ls = L('__name__', 'x');
        const app = s.appender();
        const ref = app.append(0, ls, 1000, 1);
        assert.throws(
          () => app.append(ref, ls, 500, 1),
          (e: unknown) => e instanceof StorageError && e.kind === 'out_of_order',
        );
        assert.throws(
          () => app.append(ref, ls, 1000, 2),
          (e: unknown) => e instanceof StorageError && e.kind === 'duplicate_sample',
        );
        app.append(ref, ls, 1000, 1);
        app.commit();
        const [only] = collectSeries(s.querier(0, 10_000).select(false, undefined, m('=', '__name__', 'x')));
        assert.deepEqual(collectSamples(only!), [[1000, 1]]);
      }));

    it('keeps appended samples invisible until commit and drops them on rollback', () =>
      withStorage((s) => {
        const ls = L('__name__', 'y');
        const app = s.appender();
        app.append(0, ls, 1000, 1);
        assert.equal(
          collectSeries(s.querier(0, 10_000).select(false, undefined, m('=', '__name__', 'y'))).length,
          0,
        );
        app.rollback();
        assert.equal(
          collectSeries(s.querier(0, 10_000).select(false, undefined, m('=', '__name__', 'y'))).length,
          0,
        );
        const app2 = s.appender();
        app2.append(0, ls, 2000, 2);
        app2.commit();
        assert.equal(
          collectSeries(s.querier(0, 10_000).select(false, undefined, m('=', '__name__', 'y'))).length,
          1,
        );
      }));

    it('stores the stale marker as a distinguishable sample', () =>
      withStorage((s) => {
        const ls = L('__name__', 'z');
        const app = s.appender();
        app.append(0, ls, 1000, 1);
        app.append(0, ls, 2000, STALE_NAN);
        app.append(0, ls, 3000, NaN);
        app.commit();
        const [z] = collectSeries(s.querier(0, 10_000).select(false, undefined, m('=', '__name__', 'z')));
        const it = z!.iterator();
        const kinds: string[] = [];
        while (it.next() !== 0)
          kinds.push(isStaleNaN(it.v) ? 'stale' : Number.isNaN(it.v) ? 'nan' : String(it.v));
        assert.deepEqual(kinds, ['1', 'stale', 'nan']);
      }));

    it('seeks forward and never backwards', () =>
      withStorage((s) => {
        load(s);
        const [a] = collectSeries(s.querier(0, 100_000).select(false, undefined, m('=', 'instance', 'a')));
        const it = a!.iterator();
        assert.notEqual(it.seek(3500), 0);
        assert.equal(it.t, 4000);
        assert.notEqual(it.seek(1000), 0);
        assert.equal(it.t, 4000);
        assert.equal(it.seek(100_000), 0);
      }));
  });
}
