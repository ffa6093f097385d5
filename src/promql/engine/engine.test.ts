// Engine behaviour the upstream promqltest files do not pin down: limits, error texts,
// annotation texts and result shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { MemoryStorage } from '../../storage/memory.js';
import { Engine, ENGINE_FEATURES } from './engine.js';
import { QueryError, TOO_MANY_SAMPLES_MESSAGE } from './types.js';

function storage(series: Record<string, ArrayLike<number>>, interval = 60_000): MemoryStorage {
  const s = new MemoryStorage();
  const app = s.appender();
  for (const [sel, values] of Object.entries(series)) {
    const m = /^(\w+)(?:\{(.*)\})?$/.exec(sel)!;
    const obj: Record<string, string> = { __name__: m[1]! };
    for (const kv of (m[2] ?? '').split(',').filter((x) => x)) {
      const [k, v] = kv.split('=');
      obj[k!] = JSON.parse(v!) as string;
    }
    for (let i = 0; i < values.length; i++) app.append(0, Labels.fromObject(obj), i * interval, values[i]!);
  }
  app.commit();
  return s;
}

function queryError(fn: () => unknown): QueryError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof QueryError, String(e));
    return e;
  }
  assert.fail('expected a QueryError');
}

test('maxSamples: Prometheus error when a query loads too many samples', () => {
  const s = storage({ 'x{a="1"}': [1, 2, 3, 4, 5], 'x{a="2"}': [1, 2, 3, 4, 5] });
  const e = queryError(() => new Engine({ maxSamples: 3 }).instantQuery(s, 'sum_over_time(x[10m])', 240_000));
  assert.equal(e.message, TOO_MANY_SAMPLES_MESSAGE);
  assert.equal(e.type, 'execution');
  assert.doesNotThrow(() =>
    new Engine({ maxSamples: 100 }).instantQuery(s, 'sum_over_time(x[10m])', 240_000),
  );
});

test('timeout: an expired deadline fails with the timeout error type', () => {
  const s = storage({ x: [1, 2, 3] });
  // A negative timeout is a deadline already past, so the first check fails deterministically.
  const e = queryError(() => new Engine({ timeout: -1 }).rangeQuery(s, 'x', 0, 120_000, 60_000));
  assert.equal(e.type, 'timeout');
  assert.equal(e.message, 'query timed out in expression evaluation');
});

test('rate over a metric not named like a counter adds the info annotation', () => {
  const s = storage({ foo: [0, 10, 20, 30] });
  const r = new Engine().instantQuery(s, 'rate(foo[5m])', 180_000);
  assert.deepEqual(r.infos, [
    'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo"',
  ]);
  const r2 = new Engine().instantQuery(storage({ foo_total: [0, 10, 20] }), 'rate(foo_total[5m])', 120_000);
  assert.deepEqual(r2.infos, []);
});

test('quantile outside [0, 1] warns with Prometheus text', () => {
  const r = new Engine().instantQuery(storage({ x: [1] }), 'quantile(2, x)', 0);
  assert.deepEqual(r.warnings, ['PromQL warning: quantile value should be between 0 and 1, got 2']);
});

test('one-to-one matching with duplicates on the right fails with the match group', () => {
  const s = storage({ 'a{i="1"}': [1], 'b{i="1",j="x"}': [1], 'b{i="1",j="y"}': [2] });
  const e = queryError(() => new Engine().instantQuery(s, 'a + on(i) b', 0));
  assert.equal(
    e.message,
    'found duplicate series for the match group {i="1"} on the right hand-side of the operation: [{__name__="b", i="1", j="y"}, {__name__="b", i="1", j="x"}];many-to-many matching not allowed: matching labels must be unique on one side',
  );
});

test('dropping the name may make two series equal: vector cannot contain metrics with the same labelset', () => {
  const s = storage({ 'a{i="1"}': [1], 'b{i="1"}': [1] });
  const e = queryError(() => new Engine().instantQuery(s, '{i="1"} * 2', 0));
  assert.equal(e.message, 'vector cannot contain metrics with the same labelset');
});

test('range query results are sorted by labels with points at each step', () => {
  const s = storage({ 'x{a="2"}': [1, 2, 3], 'x{a="1"}': [4, 5, 6] });
  const r = new Engine().rangeQuery(s, 'x', 0, 120_000, 60_000);
  assert.equal(r.value.type, 'matrix');
  if (r.value.type !== 'matrix') return;
  assert.deepEqual(
    r.value.series.map((x) => x.metric.get('a')),
    ['1', '2'],
  );
  assert.deepEqual(Array.from(r.value.series[0]!.ts), [0, 60_000, 120_000]);
  assert.deepEqual(Array.from(r.value.series[0]!.vs), [4, 5, 6]);
});

test('a stale marker ends a series before the lookback delta runs out', () => {
  // A Float64Array: a plain array would canonicalize the stale marker's NaN payload.
  const s = storage({ x: Float64Array.of(1, STALE_NAN) });
  const engine = new Engine();
  const at = (t: number): number => {
    const r = engine.instantQuery(s, 'x', t);
    return r.value.type === 'vector' ? r.value.samples.length : -1;
  };
  assert.equal(at(30_000), 1);
  assert.equal(at(60_000), 0);
});

test('lookback is left-open: a sample exactly lookbackDelta old is not seen', () => {
  const s = storage({ x: [1] });
  const engine = new Engine({ lookbackDelta: 60_000 });
  const r = engine.instantQuery(s, 'x', 60_000);
  assert.equal(r.value.type === 'vector' && r.value.samples.length, 0);
});

test('parse errors are bad_data; experimental functions need their feature flag', () => {
  const s = storage({ x: [1] });
  assert.equal(queryError(() => new Engine().instantQuery(s, 'sum(', 0)).type, 'bad_data');
  assert.equal(queryError(() => new Engine().instantQuery(s, 'sort_by_label(x, "a")', 0)).type, 'bad_data');
  const ok = new Engine({ features: [...ENGINE_FEATURES] }).instantQuery(s, 'sort_by_label(x, "a")', 0);
  assert.equal(ok.value.type, 'vector');
});

test('count_values groups by the value label, with or without by (compliance suite)', () => {
  const s = storage({ 'x{i="a",j="p"}': [4], 'x{i="b",j="p"}': [4], 'x{i="c",j="q"}': [2] });
  const at = (q: string): Record<string, number> => {
    const r = new Engine().instantQuery(s, q, 0);
    assert.equal(r.value.type, 'vector');
    const out: Record<string, number> = {};
    if (r.value.type === 'vector') for (const x of r.value.samples) out[x.metric.toString()] = x.v;
    return out;
  };
  assert.deepEqual(at('count_values("value", x)'), { '{value="2"}': 1, '{value="4"}': 2 });
  assert.deepEqual(at('count_values by (j) ("value", x)'), {
    '{j="p", value="4"}': 2,
    '{j="q", value="2"}': 1,
  });
  assert.deepEqual(at('count_values without (i) ("value", x)'), {
    '{j="p", value="4"}': 2,
    '{j="q", value="2"}': 1,
  });
});
