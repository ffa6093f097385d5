import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Labels } from '../../model/labels.js';
import { isStaleNaN } from '../../model/value.js';
import type { Appendable, Appender } from '../../storage/interface.js';
import { DEMO_BUCKETS, DEMO_INSTANCES, generateDemoData } from './demo-data.js';

/** Every appended sample, per series, in append order. */
class Recorder implements Appendable {
  // V8 may canonicalise NaN payloads in plain arrays, so stale markers are recorded apart.
  readonly series = new Map<string, { labels: Labels; ts: number[]; vs: number[]; stale: boolean[] }>();
  commits = 0;
  appender(): Appender {
    return {
      append: (_ref, labels, t, v) => {
        const k = labels.toString();
        let s = this.series.get(k);
        if (!s) this.series.set(k, (s = { labels, ts: [], vs: [], stale: [] }));
        s.ts.push(t);
        s.vs.push(v);
        s.stale.push(isStaleNaN(v));
        return 0;
      },
      appendExemplar: () => 0,
      updateMetadata: () => 0,
      commit: () => void this.commits++,
      rollback: () => undefined,
    };
  }
}

const END = 1_700_000_003_217;
// Shorter than the compliance test's two hours: enough for a restart and many batch runs.
const DURATION = 40 * 60_000;
const RESTART = END - 17 * 60_000;

const cache = new Map<number | null, Recorder>();
function generate(restartAt: number | null, fresh = false): Recorder {
  if (!fresh && cache.has(restartAt)) return cache.get(restartAt)!;
  const r = new Recorder();
  if (!fresh) cache.set(restartAt, r);
  generateDemoData(r, { end: END, duration: DURATION, restartAt });
  return r;
}

test('the demo data is deterministic, in time order and within the window', () => {
  const a = generate(RESTART);
  const b = generate(RESTART, true);
  assert.deepEqual([...a.series.keys()], [...b.series.keys()]);
  for (const [k, s] of a.series) {
    assert.deepEqual(s.ts, b.series.get(k)!.ts, k);
    assert.deepEqual(s.vs.map(String), b.series.get(k)!.vs.map(String), k);
    for (let i = 1; i < s.ts.length; i++) assert.ok(s.ts[i]! > s.ts[i - 1]!, k);
    assert.ok(s.ts[0]! > END - DURATION && s.ts[s.ts.length - 1]! <= END, k);
  }
  // Every family of the demo service is there, for every instance.
  for (const n of [
    'up',
    'demo_cpu_usage_seconds_total',
    'demo_memory_usage_bytes',
    'demo_disk_usage_bytes',
    'demo_disk_total_bytes',
    'demo_num_cpus',
    'demo_api_request_duration_seconds_bucket',
    'demo_api_request_duration_seconds_sum',
    'demo_api_request_duration_seconds_count',
    'demo_api_http_requests_in_progress',
    'demo_batch_last_success_timestamp_seconds',
    'demo_batch_last_run_timestamp_seconds',
    'demo_batch_last_run_duration_seconds',
    'demo_batch_last_run_processed_bytes',
    'demo_items_shipped_total',
    'demo_is_holiday',
    'demo_intermittent_metric',
  ]) {
    const inst = new Set(
      [...a.series.values()]
        .filter((s) => s.labels.get('__name__') === n)
        .map((s) => s.labels.get('instance')),
    );
    assert.deepEqual([...inst].sort(), DEMO_INSTANCES, n);
  }
  // 3 instances × (foo, bar) × (GET, POST) × (200, 500), plus GET /api/nonexistent 404.
  const counts = [...a.series.values()].filter(
    (s) => s.labels.get('__name__') === 'demo_api_request_duration_seconds_count',
  );
  assert.equal(counts.length, 27);
});

test('counters only go down at the restart, which also marks every series of the target stale', () => {
  for (const restartAt of [null, RESTART]) {
    const r = generate(restartAt);
    const resets = new Set<string>();
    for (const [k, s] of r.series) {
      if (!/_total|_bucket|_sum|_count/.test(s.labels.get('__name__'))) continue;
      let prev = -Infinity;
      for (let i = 0; i < s.vs.length; i++) {
        const v = s.vs[i]!;
        // A restart shows as a lower value after the stale markers of the failed scrape.
        if (s.stale[i]) continue;
        if (v < prev) {
          assert.ok(restartAt !== null && s.ts[i]! > restartAt, `${k} decreases at ${s.ts[i]}`);
          resets.add(s.labels.get('instance'));
        }
        prev = v;
      }
    }
    assert.deepEqual([...resets], restartAt === null ? [] : [DEMO_INSTANCES[2]]);
  }
  const r = generate(RESTART);
  const up = r.series.get(`{__name__="up", instance="${DEMO_INSTANCES[2]}", job="demo"}`)!;
  assert.equal(up.vs.filter((v) => v === 0).length, 1);
  const failedAt = up.ts[up.vs.indexOf(0)]!;
  for (const s of r.series.values()) {
    if (s.labels.get('instance') !== DEMO_INSTANCES[2] || s.labels.get('__name__') === 'up') continue;
    const i = s.ts.indexOf(failedAt);
    if (i >= 0) assert.ok(s.stale[i], s.labels.toString());
  }
  // The intermittent metric goes stale every other minute.
  const im = r.series.get(
    `{__name__="demo_intermittent_metric", instance="${DEMO_INSTANCES[0]}", job="demo"}`,
  )!;
  assert.ok(im.stale.filter(Boolean).length >= 10);
});

test('histograms are consistent: buckets cumulative in le, +Inf equal to _count', () => {
  const r = generate(RESTART);
  const les = DEMO_BUCKETS.map(String).concat('+Inf');
  for (const s of r.series.values()) {
    if (s.labels.get('__name__') !== 'demo_api_request_duration_seconds_count') continue;
    const key = (name: string, le?: string): string => {
      const m = s.labels.toObject();
      m.__name__ = name;
      if (le) m.le = le;
      const parts = Object.keys(m)
        .sort()
        .map((n) => `${n}="${m[n]}"`);
      return `{${parts.join(', ')}}`;
    };
    const buckets = les.map((le) => r.series.get(key('demo_api_request_duration_seconds_bucket', le))!);
    for (let i = 0; i < s.ts.length; i++) {
      if (s.stale[i]) continue;
      let prev = 0;
      for (const b of buckets) {
        // A histogram's series are written in the same scrapes, so their samples line up.
        assert.equal(b.ts[i], s.ts[i]);
        assert.ok(b.vs[i]! >= prev, `${b.labels.toString()} at ${i}: ${b.vs[i]} < ${prev}`);
        prev = b.vs[i]!;
      }
      assert.equal(prev, s.vs[i]);
    }
  }
});
