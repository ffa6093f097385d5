/**
 * A rule group: its rules evaluated in order at every interval, results appended through the
 * storage's Appender (each rule commits before the next runs, so later rules see earlier
 * results), stale markers for series a rule stopped producing, alert notifications, and the
 * scheduler that keeps a stable per-group offset and counts missed iterations instead of
 * piling them up.
 */
import { Labels, Matcher } from '../model/index.js';
import { STALE_NAN } from '../model/value.js';
import type { Appendable, Queryable } from '../storage/interface.js';
import { StorageError, ValueType } from '../storage/interface.js';
import { isStaleNaN } from '../model/value.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { AlertingRule, type Alert } from './alerting.js';
import type { QueryFunc, Rule } from './rule.js';
import { prometheusLabelsHash } from './xxhash.js';

/** Receives alerts to send, with the expression of the rule that produced them. */
export type NotifyFunc = (expr: string, alerts: Alert[]) => void;

/** Counters of one group, under the names of Prometheus's rule group metrics. */
export interface GroupMetrics {
  /** prometheus_rule_group_iterations_total */
  iterationsScheduled: number;
  /** prometheus_rule_group_iterations_missed_total */
  iterationsMissed: number;
  /** prometheus_rule_evaluations_total */
  evalTotal: number;
  /** prometheus_rule_evaluation_failures_total */
  evalFailures: number;
  /** prometheus_rule_group_last_rule_duration_sum_seconds */
  samplesTotal: number;
}

/** What a group needs from its manager. */
export interface GroupOptions {
  /** Group name. */
  name: string;
  /** File the group was loaded from. */
  file: string;
  /** Evaluation interval, ms. */
  interval: number;
  /** Query offset, ms. */
  queryOffset?: number;
  /** `limit` (0: none). */
  limit?: number;
  /** The rules, in order. */
  rules: Rule[];
  /** Where results are written. */
  appendable: Appendable;
  /** How rules query. */
  query: QueryFunc;
  /** Where `ALERTS_FOR_STATE` is read back from when restoring. */
  queryable?: Queryable;
  /** Receives alerts to send to Alertmanager. */
  notify?: NotifyFunc;
  /** `--rules.alert.resend-delay`, ms (default 1m). */
  resendDelay?: number;
  /** `--rules.alert.for-outage-tolerance`, ms (default 1h). */
  outageTolerance?: number;
  /** `--rules.alert.for-grace-period`, ms (default 10m). */
  forGracePeriod?: number;
  /** Restore `for` state after the second iteration (first load after start). */
  shouldRestore?: boolean;
  /** Logger. */
  logger?: Logger;
  /** Wall clock, ms (tests replace it). */
  now?: () => number;
  /** The definition, compared on reload to decide whether the group changed. */
  definition?: string;
}

/** The key of a group in the manager: file and name. */
export function groupKey(file: string, name: string): string {
  return `${file};${name}`;
}

/** A rule group. */
export class Group {
  /** Group name. */
  readonly name: string;
  /** Source file. */
  readonly file: string;
  /** Interval, ms. */
  readonly interval: number;
  /** Query offset, ms. */
  readonly queryOffset: number;
  /** Limit. */
  readonly limit: number;
  /** The rules. */
  readonly rules: Rule[];
  /** Counters. */
  readonly metrics: GroupMetrics = {
    iterationsScheduled: 0,
    iterationsMissed: 0,
    evalTotal: 0,
    evalFailures: 0,
    samplesTotal: 0,
  };
  /** Wall-clock start of the last iteration, ms (0: never). */
  lastEvaluation = 0;
  /** Duration of the last iteration, seconds. */
  evaluationTime = 0;
  /** The evaluation timestamp of the last iteration, ms. */
  lastEvalTimestamp = 0;
  /** The definition this group was built from. */
  readonly definition: string;

  private readonly opts: GroupOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  // Per rule: the series it wrote in its last evaluation, keyed by label string.
  private seriesInPreviousEval: Map<string, Labels>[];
  // Series of removed or renamed rules, marked stale at the next evaluation.
  private staleSeries: Labels[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private shouldRestore: boolean;

  /** Creates a group (not yet running). */
  constructor(opts: GroupOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.file = opts.file;
    this.interval = opts.interval;
    this.queryOffset = opts.queryOffset ?? 0;
    this.limit = opts.limit ?? 0;
    this.rules = opts.rules;
    this.definition = opts.definition ?? '';
    this.log = (opts.logger ?? NOP_LOG).with({
      component: 'rule manager',
      file: opts.file,
      group: opts.name,
    });
    this.now = opts.now ?? Date.now;
    this.seriesInPreviousEval = opts.rules.map(() => new Map());
    this.shouldRestore = opts.shouldRestore ?? false;
  }

  /** The alerting rules of the group. */
  alertingRules(): AlertingRule[] {
    return this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule);
  }

  /**
   * The group's first evaluation slot at or before `now` (ms): interval boundaries shifted by
   * a per-group offset derived from Prometheus's hash of the group's name and file.
   */
  evalTimestamp(now: number): number {
    const interval = Math.round(this.interval);
    // Prometheus's offset is in nanoseconds; ignis's timestamps are milliseconds, so it is
    // truncated to whole milliseconds to keep every slot exactly one interval apart.
    const hash = prometheusLabelsHash([
      ['file', this.file],
      ['name', this.name],
    ]);
    const offset = Number((hash % (BigInt(interval) * 1_000_000n)) / 1_000_000n);
    const adj = Math.round(now) - offset;
    let base = adj - (adj % interval);
    if (adj < 0 && adj % interval !== 0) base -= interval;
    return base + offset;
  }

  /** Evaluates every rule at `ts` (ms), writing results and stale markers. */
  evaluate(ts: number): void {
    const sampleT = ts - this.queryOffset;
    this.rules.forEach((rule, i) => {
      const start = this.now();
      const t0 = performance.now();
      this.metrics.evalTotal++;
      try {
        let vector;
        try {
          vector = rule.eval({
            ts,
            queryOffset: this.queryOffset,
            query: this.opts.query,
            limit: this.limit,
          });
        } catch (e) {
          rule.stats.health = 'err';
          rule.stats.lastError = (e as Error).message;
          this.metrics.evalFailures++;
          this.log.warn('Evaluating rule failed', { rule: rule.name, err: e as Error });
          return;
        }
        rule.stats.health = 'ok';
        rule.stats.lastError = '';
        this.metrics.samplesTotal += vector.length;
        if (rule instanceof AlertingRule && this.opts.notify) {
          const alerts = rule.alertsToSend(ts, this.opts.resendDelay ?? 60_000, this.interval);
          if (alerts.length > 0) this.opts.notify(rule.query, alerts);
        }
        const app = this.opts.appendable.appender();
        const returned = new Map<string, Labels>();
        let outOfOrder = 0;
        let duplicates = 0;
        for (const s of vector) {
          try {
            app.append(0, s.metric, s.t, s.v);
            returned.set(s.metric.toString(), s.metric);
          } catch (e) {
            rule.stats.health = 'err';
            rule.stats.lastError = (e as Error).message;
            const kind = e instanceof StorageError ? e.kind : '';
            if (kind === 'out_of_order') outOfOrder++;
            else if (kind === 'duplicate_sample') duplicates++;
            else if (kind !== 'too_old' && kind !== 'out_of_bounds')
              this.log.warn('Rule evaluation result discarded', {
                err: e as Error,
                sample: s.metric.toString(),
              });
          }
        }
        if (outOfOrder > 0)
          this.log.warn('Error on ingesting out-of-order result from rule evaluation', {
            num_dropped: outOfOrder,
          });
        if (duplicates > 0)
          this.log.warn(
            'Error on ingesting results from rule evaluation with different value but same timestamp',
            {
              num_dropped: duplicates,
            },
          );
        for (const [key, lset] of this.seriesInPreviousEval[i]!) {
          if (returned.has(key)) continue;
          // The series is no longer produced: a stale marker ends it now rather than after the lookback delta.
          try {
            app.append(0, lset, sampleT, STALE_NAN);
          } catch {
            // Expected when another rule now writes the series; Prometheus does not count these.
          }
        }
        this.seriesInPreviousEval[i] = returned;
        app.commit();
      } finally {
        rule.stats.lastEvaluation = start;
        rule.stats.evaluationTime = (performance.now() - t0) / 1000;
      }
    });
    if (this.staleSeries.length > 0) {
      const app = this.opts.appendable.appender();
      for (const s of this.staleSeries) {
        try {
          app.append(0, s, sampleT, STALE_NAN);
        } catch {
          // A rule of the new group may write the series again; that is fine.
        }
      }
      app.commit();
      this.staleSeries = [];
    }
  }

  /** One scheduled iteration: evaluate and record timing. */
  private iterate(ts: number): void {
    this.metrics.iterationsScheduled++;
    const start = this.now();
    const t0 = performance.now();
    this.evaluate(ts);
    this.evaluationTime = (performance.now() - t0) / 1000;
    this.lastEvaluation = start;
    this.lastEvalTimestamp = ts;
  }

  /** Starts evaluating on the group's schedule. */
  run(): void {
    if (this.timer !== null || this.stopped) return;
    let next = this.evalTimestamp(this.now()) + this.interval;
    let iterations = 0;
    const tick = (): void => {
      this.timer = null;
      if (this.stopped) return;
      const now = this.now();
      // Iterations whose slot passed while the event loop was busy are counted, not run.
      const missed = Math.max(0, Math.floor((now - next) / this.interval));
      if (missed > 0) {
        this.metrics.iterationsMissed += missed;
        this.metrics.iterationsScheduled += missed;
        next += missed * this.interval;
      }
      this.iterate(next);
      iterations++;
      // As Prometheus does, `for` state is restored after the second iteration, once recording
      // rules have written fresh values that alerts may depend on.
      if (this.shouldRestore && iterations === 2) {
        this.restoreForState(this.now());
        this.shouldRestore = false;
      }
      next += this.interval;
      this.schedule(next, tick);
    };
    this.schedule(next, tick);
  }

  private schedule(at: number, fn: () => void): void {
    this.timer = setTimeout(fn, Math.max(0, at - this.now()));
    this.timer.unref?.();
  }

  /**
   * Stops the schedule. With `markStale`, the group's series get stale markers (the group was
   * removed); otherwise a successor group takes over its state.
   */
  stop(markStale = false): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!markStale) return;
    const all: Labels[] = [...this.staleSeries];
    for (const m of this.seriesInPreviousEval) all.push(...m.values());
    this.seriesInPreviousEval = this.rules.map(() => new Map());
    if (all.length === 0) return;
    const app = this.opts.appendable.appender();
    const t = this.now();
    for (const s of all) {
      try {
        app.append(0, s, t, STALE_NAN);
      } catch {
        // Another group may have written the series since; nothing to mark then.
      }
    }
    app.commit();
  }

  /** True when both groups come from the same definition and options. */
  equals(other: Group): boolean {
    return (
      this.name === other.name &&
      this.file === other.file &&
      this.interval === other.interval &&
      this.queryOffset === other.queryOffset &&
      this.limit === other.limit &&
      this.definition === other.definition
    );
  }

  /**
   * Takes over the state of the group this one replaces on reload: evaluation times, the
   * series each unchanged rule wrote (matched by name and labels), alert state; series of
   * rules that are gone are marked stale at the next evaluation.
   */
  copyState(from: Group): void {
    this.evaluationTime = from.evaluationTime;
    this.lastEvaluation = from.lastEvaluation;
    const key = (r: Rule): string => r.name + r.labels.toString();
    const ruleMap = new Map<string, number[]>();
    from.rules.forEach((r, fi) => {
      const l = ruleMap.get(key(r)) ?? [];
      l.push(fi);
      ruleMap.set(key(r), l);
    });
    this.rules.forEach((r, i) => {
      const idx = ruleMap.get(key(r));
      if (!idx || idx.length === 0) return;
      const fi = idx.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const fr = from.rules[fi];
      if (r instanceof AlertingRule && fr instanceof AlertingRule)
        for (const [k, a] of fr.active) r.active.set(k, a);
    });
    this.staleSeries = [...from.staleSeries];
    from.rules.forEach((r, fi) => {
      if ((ruleMap.get(key(r)) ?? []).length > 0)
        this.staleSeries.push(...from.seriesInPreviousEval[fi]!.values());
    });
  }

  /**
   * Restores the `for` state of active alerts from `ALERTS_FOR_STATE` after a restart
   * (Prometheus's RestoreForState): an alert that was pending keeps the time it had already
   * spent pending, extended by the downtime, and never fires sooner than the grace period.
   */
  restoreForState(ts: number): void {
    const queryable = this.opts.queryable;
    const grace = this.opts.forGracePeriod ?? 10 * 60_000;
    const tolerance = this.opts.outageTolerance ?? 60 * 60_000;
    for (const rule of this.alertingRules()) {
      if (queryable === undefined || rule.holdDuration < grace) {
        // With `for` shorter than the grace period there is nothing to protect; it just waits `for`.
        rule.restored = true;
        continue;
      }
      const q = queryable.querier(ts - tolerance, ts);
      try {
        for (const a of rule.activeAlerts()) {
          const lset = rule.forStateSeries(a);
          const matchers: Matcher[] = [];
          lset.forEach((n, v) => matchers.push(new Matcher('=', n, v)));
          const set = q.select(false, undefined, ...matchers);
          if (!set.next()) continue;
          const it = set.at().iterator();
          let t = 0;
          let v = NaN;
          let found = false;
          while (it.next() === ValueType.Float) {
            t = it.t;
            v = it.v;
            found = true;
          }
          if (!found || isStaleNaN(v)) continue;
          const downAt = Math.floor(t / 1000) * 1000;
          let restoredActiveAt = Math.trunc(v) * 1000;
          const remaining = rule.holdDuration - (downAt - restoredActiveAt);
          if (remaining <= 0) {
            // It was firing when the server went down; the next evaluation fires it again.
          } else if (remaining < grace) {
            restoredActiveAt = ts + grace - rule.holdDuration;
          } else {
            restoredActiveAt += ts - downAt;
          }
          a.activeAt = restoredActiveAt;
        }
      } finally {
        q.close();
      }
      rule.restored = true;
    }
  }
}
