/**
 * One series in the head: its labels, its closed chunks and the open chunk being appended to.
 * Chunk cutting follows Prometheus (see chunkenc/chunk.ts), so the head cuts chunks at the
 * same timestamps Prometheus would for the same samples.
 */
import type { Labels } from '../../model/labels.js';
import type { Metadata } from '../../model/metadata.js';
import {
  DEFAULT_SAMPLES_PER_CHUNK,
  MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND,
  computeChunkEndTime,
  rangeForTimestamp,
} from '../chunkenc/chunk.js';
import { XORChunk, type XORAppender } from '../chunkenc/xor.js';

/** A chunk of a head series with its time bounds. */
export interface HeadChunk {
  readonly chunk: XORChunk;
  minT: number;
  maxT: number;
}

/** No sample yet: a timestamp below every valid one. */
export const NO_TIME = Number.MIN_SAFE_INTEGER;

/** The outcome of checking whether a sample may be appended to a series. */
export const enum Appendable {
  /** Newer than every sample: append it. */
  Yes = 0,
  /** Same timestamp and bit-identical value as the last sample: skip it silently. */
  Duplicate = 1,
  /** Older than the last sample. */
  OutOfOrder = 2,
  /** Same timestamp as the last sample with another value. */
  DuplicateDifferentValue = 3,
}

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);

/** True when two float64s have the same bits (so NaN payloads and -0 count). */
function sameBits(a: number, b: number): boolean {
  f64[0] = a;
  f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

// Shared by every series without closed chunks; never modified (closing a chunk makes a new
// array), so a fresh series costs no array of its own.
const NO_CHUNKS: readonly HeadChunk[] = [];

/** Reads a pending sample back: the appender's typed arrays, by index. */
export interface PendingSamples {
  readonly ts: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * A series held in the head. Memory per series matters (a head holds millions), so fields are
 * few: the last timestamp is the open chunk's end, and an uncommitted sample is referred to by
 * its index in the appender's batch rather than copied here.
 */
export class MemSeries {
  /** Closed chunks, oldest first (exact-size arrays, replaced rather than grown). */
  chunks: readonly HeadChunk[] = NO_CHUNKS;
  /** The chunk being appended to, if any. */
  head: HeadChunk | null = null;
  private app: XORAppender | null = null;
  /** When the open chunk must be cut (Prometheus's `nextAt`). */
  private nextAt = NO_TIME;
  /** Value of the last committed sample (for the duplicate check). */
  lastV = 0;
  /** The open transaction holding an uncommitted sample of this series, or 0. */
  pendingTxn = 0;
  /** Index of that sample in the transaction's batch. */
  pendingIdx = 0;
  /** The metric metadata last recorded for this series. */
  metadata: Metadata | undefined;

  /** Creates an empty series. */
  constructor(
    readonly ref: number,
    readonly labels: Labels,
  ) {}

  /** The oldest sample's timestamp, or NO_TIME when the series is empty. */
  minTime(): number {
    if (this.chunks.length > 0) return this.chunks[0]!.minT;
    return this.head ? this.head.minT : NO_TIME;
  }

  /** Timestamp of the last committed sample, or NO_TIME. */
  get lastT(): number {
    if (this.head !== null) return this.head.maxT;
    return this.chunks.length > 0 ? this.chunks[this.chunks.length - 1]!.maxT : NO_TIME;
  }

  /** Checks a sample against the last one this transaction (`pending`) or an earlier one wrote. */
  appendable(t: number, v: number, txn: number, pending: PendingSamples): Appendable {
    let lastT: number;
    let lastV: number;
    if (this.pendingTxn === txn) {
      lastT = pending.ts[this.pendingIdx]!;
      lastV = pending.values[this.pendingIdx]!;
    } else {
      lastT = this.lastT;
      lastV = this.lastV;
    }
    if (lastT === NO_TIME || t > lastT) return Appendable.Yes;
    if (t < lastT) return Appendable.OutOfOrder;
    return sameBits(v, lastV) ? Appendable.Duplicate : Appendable.DuplicateDifferentValue;
  }

  /** Appends a sample already checked by {@link appendable}; returns true if a chunk was cut. */
  append(t: number, v: number, chunkRange: number): boolean {
    let cut = false;
    let c = this.head;
    if (c === null) {
      c = this.cut(t, chunkRange);
      cut = true;
    }
    const n = c.chunk.numSamples();
    if (n === 0) {
      c.minT = t;
      this.nextAt = rangeForTimestamp(t, chunkRange);
    }
    // At a quarter of the target, predict where the chunk should end so the rest of the range
    // splits into chunks of about DEFAULT_SAMPLES_PER_CHUNK samples.
    if (n === DEFAULT_SAMPLES_PER_CHUNK / 4) {
      this.nextAt = computeChunkEndTime(c.minT, c.maxT, this.nextAt, 4);
    }
    if (
      n > 0 &&
      (t >= this.nextAt ||
        n >= DEFAULT_SAMPLES_PER_CHUNK * 2 ||
        c.chunk.bytes().length > MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND)
    ) {
      c = this.cut(t, chunkRange);
      cut = true;
    }
    this.app!.append(t, v);
    c.maxT = t;
    this.lastV = v;
    return cut;
  }

  private cut(t: number, chunkRange: number): HeadChunk {
    if (this.head !== null) {
      this.head.chunk.compact();
      this.chunks = [...this.chunks, this.head];
    }
    const chunk = new XORChunk();
    const c: HeadChunk = { chunk, minT: t, maxT: NO_TIME };
    this.head = c;
    this.app = chunk.appender();
    this.nextAt = rangeForTimestamp(t, chunkRange);
    return c;
  }

  /**
   * Drops closed chunks that end before `mint` (after compaction persisted them). Returns the
   * number of chunks removed. The open chunk is dropped too when it ends before `mint`.
   */
  truncateChunksBefore(mint: number): number {
    let i = 0;
    while (i < this.chunks.length && this.chunks[i]!.maxT < mint) i++;
    if (i > 0) this.chunks = this.chunks.length === i ? NO_CHUNKS : this.chunks.slice(i);
    if (this.head !== null && this.chunks.length === 0 && this.head.maxT < mint) {
      this.head = null;
      this.app = null;
      return i + 1;
    }
    return i;
  }

  /** True when the series holds no samples at all. */
  isEmpty(): boolean {
    return this.chunks.length === 0 && this.head === null;
  }
}
