/**
 * The head: the in-memory part of the TSDB holding the most recent samples, indexed by label
 * pair, made durable by the WAL. Appends go through {@link HeadAppender} (append.ts), reads
 * through {@link HeadQuerier} (read.ts); replay from the WAL is in wal.ts.
 */
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { Appender, Querier, Storage } from '../../storage/interface.js';
import { MemPostings } from '../index/mempostings.js';
import { postingsForMatchers } from '../index/postings-for-matchers.js';
import { Encbuf } from '../record/encbuf.js';
import { encodeTombstones } from '../record/encode.js';
import type { RefTombstone } from '../record/types.js';
import { Tombstones } from '../tombstones/tombstones.js';
import { ExemplarStorage } from './exemplars.js';
import { HeadAppender } from './append.js';
import { HeadQuerier } from './read.js';
import { MemSeries, NO_TIME } from './series.js';

/** Default chunk range / block duration: 2 hours in ms (`--storage.tsdb.min-block-duration`). */
export const DEFAULT_CHUNK_RANGE = 2 * 60 * 60 * 1000;

/** The head's map key for a label set: 30 bits of its hash, a small integer. */
function hashKey(labels: Labels): number {
  return labels.hashLow() & 0x3fffffff;
}

/** Where the head writes its records: the WAL (or nothing, for a head without durability). */
export interface RecordLog {
  /** Writes whole records (encoded by tsdb/record) in order; durable once `log` returns. */
  log(...records: Uint8Array[]): void;
}

/** Options of a head. */
export interface HeadOptions {
  /** Chunk range in ms; samples older than half a range behind the newest are out of bounds. */
  chunkRange?: number;
  /** The WAL to log to; none means an in-memory head. */
  wal?: RecordLog | null;
  /** Capacity of the exemplar ring buffer (`storage.exemplars.max_exemplars`); 0 disables it. */
  maxExemplars?: number;
}

/** Counters the head keeps, under Prometheus's metric names where the API exposes them. */
export interface HeadStats {
  /** prometheus_tsdb_head_series_created_total */
  seriesCreated: number;
  /** prometheus_tsdb_head_series_removed_total */
  seriesRemoved: number;
  /** prometheus_tsdb_head_samples_appended_total */
  samplesAppended: number;
  /** prometheus_tsdb_head_chunks_created_total */
  chunksCreated: number;
  /** prometheus_tsdb_head_chunks_removed_total */
  chunksRemoved: number;
  /** prometheus_tsdb_out_of_order_samples_total */
  outOfOrderSamples: number;
  /** prometheus_tsdb_out_of_bound_samples_total */
  outOfBoundSamples: number;
}

/** The in-memory head block. */
export class Head implements Storage {
  /** Chunk range in ms. */
  readonly chunkRange: number;
  /** The WAL, if any. */
  readonly wal: RecordLog | null;
  /** The inverted index over the head's series. */
  readonly postings = new MemPostings();
  /** Exemplars of all series. */
  readonly exemplars: ExemplarStorage;
  /** Deleted intervals by series reference, honoured by head queries and compaction. */
  readonly tombstones = new Tombstones();
  /** Counters for self-monitoring. */
  readonly stats: HeadStats = {
    seriesCreated: 0,
    seriesRemoved: 0,
    samplesAppended: 0,
    chunksCreated: 0,
    chunksRemoved: 0,
    outOfOrderSamples: 0,
    outOfBoundSamples: 0,
  };

  // Keyed by 30 bits of the label hash, so keys stay small integers (V8 Smis) that Map hashes
  // without boxing; the rare collisions share an array and are told apart by equals().
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  // References are dense small integers: an array indexed by ref beats a Map on the hot path.
  private readonly byRef: (MemSeries | undefined)[] = [];
  private seriesCount = 0;
  private lastRef = 0;
  private txnCounter = 0;
  private minT = NO_TIME;
  private maxT = NO_TIME;
  /** No sample older than this may be appended (raised when the head is truncated). */
  private minValid = NO_TIME;

  /** Creates an empty head. */
  constructor(opts: HeadOptions = {}) {
    this.chunkRange = opts.chunkRange ?? DEFAULT_CHUNK_RANGE;
    this.wal = opts.wal ?? null;
    this.exemplars = new ExemplarStorage(opts.maxExemplars ?? 0);
  }

  /** The number of series in the head (prometheus_tsdb_head_series). */
  numSeries(): number {
    return this.seriesCount;
  }

  /** The oldest sample time in the head, or NO_TIME when empty. */
  minTime(): number {
    return this.minT;
  }

  /** The newest sample time in the head, or NO_TIME when empty. */
  maxTime(): number {
    return this.maxT;
  }

  /**
   * The oldest timestamp an appender accepts: half a chunk range behind the newest sample,
   * and never before what was already truncated away (Prometheus's appendable window).
   */
  appendableMinValidTime(): number {
    if (this.maxT === NO_TIME) return this.minValid;
    return Math.max(this.minValid, this.maxT - this.chunkRange / 2);
  }

  /** The series with this reference, if any. */
  seriesByRef(ref: number): MemSeries | undefined {
    return this.byRef[ref];
  }

  /** The series with these labels, if any. */
  seriesByLabels(labels: Labels): MemSeries | undefined {
    const e = this.byHash.get(hashKey(labels));
    if (e === undefined) return undefined;
    if (e instanceof MemSeries) return e.labels.equals(labels) ? e : undefined;
    for (const s of e) if (s.labels.equals(labels)) return s;
    return undefined;
  }

  /**
   * Finds or creates the series for `labels`; with `ref` > 0 the series is created under that
   * reference (WAL replay). Returns the series and whether it was created.
   */
  getOrCreate(labels: Labels, ref = 0): { series: MemSeries; created: boolean } {
    const existing = this.seriesByLabels(labels);
    if (existing) return { series: existing, created: false };
    const id = ref > 0 ? ref : ++this.lastRef;
    if (id > this.lastRef) this.lastRef = id;
    const s = new MemSeries(id, labels);
    const h = hashKey(labels);
    const e = this.byHash.get(h);
    // Hash collisions are rare: a single series per hash is stored without an array.
    if (e === undefined) this.byHash.set(h, s);
    else if (e instanceof MemSeries) this.byHash.set(h, [e, s]);
    else e.push(s);
    this.byRef[id] = s;
    this.seriesCount++;
    this.postings.add(id, labels);
    this.stats.seriesCreated++;
    return { series: s, created: true };
  }

  /** A new transaction number, so appenders can tell their own pending samples apart. */
  nextTxn(): number {
    return ++this.txnCounter;
  }

  /** Widens the head's time bounds to include `t` (called when samples are committed). */
  updateTimeBounds(t: number): void {
    if (this.minT === NO_TIME || t < this.minT) this.minT = t;
    if (this.maxT === NO_TIME || t > this.maxT) this.maxT = t;
  }

  appender(): Appender {
    return new HeadAppender(this);
  }

  querier(mint: number, maxt: number): Querier {
    return new HeadQuerier(this, mint, maxt);
  }

  /**
   * Deletes the samples of the series matching `matchers` within `[mint, maxt]` (Prometheus's
   * `Head.Delete`): each interval is clamped to the series' own samples, logged to the WAL as a
   * tombstones record (so a restart keeps it) and then honoured by queries. Returns the
   * number of series touched.
   */
  delete(mint: number, maxt: number, matchers: readonly Matcher[]): number {
    const refs = postingsForMatchers(this.postings, matchers);
    const stones: RefTombstone[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.byRef[refs[i]!];
      if (s === undefined) continue;
      const first = s.minTime();
      const last = s.lastT;
      if (first === NO_TIME || first > maxt || last < mint) continue;
      stones.push({ ref: s.ref, mint: Math.max(mint, first), maxt: Math.min(maxt, last) });
    }
    if (stones.length === 0) return 0;
    this.wal?.log(encodeTombstones(stones, new Encbuf(16 * stones.length + 8)));
    for (const st of stones) this.tombstones.addInterval(st.ref, { mint: st.mint, maxt: st.maxt });
    return stones.length;
  }

  /**
   * Drops data older than `mint` (after compaction persisted it to a block) and removes the
   * series left without samples. Samples older than `mint` are rejected from now on.
   */
  truncate(mint: number): void {
    if (mint > this.minValid) this.minValid = mint;
    this.gc(mint);
  }

  /** Removes chunks before `mint` and the series that end up empty; returns removed refs. */
  gc(mint: number): Set<number> {
    const removed = new Set<number>();
    let newMin = NO_TIME;
    for (const s of this.allSeries()) {
      this.stats.chunksRemoved += s.truncateChunksBefore(mint);
      if (s.isEmpty() && s.pendingTxn === 0) {
        this.deleteSeries(s);
        removed.add(s.ref);
      } else {
        const t = s.minTime();
        if (t !== NO_TIME && (newMin === NO_TIME || t < newMin)) newMin = t;
      }
    }
    this.minT = newMin;
    if (newMin === NO_TIME) this.maxT = NO_TIME;
    return removed;
  }

  private deleteSeries(s: MemSeries): void {
    const h = hashKey(s.labels);
    const e = this.byHash.get(h);
    if (e instanceof MemSeries) this.byHash.delete(h);
    else if (e) {
      const rest = e.filter((x) => x !== s);
      this.byHash.set(h, rest.length === 1 ? rest[0]! : rest);
    }
    this.byRef[s.ref] = undefined;
    this.seriesCount--;
    this.postings.delete(s.ref, s.labels);
    this.stats.seriesRemoved++;
  }

  /** Every series, in reference order (for checkpoints and compaction). */
  *allSeries(): IterableIterator<MemSeries> {
    for (const s of this.byRef) if (s !== undefined) yield s;
  }
}
