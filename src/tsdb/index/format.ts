/**
 * Constants and small codecs of the index file of a block (Prometheus's `tsdb/index`; the layout
 * is in tsdb-format/format/index.md of the conformance data). The file starts with a magic
 * number and a version byte and ends with a table of contents of six 8-byte section offsets
 * and a CRC32C; every section carries its length and a CRC32C of its contents.
 */

/** Magic number at the start of an index file. */
export const MAGIC_INDEX = 0xbaaad700;
/** Index format 1: symbol and series references are byte offsets. */
export const FORMAT_V1 = 1;
/** Index format 2 (what Prometheus writes): symbols by number, series by offset / 16. */
export const FORMAT_V2 = 2;
/** Bytes of the header: magic and version. */
export const HEADER_LEN = 5;
/** Bytes of the table of contents: six offsets and a CRC32C. */
export const INDEX_TOC_LEN = 6 * 8 + 4;
/** Series entries start at multiples of this; in format 2 a series' reference is its offset / 16. */
export const SERIES_BYTE_ALIGN = 16;
/** Every this-many symbols (and postings-offset entries of a label name) the reader keeps an offset. */
export const SYMBOL_FACTOR = 32;

/** The section offsets of an index file. */
export interface TOC {
  symbols: number;
  series: number;
  labelIndices: number;
  labelIndicesTable: number;
  postings: number;
  postingsTable: number;
}

/** Reads a big-endian uint32 at `p`. */
export function be32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Reads a big-endian uint64 at `p` as a number (exact below 2^53). */
export function be64(b: Uint8Array, p: number): number {
  return be32(b, p) * 4294967296 + be32(b, p + 4);
}

/** Writes a big-endian uint32 at `p`. */
export function putBE32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** A corrupt or unreadable index: names the file and what is wrong. */
export class IndexError extends Error {
  /** Creates the error for `file`. */
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'IndexError';
  }
}
