/**
 * The engine's working representations. An instant-vector expression is evaluated over all steps
 * of a query at once into {@link StepSeries} (a dense value column per series, one slot per
 * step); a per-step operator sees one step of it as a {@link Vec}, a struct of arrays that is
 * reused from step to step so that nothing is allocated per sample.
 */
import { Labels } from '../../model/labels.js';
import { QueryError } from './types.js';

/** The label that holds the metric name. */
export const METRIC_NAME = '__name__';

/** One output series of an instant-vector expression over all steps of the evaluation. */
export interface StepSeries {
  /** The labels (with `__name__` while {@link dropName} defers its removal). */
  metric: Labels;
  /** The value at each step; meaningful where {@link has} is 1. */
  vs: Float64Array;
  /** 1 where the series has a value at the step. */
  has: Uint8Array;
  /** True when `__name__` is to be dropped at the end (delayed name removal). */
  dropName: boolean;
}

/** Samples of one series as read from storage or produced by a subquery: parallel time/value arrays. */
export interface RawSeries {
  /** The labels. */
  metric: Labels;
  /** Timestamps, ms, increasing. */
  ts: Float64Array;
  /** Values, stale markers removed. */
  vs: Float64Array;
  /** Number of samples used. */
  n: number;
  /** Delayed name removal flag carried from the inner expression of a subquery. */
  dropName: boolean;
}

/** One step of an instant vector: parallel arrays of labels, values and name-drop flags. */
export class Vec {
  /** Labels of each sample. */
  metrics: Labels[] = [];
  /** Value of each sample. */
  vs: Float64Array = new Float64Array(16);
  /** Delayed name-removal flag of each sample. */
  drop: boolean[] = [];
  /** Number of samples. */
  n = 0;

  /** Empties the vector, keeping its buffers. */
  reset(): this {
    this.n = 0;
    return this;
  }

  /** Appends a sample. */
  push(metric: Labels, v: number, drop: boolean): void {
    if (this.n === this.vs.length) {
      const grown = new Float64Array(this.vs.length * 2);
      grown.set(this.vs);
      this.vs = grown;
    }
    this.metrics[this.n] = metric;
    this.vs[this.n] = v;
    this.drop[this.n] = drop;
    this.n++;
  }
}

/** A new series with no values over `numSteps` steps. */
export function newStepSeries(metric: Labels, numSteps: number, dropName: boolean): StepSeries {
  return { metric, vs: new Float64Array(numSteps), has: new Uint8Array(numSteps), dropName };
}

/**
 * Collects per-step outputs into series keyed by label set. A second value for the same labels
 * at the same step is Prometheus's "vector cannot contain metrics with the same labelset".
 */
export class SeriesAccumulator {
  /** The series in order of first appearance. */
  readonly series: StepSeries[] = [];
  private readonly byHash = new Map<number, StepSeries[]>();

  /** `allowDuplicates` keeps same-labelled samples apart (instant queries under delayed name removal). */
  constructor(
    private readonly numSteps: number,
    private readonly allowDuplicates: boolean,
  ) {}

  /** Records `v` for `metric` at step `i`. */
  add(metric: Labels, dropName: boolean, i: number, v: number): void {
    if (this.allowDuplicates) {
      const s = newStepSeries(metric, this.numSteps, dropName);
      s.vs[i] = v;
      s.has[i] = 1;
      this.series.push(s);
      return;
    }
    const h = metric.hash();
    let bucket = this.byHash.get(h);
    let s: StepSeries | undefined;
    if (bucket) {
      for (const c of bucket) {
        if (c.metric.equals(metric)) {
          s = c;
          break;
        }
      }
    } else {
      bucket = [];
      this.byHash.set(h, bucket);
    }
    if (!s) {
      s = newStepSeries(metric, this.numSteps, dropName);
      bucket.push(s);
      this.series.push(s);
    } else if (s.has[i]) {
      throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
    }
    s.vs[i] = v;
    s.has[i] = 1;
  }
}

/** True when two series in the list have the same labels (after any name removal). */
export function containsSameLabelset(metrics: readonly Labels[]): boolean {
  if (metrics.length < 2) return false;
  const seen = new Map<number, Labels[]>();
  for (const m of metrics) {
    const h = m.hash();
    const b = seen.get(h);
    if (!b) {
      seen.set(h, [m]);
      continue;
    }
    for (const o of b) if (o.equals(m)) return true;
    b.push(m);
  }
  return false;
}

/** The labels Prometheus drops with the metric name: the name and the type and unit metadata labels. */
export const NAME_LABELS = [METRIC_NAME, '__type__', '__unit__'];

/** The labels without `__name__` (and the `__type__`/`__unit__` labels that describe it). */
export function dropMetricName(metric: Labels): Labels {
  return metric.without(...NAME_LABELS);
}

/** An empty label set, shared. */
export const EMPTY_LABELS = Labels.EMPTY;
