/**
 * Merging several queriers into one: the query layer reads the head and every overlapping
 * block through this. Series with identical labels from different sources become one series
 * whose samples are merged by timestamp; a timestamp present in several sources is kept once
 * (the first source's sample wins, which is how Prometheus deduplicates overlapping data).
 */
import { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { compareStrings } from '../model/strings.js';
import {
  ValueType,
  type LabelHints,
  type Querier,
  type SampleIterator,
  type SelectHints,
  type Series,
  type SeriesSet,
} from './interface.js';
import { EMPTY_SERIES_SET } from './series.js';

/** Merges sorted, deduplicated string lists into one sorted, deduplicated list. */
export function mergeStrings(lists: readonly (readonly string[])[], limit = 0): string[] {
  if (lists.length === 1) return limit > 0 ? lists[0]!.slice(0, limit) : [...lists[0]!];
  const all = new Set<string>();
  for (const l of lists) for (const s of l) all.add(s);
  const out = [...all].sort(compareStrings);
  return limit > 0 && out.length > limit ? out.slice(0, limit) : out;
}

/** Iterates the union of several sample iterators, dropping repeated timestamps. */
export class MergeSampleIterator implements SampleIterator {
  t = 0;
  v = 0;
  // Per source: its state after the last advance (ValueType.None when exhausted).
  private readonly state: Int8Array;
  private started = false;
  private error: Error | null = null;

  /** Merges `its`; earlier iterators win on equal timestamps. */
  constructor(private readonly its: SampleIterator[]) {
    this.state = new Int8Array(its.length);
  }

  private pick(): ValueType {
    let best = -1;
    let bestT = 0;
    for (let i = 0; i < this.its.length; i++) {
      if (this.state[i] === ValueType.None) continue;
      const t = this.its[i]!.t;
      if (best < 0 || t < bestT) {
        best = i;
        bestT = t;
      }
    }
    if (best < 0) {
      for (const it of this.its) this.error ??= it.err();
      return ValueType.None;
    }
    this.t = bestT;
    this.v = this.its[best]!.v;
    return this.state[best] as ValueType;
  }

  private advanceAt(t: number): void {
    // Move every source that sits on the emitted timestamp past it, so duplicates vanish.
    for (let i = 0; i < this.its.length; i++) {
      if (this.state[i] !== ValueType.None && this.its[i]!.t === t) this.state[i] = this.its[i]!.next();
    }
  }

  next(): ValueType {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.state[i] = this.its[i]!.next();
    } else {
      this.advanceAt(this.t);
    }
    return this.pick();
  }

  seek(t: number): ValueType {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.state[i] = this.its[i]!.seek(t);
      return this.pick();
    }
    // Sources behind `t` move forward; exhausted ones stay exhausted; the current sample
    // stays current when it already qualifies, as the interface requires.
    for (let i = 0; i < this.its.length; i++) {
      if (this.state[i] !== ValueType.None && this.its[i]!.t < t) this.state[i] = this.its[i]!.seek(t);
    }
    return this.pick();
  }

  err(): Error | null {
    return this.error;
  }
}

/** A series made of several series with the same labels. */
class MergedSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly parts: Series[],
  ) {}

  iterator(): SampleIterator {
    return new MergeSampleIterator(this.parts.map((p) => p.iterator()));
  }
}

/** Merges series sets that are each sorted by labels into one sorted set. */
export class MergeSeriesSet implements SeriesSet {
  private readonly sets: SeriesSet[];
  private readonly live: boolean[];
  private current: Series | null = null;
  private started = false;
  private error: Error | null = null;

  /** Merges `sets`; each must be sorted by labels. */
  constructor(sets: SeriesSet[]) {
    this.sets = sets;
    this.live = sets.map(() => false);
  }

  next(): boolean {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.sets.length; i++) this.live[i] = this.advance(i);
    }
    if (this.error) return false;
    let min: Labels | null = null;
    for (let i = 0; i < this.sets.length; i++) {
      if (!this.live[i]) continue;
      const l = this.sets[i]!.at().labels;
      if (min === null || Labels.compare(l, min) < 0) min = l;
    }
    if (min === null) {
      this.current = null;
      return false;
    }
    const parts: Series[] = [];
    for (let i = 0; i < this.sets.length; i++) {
      if (!this.live[i]) continue;
      const s = this.sets[i]!.at();
      if (s.labels.equals(min)) {
        parts.push(s);
        this.live[i] = this.advance(i);
      }
    }
    this.current = parts.length === 1 ? parts[0]! : new MergedSeries(min, parts);
    return this.error === null;
  }

  private advance(i: number): boolean {
    const set = this.sets[i]!;
    if (set.next()) return true;
    this.error ??= set.err();
    return false;
  }

  at(): Series {
    if (!this.current) throw new Error('MergeSeriesSet.at called without a current series');
    return this.current;
  }

  err(): Error | null {
    return this.error;
  }

  warnings(): readonly string[] {
    return this.sets.flatMap((s) => s.warnings());
  }
}

/** A querier over several queriers, merging their series and label look-ups. */
export class MergeQuerier implements Querier {
  /** Merges `queriers`; earlier queriers win when two hold a sample at the same timestamp. */
  constructor(private readonly queriers: Querier[]) {}

  select(sorted: boolean, hints: SelectHints | undefined, ...matchers: Matcher[]): SeriesSet {
    if (this.queriers.length === 0) return EMPTY_SERIES_SET;
    if (this.queriers.length === 1) return this.queriers[0]!.select(sorted, hints, ...matchers);
    // Merging needs every input sorted, whatever the caller asked for.
    return new MergeSeriesSet(this.queriers.map((q) => q.select(true, hints, ...matchers)));
  }

  labelValues(name: string, hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    return mergeStrings(
      this.queriers.map((q) => q.labelValues(name, hints, ...matchers)),
      hints?.limit ?? 0,
    );
  }

  labelNames(hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    return mergeStrings(
      this.queriers.map((q) => q.labelNames(hints, ...matchers)),
      hints?.limit ?? 0,
    );
  }

  close(): void {
    for (const q of this.queriers) q.close();
  }
}
