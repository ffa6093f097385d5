/**
 * What a block is written from: series in label order, each with its chunks inside the block's
 * range. Two sources: the head (its chunks as they are, so the block's chunks are byte for byte
 * the head's, as Prometheus's head compaction writes them) and any querier (samples re-encoded
 * into XOR chunks of at most 120 samples, as Prometheus's `seriesToChunkEncoder` does).
 */
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { ValueType, type Querier, type SampleIterator } from '../../storage/interface.js';
import type { Chunk } from '../chunkenc/chunk.js';
import { XORChunk } from '../chunkenc/xor.js';
import type { ChunkMeta } from '../chunks/chunks.js';
import type { Head } from '../head/head.js';
import type { HeadChunk, MemSeries } from '../head/series.js';

/**
 * The head's symbols always include the empty string (its postings index keeps every series
 * under the label pair ("", "")), so every block Prometheus cuts from a head has "" as symbol 0.
 * The sources here add it too, to write the same index.
 */
const EMPTY_SYMBOL = '';

/** A series with its chunks (data loaded), as a block writer takes it. */
export interface ChunkSeries {
  readonly labels: Labels;
  readonly chunks: ChunkMeta[];
}

/** The series a block is written from. */
export interface ChunkSeriesSource {
  /** Every label name and value of the series, in any order, repeats allowed. */
  symbols(): Iterable<string>;
  /** The series in label order, each with its chunks in time order. */
  series(): Iterable<ChunkSeries>;
}

/** Samples per re-encoded chunk (Prometheus's `seriesToChunkEncoderSplit`). */
export const SAMPLES_PER_ENCODED_CHUNK = 120;

/** Re-encodes the samples of `c` within `[mint, maxt]` into a new XOR chunk; null when none. */
function clipChunk(c: Chunk, mint: number, maxt: number): ChunkMeta | null {
  const out = new XORChunk();
  const app = out.appender();
  const it = c.iterator();
  let first = 0;
  let last = 0;
  let n = 0;
  for (let vt = it.seek(mint); vt !== ValueType.None && it.t <= maxt; vt = it.next()) {
    if (n === 0) first = it.t;
    last = it.t;
    app.append(it.t, it.v);
    n++;
  }
  const err = it.err();
  if (err !== null) throw err;
  return n === 0 ? null : { ref: 0, minT: first, maxT: last, chunk: out };
}

/**
 * The head's series with data in `[mint, maxt)` (maxt exclusive, as a block's range). Chunks
 * inside the range are taken as they are; a chunk crossing its edge is re-encoded with the
 * samples inside (the head cuts chunks at range boundaries, so this is rare).
 */
export function headSource(head: Head, mint: number, maxt: number): ChunkSeriesSource {
  const last = maxt - 1;
  const chosen = (): MemSeries[] => {
    const out: MemSeries[] = [];
    for (const s of head.allSeries()) {
      const first = s.minTime();
      if (first === Number.MIN_SAFE_INTEGER || first > last || s.lastT < mint) continue;
      out.push(s);
    }
    return out.sort((a, b) => Labels.compare(a.labels, b.labels));
  };
  return {
    *symbols() {
      yield EMPTY_SYMBOL;
      for (const s of chosen()) yield* s.labels.flat();
    },
    *series() {
      for (const s of chosen()) {
        const all: HeadChunk[] = s.head ? [...s.chunks, s.head] : [...s.chunks];
        const chunks: ChunkMeta[] = [];
        for (const c of all) {
          if (c.maxT < mint || c.minT > last || c.chunk.numSamples() === 0) continue;
          if (c.minT >= mint && c.maxT <= last) {
            chunks.push({ ref: 0, minT: c.minT, maxT: c.maxT, chunk: c.chunk });
          } else {
            const clipped = clipChunk(c.chunk, mint, last);
            if (clipped !== null) chunks.push(clipped);
          }
        }
        if (chunks.length > 0) yield { labels: s.labels, chunks };
      }
    },
  };
}

/** Selects every series: a missing `__name__` reads as "", which `.*` accepts. */
const ALL_SERIES = (): Matcher => Matcher.create('=~', '__name__', '.*');

/**
 * The series of a querier (over the block's range, maxt inclusive), re-encoded into chunks of
 * at most 120 samples. `matchers` narrow the series (default: all).
 */
export function querierSource(q: Querier, matchers: Matcher[] = [ALL_SERIES()]): ChunkSeriesSource {
  return {
    *symbols() {
      yield EMPTY_SYMBOL;
      const set = q.select(true, undefined, ...matchers);
      while (set.next()) yield* set.at().labels.flat();
      const err = set.err();
      if (err) throw err;
    },
    *series() {
      const set = q.select(true, undefined, ...matchers);
      while (set.next()) {
        const s = set.at();
        const chunks = encodeChunks(s.iterator());
        if (chunks.length > 0) yield { labels: s.labels, chunks };
      }
      const err = set.err();
      if (err) throw err;
    },
  };
}

/** Re-encodes the samples of `it` into XOR chunks of at most {@link SAMPLES_PER_ENCODED_CHUNK} samples. */
export function encodeChunks(it: SampleIterator): ChunkMeta[] {
  const chunks: ChunkMeta[] = [];
  let cur: ChunkMeta | null = null;
  let app: ReturnType<XORChunk['appender']> | null = null;
  let n = 0;
  while (it.next() !== ValueType.None) {
    if (cur === null || n >= SAMPLES_PER_ENCODED_CHUNK) {
      const chunk = new XORChunk();
      cur = { ref: 0, minT: it.t, maxT: it.t, chunk };
      app = chunk.appender();
      chunks.push(cur);
      n = 0;
    }
    app!.append(it.t, it.v);
    cur.maxT = it.t;
    n++;
  }
  const err = it.err();
  if (err) throw err;
  return chunks;
}
