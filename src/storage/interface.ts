/**
 * The interfaces every layer of ignis speaks: appenders that write samples, queriers that read
 * series, and the iterators between them.
 *
 * Contracts that hold for every implementation:
 * - Everything here is synchronous. Appends land in buffered structures (the head, the WAL
 *   buffer); reads come from memory or from buffered file reads. Long work yields at a higher
 *   level (the query engine, compaction), never per sample.
 * - Iterators allocate nothing per sample: the current sample is read from fields (`t`, `v`)
 *   after `next()` or `seek()` reported a value. The fields are only valid until the next call.
 * - Timestamps are integer milliseconds since the epoch; values are float64, and the stale
 *   marker (model/value.ts) is an ordinary value to storage.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Metadata } from '../model/metadata.js';

/** An opaque, stable reference to a series inside one appendable; 0 means "unknown". */
export type SeriesRef = number;

/** An exemplar as storage keeps it. */
export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch. */
  readonly ts: number;
  /** True when the exposition carried a timestamp for it. */
  readonly hasTs: boolean;
}

/**
 * Writes samples in one transaction. Nothing appended is visible to queriers until
 * {@link Appender.commit} returns; after `commit` or `rollback` the appender must not be used.
 */
export interface Appender {
  /**
   * Appends a float sample. `ref` is a reference returned by an earlier call for the same
   * label set, or 0; the returned reference may be cached and passed back later. Throws a
   * {@link StorageError} (out of order, out of bounds, duplicate, …) for a rejected sample;
   * a rejected sample does not abort the transaction.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /** Attaches an exemplar to a series. */
  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef;
  /** Records the metadata of a series' metric. */
  updateMetadata(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef;
  /** Makes every appended sample durable (where the storage is durable) and visible. */
  commit(): void;
  /** Drops every sample appended in this transaction. */
  rollback(): void;
}

/** Something that hands out appenders. */
export interface Appendable {
  /** A new appender; each transaction gets its own. */
  appender(): Appender;
}

/** What a sample iterator is positioned on. */
export const enum ValueType {
  /** No sample: the iterator is exhausted (or failed; see `err()`). */
  None = 0,
  Float = 1,
  Histogram = 2,
  FloatHistogram = 3,
}

/**
 * Iterates the samples of one series in increasing timestamp order. After `next()` or `seek()`
 * returns a value other than `None`, `t` and `v` hold the current sample.
 */
export interface SampleIterator {
  /** Advances to the next sample. */
  next(): ValueType;
  /**
   * Advances to the first sample with timestamp ≥ `t`. If the current sample already
   * qualifies, the iterator stays on it. Never moves backwards.
   */
  seek(t: number): ValueType;
  /** The timestamp of the current sample. */
  readonly t: number;
  /** The value of the current float sample. */
  readonly v: number;
  /** The error that ended iteration early, if any. */
  err(): Error | null;
}

/** A series: its labels and a way to iterate its samples. */
export interface Series {
  readonly labels: Labels;
  /** An iterator over the samples; `reuse` may be recycled by the implementation. */
  iterator(reuse?: SampleIterator): SampleIterator;
}

/** Iterates series, in label order when the caller asked for sorted results. */
export interface SeriesSet {
  /** Advances to the next series; false at the end or on error. */
  next(): boolean;
  /** The current series. */
  at(): Series;
  /** The error that ended iteration early, if any. */
  err(): Error | null;
  /** Warnings collected while selecting (e.g. a partial result from one source). */
  warnings(): readonly string[];
}

/** Optional information a querier may use to read less. */
export interface SelectHints {
  /** Start of the time range the caller needs, ms. */
  start: number;
  /** End of the time range the caller needs, ms. */
  end: number;
  /** The query step, ms (0 for instant queries). */
  step?: number;
  /** The enclosing function, e.g. `rate`, or `series` for the series API. */
  func?: string;
  /** Upper bound on the number of series wanted (0: no limit). */
  limit?: number;
}

/** Optional information for label name and value look-ups. */
export interface LabelHints {
  /** Upper bound on the number of results (0: no limit). */
  limit?: number;
}

/**
 * Reads series within the time range the querier was made for. Label look-ups return sorted,
 * deduplicated lists, in UTF-8 byte order.
 */
export interface Querier {
  /** Selects the series matching all matchers. With `sorted`, the set is in label order. */
  select(sorted: boolean, hints: SelectHints | undefined, ...matchers: Matcher[]): SeriesSet;
  /** The values of a label among series matching the matchers (all series when none). */
  labelValues(name: string, hints: LabelHints | undefined, ...matchers: Matcher[]): string[];
  /** The label names among series matching the matchers (all series when none). */
  labelNames(hints: LabelHints | undefined, ...matchers: Matcher[]): string[];
  /** Releases what the querier holds (block references, read buffers). */
  close(): void;
}

/** Something that hands out queriers for a time range. */
export interface Queryable {
  /** A querier over `[mint, maxt]`, both inclusive, in ms. */
  querier(mint: number, maxt: number): Querier;
}

/** Everything a storage offers: writing and reading. */
export interface Storage extends Appendable, Queryable {}

/** Kinds of append rejection, named as Prometheus's storage errors. */
export type StorageErrorKind =
  | 'out_of_order'
  | 'out_of_bounds'
  | 'too_old'
  | 'duplicate_sample'
  | 'duplicate_exemplar'
  | 'out_of_order_exemplar'
  | 'exemplar_labels_too_long'
  | 'invalid_labels'
  | 'not_found';

const STORAGE_MESSAGES: Record<StorageErrorKind, string> = {
  out_of_order: 'out of order sample',
  out_of_bounds: 'out of bounds',
  too_old: 'too old sample',
  duplicate_sample: 'duplicate sample for timestamp',
  duplicate_exemplar: 'duplicate exemplar',
  out_of_order_exemplar: 'out of order exemplar',
  exemplar_labels_too_long: 'label set of exemplar exceeds 128 characters',
  invalid_labels: 'invalid labels',
  not_found: 'not found',
};

/** A rejected append or a failed look-up, with Prometheus's message for its kind. */
export class StorageError extends Error {
  /** Which rejection this is; callers count rejections by kind. */
  readonly kind: StorageErrorKind;

  /** Creates the error; `detail` is appended after the standard message. */
  constructor(kind: StorageErrorKind, detail?: string) {
    super(detail ? `${STORAGE_MESSAGES[kind]}: ${detail}` : STORAGE_MESSAGES[kind]);
    this.name = 'StorageError';
    this.kind = kind;
  }
}
