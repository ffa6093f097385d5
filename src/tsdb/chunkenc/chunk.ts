/**
 * What every chunk encoding shares: the encoding identifiers written to disk, the chunk and
 * appender contracts, construction from stored bytes, and the rules the head uses to decide
 * when to cut a chunk (Prometheus's `tsdb/chunkenc/chunk.go` and the cutting logic of
 * `tsdb/head_append.go`).
 */
import type { SampleIterator } from '../../storage/interface.js';
import { XORChunk } from './xor.js';

/** Identifier of a chunk encoding: the byte stored before each chunk's data in a segment file. */
export const enum Encoding {
  None = 0,
  XOR = 1,
  Histogram = 2,
  FloatHistogram = 3,
}

/** The name Prometheus prints for an encoding (`promtool tsdb dump`, error messages). */
export function encodingString(e: Encoding): string {
  switch (e) {
    case Encoding.None:
      return 'none';
    case Encoding.XOR:
      return 'XOR';
    case Encoding.Histogram:
      return 'histogram';
    case Encoding.FloatHistogram:
      return 'floathistogram';
  }
  return '<unknown>';
}

/** True for encodings a chunk may be stored with (`None` is not one). */
export function isValidEncoding(e: number): boolean {
  return e === Encoding.XOR || e === Encoding.Histogram || e === Encoding.FloatHistogram;
}

/** Appends samples to a chunk (Prometheus's `chunkenc.Appender`). */
export interface ChunkAppender {
  /**
   * Appends a float sample. Timestamps must be integers that increase from call to call; the
   * head checks order before appending, the encoding does not (as in Prometheus).
   */
  append(t: number, v: number): void;
}

/**
 * A sequence of samples in one encoding (Prometheus's `chunkenc.Chunk`).
 *
 * Buffer ownership: `bytes()` returns a view of the chunk's current bytes, not a copy; it stays
 * valid while nothing is appended (an append may grow the buffer and leave the view behind on
 * the old one, which still holds the samples it held). An iterator reads the bytes and sample
 * count as they were when it was created, so samples appended later are invisible to it.
 * A chunk made from stored bytes never writes into them: its first appender copies them.
 */
export interface Chunk {
  /** The encoded data, as stored after the encoding byte in a segment file. */
  bytes(): Uint8Array;
  /** The chunk's encoding. */
  encoding(): Encoding;
  /** An appender continuing after the last sample; use one appender at a time. */
  appender(): ChunkAppender;
  /** An iterator over the samples; `reuse` is recycled when it is of the right kind. */
  iterator(reuse?: SampleIterator): SampleIterator;
  /** Number of samples in the chunk. */
  numSamples(): number;
  /** Releases spare capacity; called when the chunk is expected to be complete. */
  compact(): void;
}

/**
 * A chunk over stored bytes (Prometheus's `chunkenc.FromData`). The bytes are referenced, not
 * copied. Throws for an encoding ignis cannot decode (histogram chunks are not implemented yet).
 */
export function chunkFromData(encoding: number, data: Uint8Array): Chunk {
  switch (encoding) {
    case Encoding.XOR:
      return XORChunk.fromData(data);
  }
  throw new Error(`invalid chunk encoding "${encodingString(encoding)}" (${encoding})`);
}

/** An empty chunk of the given encoding (Prometheus's `chunkenc.NewEmptyChunk`). */
export function newEmptyChunk(encoding: number): Chunk {
  switch (encoding) {
    case Encoding.XOR:
      return new XORChunk();
  }
  throw new Error(`invalid chunk encoding "${encodingString(encoding)}" (${encoding})`);
}

// ---- Chunk cutting ---------------------------------------------------------------------------
//
// The head keeps one open chunk per series and cuts a new one (Prometheus 3, head_append.go,
// appendPreprocessor) when the first of these holds, checked before each append:
//
// 1. The open chunk is larger than MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND bytes.
// 2. The sample's timestamp reaches `nextAt`. A new chunk starts with
//    `nextAt = rangeForTimestamp(minTime, chunkRange)`, the end of the chunk range (by default
//    the 2h block range) it starts in, so chunks never straddle a block boundary. When the chunk
//    holds DEFAULT_SAMPLES_PER_CHUNK / 4 samples (30, checked before appending the 31st),
//    `nextAt = computeChunkEndTime(minTime, maxTime, nextAt, 4)`: assuming the rate so far
//    continues, the remaining range is split into equal chunks of about 120 samples each.
// 3. The open chunk already holds 2 * DEFAULT_SAMPLES_PER_CHUNK samples (the rate went up, so
//    the prediction was wrong); the next chunk predicts afresh.

/** Samples per chunk the head aims for (Prometheus's `DefaultSamplesPerChunk`). */
export const DEFAULT_SAMPLES_PER_CHUNK = 120;

/** Hard size target of an XOR chunk in bytes (Prometheus's `chunkenc.MaxBytesPerXORChunk`). */
export const MAX_BYTES_PER_XOR_CHUNK = 1024;

/**
 * Size above which the head cuts before appending: the limit less the largest sample an XOR
 * chunk can take (19 bytes: a 68-bit timestamp and a 77-bit value), so no chunk exceeds it.
 */
export const MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND = MAX_BYTES_PER_XOR_CHUNK - 19;

/** Size target of a histogram chunk in bytes (Prometheus's `TargetBytesPerHistogramChunk`). */
export const TARGET_BYTES_PER_HISTOGRAM_CHUNK = 1024;

/** Fewest samples a histogram chunk is cut at (Prometheus's `MinSamplesPerHistogramChunk`). */
export const MIN_SAMPLES_PER_HISTOGRAM_CHUNK = 10;

/**
 * End of the chunk range containing `t`: Go's `(t/width)*width + width`, whose division
 * truncates toward zero (so for negative `t` this is not a floor).
 */
export function rangeForTimestamp(t: number, width: number): number {
  return Math.trunc(t / width) * width + width;
}

/**
 * Predicted end time of a chunk that started at `start`, holds samples up to `cur`, and must end
 * by `maxT`, assuming it is `1/ratioToFull` full. The remaining range is divided into
 * `floor(n)` equal chunks, where `n` is how many chunks of the current rate fit before `maxT`;
 * the result is the end of the first. Mirrors Prometheus's float arithmetic and its truncating
 * conversion back to int64, so the head cuts at the same timestamps.
 */
export function computeChunkEndTime(start: number, cur: number, maxT: number, ratioToFull: number): number {
  const n = (maxT - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return maxT;
  return Math.trunc(start + (maxT - start) / Math.floor(n));
}
