/**
 * Simple series, series sets and iterators over samples held in arrays. Used for in-memory
 * storage, for tests, and as the building blocks of merges.
 */
import type { Labels } from '../model/labels.js';
import { ValueType, type SampleIterator, type Series, type SeriesSet } from './interface.js';

/** Iterates samples stored in two parallel arrays. */
export class ListSampleIterator implements SampleIterator {
  t = 0;
  v = 0;
  private i = -1;

  /** Iterates `ts[0..n)` and `vs[0..n)`; timestamps must be increasing. */
  constructor(
    private ts: ArrayLike<number>,
    private vs: ArrayLike<number>,
    private n: number = ts.length,
  ) {}

  /** Points the iterator at other arrays, from the start (for reuse). */
  reset(ts: ArrayLike<number>, vs: ArrayLike<number>, n: number = ts.length): this {
    this.ts = ts;
    this.vs = vs;
    this.n = n;
    this.i = -1;
    return this;
  }

  next(): ValueType {
    if (this.i >= this.n) return ValueType.None;
    this.i++;
    return this.load();
  }

  seek(t: number): ValueType {
    if (this.i < 0) this.i = 0;
    if (this.i >= this.n) return ValueType.None;
    if (this.ts[this.i]! >= t) return this.load();
    // Binary search in the remaining samples: seek is how range selectors skip ahead.
    let lo = this.i + 1;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
    return this.load();
  }

  private load(): ValueType {
    if (this.i >= this.n) return ValueType.None;
    this.t = this.ts[this.i]!;
    this.v = this.vs[this.i]!;
    return ValueType.Float;
  }

  err(): Error | null {
    return null;
  }
}

/** A series whose samples are held in arrays. */
export class ListSeries implements Series {
  /** Creates the series; `ts` must be increasing and as long as `vs`. */
  constructor(
    readonly labels: Labels,
    readonly ts: ArrayLike<number>,
    readonly vs: ArrayLike<number>,
  ) {}

  iterator(reuse?: SampleIterator): SampleIterator {
    if (reuse instanceof ListSampleIterator) return reuse.reset(this.ts, this.vs);
    return new ListSampleIterator(this.ts, this.vs);
  }
}

/** A series set over an array of series. */
export class ListSeriesSet implements SeriesSet {
  private i = -1;

  /** Iterates `series` in the given order, reporting `warns` as warnings. */
  constructor(
    private readonly series: readonly Series[],
    private readonly warns: readonly string[] = [],
  ) {}

  next(): boolean {
    if (this.i >= this.series.length) return false;
    this.i++;
    return this.i < this.series.length;
  }

  at(): Series {
    return this.series[this.i]!;
  }

  err(): Error | null {
    return null;
  }

  warnings(): readonly string[] {
    return this.warns;
  }
}

/** A series set that fails with `error` (after yielding nothing). */
export class ErrorSeriesSet implements SeriesSet {
  /** Creates the set that reports `error`. */
  constructor(private readonly error: Error) {}
  next(): boolean {
    return false;
  }
  at(): Series {
    throw new Error('ErrorSeriesSet has no series');
  }
  err(): Error | null {
    return this.error;
  }
  warnings(): readonly string[] {
    return [];
  }
}

/** A series set with no series. */
export const EMPTY_SERIES_SET: SeriesSet = new ListSeriesSet([]);

/** Reads a whole series set into an array (for tests and small results). */
export function collectSeries(set: SeriesSet): Series[] {
  const out: Series[] = [];
  while (set.next()) out.push(set.at());
  const err = set.err();
  if (err) throw err;
  return out;
}

/**
 * Reads every float sample of a series into `[t, v]` pairs (for tests and small results).
 * The pairs are plain arrays, where V8 canonicalizes NaNs: the stale marker comes out as an
 * ordinary NaN. Check staleness on the iterator itself.
 */
export function collectSamples(s: Series): [number, number][] {
  const out: [number, number][] = [];
  const it = s.iterator();
  while (it.next() !== ValueType.None) out.push([it.t, it.v]);
  const err = it.err();
  if (err) throw err;
  return out;
}
