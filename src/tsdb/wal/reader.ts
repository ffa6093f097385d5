/**
 * Reads whole records back from a sequence of WAL segments, reassembling fragments, checking
 * every CRC and the page structure, and reporting the first damage as a {@link CorruptionError}
 * that names the segment and the offset of the last good record boundary, which is exactly
 * where repair truncates.
 *
 * The reader is synchronous and pull-based, like Prometheus's: `next()` advances, `record()`
 * is the current record, `err()` says why iteration stopped early. Segments are read through a
 * page-aligned window, so a record held in one fragment is returned without copying.
 */
import * as fs from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { ZSTD_SUPPORTED, decompressSnappy, decompressZstd, hasZstdMagic } from './compression.js';
import {
  FRAGMENT_HEADER_SIZE,
  FRAGMENT_TYPE_MASK,
  FragmentType,
  PAGE_SIZE,
  SNAPPY_FLAG,
  ZSTD_FLAG,
  listSegments,
  segmentName,
  segmentPath,
  type SegmentRef,
} from './segment.js';

/** Damage in a WAL segment: where the last good record ends and what is wrong after it. */
export class CorruptionError extends Error {
  /** The directory of the damaged segment (a WAL or a checkpoint). */
  readonly dir: string;
  /** The damaged segment's index. */
  readonly segment: number;
  /** Byte offset in the segment where the damaged record (or padding) starts; everything before it is intact. */
  readonly offset: number;
  /** What is wrong, with the offset of the bad fragment where that differs. */
  readonly reason: string;

  constructor(dir: string, segment: number, offset: number, reason: string) {
    super(`WAL corruption in segment ${segmentName(segment)} of ${dir} at offset ${offset}: ${reason}`);
    this.name = 'CorruptionError';
    this.dir = dir;
    this.segment = segment;
    this.offset = offset;
    this.reason = reason;
  }
}

/**
 * A record compressed in a way this runtime cannot decompress (zstd before Node.js 22.15). The
 * WAL is not damaged: it must not be repaired, and ignis must not start on it and lose data.
 */
export class UnsupportedCompressionError extends Error {
  /** The segment's directory. */
  readonly dir: string;
  /** The segment's index. */
  readonly segment: number;
  /** Byte offset of the record in the segment. */
  readonly offset: number;

  constructor(dir: string, segment: number, offset: number, what: string) {
    super(
      `WAL segment ${segmentName(segment)} of ${dir} at offset ${offset}: ${what}; ` +
        'run ignis on Node.js 22.15 or later, or restart Prometheus with --storage.tsdb.wal-compression-type=snappy ' +
        'and let it write a checkpoint',
    );
    this.name = 'UnsupportedCompressionError';
    this.dir = dir;
    this.segment = segment;
    this.offset = offset;
  }
}

/** Why a reader stopped early. */
export type ReaderError = CorruptionError | UnsupportedCompressionError;

/** Bytes read from a segment at most at once: whole pages, so fragments never straddle two windows. */
const WINDOW_SIZE = 32 * PAGE_SIZE;
const EMPTY = new Uint8Array(0);
const FRAGMENT_NAMES = ['page terminator', 'full', 'first', 'middle', 'last'];

/** Which segments of a directory to read; -1 leaves that end open. */
export interface SegmentRange {
  readonly dir: string;
  readonly first?: number;
  readonly last?: number;
}

/** The segments of `ranges`, in order (Prometheus's NewSegmentsRangeReader). */
export function segmentsInRanges(ranges: readonly SegmentRange[]): SegmentRef[] {
  const out: SegmentRef[] = [];
  for (const r of ranges) {
    const first = r.first ?? -1;
    const last = r.last ?? -1;
    for (const s of listSegments(r.dir)) {
      if (first >= 0 && s.index < first) continue;
      if (last >= 0 && s.index > last) break;
      out.push(s);
    }
  }
  return out;
}

/**
 * Iterates the records of a sequence of segments. Records never span segments; the segments
 * are read in the order given.
 */
export class Reader {
  private readonly segs: readonly SegmentRef[];
  private cur = -1;
  private fd = -1;
  /** The read buffer for segment files. */
  private buf = new Uint8Array(0);
  /** What the current segment is read through: `buf`, or an in-memory segment's bytes. */
  private win: Uint8Array = this.buf;
  private winStart = 0;
  private winLen = 0;
  private eof = true;
  private pos = 0;
  private rec: Uint8Array = EMPTY;
  private asm = new Uint8Array(PAGE_SIZE);
  private asmLen = 0;
  private error: ReaderError | null = null;
  private done = false;

  /** Index of the segment holding the current record. */
  segment = -1;
  /** Byte offset of the current record's first fragment in its segment. */
  offset = 0;
  /** Byte offset just past the current record's last fragment. */
  end = 0;

  /** Reads the given segments in order. */
  constructor(segments: readonly SegmentRef[]) {
    this.segs = segments;
  }

  /** Reads the segments of `dir` from `first` to `last` (inclusive; -1 or absent leaves an end open). */
  static open(dir: string, first = -1, last = -1): Reader {
    return new Reader(segmentsInRanges([{ dir, first, last }]));
  }

  /** The directory of the segment holding the current record. */
  get dir(): string {
    return this.cur >= 0 && this.cur < this.segs.length ? this.segs[this.cur]!.dir : '';
  }

  /**
   * The current record. It may be a view into the reader's buffers: valid until the next call
   * to `next()`; copy it to keep it.
   */
  record(): Uint8Array {
    return this.rec;
  }

  /** Why iteration stopped before the end, or null when it reached the end (or has not). */
  err(): ReaderError | null {
    return this.error;
  }

  /** Releases the open file, if any. Safe to call more than once. */
  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    this.done = true;
  }

  /**
   * Advances to the next record; false at the end or at the first damage (see `err()`). I/O
   * errors other than damage (a segment that cannot be opened) are thrown.
   */
  next(): boolean {
    if (this.done) return false;
    let inRecord = false;
    let recStart = 0;
    let recFlags = 0;
    this.asmLen = 0;
    for (;;) {
      if (this.pos >= this.winStart + this.winLen) {
        if (!this.eof) {
          this.fill();
          continue;
        }
        // The current segment is exhausted. A record never continues into the next one.
        if (inRecord) {
          return this.corrupt(
            recStart,
            `record at offset ${recStart} is torn: the segment ends before its last fragment`,
          );
        }
        if (!this.advanceSegment()) return false;
        continue;
      }
      const w = this.win;
      const pos = this.pos;
      const local = pos - this.winStart;
      const pageLeft = PAGE_SIZE - (pos % PAGE_SIZE);
      const avail = this.winStart + this.winLen - pos;
      const typeByte = w[local]!;
      const ft = typeByte & FRAGMENT_TYPE_MASK;

      // Fewer than a header's bytes left in the page, or a page terminator: zero padding up to
      // the page end (or the end of the file, for a segment cut mid-page). A terminator with
      // flag bits set is not zero, so it fails the check like any other stray byte.
      if (pageLeft < FRAGMENT_HEADER_SIZE || ft === FragmentType.PageTerm) {
        const stop = local + Math.min(pageLeft, avail);
        for (let i = local; i < stop; i++) {
          if (w[i] !== 0) {
            const at = pos + i - local;
            return this.corrupt(
              inRecord ? recStart : pos,
              `non-zero byte 0x${hex(w[i]!, 2)} at offset ${at} in page padding`,
            );
          }
        }
        this.pos = pos + pageLeft;
        continue;
      }

      const boundary = inRecord ? recStart : pos;
      if (avail < FRAGMENT_HEADER_SIZE) {
        return this.corrupt(
          boundary,
          `fragment header at offset ${pos} is cut off by the end of the segment`,
        );
      }
      const flags = typeByte & (SNAPPY_FLAG | ZSTD_FLAG);
      const len = (w[local + 1]! << 8) | w[local + 2]!;
      const crc =
        ((w[local + 3]! << 24) | (w[local + 4]! << 16) | (w[local + 5]! << 8) | w[local + 6]!) >>> 0;
      if (ft > FragmentType.Last) {
        return this.corrupt(
          boundary,
          `invalid fragment type ${ft} (type byte 0x${hex(typeByte, 2)}) at offset ${pos}`,
        );
      }
      if (len > pageLeft - FRAGMENT_HEADER_SIZE) {
        return this.corrupt(
          boundary,
          `fragment at offset ${pos} claims ${len} bytes, more than the ${pageLeft - FRAGMENT_HEADER_SIZE} left in its page`,
        );
      }
      if (avail < FRAGMENT_HEADER_SIZE + len) {
        return this.corrupt(
          boundary,
          `fragment at offset ${pos} is cut off: ${avail - FRAGMENT_HEADER_SIZE} of ${len} data bytes before the end of the segment`,
        );
      }
      const data = w.subarray(local + FRAGMENT_HEADER_SIZE, local + FRAGMENT_HEADER_SIZE + len);
      const actual = crc32c(data) >>> 0;
      if (actual !== crc) {
        return this.corrupt(
          boundary,
          `checksum mismatch in ${FRAGMENT_NAMES[ft]} fragment at offset ${pos}: stored 0x${hex(crc, 8)}, computed 0x${hex(actual, 8)}`,
        );
      }
      const next = pos + FRAGMENT_HEADER_SIZE + len;

      if (ft === FragmentType.Full || ft === FragmentType.First) {
        if (inRecord) {
          return this.corrupt(
            recStart,
            `record at offset ${recStart} is torn: a ${FRAGMENT_NAMES[ft]} fragment at offset ${pos} comes before its last fragment`,
          );
        }
        this.pos = next;
        if (ft === FragmentType.Full) {
          this.offset = pos;
          this.end = next;
          return this.emit(data, flags, pos);
        }
        inRecord = true;
        recStart = pos;
        recFlags = flags;
        this.append(data);
        continue;
      }
      // Middle or last.
      if (!inRecord) {
        return this.corrupt(pos, `${FRAGMENT_NAMES[ft]} fragment at offset ${pos} without a first fragment`);
      }
      if (flags !== recFlags) {
        return this.corrupt(
          recStart,
          `fragments of the record at offset ${recStart} disagree on compression (at offset ${pos})`,
        );
      }
      this.append(data);
      this.pos = next;
      if (ft === FragmentType.Last) {
        this.offset = recStart;
        this.end = next;
        return this.emit(this.asm.subarray(0, this.asmLen), flags, recStart);
      }
    }
  }

  /** Sets the current record, decompressing it when its flags say so. */
  private emit(data: Uint8Array, flags: number, start: number): boolean {
    this.segment = this.segs[this.cur]!.index;
    if (flags === 0 || data.length === 0) {
      this.rec = data;
      return true;
    }
    if (flags === (SNAPPY_FLAG | ZSTD_FLAG)) {
      return this.corrupt(start, `record at offset ${start} has both the snappy and the zstd flag`);
    }
    if (flags === SNAPPY_FLAG) {
      try {
        this.rec = decompressSnappy(data);
      } catch (e) {
        return this.corrupt(
          start,
          `snappy-compressed record at offset ${start} does not decompress: ${(e as Error).message}`,
        );
      }
      return true;
    }
    // A real zstd record starts with the frame magic; without it the flag is a flipped bit.
    if (!hasZstdMagic(data)) {
      return this.corrupt(start, `record at offset ${start} has the zstd flag but is not a zstd frame`);
    }
    if (!ZSTD_SUPPORTED) {
      this.error = new UnsupportedCompressionError(
        this.dir,
        this.segment,
        start,
        'the record is zstd-compressed and this Node.js runtime has no zstd',
      );
      this.close();
      return false;
    }
    try {
      this.rec = decompressZstd(data);
    } catch (e) {
      return this.corrupt(
        start,
        `zstd-compressed record at offset ${start} does not decompress: ${(e as Error).message}`,
      );
    }
    return true;
  }

  private append(data: Uint8Array): void {
    const need = this.asmLen + data.length;
    if (need > this.asm.length) {
      let cap = this.asm.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.asm.subarray(0, this.asmLen));
      this.asm = next;
    }
    this.asm.set(data, this.asmLen);
    this.asmLen = need;
  }

  private corrupt(offset: number, reason: string): false {
    const seg = this.segs[this.cur]!;
    this.error = new CorruptionError(seg.dir, seg.index, offset, reason);
    this.close();
    return false;
  }

  /** Opens the next segment; false (and done) when there is none. */
  private advanceSegment(): boolean {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    if (this.cur + 1 >= this.segs.length) {
      this.done = true;
      this.cur = this.segs.length;
      return false;
    }
    this.cur++;
    const s = this.segs[this.cur]!;
    this.pos = 0;
    this.winStart = 0;
    if (s.data !== undefined) {
      // A segment in memory is one window that ends the segment.
      this.win = s.data;
      this.winLen = s.data.length;
      this.eof = true;
      return true;
    }
    this.fd = fs.openSync(segmentPath(s.dir, s.index), 'r');
    // The window grows to what the segments need, up to WINDOW_SIZE, so that readers of small
    // WALs (checkpoints, tests) do not pay for a megabyte each.
    const size = fs.fstatSync(this.fd).size;
    const want = Math.min(WINDOW_SIZE, Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
    if (want > this.buf.length) this.buf = new Uint8Array(want);
    this.win = this.buf;
    this.winLen = 0;
    this.eof = false;
    return true;
  }

  /** Reads the window starting at the current (page-aligned) position. */
  private fill(): void {
    this.winStart = this.pos;
    const size = this.buf.length;
    let n = 0;
    while (n < size) {
      const got = fs.readSync(this.fd, this.buf, n, size - n, this.winStart + n);
      if (got === 0) break;
      n += got;
    }
    this.winLen = n;
    // A short read is the end of the file; a full one may be too, which the next read shows.
    if (n < size || size === 0) this.eof = true;
  }
}

function hex(v: number, width: number): string {
  return v.toString(16).padStart(width, '0');
}
