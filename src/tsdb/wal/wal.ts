/**
 * The write-ahead log writer (Prometheus's wlog.WL): appends records to numbered segments in
 * 32 KiB pages, fragmenting records across pages exactly as Prometheus does, so that either
 * program can replay the other's WAL.
 *
 * Layout decisions, all Prometheus's:
 * - A record is split into fragments that fill the current page; a new fragment starts only
 *   where at least a header (7 bytes) fits, so a page with fewer bytes left is zero-padded. With
 *   exactly 7 bytes left, a zero-length first fragment is written there.
 * - A record never crosses a segment: if it does not fit in what is left of the segment, the
 *   segment is cut first (a record larger than a whole segment gets an oversized segment).
 * - Opening always starts a new segment after the last one; old segments are never appended to.
 * - Records are written uncompressed; Prometheus reads those whatever its compression setting.
 *
 * Writes are synchronous (appenders commit synchronously) and buffered: `log()` fills pages in
 * memory and writes them with one system call per batch, so a record is in the OS's hands when
 * `log()` returns, as with Prometheus. fsync happens where Prometheus does it: the previous
 * segment when a segment is cut (in the background, so appends do not wait for the disk), and
 * on close.
 */
import * as fs from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { NOP_LOGGER, type LogFn } from './log.js';
import type { CorruptionError } from './reader.js';
import { repair, verifyAndRepair, type RepairResult } from './repair.js';
import {
  DEFAULT_SEGMENT_SIZE,
  FRAGMENT_HEADER_SIZE,
  FragmentType,
  PAGE_SIZE,
  fsyncDir,
  segmentPath,
  segmentRange,
} from './segment.js';

/** Options of {@link WAL.open}. */
export interface WALOptions {
  /** Segment size in bytes, a multiple of 32 KiB (default 128 MiB). */
  segmentSize?: number;
  /** Where repairs are reported. */
  logger?: LogFn;
  /**
   * Read the existing segments on open and repair the first damage (default true). A caller
   * that replays the WAL itself may turn this off and call {@link WAL.repair} on a corruption.
   */
  repair?: boolean;
}

/** Pages buffered in memory before they are written out within one `log()` call. */
const BUFFER_PAGES = 16;

/** A WAL open for appending. Not safe for concurrent use from worker threads. */
export class WAL {
  /** The WAL directory. */
  readonly dir: string;
  /** The segment size in bytes. */
  readonly segmentSize: number;
  /** What the repair on open removed, or null when the WAL was intact (or not checked). */
  readonly repaired: RepairResult | null;
  private readonly logger: LogFn;
  private readonly pagesPerSegment: number;
  private fd = -1;
  private segIndex = -1;
  /** Complete pages in the active segment (written or buffered). */
  private donePages = 0;
  private readonly buf = new Uint8Array(BUFFER_PAGES * PAGE_SIZE);
  /** Offset of the current page in `buf`. */
  private pageStart = 0;
  /** Bytes used in the current page. */
  private alloc = 0;
  /** Bytes of `buf` already written to the segment. */
  private flushed = 0;
  /** Background fsync-and-close of cut segments, in order. */
  private pending: Promise<void> = Promise.resolve();
  private asyncError: Error | null = null;
  private failed: Error | null = null;
  private closed = false;

  private constructor(dir: string, segmentSize: number, logger: LogFn, repaired: RepairResult | null) {
    this.dir = dir;
    this.segmentSize = segmentSize;
    this.pagesPerSegment = segmentSize / PAGE_SIZE;
    this.logger = logger;
    this.repaired = repaired;
  }

  /**
   * Opens (creating if needed) the WAL in `dir`: checks and repairs existing segments unless
   * told not to, then starts a new segment after the last one.
   */
  static async open(dir: string, opts: WALOptions = {}): Promise<WAL> {
    const segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!Number.isInteger(segmentSize) || segmentSize <= 0 || segmentSize % PAGE_SIZE !== 0) {
      throw new Error(`invalid WAL segment size ${segmentSize}: must be a positive multiple of ${PAGE_SIZE}`);
    }
    const logger = opts.logger ?? NOP_LOGGER;
    fs.mkdirSync(dir, { recursive: true });
    const repaired = opts.repair === false ? null : verifyAndRepair(dir, logger);
    const w = new WAL(dir, segmentSize, logger, repaired);
    w.openSegment(segmentRange(dir).last + 1);
    return w;
  }

  /** The index of the segment being written. */
  get activeSegment(): number {
    return this.segIndex;
  }

  /** The first and last segment index on disk. */
  segments(): { first: number; last: number } {
    return segmentRange(this.dir);
  }

  /**
   * Appends records, in order, and hands them to the OS before returning. Each record is the
   * complete bytes of one record (see ../record); the WAL does not look inside.
   */
  log(...records: Uint8Array[]): void {
    this.checkWritable();
    try {
      for (const rec of records) this.logRecord(rec);
      this.flushPartial();
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /**
   * Closes the active segment (padding its last page) and starts the next one; returns the new
   * segment's index. The closed segment is fsynced in the background.
   */
  nextSegment(): number {
    this.checkWritable();
    try {
      this.cutSegment();
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
    return this.segIndex;
  }

  /** Deletes every segment with an index below `index` (after a checkpoint covered them). */
  truncate(index: number): void {
    if (index > this.segIndex) {
      throw new Error(
        `cannot truncate the WAL below segment ${index}: the active segment is ${this.segIndex}`,
      );
    }
    const { first } = segmentRange(this.dir);
    if (first < 0) return;
    for (let i = first; i < index; i++) fs.rmSync(segmentPath(this.dir, i), { force: true });
  }

  /**
   * Repairs damage found while replaying this open WAL: drops the active segment if it lies
   * after the damage, repairs (see repair.ts), and continues in a new segment.
   */
  repair(err: CorruptionError): RepairResult {
    if (this.closed) throw new Error('WAL is closed');
    // Whatever is buffered lies after the damage or is already on disk: log() writes it out.
    fs.closeSync(this.fd);
    this.fd = -1;
    this.pageStart = this.alloc = this.flushed = 0;
    const result = repair(err, this.logger);
    this.openSegment(segmentRange(this.dir).last + 1);
    this.failed = null;
    return result;
  }

  /** Pads and writes the last page, fsyncs the active segment and the directory, and waits for background fsyncs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let firstErr: Error | null = null;
    try {
      if (this.failed === null) {
        // A final padded page, as Prometheus writes it, so the segment ends on a page boundary.
        if (this.alloc > 0) this.completePage();
        this.writeOut(this.flushed, this.pageStart);
      }
      const fd = this.fd;
      if (fd >= 0)
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
    } catch (e) {
      firstErr = e as Error;
    }
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    await this.pending;
    fsyncDir(this.dir);
    const err = firstErr ?? this.asyncError ?? this.failed;
    if (err !== null) throw err;
  }

  private checkWritable(): void {
    if (this.closed) throw new Error('WAL is closed');
    if (this.failed !== null) throw new Error(`WAL is unusable after a write error: ${this.failed.message}`);
  }

  private logRecord(rec: Uint8Array): void {
    // Space for data left in this segment: the current page after a header, then every
    // remaining page after its header. Prometheus cuts the segment when the record exceeds it.
    let left = PAGE_SIZE - this.alloc - FRAGMENT_HEADER_SIZE;
    left += (PAGE_SIZE - FRAGMENT_HEADER_SIZE) * (this.pagesPerSegment - this.donePages - 1);
    if (rec.length > left) this.cutSegment();

    const b = this.buf;
    let off = 0;
    // One pass at least, so that an empty record is written as an empty full fragment.
    for (let i = 0; i === 0 || off < rec.length; i++) {
      const room = PAGE_SIZE - this.alloc - FRAGMENT_HEADER_SIZE;
      const n = Math.min(rec.length - off, room);
      const part = rec.subarray(off, off + n);
      const isLast = off + n === rec.length;
      const typ =
        i === 0
          ? isLast
            ? FragmentType.Full
            : FragmentType.First
          : isLast
            ? FragmentType.Last
            : FragmentType.Middle;
      const crc = crc32c(part);
      const p = this.pageStart + this.alloc;
      b[p] = typ;
      b[p + 1] = n >>> 8;
      b[p + 2] = n;
      b[p + 3] = crc >>> 24;
      b[p + 4] = crc >>> 16;
      b[p + 5] = crc >>> 8;
      b[p + 6] = crc;
      b.set(part, p + FRAGMENT_HEADER_SIZE);
      this.alloc += FRAGMENT_HEADER_SIZE + n;
      if (PAGE_SIZE - this.alloc < FRAGMENT_HEADER_SIZE) this.completePage();
      off += n;
    }
  }

  /** Zero-pads the current page to its end and moves to the next page. */
  private completePage(): void {
    const b = this.buf;
    b.fill(0, this.pageStart + this.alloc, this.pageStart + PAGE_SIZE);
    this.pageStart += PAGE_SIZE;
    this.alloc = 0;
    this.donePages++;
    if (this.pageStart === b.length) {
      this.writeOut(this.flushed, this.pageStart);
      this.pageStart = 0;
      this.flushed = 0;
    }
  }

  /** Writes everything buffered, including the partial current page, and keeps that page at the buffer's start. */
  private flushPartial(): void {
    const end = this.pageStart + this.alloc;
    this.writeOut(this.flushed, end);
    this.flushed = end;
    if (this.pageStart > 0) {
      this.buf.copyWithin(0, this.pageStart, end);
      this.flushed -= this.pageStart;
      this.pageStart = 0;
    }
  }

  private writeOut(from: number, to: number): void {
    while (from < to) {
      const n = fs.writeSync(this.fd, this.buf, from, to - from);
      from += n;
      this.flushed = from;
    }
  }

  private cutSegment(): void {
    if (this.alloc > 0) this.completePage();
    this.writeOut(this.flushed, this.pageStart);
    this.pageStart = 0;
    this.flushed = 0;
    const prev = this.fd;
    this.openSegment(this.segIndex + 1);
    this.syncAndCloseInBackground(prev);
  }

  private openSegment(index: number): void {
    // Append mode, as Prometheus opens segments; the file is new unless a previous run
    // crashed between creating it and writing to it.
    const fd = fs.openSync(segmentPath(this.dir, index), 'a');
    const size = fs.fstatSync(fd).size;
    this.fd = fd;
    this.segIndex = index;
    this.donePages = Math.floor(size / PAGE_SIZE);
    this.pageStart = this.alloc = this.flushed = 0;
  }

  private syncAndCloseInBackground(fd: number): void {
    const note = (e: Error | null): void => {
      if (e !== null && this.asyncError === null) {
        this.asyncError = e;
        this.logger('error', 'Failed to sync a finished WAL segment', { dir: this.dir, error: e.message });
      }
    };
    this.pending = this.pending.then(
      () =>
        new Promise<void>((resolve) => {
          fs.fsync(fd, (e) => {
            note(e);
            fs.close(fd, (e2) => {
              note(e2);
              resolve();
            });
          });
        }),
    );
  }
}
