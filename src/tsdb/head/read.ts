/**
 * The head's read path: matchers select series through the postings index; each series'
 * samples within the querier's range are read chunk by chunk.
 *
 * A querier sees the samples that were committed when each series' iterator was created: an
 * XOR iterator reads the sample count once, so samples appended while a query runs (between
 * event-loop turns) do not appear half-way through an iteration.
 */
import { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { compareStrings } from '../../model/strings.js';
import {
  ValueType,
  type LabelHints,
  type Querier,
  type SampleIterator,
  type SelectHints,
  type Series,
  type SeriesSet,
} from '../../storage/interface.js';
import { ListSeriesSet } from '../../storage/series.js';
import type { XORIterator } from '../chunkenc/xor.js';
import { postingsForMatchers } from '../index/postings-for-matchers.js';
import { isSubrange, type Interval } from '../tombstones/tombstones.js';
import type { Head } from './head.js';
import type { HeadChunk, MemSeries } from './series.js';

/** Iterates a series' chunks that overlap `[mint, maxt]`, clipped to that range. */
class HeadSeriesIterator implements SampleIterator {
  t = 0;
  v = 0;
  private readonly chunks: HeadChunk[];
  private ci = -1;
  private it: XORIterator | null = null;
  private done = false;
  private di = 0;

  constructor(
    series: MemSeries,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly deleted: readonly Interval[],
  ) {
    // Snapshot the chunk list: chunks cut or truncated later do not disturb this iteration.
    const all = series.head ? [...series.chunks, series.head] : [...series.chunks];
    this.chunks = all.filter(
      (c) =>
        c.maxT >= mint &&
        c.minT <= maxt &&
        (deleted.length === 0 || !isSubrange({ mint: c.minT, maxt: c.maxT }, deleted)),
    );
  }

  private nextChunk(): boolean {
    this.ci++;
    if (this.ci >= this.chunks.length) {
      this.done = true;
      return false;
    }
    this.it = this.chunks[this.ci]!.chunk.iterator(this.it ?? undefined);
    return true;
  }

  next(): ValueType {
    if (this.done) return ValueType.None;
    if (this.it === null && !this.nextChunk()) return ValueType.None;
    // Within the first chunk, samples before mint are skipped.
    const it = this.it!;
    return this.settle(it.t < this.mint ? it.seek(this.mint) : it.next(), this.mint);
  }

  seek(t: number): ValueType {
    if (this.done) return ValueType.None;
    if (this.it !== null && this.t >= t && this.ci >= 0) return ValueType.Float;
    const target = Math.max(t, this.mint);
    // Skip whole chunks that end before the target.
    if (this.it === null || this.chunks[this.ci]!.maxT < target) {
      while (this.ci + 1 < this.chunks.length && this.chunks[this.ci + 1]!.maxT < target) this.ci++;
      if (!this.nextChunk()) return ValueType.None;
    }
    return this.settle(this.it!.seek(target), target);
  }

  /**
   * Completes a move: when the chunk iterator ran out (`vt` is None), continues with the first
   * sample ≥ `target` of the following chunks; stops at the end of the range.
   */
  private settle(vt: ValueType, target: number): ValueType {
    for (;;) {
      if (vt === ValueType.None) {
        const err = this.it!.err();
        if (err !== null) return this.fail(err);
        if (!this.nextChunk()) return ValueType.None;
        vt = this.it!.seek(target);
        continue;
      }
      const it = this.it!;
      if (it.t > this.maxt) {
        this.done = true;
        return ValueType.None;
      }
      const del = this.deleted;
      if (del.length > 0) {
        // Timestamps only grow, so the interval cursor only moves forward.
        while (this.di < del.length && del[this.di]!.maxt < it.t) this.di++;
        if (this.di < del.length && del[this.di]!.mint <= it.t) {
          vt = it.next();
          continue;
        }
      }
      this.t = it.t;
      this.v = it.v;
      return ValueType.Float;
    }
  }

  private error: Error | null = null;

  private fail(err: Error): ValueType {
    this.error = err;
    this.done = true;
    return ValueType.None;
  }

  err(): Error | null {
    return this.error;
  }
}

/** A head series as the query layer sees it. */
class HeadSeries implements Series {
  readonly labels: Labels;

  constructor(
    private readonly s: MemSeries,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly deleted: readonly Interval[],
  ) {
    this.labels = s.labels;
  }

  iterator(): SampleIterator {
    return new HeadSeriesIterator(this.s, this.mint, this.maxt, this.deleted);
  }
}

/** Reads the head within `[mint, maxt]`. */
export class HeadQuerier implements Querier {
  /** Creates a querier over `head` for the inclusive range `[mint, maxt]`. */
  constructor(
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  /** The head series matching all matchers that hold samples within the range. */
  private matching(matchers: readonly Matcher[]): MemSeries[] {
    const refs =
      matchers.length > 0
        ? postingsForMatchers(this.head.postings, matchers)
        : this.head.postings.allPostings();
    const out: MemSeries[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.head.seriesByRef(refs[i]!);
      if (s === undefined) continue;
      const first = s.minTime();
      const last = s.head ? s.head.maxT : s.chunks.length ? s.chunks[s.chunks.length - 1]!.maxT : first;
      if (first === Number.MIN_SAFE_INTEGER || first > this.maxt || last < this.mint) continue;
      // A series whose samples in range are all deleted is not returned, as in Prometheus.
      const del = this.head.tombstones.get(s.ref);
      if (
        del.length > 0 &&
        isSubrange({ mint: Math.max(first, this.mint), maxt: Math.min(last, this.maxt) }, del)
      )
        continue;
      out.push(s);
    }
    return out;
  }

  select(sorted: boolean, hints: SelectHints | undefined, ...matchers: Matcher[]): SeriesSet {
    const list = this.matching(matchers);
    if (sorted) list.sort((a, b) => Labels.compare(a.labels, b.labels));
    const limit = hints?.limit ?? 0;
    const chosen = limit > 0 && list.length > limit ? list.slice(0, limit) : list;
    return new ListSeriesSet(
      chosen.map((s) => new HeadSeries(s, this.mint, this.maxt, this.head.tombstones.get(s.ref))),
    );
  }

  labelValues(name: string, hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    let out: string[];
    if (matchers.length === 0) {
      out = this.head.postings.labelValues(name);
    } else {
      const vals = new Set<string>();
      for (const s of this.matching(matchers)) {
        const v = s.labels.get(name);
        if (v !== '') vals.add(v);
      }
      out = [...vals].sort(compareStrings);
    }
    const limit = hints?.limit ?? 0;
    return limit > 0 && out.length > limit ? out.slice(0, limit) : out;
  }

  labelNames(hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    let out: string[];
    if (matchers.length === 0) {
      out = this.head.postings.labelNames();
    } else {
      const names = new Set<string>();
      for (const s of this.matching(matchers)) s.labels.forEach((n) => names.add(n));
      out = [...names].sort(compareStrings);
    }
    const limit = hints?.limit ?? 0;
    return limit > 0 && out.length > limit ? out.slice(0, limit) : out;
  }

  close(): void {}
}
