/**
 * Reading a block (Prometheus's `blockQuerier`): matchers select series through the block's
 * postings; each series' chunks that overlap the query range and are not wholly deleted are
 * read from the segment files when its iterator reaches them, and samples are clipped to the
 * range and to the tombstones. Series come out in label order, the order of the index.
 */
import { compareStrings } from '../../model/strings.js';
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import {
  ValueType,
  type LabelHints,
  type Querier,
  type SampleIterator,
  type SelectHints,
  type Series,
  type SeriesSet,
} from '../../storage/interface.js';
import type { ChunkMeta } from '../chunks/chunks.js';
import type { ChunkReader } from '../chunks/reader.js';
import { intersect2, type Postings } from '../index/postings.js';
import { postingsForMatchers } from '../index/postings-for-matchers.js';
import type { IndexReader } from '../index/reader.js';
import { isSubrange, type Interval, type Tombstones } from '../tombstones/tombstones.js';

/** Iterates one series' chunks within `[mint, maxt]`, skipping deleted intervals. */
class BlockSeriesIterator implements SampleIterator {
  t = 0;
  v = 0;
  private ci = -1;
  private it: SampleIterator | null = null;
  private di = 0;
  private done = false;
  private error: Error | null = null;

  constructor(
    private readonly chunks: readonly ChunkMeta[],
    private readonly reader: ChunkReader,
    private readonly deleted: readonly Interval[],
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  private nextChunk(): boolean {
    this.ci++;
    if (this.ci >= this.chunks.length) {
      this.done = true;
      return false;
    }
    const c = this.chunks[this.ci]!;
    this.it = this.reader.chunk(c.ref).iterator(this.it ?? undefined);
    return true;
  }

  next(): ValueType {
    if (this.done) return ValueType.None;
    try {
      if (this.it === null) {
        if (!this.nextChunk()) return ValueType.None;
        return this.settle(this.it!.seek(this.mint), this.mint);
      }
      return this.settle(this.it.next(), this.mint);
    } catch (e) {
      return this.fail(e as Error);
    }
  }

  seek(t: number): ValueType {
    if (this.done) return ValueType.None;
    if (this.it !== null && this.t >= t) return ValueType.Float;
    const target = Math.max(t, this.mint);
    try {
      // Skip whole chunks that end before the target without reading them.
      if (this.it === null || this.chunks[this.ci]!.maxT < target) {
        while (this.ci + 1 < this.chunks.length && this.chunks[this.ci + 1]!.maxT < target) this.ci++;
        if (!this.nextChunk()) return ValueType.None;
      }
      return this.settle(this.it!.seek(target), target);
    } catch (e) {
      return this.fail(e as Error);
    }
  }

  /**
   * Completes a move: continues into the following chunks (from the first sample ≥ `target`)
   * when the current one ran out, steps over deleted samples, and stops past the range.
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
      const t = it.t;
      if (t > this.maxt) {
        this.done = true;
        return ValueType.None;
      }
      const del = this.deleted;
      if (del.length > 0) {
        // Timestamps only grow, so the interval cursor only moves forward.
        while (this.di < del.length && del[this.di]!.maxt < t) this.di++;
        if (this.di < del.length && del[this.di]!.mint <= t) {
          vt = it.next();
          continue;
        }
      }
      this.t = t;
      this.v = it.v;
      return ValueType.Float;
    }
  }

  private fail(err: Error): ValueType {
    this.error = err;
    this.done = true;
    return ValueType.None;
  }

  err(): Error | null {
    return this.error;
  }
}

/** A block series as the query layer sees it. */
class BlockSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly chunks: readonly ChunkMeta[],
    private readonly reader: ChunkReader,
    private readonly deleted: readonly Interval[],
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  iterator(): SampleIterator {
    return new BlockSeriesIterator(this.chunks, this.reader, this.deleted, this.mint, this.maxt);
  }
}

/** Reads series one at a time from the index as the caller advances. */
class BlockSeriesSet implements SeriesSet {
  private i = 0;
  private cur: Series | null = null;
  private error: Error | null = null;
  private emitted = 0;

  constructor(
    private readonly refs: Postings,
    private readonly q: BlockQuerier,
    private readonly limit: number,
  ) {}

  next(): boolean {
    if (this.error !== null || (this.limit > 0 && this.emitted >= this.limit)) return false;
    try {
      while (this.i < this.refs.length) {
        const s = this.q.seriesAt(this.refs[this.i++]!);
        if (s !== null) {
          this.cur = s;
          this.emitted++;
          return true;
        }
      }
    } catch (e) {
      this.error = e as Error;
    }
    this.cur = null;
    return false;
  }

  at(): Series {
    if (this.cur === null) throw new Error('BlockSeriesSet.at() without a current series');
    return this.cur;
  }

  err(): Error | null {
    return this.error;
  }

  warnings(): readonly string[] {
    return [];
  }
}

/** A querier over one block within `[mint, maxt]` (both inclusive). */
export class BlockQuerier implements Querier {
  /** Creates the querier over a block's readers. */
  constructor(
    private readonly index: IndexReader,
    private readonly chunks: ChunkReader,
    private readonly tombstones: Tombstones,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  /** The series at `ref` when it has undeleted chunks overlapping the range, else null. */
  seriesAt(ref: number): Series | null {
    const s = this.index.series(ref);
    const deleted = this.tombstones.get(ref);
    const chunks: ChunkMeta[] = [];
    for (const c of s.chunks) {
      if (c.maxT < this.mint || c.minT > this.maxt) continue;
      if (deleted.length > 0 && isSubrange({ mint: c.minT, maxt: c.maxT }, deleted)) continue;
      chunks.push(c);
    }
    if (chunks.length === 0) return null;
    return new BlockSeries(s.labels, chunks, this.chunks, deleted, this.mint, this.maxt);
  }

  private postings(matchers: readonly Matcher[]): Postings {
    return matchers.length > 0 ? postingsForMatchers(this.index, matchers) : this.index.allPostings();
  }

  /** Selects matching series; they come in label order whether or not `sorted` is asked for. */
  select(_sorted: boolean, hints: SelectHints | undefined, ...matchers: Matcher[]): SeriesSet {
    return new BlockSeriesSet(this.postings(matchers), this, hints?.limit ?? 0);
  }

  /** Values of `name` in the block (all series' when no matchers, as Prometheus answers). */
  labelValues(name: string, hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    let out: string[];
    if (matchers.length === 0) {
      out = this.index.labelValues(name);
    } else {
      const p = this.postings(matchers);
      out = [];
      if (p.length > 0) {
        this.index.forEachValue(name, (value, list) => {
          if (intersect2(p, list).length > 0) out.push(value);
        });
      }
    }
    return limited(out, hints?.limit ?? 0);
  }

  /** Label names in the block (of the matching series when matchers are given). */
  labelNames(hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
    let out: string[];
    if (matchers.length === 0) {
      out = this.index.labelNames();
    } else {
      const names = new Set<string>();
      const p = this.postings(matchers);
      for (let i = 0; i < p.length; i++) this.index.series(p[i]!).labels.forEach((n) => names.add(n));
      out = [...names].sort(compareStrings);
    }
    return limited(out, hints?.limit ?? 0);
  }

  close(): void {}
}

function limited(l: string[], limit: number): string[] {
  return limit > 0 && l.length > limit ? l.slice(0, limit) : l;
}
