/**
 * Reads chunks from the segment files of a block on demand (Prometheus's `chunks.Reader`). Each
 * segment is read by position through a read-ahead window, never loaded whole, so a block of
 * any size is queried with a small heap; chunk data returned stays valid after later reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { chunkFromData, type Chunk } from '../chunkenc/chunk.js';
import { readUvarint, varintEnd } from '../record/decbuf.js';
import { PositionalReader } from '../fileutil/fileutil.js';
import {
  CHUNKS_FORMAT_V1,
  CRC_SIZE,
  MAGIC_CHUNKS,
  MAX_CHUNK_LENGTH_FIELD_SIZE,
  SEGMENT_HEADER_SIZE,
  refOffset,
  refSegment,
} from './chunks.js';

/** A chunk that cannot be read: names the segment file and offset. */
export class ChunkReadError extends Error {
  /** Creates the error for the chunk at `offset` in `file`. */
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: chunk at offset ${offset}: ${reason}`);
    this.name = 'ChunkReadError';
  }
}

/** Options of a {@link ChunkReader}. */
export interface ChunkReaderOptions {
  /** Check each chunk's CRC32C when reading it (Prometheus does not on queries). */
  verifyChecksums?: boolean;
}

interface Segment {
  readonly file: string;
  fd: number;
  reader: PositionalReader | null;
}

/** Reads the chunks of one block's `chunks/` directory. */
export class ChunkReader {
  private readonly segs: Segment[];
  private readonly verify: boolean;

  private constructor(files: string[], opts: ChunkReaderOptions) {
    this.segs = files.map((file) => ({ file, fd: -1, reader: null }));
    this.verify = opts.verifyChecksums ?? false;
  }

  /**
   * Opens the segments in `dir`: files named by a sequence number, in order. Checks each
   * segment's header; segment files are opened now and read only when a chunk is asked for.
   */
  static open(dir: string, opts: ChunkReaderOptions = {}): ChunkReader {
    const names = fs
      .readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(a) - Number(b));
    const r = new ChunkReader(
      names.map((n) => path.join(dir, n)),
      opts,
    );
    try {
      for (let i = 0; i < r.segs.length; i++) r.segment(i);
    } catch (e) {
      r.close();
      throw e;
    }
    return r;
  }

  private segment(i: number): PositionalReader {
    const s = this.segs[i];
    if (s === undefined) throw new Error(`segment index ${i} out of range (${this.segs.length} segments)`);
    if (s.reader !== null) return s.reader;
    s.fd = fs.openSync(s.file, 'r');
    const size = fs.fstatSync(s.fd).size;
    const r = new PositionalReader(s.fd, size);
    if (size < SEGMENT_HEADER_SIZE) throw new Error(`${s.file}: invalid segment header: file too short`);
    const h = r.read(0, SEGMENT_HEADER_SIZE);
    const magic = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    if (magic !== MAGIC_CHUNKS) throw new Error(`${s.file}: invalid magic number ${magic.toString(16)}`);
    if (h[4] !== CHUNKS_FORMAT_V1) throw new Error(`${s.file}: invalid chunk format version ${h[4]}`);
    s.reader = r;
    return r;
  }

  /** The chunk at `ref`; its bytes are a view into a read buffer (not copied). */
  chunk(ref: number): Chunk {
    const si = refSegment(ref);
    const off = refOffset(ref);
    const r = this.segment(si);
    const file = this.segs[si]!.file;
    if (off < SEGMENT_HEADER_SIZE || off >= r.size)
      throw new ChunkReadError(file, off, 'offset out of range');
    // Most chunks are small: one read covers the length, the encoding, the data and the CRC.
    let b = r.readUpTo(off, MAX_CHUNK_LENGTH_FIELD_SIZE + 1 + 256);
    const len = readUvarint(b, 0);
    if (len < 0) throw new ChunkReadError(file, off, 'invalid length');
    const start = varintEnd;
    const total = start + 1 + len + CRC_SIZE;
    if (off + total > r.size)
      throw new ChunkReadError(file, off, `chunk of ${len} bytes past the end of the segment`);
    if (total > b.length) b = r.read(off, total);
    const enc = b[start]!;
    const data = b.subarray(start + 1, start + 1 + len);
    if (this.verify) {
      const p = start + 1 + len;
      const want = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      const got = crc32c(b.subarray(start, p)) >>> 0;
      if (got !== want) throw new ChunkReadError(file, off, `checksum mismatch (want ${want}, got ${got})`);
    }
    try {
      return chunkFromData(enc, data);
    } catch (e) {
      throw new ChunkReadError(file, off, (e as Error).message);
    }
  }

  /** Total bytes read from the segment files so far. */
  bytesRead(): number {
    let n = 0;
    for (const s of this.segs) n += s.reader?.bytesRead ?? 0;
    return n;
  }

  /** The total size of the segment files. */
  size(): number {
    let n = 0;
    for (const s of this.segs) n += s.reader?.size ?? 0;
    return n;
  }

  /** Closes the segment files. */
  close(): void {
    for (const s of this.segs) {
      if (s.fd >= 0) fs.closeSync(s.fd);
      s.fd = -1;
      s.reader = null;
    }
  }
}
