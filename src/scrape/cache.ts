/**
 * The per-target scrape cache, as Prometheus's `scrapeCache`: the raw series key of each sample
 * line (`name{labels}` as written) maps to the storage reference and final labels, so a
 * steady-state scrape does no label work; the series of this and the previous scrape, whose
 * difference gets stale markers; and the metadata the target exposes.
 */
import type { Labels } from '../model/labels.js';
import type { MetricType } from '../model/metadata.js';
import type { SeriesRef } from '../storage/interface.js';
import type { MetricMetadata } from './target.js';

/** One cached series. Mutable: `lastIter` moves every time the series is seen. */
export class CacheEntry {
  /** Creates an entry. */
  constructor(
    /** The storage reference. */
    readonly ref: SeriesRef,
    /** The final labels (target labels attached, relabeled). */
    readonly labels: Labels,
    /** The scrape iteration the series was last seen in. */
    public lastIter: number,
  ) {}
}

/** One metric family's metadata, with the iterations that saw and changed it. */
export class MetaEntry {
  /** The family's type. */
  type: MetricType = 'unknown';
  /** The HELP text. */
  help = '';
  /** The UNIT text. */
  unit = '';
  /** The iteration that last saw the family. */
  lastIter = 0;
  /** The iteration that last changed the metadata. */
  lastIterChange = 0;
}

/**
 * How many scrapes metadata outlives its family (Prometheus keeps it for 10), so a family that
 * flickers keeps its metadata on the targets page.
 */
const METADATA_KEEP_ITERATIONS = 10;

/**
 * Extra entries a run of failed scrapes may add before the cache is flushed anyway, beyond
 * doubling (Prometheus's heuristic against unbounded growth when scrapes keep failing).
 */
const FORCED_FLUSH_SLACK = 1000;

/** The cache of one target. */
export class ScrapeCache {
  /** The current scrape iteration; advances after every append, empty or not. */
  iter = 0;
  private successfulCount = 0;
  /** Raw series key → entry. */
  readonly series = new Map<string, CacheEntry>();
  /** Raw series keys that metric relabeling dropped → iteration last seen. */
  readonly dropped = new Map<string, number>();
  /** Series appended in this scrape, by reference. */
  private seriesCur = new Map<SeriesRef, CacheEntry>();
  /** Series appended in the previous scrape. */
  private seriesPrev = new Map<SeriesRef, CacheEntry>();
  /** Family name → metadata. */
  readonly metadata = new Map<string, MetaEntry>();

  /** Looks up a raw key (the caller compares `lastIter` with `iter`, then moves it). */
  get(key: string): CacheEntry | undefined {
    return this.series.get(key);
  }

  /** Adds a series after its first successful append; a zero reference is not cached. */
  addRef(key: string, ref: SeriesRef, labels: Labels): CacheEntry | undefined {
    if (ref === 0) return undefined;
    const e = new CacheEntry(ref, labels, this.iter);
    this.series.set(key, e);
    return e;
  }

  /** Remembers that relabeling dropped this raw key. */
  addDropped(key: string): void {
    this.dropped.set(key, this.iter);
  }

  /** True when relabeling dropped this raw key before (and marks it seen). */
  getDropped(key: string): boolean {
    if (this.dropped.size === 0 || !this.dropped.has(key)) return false;
    this.dropped.set(key, this.iter);
    return true;
  }

  /** Records that a series got a sample in this scrape (it will not be stale-marked). */
  trackStaleness(e: CacheEntry): void {
    this.seriesCur.set(e.ref, e);
  }

  /** Calls `fn` for each series of the previous scrape that this scrape did not append. */
  forEachStale(fn: (e: CacheEntry) => boolean): void {
    for (const [ref, e] of this.seriesPrev) {
      if (!this.seriesCur.has(ref) && !fn(e)) break;
    }
  }

  /** The number of series the last scrape appended (for tests and the stale-on-stop path). */
  currentSeriesCount(): number {
    return this.seriesCur.size;
  }

  /**
   * Ends a scrape. After a non-empty one (`flush`), entries not seen in it are forgotten; the
   * current and previous series sets swap. The iteration advances in every case, so a failed
   * scrape's lookups never make the next scrape's samples look like duplicates.
   */
  iterDone(flush: boolean): void {
    const count = this.series.size + this.dropped.size + this.metadata.size;
    if (flush) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + FORCED_FLUSH_SLACK) flush = true;
    if (flush) {
      const iter = this.iter;
      for (const [k, e] of this.series) if (e.lastIter !== iter) this.series.delete(k);
      for (const [k, it] of this.dropped) if (it !== iter) this.dropped.delete(k);
      for (const [k, e] of this.metadata) {
        if (iter - e.lastIter > METADATA_KEEP_ITERATIONS) this.metadata.delete(k);
      }
    }
    const prev = this.seriesPrev;
    this.seriesPrev = this.seriesCur;
    this.seriesCur = prev;
    prev.clear();
    this.iter++;
  }

  private meta(name: string): MetaEntry {
    let e = this.metadata.get(name);
    if (e === undefined) {
      e = new MetaEntry();
      this.metadata.set(name, e);
    }
    e.lastIter = this.iter;
    return e;
  }

  /** Records a TYPE line. */
  setType(name: string, type: MetricType): MetaEntry {
    const e = this.meta(name);
    if (e.type !== type) {
      e.type = type;
      e.lastIterChange = this.iter;
    }
    return e;
  }

  /** Records a HELP line. */
  setHelp(name: string, help: string): MetaEntry {
    const e = this.meta(name);
    if (e.help !== help) {
      e.help = help;
      e.lastIterChange = this.iter;
    }
    return e;
  }

  /** Records a UNIT line. */
  setUnit(name: string, unit: string): MetaEntry {
    const e = this.meta(name);
    if (e.unit !== unit) {
      e.unit = unit;
      e.lastIterChange = this.iter;
    }
    return e;
  }

  /** The metadata of one family, if the target exposed it recently. */
  getMetadata(name: string): MetricMetadata | undefined {
    const e = this.metadata.get(name);
    return e === undefined ? undefined : { metric: name, type: e.type, help: e.help, unit: e.unit };
  }

  /** All metadata the target exposed recently. */
  listMetadata(): MetricMetadata[] {
    const out: MetricMetadata[] = [];
    for (const [name, e] of this.metadata)
      out.push({ metric: name, type: e.type, help: e.help, unit: e.unit });
    return out;
  }
}
