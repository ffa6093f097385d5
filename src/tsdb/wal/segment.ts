/**
 * The on-disk layout of WAL segments (wal.md): sizes, fragment types and segment file names.
 *
 * A segment is a file named by its 8-digit index, written in 32 KiB pages. Each page holds
 * record fragments, each with a 7-byte header: a type byte (3 reserved bits, a zstd flag, a
 * snappy flag, a 3-bit fragment type), a big-endian 16-bit length and a big-endian CRC32-C of
 * the fragment's data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Size of a page; fragments never cross a page boundary. */
export const PAGE_SIZE = 32 * 1024;
/** Size of a fragment header: type, length, CRC. */
export const FRAGMENT_HEADER_SIZE = 7;
/** Prometheus's default segment size, 128 MiB. */
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

/** Fragment types: the low three bits of a fragment's type byte. */
export const enum FragmentType {
  /** The rest of the page is zero padding. */
  PageTerm = 0,
  /** A whole record. */
  Full = 1,
  First = 2,
  Middle = 3,
  Last = 4,
}

/** Mask of the fragment type in the type byte. */
export const FRAGMENT_TYPE_MASK = 0x07;
/** Flag bit: the record's data is snappy-compressed. */
export const SNAPPY_FLAG = 0x08;
/** Flag bit: the record's data is zstd-compressed. */
export const ZSTD_FLAG = 0x10;

/** The file name of segment `index`: eight digits, zero-padded. */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** The path of segment `index` inside `dir`. */
export function segmentPath(dir: string, index: number): string {
  return path.join(dir, segmentName(index));
}

/** One segment: a file, or bytes in memory. */
export interface SegmentRef {
  /** The directory holding it (a WAL or a checkpoint). */
  readonly dir: string;
  readonly index: number;
  /** The segment's bytes, when it is read from memory rather than from `dir` (tools, tests). */
  readonly data?: Uint8Array;
}

// Segment names are decimal indexes; anything else in the directory (checkpoints, temporary
// files) is not a segment.
const SEGMENT_NAME = /^\d+$/;

/**
 * The segments in `dir`, in index order. Throws when the indexes are not consecutive, as
 * Prometheus does: a gap means lost data, and replaying across it would be wrong.
 */
export function listSegments(dir: string): SegmentRef[] {
  const out: SegmentRef[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!SEGMENT_NAME.test(ent.name) || !ent.isFile()) continue;
    out.push({ dir, index: Number(ent.name) });
  }
  out.sort((a, b) => a.index - b.index);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.index !== out[i - 1]!.index + 1) {
      throw new Error(
        `WAL ${dir}: segments are not consecutive: ${segmentName(out[i - 1]!.index)} is followed by ${segmentName(out[i]!.index)}`,
      );
    }
  }
  return out;
}

/** The first and last segment index in `dir`, or `-1, -1` when there is none. */
export function segmentRange(dir: string): { first: number; last: number } {
  const segs = listSegments(dir);
  if (segs.length === 0) return { first: -1, last: -1 };
  return { first: segs[0]!.index, last: segs[segs.length - 1]!.index };
}

/** Fsyncs a directory so that entries created, renamed or removed in it survive a crash. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
