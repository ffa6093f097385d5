import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/value.js';
import { Engine } from '../promql/engine/engine.js';
import { MemoryStorage } from '../storage/memory.js';
import { ValueType } from '../storage/interface.js';
import { collectSeries } from '../storage/series.js';
import { AlertingRule, type Alert } from './alerting.js';
import { alertsResponse, formatAlertValue, goTimeJSON, rulesResponse } from './api.js';
import { Group } from './group.js';
import { RecordingRule } from './recording.js';
import { engineQueryFunc, type Rule } from './rule.js';

const M = 60_000;

function setup(rules: Rule[], opts: Partial<ConstructorParameters<typeof Group>[0]> = {}) {
  const storage = new MemoryStorage();
  const engine = new Engine();
  const group = new Group({
    name: 'g',
    file: 'rules.yml',
    interval: M,
    rules,
    appendable: storage,
    queryable: storage,
    query: engineQueryFunc(engine, storage),
    ...opts,
  });
  const put = (labels: Record<string, string>, t: number, v: number): void => {
    const app = storage.appender();
    app.append(0, Labels.fromObject(labels), t, v);
    app.commit();
  };
  const series = (name: string): { labels: string; samples: [number, number | 'stale'][] }[] =>
    collectSeries(
      storage.querier(-Infinity, Infinity).select(true, undefined, new Matcher('=', '__name__', name)),
    ).map((s) => {
      // Samples are read off the iterator: a plain array would turn the stale marker into NaN.
      const samples: [number, number | 'stale'][] = [];
      const it = s.iterator();
      while (it.next() === ValueType.Float) samples.push([it.t, isStaleNaN(it.v) ? 'stale' : it.v]);
      return { labels: s.labels.toString(), samples };
    });
  return { storage, group, put, series };
}

describe('recording rules', () => {
  it('write the result renamed and relabelled at the evaluation time', () => {
    const rule = new RecordingRule('job:up:sum', 'sum by (job) (up)', Labels.fromObject({ env: 'prod' }));
    const { group, put, series } = setup([rule]);
    put({ __name__: 'up', job: 'a', instance: '1' }, 0, 1);
    put({ __name__: 'up', job: 'a', instance: '2' }, 0, 1);
    group.evaluate(M);
    assert.deepEqual(series('job:up:sum'), [
      { labels: '{__name__="job:up:sum", env="prod", job="a"}', samples: [[M, 2]] },
    ]);
    assert.equal(rule.stats.health, 'ok');
  });

  it('fail on duplicate label sets after relabelling, and on the limit', () => {
    const dup = new RecordingRule('x', 'up', Labels.fromObject({ instance: 'same' }));
    const { group, put } = setup([dup], { limit: 0 });
    put({ __name__: 'up', instance: '1' }, 0, 1);
    put({ __name__: 'up', instance: '2' }, 0, 1);
    group.evaluate(M);
    assert.equal(dup.stats.health, 'err');
    assert.equal(
      dup.stats.lastError,
      'vector contains metrics with the same labelset after applying rule labels',
    );
    const lim = new RecordingRule('y', 'up');
    const s2 = setup([lim], { limit: 1 });
    s2.put({ __name__: 'up', instance: '1' }, 0, 1);
    s2.put({ __name__: 'up', instance: '2' }, 0, 1);
    s2.group.evaluate(M);
    assert.equal(lim.stats.lastError, 'exceeded limit of 1 with 2 series');
  });

  it('mark series stale when the rule stops producing them', () => {
    const rule = new RecordingRule('r', 'up');
    const { group, put, series } = setup([rule]);
    put({ __name__: 'up', i: '1' }, 0, 1);
    put({ __name__: 'up', i: '2' }, 0, 1);
    group.evaluate(M);
    put({ __name__: 'up', i: '1' }, 5 * M + 30_000, 1);
    group.evaluate(6 * M); // i=2's sample is now beyond the 5m lookback
    const got = series('r');
    assert.equal(got.length, 2);
    const gone = got.find((s) => s.labels.includes('"2"'))!;
    assert.equal(gone.samples.length, 2);
    assert.ok(gone.samples[1]![1] === 'stale', 'second sample of i=2 is a stale marker');
    assert.equal(gone.samples[1]![0], 6 * M);
  });

  it('shift queries and samples back by query_offset', () => {
    const rule = new RecordingRule('r', 'up');
    const { group, put, series } = setup([rule], { queryOffset: 30_000 });
    put({ __name__: 'up' }, 0, 7);
    group.evaluate(M);
    assert.deepEqual(series('r')[0]!.samples, [[30_000, 7]]);
  });
});

describe('alerting rules', () => {
  function alertSetup(opts: { for?: number; keepFiringFor?: number; limit?: number } = {}) {
    const rule = new AlertingRule('Down', 'up == 0', Labels.fromObject({ severity: 'page' }), {
      holdDuration: opts.for ?? 0,
      keepFiringFor: opts.keepFiringFor ?? 0,
      annotations: Labels.fromObject({ summary: '{{ $labels.instance }} is down ({{ $value }})' }),
      restored: true,
    });
    const sent: Alert[][] = [];
    const s = setup([rule], { notify: (_e, a) => sent.push(a), limit: opts.limit ?? 0 });
    return { ...s, rule, sent };
  }

  it('go pending → firing after `for`, then inactive, with ALERTS series', () => {
    const { rule, group, put, series } = alertSetup({ for: 2 * M });
    const down = { __name__: 'up', instance: 'a' };
    for (const t of [0, M, 2 * M, 3 * M]) put(down, t, 0);
    put(down, 4 * M, 1);
    group.evaluate(0);
    assert.equal(rule.state(), 'pending');
    group.evaluate(M);
    assert.equal(rule.state(), 'pending');
    group.evaluate(2 * M);
    assert.equal(rule.state(), 'firing');
    const a = rule.activeAlerts()[0]!;
    assert.equal(a.labels.toString(), '{alertname="Down", instance="a", severity="page"}');
    assert.equal(a.annotations.get('summary'), 'a is down (0)');
    assert.equal(a.activeAt, 0);
    assert.equal(a.firedAt, 2 * M);
    group.evaluate(3 * M);
    group.evaluate(4 * M);
    assert.equal(rule.state(), 'inactive');
    assert.equal(rule.activeAlerts().length, 0);
    assert.equal(rule.active.size, 1, 'resolved alert kept for resending');
    assert.equal([...rule.active.values()][0]!.resolvedAt, 4 * M);
    const alerts = series('ALERTS');
    const pending = alerts.find((s) => s.labels.includes('pending'))!;
    const firing = alerts.find((s) => s.labels.includes('firing'))!;
    assert.equal(
      firing.labels,
      '{__name__="ALERTS", alertname="Down", alertstate="firing", instance="a", severity="page"}',
    );
    assert.deepEqual(pending.samples.slice(0, 2), [
      [0, 1],
      [M, 1],
    ]);
    assert.ok(pending.samples[2]![1] === 'stale', 'pending series goes stale when firing');
    assert.deepEqual(firing.samples.slice(0, 2), [
      [2 * M, 1],
      [3 * M, 1],
    ]);
    assert.ok(firing.samples[2]![1] === 'stale');
    const forState = series('ALERTS_FOR_STATE')[0]!;
    assert.equal(
      forState.labels,
      '{__name__="ALERTS_FOR_STATE", alertname="Down", instance="a", severity="page"}',
    );
    assert.deepEqual(forState.samples.slice(0, 4), [
      [0, 0],
      [M, 0],
      [2 * M, 0],
      [3 * M, 0],
    ]);
  });

  it('fire at once without `for`, and drop resolved alerts after 15m', () => {
    const { rule, group, put } = alertSetup();
    put({ __name__: 'up' }, 0, 0);
    group.evaluate(0);
    assert.equal(rule.state(), 'firing');
    put({ __name__: 'up' }, M, 1);
    group.evaluate(M);
    assert.equal(rule.active.size, 1);
    group.evaluate(M + 15 * M);
    assert.equal(rule.active.size, 1, 'still kept at exactly 15m');
    group.evaluate(M + 16 * M);
    assert.equal(rule.active.size, 0);
  });

  it('keep firing for keep_firing_for after the condition ends', () => {
    const { rule, group, put } = alertSetup({ keepFiringFor: 2 * M });
    put({ __name__: 'up' }, 0, 0);
    put({ __name__: 'up' }, M, 1);
    group.evaluate(0);
    group.evaluate(M);
    assert.equal(rule.state(), 'firing');
    assert.equal(rule.activeAlerts()[0]!.keepFiringSince, M);
    group.evaluate(2 * M);
    assert.equal(rule.state(), 'firing');
    group.evaluate(3 * M);
    assert.equal(rule.state(), 'inactive');
  });

  it('send firing alerts on firing and every resend delay, resolved ones on resolution', () => {
    const { group, put, sent } = alertSetup();
    for (let t = 0; t <= 3 * M; t += M) put({ __name__: 'up' }, t, 0);
    put({ __name__: 'up' }, 4 * M, 1);
    for (let t = 0; t <= 4 * M; t += M) group.evaluate(t);
    // Resend delay 1m with a 1m interval: sent at 0, 2m (0 + 1m is not before 1m), 4m (resolved).
    assert.deepEqual(
      sent.map((b) => [b[0]!.lastSentAt, b[0]!.state]),
      [
        [0, 'firing'],
        [2 * M, 'firing'],
        [4 * M, 'inactive'],
      ],
    );
    assert.equal(sent[0]![0]!.validUntil, 4 * M);
  });

  it('refuse more alerts than the limit and clear the state', () => {
    const { rule, group, put } = alertSetup({ limit: 1 });
    put({ __name__: 'up', instance: 'a' }, 0, 0);
    put({ __name__: 'up', instance: 'b' }, 0, 0);
    group.evaluate(0);
    assert.equal(rule.stats.lastError, 'exceeded limit of 1 with 2 alerts');
    assert.equal(rule.active.size, 0);
  });

  it('write no ALERTS series until restored', () => {
    const rule = new AlertingRule('A', 'vector(1)');
    const { group, series } = setup([rule]);
    group.evaluate(0);
    assert.equal(rule.state(), 'firing');
    assert.deepEqual(series('ALERTS'), []);
  });
});

describe('restoring `for` state', () => {
  it('extends a pending alert by the downtime, as Prometheus does', () => {
    const mk = () => new AlertingRule('A', 'up == 0', Labels.EMPTY, { holdDuration: 30 * M });
    const first = mk();
    first.restored = true;
    const s = setup([first]);
    for (let t = 0; t <= 60 * M; t += M) s.put({ __name__: 'up' }, t, 0);
    for (let t = 0; t <= 10 * M; t += M) s.group.evaluate(t); // pending since 0, down at 10m
    // Restart at 20m: a new group, evaluated twice unrestored, then restored.
    const second = mk();
    const g2 = new Group({
      name: 'g',
      file: 'rules.yml',
      interval: M,
      rules: [second],
      appendable: s.storage,
      queryable: s.storage,
      query: engineQueryFunc(new Engine(), s.storage),
    });
    g2.evaluate(20 * M);
    g2.evaluate(21 * M);
    assert.equal(second.activeAlerts()[0]!.activeAt, 20 * M);
    g2.restoreForState(21 * M);
    // Spent 10m pending before going down at 10m; down for 11m → active since 11m.
    assert.equal(second.activeAlerts()[0]!.activeAt, 11 * M);
    assert.equal(second.restored, true);
  });

  it('never fires sooner than the grace period after a restart', () => {
    const mk = () => new AlertingRule('A', 'up == 0', Labels.EMPTY, { holdDuration: 30 * M });
    const first = mk();
    first.restored = true;
    const s = setup([first]);
    for (let t = 0; t <= 60 * M; t += M) s.put({ __name__: 'up' }, t, 0);
    for (let t = 0; t <= 25 * M; t += M) s.group.evaluate(t); // 25 of 30 minutes spent pending
    const second = mk();
    const g2 = new Group({
      name: 'g',
      file: 'rules.yml',
      interval: M,
      rules: [second],
      appendable: s.storage,
      queryable: s.storage,
      query: engineQueryFunc(new Engine(), s.storage),
      forGracePeriod: 10 * M,
    });
    g2.evaluate(26 * M);
    g2.restoreForState(26 * M);
    assert.equal(second.activeAlerts()[0]!.activeAt, 26 * M + 10 * M - 30 * M);
  });
});

describe('group scheduling and reload state', () => {
  it('evaluation slots are stable, one interval apart, with a per-group offset', () => {
    const { group } = setup([]);
    const t = 1_700_000_000_123;
    const a = group.evalTimestamp(t);
    assert.ok(a <= t && a > t - M);
    assert.equal(group.evalTimestamp(a + M), a + M);
    assert.equal(group.evalTimestamp(a + M - 1), a);
  });

  it('counts missed iterations instead of running them', async () => {
    let now = 0;
    const rule = new RecordingRule('r', 'vector(1)');
    const { group } = setup([rule], { interval: 1000, now: () => now });
    // Start 1ms before the group's next slot, so the first tick is due at once.
    now = group.evalTimestamp(1_000_000 * M) + 999;
    group.run();
    now += 10_500; // the event loop was blocked for ten intervals
    await new Promise((r) => setTimeout(r, 20));
    group.stop();
    assert.equal(group.metrics.iterationsScheduled, group.metrics.iterationsMissed + 1);
    assert.ok(group.metrics.iterationsMissed >= 9, String(group.metrics.iterationsMissed));
  });

  it('copyState hands alerts and series to the replacing group; removed rules go stale', () => {
    const keep = new RecordingRule('keep', 'vector(1)');
    const gone = new RecordingRule('gone', 'vector(2)');
    const s = setup([keep, gone]);
    s.group.evaluate(0);
    const keep2 = new RecordingRule('keep', 'vector(1)');
    const g2 = new Group({
      name: 'g',
      file: 'rules.yml',
      interval: M,
      rules: [keep2],
      appendable: s.storage,
      queryable: s.storage,
      query: engineQueryFunc(new Engine(), s.storage),
    });
    g2.copyState(s.group);
    g2.evaluate(M);
    const goneSamples = s.series('gone')[0]!.samples;
    assert.equal(goneSamples.length, 2);
    assert.ok(goneSamples[1]![1] === 'stale');
    assert.deepEqual(s.series('keep')[0]!.samples, [
      [0, 1],
      [M, 1],
    ]);
  });
});

describe('API shapes', () => {
  it('formats times and values as Go does', () => {
    assert.equal(goTimeJSON(0), '0001-01-01T00:00:00Z');
    assert.equal(goTimeJSON(1_700_000_000_000), '2023-11-14T22:13:20Z');
    assert.equal(goTimeJSON(1_700_000_000_120), '2023-11-14T22:13:20.12Z');
    assert.equal(formatAlertValue(1), '1e+00');
    assert.equal(formatAlertValue(1234.5), '1.2345e+03');
    assert.equal(formatAlertValue(NaN), 'NaN');
  });

  it('/api/v1/rules and /api/v1/alerts', () => {
    const alert = new AlertingRule('A', 'vector(1)', Labels.fromObject({ sev: 'x' }), {
      holdDuration: M,
      annotations: Labels.fromObject({ s: 'y' }),
      restored: true,
    });
    const rec = new RecordingRule('r', 'vector(2)');
    const { group } = setup([alert, rec]);
    group.evaluate(M);
    const body = rulesResponse([group]);
    assert.equal(body.status, 'success');
    if (body.status !== 'success') return;
    const g = body.data.groups[0]!;
    assert.deepEqual(Object.keys(g), [
      'name',
      'file',
      'rules',
      'interval',
      'limit',
      'evaluationTime',
      'lastEvaluation',
    ]);
    assert.equal(g.interval, 60);
    const [ar, rr] = g.rules;
    assert.deepEqual(Object.keys(ar!), [
      'state',
      'name',
      'query',
      'duration',
      'keepFiringFor',
      'labels',
      'annotations',
      'alerts',
      'health',
      'evaluationTime',
      'lastEvaluation',
      'type',
    ]);
    assert.equal(ar!.state, 'pending');
    assert.equal(ar!.duration, 60);
    assert.deepEqual(ar!.alerts, [
      {
        labels: { alertname: 'A', sev: 'x' },
        annotations: { s: 'y' },
        state: 'pending',
        activeAt: '1970-01-01T00:01:00Z',
        value: '1e+00',
      },
    ]);
    assert.deepEqual(Object.keys(rr!), [
      'name',
      'query',
      'health',
      'evaluationTime',
      'lastEvaluation',
      'type',
    ]);
    const recOnly = rulesResponse([group], { type: 'record' });
    assert.ok(recOnly.status === 'success' && recOnly.data.groups[0]!.rules.length === 1);
    const byName = rulesResponse([group], { ruleName: ['nope'] });
    assert.ok(byName.status === 'success' && byName.data.groups.length === 0);
    const byFile = rulesResponse([group], { file: ['other.yml'] });
    assert.ok(byFile.status === 'success' && byFile.data.groups.length === 0);
    const byGroup = rulesResponse([group], { ruleGroup: ['g'] });
    assert.ok(byGroup.status === 'success' && byGroup.data.groups.length === 1);
    assert.deepEqual(rulesResponse([group], { type: 'bogus' }), {
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "type": not supported value "bogus"',
    });
    const alerts = alertsResponse(group.alertingRules());
    assert.ok(alerts.status === 'success' && alerts.data.alerts.length === 1);
  });
});
