/**
 * Delivery of alerts to Alertmanager's v2 API (`POST <scheme>://<address><path_prefix>/api/v2/alerts`),
 * as Prometheus's notifier does: external labels added, alert relabeling applied, a bounded
 * queue (the oldest alerts are dropped when it overflows), batches sent to every configured
 * Alertmanager in parallel, and counters under Prometheus's names. Sending never blocks the
 * caller: rule evaluation only enqueues.
 */
import { Labels, LabelsBuilder } from '../model/labels.js';
import type { AlertmanagerConfig, Config } from '../config/index.js';
import type { RelabelConfig } from '../config/index.js';
import { processBuilder, relabel } from '../relabel/relabel.js';
import { alertsPath } from '../relabel/target.js';
import { NOP_LOG, type Logger } from '../util/log.js';

/** An alert as the rules hand it over. Times are ms since the epoch; 0 means unset. */
export interface Alert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
}

/** Options of the notifier (`--alertmanager.*` flags). */
export interface NotifierOptions {
  /** `--alertmanager.notification-queue-capacity` (default 10000). */
  queueCapacity?: number;
  /** `--alertmanager.notification-batch-size` (default 256). */
  batchSize?: number;
  logger?: Logger;
  /** Extra request headers (User-Agent). */
  userAgent?: string;
}

/** One `alertmanagers` entry with the Alertmanagers discovered for it. */
interface AlertmanagerSet {
  cfg: AlertmanagerConfig;
  urls: string[];
  authorization: string | undefined;
}

/** The notifier's counters, named as Prometheus's `prometheus_notifications_*` metrics. */
export interface NotifierStats {
  /** prometheus_notifications_sent_total, per Alertmanager URL. */
  readonly sent: Map<string, number>;
  /** prometheus_notifications_errors_total, per Alertmanager URL. */
  readonly errors: Map<string, number>;
  /** prometheus_notifications_dropped_total. */
  dropped: number;
}

const iso = (ms: number): string | undefined => (ms > 0 ? new Date(ms).toISOString() : undefined);

/** The JSON body Alertmanager's v2 API takes for a list of alerts. */
export function postableAlerts(alerts: readonly Alert[]): unknown[] {
  return alerts.map((a) => {
    const o: Record<string, unknown> = { labels: a.labels.toObject(), annotations: a.annotations.toObject() };
    const s = iso(a.startsAt);
    const e = iso(a.endsAt);
    if (s) o.startsAt = s;
    if (e) o.endsAt = e;
    if (a.generatorURL) o.generatorURL = a.generatorURL;
    return o;
  });
}

/** The Authorization header an alertmanagers entry asks for, if any. */
function authorization(cfg: AlertmanagerConfig): string | undefined {
  if (cfg.basicAuth) {
    return `Basic ${Buffer.from(`${cfg.basicAuth.username}:${cfg.basicAuth.password}`).toString('base64')}`;
  }
  if (cfg.authorization) return `${cfg.authorization.type || 'Bearer'} ${cfg.authorization.credentials}`;
  return undefined;
}

/** Sends alerts to Alertmanagers. */
export class Notifier {
  private readonly queue: Alert[] = [];
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly log: Logger;
  private readonly sets = new Map<string, AlertmanagerSet>();
  private configs: AlertmanagerConfig[] = [];
  private externalLabels = Labels.EMPTY;
  private relabelConfigs: RelabelConfig[] = [];
  private sending: Promise<void> | null = null;
  private stopped = false;
  /** Counters for self-monitoring. */
  readonly stats: NotifierStats = { sent: new Map(), errors: new Map(), dropped: 0 };

  /** Creates the notifier; nothing is sent until Alertmanagers are known. */
  constructor(private readonly opts: NotifierOptions = {}) {
    this.capacity = opts.queueCapacity ?? 10_000;
    this.batchSize = opts.batchSize ?? 256;
    this.log = opts.logger ?? NOP_LOG;
  }

  /** Applies the `alerting` section and external labels of a (re)loaded configuration. */
  applyConfig(config: Config): void {
    this.configs = config.alerting.alertmanagers;
    this.relabelConfigs = config.alerting.alertRelabelConfigs;
    this.externalLabels = Labels.fromObject(config.global.externalLabels);
    for (const key of [...this.sets.keys()])
      if (!this.configs[Number(key.slice('config-'.length))]) this.sets.delete(key);
  }

  /**
   * Sets the Alertmanagers discovered for the entry `config-<i>` (as the notify discovery
   * manager names them): each target's labels go through the entry's relabel_configs.
   */
  setDiscovered(key: string, targets: readonly Readonly<Record<string, string>>[]): void {
    const cfg = this.configs[Number(key.slice('config-'.length))];
    if (!cfg) return;
    const urls: string[] = [];
    for (const t of targets) {
      const lb = new LabelsBuilder(Labels.fromObject(t));
      if (lb.get('__scheme__') === '') lb.set('__scheme__', cfg.scheme);
      if (lb.get('__alerts_path__') === '') lb.set('__alerts_path__', alertsPath(cfg.pathPrefix));
      if (!processBuilder(lb, cfg.relabelConfigs)) continue;
      const addr = lb.get('__address__');
      if (addr === '') continue;
      urls.push(`${lb.get('__scheme__')}://${addr}${lb.get('__alerts_path__')}`);
    }
    this.sets.set(key, { cfg, urls, authorization: authorization(cfg) });
  }

  /** The Alertmanagers alerts go to (for /api/v1/alertmanagers). */
  alertmanagers(): string[] {
    return [...this.sets.values()].flatMap((s) => s.urls);
  }

  /** prometheus_notifications_queue_length. */
  queueLength(): number {
    return this.queue.length;
  }

  /** prometheus_notifications_queue_capacity. */
  queueCapacity(): number {
    return this.capacity;
  }

  /**
   * Queues alerts: external labels are added where missing, then the global alert
   * relabeling applies (an alert it drops is not sent). Returns at once.
   */
  send(...alerts: Alert[]): void {
    for (const a of alerts) {
      const b = new LabelsBuilder(a.labels);
      this.externalLabels.forEach((n, v) => {
        if (!a.labels.has(n)) b.set(n, v);
      });
      let labels: Labels | null = b.labels();
      if (this.relabelConfigs.length > 0) labels = relabel(labels, this.relabelConfigs);
      if (labels === null) continue;
      this.queue.push({ ...a, labels });
    }
    // Beyond capacity the oldest alerts go, as in Prometheus.
    const over = this.queue.length - this.capacity;
    if (over > 0) {
      this.queue.splice(0, over);
      this.stats.dropped += over;
      this.log.warn('Alert notification queue full, dropping alerts', { num_dropped: over });
    }
    this.kick();
  }

  private kick(): void {
    if (this.sending !== null || this.stopped || this.queue.length === 0) return;
    this.sending = this.drain().finally(() => {
      this.sending = null;
      if (this.queue.length > 0 && this.sets.size > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      if (this.sets.size === 0) return; // kept queued until Alertmanagers are discovered
      const batch = this.queue.splice(0, this.batchSize);
      await this.sendAll(batch);
    }
  }

  /** Sends one batch to every Alertmanager in parallel; a failure is counted and logged. */
  private async sendAll(batch: Alert[]): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const set of this.sets.values()) {
      let alerts = batch;
      if (set.cfg.alertRelabelConfigs.length > 0) {
        alerts = [];
        for (const a of batch) {
          const l = relabel(a.labels, set.cfg.alertRelabelConfigs);
          if (l !== null) alerts.push({ ...a, labels: l });
        }
      }
      if (alerts.length === 0) continue;
      const body = JSON.stringify(postableAlerts(alerts));
      for (const url of set.urls) jobs.push(this.post(url, body, set, alerts.length));
    }
    await Promise.all(jobs);
  }

  private async post(url: string, body: string, set: AlertmanagerSet, n: number): Promise<void> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.opts.userAgent ?? 'ignis',
    };
    if (set.authorization) headers.Authorization = set.authorization;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers,
        signal: AbortSignal.timeout(set.cfg.timeout || 10_000),
      });
      await res.arrayBuffer();
      if (Math.floor(res.status / 100) !== 2)
        throw new Error(`bad response status ${res.status} ${res.statusText}`);
      this.stats.sent.set(url, (this.stats.sent.get(url) ?? 0) + n);
    } catch (e) {
      this.stats.errors.set(url, (this.stats.errors.get(url) ?? 0) + n);
      this.log.error('Error sending alerts', { alertmanager: url, count: n, err: e as Error });
    }
  }

  /** Stops sending; with `drain`, sends what is queued first (`--alertmanager.drain-notification-queue-on-shutdown`). */
  async stop(drain = true): Promise<void> {
    if (drain) {
      this.kick();
      await this.sending;
    }
    this.stopped = true;
    await this.sending;
  }
}
