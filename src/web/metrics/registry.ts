/**
 * ignis's own metrics, served on /metrics under Prometheus's names so its dashboards work.
 *
 * Subsystems below web do not import this module (DESIGN.md: nothing imports web); they keep
 * plain counters (such as `Head.stats`) and web registers collectors that read them when
 * /metrics is scraped. Instruments owned by web itself (HTTP request counters) live here.
 */
import { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import type { FamilySample, MetricFamily } from '../../exposition/family.js';

/** Something that yields metric families when /metrics is scraped. */
export type Collector = () => MetricFamily[];

/** Prometheus client libraries' default histogram buckets (seconds). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labelsFor(names: readonly string[], values: readonly string[]): Labels {
  if (names.length !== values.length)
    throw new Error(`expected ${names.length} label values, got ${values.length}`);
  const kv: string[] = [];
  for (let i = 0; i < names.length; i++) kv.push(names[i]!, values[i]!);
  return Labels.fromStrings(...kv);
}

/** A counter or gauge with optional labels. */
export class Scalar {
  private readonly children = new Map<string, { labels: Labels; value: number }>();

  /** Use {@link Registry.counter} or {@link Registry.gauge}. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    readonly labelNames: readonly string[],
  ) {
    if (labelNames.length === 0) this.children.set('', { labels: Labels.EMPTY, value: 0 });
  }

  private child(values: readonly string[]): { labels: Labels; value: number } {
    const key = values.join('\xff');
    let c = this.children.get(key);
    if (!c) {
      c = { labels: labelsFor(this.labelNames, values), value: 0 };
      this.children.set(key, c);
    }
    return c;
  }

  /** Adds `by` (default 1) to the series with these label values. */
  inc(by = 1, ...values: string[]): void {
    if (this.type === 'counter' && by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.child(values).value += by;
  }

  /** Sets a gauge. */
  set(v: number, ...values: string[]): void {
    this.child(values).value = v;
  }

  /** The current value of the series with these label values. */
  get(...values: string[]): number {
    return this.children.get(values.join('\xff'))?.value ?? 0;
  }

  /** The family as the writers take it. */
  collect(): MetricFamily {
    const samples: FamilySample[] = [];
    for (const c of this.children.values())
      samples.push({ name: this.name, labels: c.labels, value: c.value });
    return { name: this.name, type: this.type, help: this.help, samples };
  }
}

/** A histogram with fixed buckets and optional labels. */
export class Histogram {
  private readonly children = new Map<
    string,
    { labels: Labels; counts: Float64Array; sum: number; count: number }
  >();

  /** Use {@link Registry.histogram}. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[],
  ) {}

  /** Records one observation. */
  observe(v: number, ...values: string[]): void {
    const key = values.join('\xff');
    let c = this.children.get(key);
    if (!c) {
      c = {
        labels: labelsFor(this.labelNames, values),
        counts: new Float64Array(this.buckets.length),
        sum: 0,
        count: 0,
      };
      this.children.set(key, c);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) c.counts[i]!++;
    c.sum += v;
    c.count++;
  }

  /** The family as the writers take it (cumulative buckets, +Inf, _sum, _count). */
  collect(): MetricFamily {
    const samples: FamilySample[] = [];
    for (const c of this.children.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        samples.push({
          name: `${this.name}_bucket`,
          labels: Labels.fromLabels([...c.labels, { name: 'le', value: formatLe(this.buckets[i]!) }]),
          value: c.counts[i]!,
        });
      }
      samples.push({
        name: `${this.name}_bucket`,
        labels: Labels.fromLabels([...c.labels, { name: 'le', value: '+Inf' }]),
        value: c.count,
      });
      samples.push({ name: `${this.name}_sum`, labels: c.labels, value: c.sum });
      samples.push({ name: `${this.name}_count`, labels: c.labels, value: c.count });
    }
    return { name: this.name, type: 'histogram', help: this.help, samples };
  }
}

/** Observations a summary keeps per series for its quantiles (the most recent ones). */
const SUMMARY_WINDOW = 1024;

/**
 * A summary with quantiles over the most recent observations (client_golang uses a 10-minute
 * sliding window; a bounded count of recent observations serves the same dashboards).
 */
export class Summary {
  private readonly children = new Map<
    string,
    { labels: Labels; window: Float64Array; n: number; sum: number; count: number }
  >();

  /** Use {@link Registry.summary}. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly quantiles: readonly number[],
    readonly labelNames: readonly string[],
  ) {}

  /** Records one observation. */
  observe(v: number, ...values: string[]): void {
    const key = values.join('\xff');
    let c = this.children.get(key);
    if (!c) {
      c = {
        labels: labelsFor(this.labelNames, values),
        window: new Float64Array(SUMMARY_WINDOW),
        n: 0,
        sum: 0,
        count: 0,
      };
      this.children.set(key, c);
    }
    c.window[c.count % SUMMARY_WINDOW] = v;
    c.n = Math.min(c.n + 1, SUMMARY_WINDOW);
    c.sum += v;
    c.count++;
  }

  /** The family as the writers take it (quantiles, _sum, _count). */
  collect(): MetricFamily {
    const samples: FamilySample[] = [];
    for (const c of this.children.values()) {
      const sorted = c.window.slice(0, c.n).sort();
      for (const q of this.quantiles) {
        const v =
          sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        samples.push({
          name: this.name,
          labels: Labels.fromLabels([...c.labels, { name: 'quantile', value: String(q) }]),
          value: v,
        });
      }
      samples.push({ name: `${this.name}_sum`, labels: c.labels, value: c.sum });
      samples.push({ name: `${this.name}_count`, labels: c.labels, value: c.count });
    }
    return { name: this.name, type: 'summary', help: this.help, samples };
  }
}

/** `le` values as client_golang writes them (Go's %g: `0.005`, `1`, `2.5`). */
function formatLe(v: number): string {
  return String(v);
}

/** Builds a family from a value read at scrape time. */
export function family(
  name: string,
  type: MetricType,
  help: string,
  value: number,
  labels = Labels.EMPTY,
): MetricFamily {
  return { name, type, help, samples: [{ name, labels, value }] };
}

/** The set of metrics /metrics serves. */
export class Registry {
  private readonly instruments: (Scalar | Histogram | Summary)[] = [];
  private readonly collectors: Collector[] = [];

  /** Registers a counter (the name should end in `_total`). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    const m = new Scalar(name, help, 'counter', labelNames);
    this.instruments.push(m);
    return m;
  }

  /** Registers a gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    const m = new Scalar(name, help, 'gauge', labelNames);
    this.instruments.push(m);
    return m;
  }

  /** Registers a histogram. */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[] = DEFAULT_BUCKETS,
    labelNames: readonly string[] = [],
  ): Histogram {
    const m = new Histogram(name, help, buckets, labelNames);
    this.instruments.push(m);
    return m;
  }

  /** Registers a summary with quantiles over recent observations. */
  summary(
    name: string,
    help: string,
    quantiles: readonly number[] = [0.5, 0.9, 0.99],
    labelNames: readonly string[] = [],
  ): Summary {
    const m = new Summary(name, help, quantiles, labelNames);
    this.instruments.push(m);
    return m;
  }

  /** Registers a collector read at every scrape. */
  register(c: Collector): void {
    this.collectors.push(c);
  }

  /** Every family, sorted by name as client_golang serves them. */
  collect(): MetricFamily[] {
    const out: MetricFamily[] = this.instruments.map((m) => m.collect());
    for (const c of this.collectors) out.push(...c());
    return out
      .filter((f) => f.samples.length > 0)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
