/**
 * File primitives the block format needs (Prometheus's `tsdb/fileutil`): a buffered writer that
 * tracks its position and can patch earlier bytes, a reader of byte ranges by position that
 * never loads a whole file, and the fsync / replace steps that make new files and directories
 * appear atomically.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Write buffer size: large enough that a block write is a few big `write` calls. */
const WRITE_BUFFER_SIZE = 1 << 20;

/** Appends to a new file through a buffer, tracking the file position (Prometheus's `FileWriter`). */
export class FileWriter {
  /** The position the next byte is written at. */
  pos = 0;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(WRITE_BUFFER_SIZE);
  private used = 0;
  private closed = false;

  /** Creates (truncating) `file` for writing. */
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /** Appends bytes. */
  write(b: Uint8Array): void {
    if (b.length > this.buf.length - this.used) {
      this.flush();
      if (b.length > this.buf.length) {
        writeFully(this.fd, b, this.pos);
        this.pos += b.length;
        return;
      }
    }
    this.buf.set(b, this.used);
    this.used += b.length;
    this.pos += b.length;
  }

  /** Overwrites bytes already written at `at` (the section lengths written after their contents). */
  writeAt(b: Uint8Array, at: number): void {
    const bufStart = this.pos - this.used;
    if (at >= bufStart) {
      this.buf.set(b, at - bufStart);
      return;
    }
    // The patched range may straddle the flushed part and the buffer: flush, then write.
    this.flush();
    writeFully(this.fd, b, at);
  }

  /** Appends zero bytes until the position is a multiple of `align`. */
  addPadding(align: number): void {
    const p = this.pos % align;
    if (p !== 0) this.write(new Uint8Array(align - p));
  }

  /** Writes the buffered bytes to the file. */
  flush(): void {
    if (this.used === 0) return;
    writeFully(this.fd, this.buf.subarray(0, this.used), this.pos - this.used);
    this.used = 0;
  }

  /** Flushes and fsyncs. */
  sync(): void {
    this.flush();
    fs.fsyncSync(this.fd);
  }

  /** Flushes, fsyncs and closes the file. */
  close(): void {
    if (this.closed) return;
    this.sync();
    fs.closeSync(this.fd);
    this.closed = true;
  }

  /** Closes without syncing (after an error; the file is abandoned). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Writes all of `b` at `pos`, looping over short writes. */
function writeFully(fd: number, b: Uint8Array, pos: number): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off, pos + off);
}

/** Default read window: one read covers many consecutive series, postings or chunks. */
export const DEFAULT_READ_WINDOW = 64 * 1024;

/**
 * Reads byte ranges of a file by position (`pread`), through one read-ahead window. Every refill
 * reads into a fresh buffer, so a view returned earlier stays valid (and unchanged) for as long
 * as its holder keeps it: chunk iterators may keep reading a chunk's bytes while other reads go on.
 */
export class PositionalReader {
  private buf = new Uint8Array(0);
  private bufStart = 0;
  /** Total bytes read from the file (for tests and benchmarks). */
  bytesRead = 0;

  /** Reads `fd`, whose size is `size`; the reader does not own the descriptor. */
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly window = DEFAULT_READ_WINDOW,
  ) {}

  /** The bytes `[pos, pos + len)`; throws if the range lies outside the file. */
  read(pos: number, len: number): Uint8Array {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new RangeError(`read of ${len} bytes at ${pos} outside a file of ${this.size} bytes`);
    }
    const rel = pos - this.bufStart;
    if (rel >= 0 && rel + len <= this.buf.length) return this.buf.subarray(rel, rel + len);
    const n = Math.min(Math.max(len, this.window), this.size - pos);
    const b = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, b, got, n - got, pos + got);
      if (r === 0) throw new Error(`unexpected end of file at ${pos + got}`);
      got += r;
    }
    this.bytesRead += n;
    this.buf = b;
    this.bufStart = pos;
    return b.subarray(0, len);
  }

  /** Up to `len` bytes at `pos`, fewer at the end of the file. */
  readUpTo(pos: number, len: number): Uint8Array {
    return this.read(pos, Math.max(0, Math.min(len, this.size - pos)));
  }
}

/** Fsyncs a directory so that entries created or renamed in it are durable. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // Some platforms cannot open directories; nothing to sync there.
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Directories do not support fsync everywhere (e.g. some network file systems).
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces `dst` with `src` by rename and syncs the parent directory (Prometheus's
 * `fileutil.Replace`): a directory `dst` is removed first, as rename cannot overwrite it.
 */
export function replace(src: string, dst: string): void {
  try {
    if (fs.statSync(dst).isDirectory()) fs.rmSync(dst, { recursive: true, force: true });
  } catch {
    // dst does not exist.
  }
  fs.renameSync(src, dst);
  syncDir(path.dirname(dst));
}

/** Writes a whole file through `<file>.tmp`, fsync and rename (then syncs the directory). */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    writeFully(fd, data, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  replace(tmp, file);
}
