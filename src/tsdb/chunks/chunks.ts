/**
 * The chunk segment files of a block (`chunks/000001`, …; Prometheus's `tsdb/chunks`): the file
 * header, the layout of one chunk, and the chunk references the index stores.
 *
 * A segment starts with an 8-byte header (magic 0x85BD40DD, format version 1, three zero bytes)
 * and holds chunks back to back, each as `len <uvarint> | encoding <1b> | data | CRC32C <4b>`,
 * the CRC covering the encoding byte and the data. A reference is `segment << 32 | offset`,
 * where segment counts from 0 for `000001`.
 */
import type { Chunk } from '../chunkenc/chunk.js';

/** Magic number at the start of every chunk segment file. */
export const MAGIC_CHUNKS = 0x85bd40dd;
/** The only segment format version. */
export const CHUNKS_FORMAT_V1 = 1;
/** Bytes of the segment header: magic, version, padding. */
export const SEGMENT_HEADER_SIZE = 8;
/** Largest size of a chunk's length field (a uvarint of at most 32 bits). */
export const MAX_CHUNK_LENGTH_FIELD_SIZE = 5;
/** Bytes of the encoding field. */
export const CHUNK_ENCODING_SIZE = 1;
/** Bytes of the CRC32C after each chunk. */
export const CRC_SIZE = 4;
/** Default maximum segment size (Prometheus's `DefaultChunkSegmentSize`): 512 MiB. */
export const DEFAULT_CHUNK_SEGMENT_SIZE = 512 * 1024 * 1024;

const TWO_32 = 4294967296;

/** Packs a segment index and an offset into a block chunk reference (exact below 2^53). */
export function blockChunkRef(segment: number, offset: number): number {
  return segment * TWO_32 + offset;
}

/** The segment index of a chunk reference. */
export function refSegment(ref: number): number {
  return Math.floor(ref / TWO_32);
}

/** The offset inside its segment of a chunk reference. */
export function refOffset(ref: number): number {
  return ref % TWO_32;
}

/** The file name of segment `seq` (1-based): six zero-padded digits, as Prometheus names them. */
export function segmentName(seq: number): string {
  return String(seq).padStart(6, '0');
}

/**
 * A chunk of one series with its time range (Prometheus's `chunks.Meta`): `ref` locates it in
 * a block, `chunk` holds its bytes when loaded.
 */
export interface ChunkMeta {
  /** The block chunk reference (0 until written). */
  ref: number;
  /** Timestamp of the first sample, ms. */
  minT: number;
  /** Timestamp of the last sample, ms. */
  maxT: number;
  /** The chunk's data, when in memory. */
  chunk: Chunk | null;
}
