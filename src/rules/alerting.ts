/**
 * Alerting rules: each result series is an alert that goes pending → firing (after `for`)
 * → inactive (when the series disappears, or after `keep_firing_for`), writes `ALERTS` and
 * `ALERTS_FOR_STATE` series while active, and is handed to the notifier with Prometheus's
 * resend rules. Resolved alerts are kept for {@link RESOLVED_RETENTION} so that the
 * resolution is resent to Alertmanager for a while.
 */
import { Labels, LabelsBuilder } from '../model/labels.js';
import type { Sample } from '../promql/engine/types.js';
import { RuleStats, type EvalContext, type Rule } from './rule.js';
import { goTemplateExpander, type TemplateExpander } from './template.js';

/** How long a resolved alert is kept (and resent) after it resolved, ms (Prometheus's resolvedRetention). */
export const RESOLVED_RETENTION = 15 * 60_000;

/** The metric name of the series of active alerts. */
export const ALERT_METRIC_NAME = 'ALERTS';
/** The metric name of the series that remembers when each active alert became active. */
export const ALERT_FOR_STATE_METRIC_NAME = 'ALERTS_FOR_STATE';

/** An alert's state. */
export type AlertState = 'inactive' | 'pending' | 'firing';

const STATE_RANK: Record<AlertState, number> = { inactive: 0, pending: 1, firing: 2 };

/** One alert of an alerting rule. All times are ms since the epoch; 0 means unset. */
export interface Alert {
  /** Current state. */
  state: AlertState;
  /** The alert's identity: result labels, rule labels, `alertname`. */
  labels: Labels;
  /** Expanded annotations. */
  annotations: Labels;
  /** The value of the sample that produced the alert. */
  value: number;
  /** When the alert became active (pending). */
  activeAt: number;
  /** When it started firing. */
  firedAt: number;
  /** When it resolved. */
  resolvedAt: number;
  /** When it was last sent to the notifier (-Infinity: never). */
  lastSentAt: number;
  /** Until when the last notification is valid (its `endsAt` while firing). */
  validUntil: number;
  /** Since when it has been kept firing by `keep_firing_for` (0: not being kept). */
  keepFiringSince: number;
}

/** Options of an alerting rule beyond its definition. */
export interface AlertingRuleOptions {
  /** `for`, ms. */
  holdDuration?: number;
  /** `keep_firing_for`, ms. */
  keepFiringFor?: number;
  /** Annotations (templates). */
  annotations?: Labels;
  /** External labels, for `$externalLabels`. */
  externalLabels?: Labels;
  /** External URL, for `$externalURL`. */
  externalURL?: string;
  /** True when no `for` state needs restoring (ALERTS series are written from the first evaluation). */
  restored?: boolean;
  /** Template expansion; the interim expander by default. */
  templates?: TemplateExpander;
  /** Called with a template expansion error (Prometheus logs it and keeps the error text). */
  onTemplateError?: (err: Error) => void;
}

/** An alerting rule and the alerts it currently holds. */
export class AlertingRule implements Rule {
  /** Evaluation statistics. */
  readonly stats = new RuleStats();
  /** `for`, ms. */
  readonly holdDuration: number;
  /** `keep_firing_for`, ms. */
  readonly keepFiringFor: number;
  /** The annotation templates. */
  readonly annotations: Labels;
  /** Active and recently resolved alerts, keyed by their label set's string form. */
  readonly active = new Map<string, Alert>();
  /** Whether `for` state has been restored; until then no ALERTS series are written. */
  restored: boolean;
  private readonly externalLabels: Record<string, string>;
  private readonly externalURL: string;
  private readonly templates: TemplateExpander;
  private readonly onTemplateError: (err: Error) => void;

  /** Creates the rule; `labels` are templates and already include the group's labels. */
  constructor(
    readonly name: string,
    readonly query: string,
    readonly labels: Labels = Labels.EMPTY,
    opts: AlertingRuleOptions = {},
  ) {
    this.holdDuration = opts.holdDuration ?? 0;
    this.keepFiringFor = opts.keepFiringFor ?? 0;
    this.annotations = opts.annotations ?? Labels.EMPTY;
    this.externalLabels = (opts.externalLabels ?? Labels.EMPTY).toObject();
    this.externalURL = opts.externalURL ?? '';
    this.restored = opts.restored ?? false;
    this.templates = opts.templates ?? goTemplateExpander;
    this.onTemplateError = opts.onTemplateError ?? (() => {});
  }

  /** The rule's state: the highest state among its alerts. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) if (STATE_RANK[a.state] > STATE_RANK[s]) s = a.state;
    return s;
  }

  /** The pending and firing alerts (resolved ones are kept only for notification). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  private expand(text: string, data: Record<string, string>, value: number, ts: number): string {
    try {
      return this.templates.expand(
        `__alert_${this.name}`,
        text,
        { labels: data, externalLabels: this.externalLabels, externalURL: this.externalURL, value },
        ts,
      );
    } catch (e) {
      this.onTemplateError(e as Error);
      return `<error expanding template: ${(e as Error).message}>`;
    }
  }

  /** Evaluates the rule at `ctx.ts`, advances the alerts' states and returns the ALERTS samples. */
  eval(ctx: EvalContext): Sample[] {
    const ts = ctx.ts;
    const sampleT = ts - ctx.queryOffset;
    const res = ctx.query(this.query, sampleT);
    const lb = new LabelsBuilder();
    const current = new Map<string, Alert>();
    for (const smpl of res) {
      const data = smpl.metric.toObject();
      lb.reset(smpl.metric);
      lb.del('__name__');
      this.labels.forEach((n, v) => lb.set(n, this.expand(v, data, smpl.v, ts)));
      lb.set('alertname', this.name);
      const ann: Record<string, string> = {};
      this.annotations.forEach((n, v) => (ann[n] = this.expand(v, data, smpl.v, ts)));
      const labels = lb.labels();
      const key = labels.toString();
      if (current.has(key))
        throw new Error('vector contains metrics with the same labelset after applying alert labels');
      current.set(key, {
        state: 'pending',
        labels,
        annotations: Labels.fromObject(ann),
        value: smpl.v,
        activeAt: ts,
        firedAt: 0,
        resolvedAt: 0,
        // Never sent: Go's zero time, before any evaluation time.
        lastSentAt: -Infinity,
        validUntil: 0,
        keepFiringSince: 0,
      });
    }
    for (const [key, a] of current) {
      // An alert already pending or firing keeps its history; only value and annotations change.
      const existing = this.active.get(key);
      if (existing && existing.state !== 'inactive') {
        existing.value = a.value;
        existing.annotations = a.annotations;
        continue;
      }
      this.active.set(key, a);
    }
    const vec: Sample[] = [];
    let numActivePending = 0;
    for (const [key, a] of this.active) {
      if (!current.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringFor > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.keepFiringFor) keepFiring = true;
        }
        // Pending alerts vanish at once; resolved ones are kept for the retention period so
        // that the resolution keeps being sent to Alertmanager.
        if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION))
          this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      numActivePending++;
      if (a.state === 'pending' && ts - a.activeAt >= this.holdDuration) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (this.restored) {
        vec.push({ metric: this.alertsSeries(a), t: sampleT, v: 1 });
        vec.push({ metric: this.forStateSeries(a), t: sampleT, v: Math.trunc(a.activeAt / 1000) });
      }
    }
    if (ctx.limit > 0 && numActivePending > ctx.limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${ctx.limit} with ${numActivePending} alerts`);
    }
    return vec;
  }

  /** The `ALERTS` series of an alert. */
  alertsSeries(a: Alert): Labels {
    return new LabelsBuilder(a.labels).set('__name__', ALERT_METRIC_NAME).set('alertstate', a.state).labels();
  }

  /** The `ALERTS_FOR_STATE` series of an alert. */
  forStateSeries(a: Alert): Labels {
    return new LabelsBuilder(a.labels).set('__name__', ALERT_FOR_STATE_METRIC_NAME).labels();
  }

  /**
   * The alerts to notify at `ts` (Prometheus's sendAlerts): firing alerts not sent within
   * `resendDelay`, and alerts resolved since they were last sent. Marks them as sent.
   */
  alertsToSend(ts: number, resendDelay: number, interval: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (!needsSending(a, ts, resendDelay)) continue;
      a.lastSentAt = ts;
      // Valid for four deliveries, so two failed evaluations or sends do not resolve it.
      a.validUntil = ts + 4 * Math.max(resendDelay, interval);
      out.push({ ...a });
    }
    return out;
  }
}

function needsSending(a: Alert, ts: number, resendDelay: number): boolean {
  if (a.state === 'pending') return false;
  // A resolution not yet sent goes out at once; `resolvedAt` 0 means "never resolved".
  if (a.resolvedAt !== 0 && a.resolvedAt > a.lastSentAt) return true;
  return a.lastSentAt + resendDelay < ts;
}
