/**
 * Bit streams for the chunk encodings: a writer over a growable byte buffer and a reader over a
 * fixed one. Bits are packed most significant first, as in Prometheus's `bstream`.
 *
 * Everything here works on plain numbers, at most 32 bits per call; 64-bit quantities (float
 * bits, large timestamp deltas) are passed as a high and a low 32-bit half. No BigInt, no
 * allocation per call.
 */

import { Buffer } from 'node:buffer';

/** Bytes a new stream reserves; Prometheus allocates 128 bytes per chunk too (chunkAllocationSize). */
export const STREAM_ALLOCATION_SIZE = 128;

/**
 * Zeroed bytes. A `new Uint8Array(n)` gets its own ArrayBuffer, which costs about half a
 * microsecond at chunk sizes; Node's shared allocation pool is several times cheaper, and every
 * chunk allocates at least once.
 */
function allocZeroed(n: number): Uint8Array {
  return Buffer.allocUnsafe(n).fill(0);
}

/**
 * Writes bits into a growable buffer (Prometheus's `bstream`).
 *
 * The byte length is the number of bytes the written bits touch, as in Prometheus 3. (Before
 * 3.0, prometheus/prometheus#14854, `writeByte` on a byte boundary appended an extra empty byte,
 * so older blocks hold chunks ending in a zero byte that Prometheus 3 no longer writes; readers
 * ignore it either way.)
 */
export class BStream {
  /** Backing store. Invariant: every bit at or after {@link pos} is zero. */
  buf: Uint8Array;
  /** Number of bits written, counted from the start of {@link buf}. */
  pos: number;

  /** A stream whose first `headerBytes` bytes are reserved (zero) and already counted as written. */
  constructor(headerBytes = 0, capacity = STREAM_ALLOCATION_SIZE) {
    this.buf = allocZeroed(Math.max(capacity, headerBytes + 16));
    this.pos = headerBytes * 8;
  }

  /**
   * A stream continuing `data` at bit `pos`. The data is copied (the caller's buffer may be a
   * read-only view of a file) and the bits past `pos` are cleared so later writes can OR into
   * them; an empty trailing byte an older Prometheus wrote is dropped.
   */
  static resume(data: Uint8Array, pos: number): BStream {
    const s = new BStream(0, Math.max(STREAM_ALLOCATION_SIZE, data.length * 2));
    const full = pos >>> 3;
    s.buf.set(data.subarray(0, full));
    if ((pos & 7) !== 0 && full < data.length) s.buf[full] = data[full] & (0xff00 >>> (pos & 7));
    s.pos = pos;
    return s;
  }

  /** Length in bytes, as Prometheus's `len(bstream.bytes())` would report it. */
  byteLength(): number {
    return (this.pos + 7) >>> 3;
  }

  /** The written bytes: a view into the buffer, valid until the next write grows it. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength());
  }

  /** Writes one bit (0 or 1). */
  writeBit(bit: number): void {
    const p = this.pos;
    const i = p >>> 3;
    if (i >= this.buf.length) this.grow(i + 1);
    // `bit` is 0 or 1; `~p & 7` is the bit's position within its byte, counted from the right.
    this.buf[i] |= bit << (~p & 7);
    this.pos = p + 1;
  }

  /** Writes the 8 bits of `byte`, mirroring Prometheus's `writeByte`. */
  writeByte(byte: number): void {
    this.put(byte, 8);
  }

  /** Writes the `nbits` (1..32) right-most bits of `u`, most significant first. */
  writeBits(u: number, nbits: number): void {
    this.put(u, nbits);
  }

  /** Writes the `nbits` (1..64) right-most bits of the 64-bit value `hi`:`lo`. */
  writeBits64(hi: number, lo: number, nbits: number): void {
    if (nbits > 32) {
      this.put(hi, nbits - 32);
      this.put(lo, 32);
    } else {
      this.put(lo, nbits);
    }
  }

  /** Appends the `nbits` (1..32) right-most bits of `u`. */
  private put(u: number, nbits: number): void {
    const p = this.pos;
    let i = p >>> 3;
    // A write of up to 32 bits touches at most 5 bytes.
    if (i + 5 > this.buf.length) this.grow(i + 5);
    const buf = this.buf;
    const free = 8 - (p & 7);
    // Left-align the value in 32 bits; this also drops any bits above nbits (e.g. the sign
    // bits of a negative delta-of-delta), which is what Go's uint64 conversion does.
    let w = u << (32 - nbits);
    buf[i] |= w >>> (32 - free);
    let rest = nbits - free;
    if (rest > 0) {
      w <<= free;
      // Bytes past the current one are zero (see `buf`), so they are assigned, not OR-ed.
      while (rest > 0) {
        buf[++i] = w >>> 24;
        w <<= 8;
        rest -= 8;
      }
    }
    this.pos = p + nbits;
  }

  private grow(minLength: number): void {
    let n = this.buf.length * 2;
    while (n < minLength) n *= 2;
    const b = allocZeroed(n);
    b.set(this.buf);
    this.buf = b;
  }
}

/**
 * Reads bits from a byte buffer (Prometheus's `bstreamReader`).
 *
 * Reads past the end yield zero bits instead of failing, so the hot path needs no bounds check
 * per call; callers compare {@link pos} with {@link end} once per decoded sample and report a
 * truncated stream then.
 */
export class BStreamReader {
  /** The bytes being read. */
  buf: Uint8Array;
  /** Index of the next bit to read. */
  pos: number;
  /** Number of readable bits (`buf.length * 8`). */
  end: number;

  /** A reader over `buf`, starting at bit `pos`. */
  constructor(buf: Uint8Array, pos = 0) {
    this.buf = buf;
    this.pos = pos;
    this.end = buf.length * 8;
  }

  /** Points the reader at new bytes. */
  reset(buf: Uint8Array, pos = 0): void {
    this.buf = buf;
    this.pos = pos;
    this.end = buf.length * 8;
  }

  /** True when a read went past the end of the bytes. */
  overrun(): boolean {
    return this.pos > this.end;
  }

  /** Reads one bit (0 or 1). */
  readBit(): number {
    const p = this.pos++;
    const i = p >>> 3;
    if (i >= this.buf.length) return 0;
    return (this.buf[i] >>> (~p & 7)) & 1;
  }

  /** Reads `nbits` (1..32) bits as an unsigned 32-bit number. */
  readBits(nbits: number): number {
    const p = this.pos;
    this.pos = p + nbits;
    const buf = this.buf;
    const i = p >>> 3;
    const off = p & 7;
    if (i + 4 < buf.length) {
      // Fast path: the bits lie within the 5 bytes from i, all in bounds.
      const w = ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) << off;
      if (off + nbits <= 32) return w >>> (32 - nbits);
      return ((w >>> (32 - nbits)) | (buf[i + 4] >>> (40 - off - nbits))) >>> 0;
    }
    return this.readBitsSlow(i, off, nbits);
  }

  /** Byte-at-a-time version of {@link readBits} near the end of the buffer. */
  private readBitsSlow(i: number, off: number, nbits: number): number {
    const buf = this.buf;
    const nbytes = (off + nbits + 7) >>> 3;
    // At most 5 bytes: 40 bits, which a double holds exactly (int32 shifts would not).
    let acc = 0;
    for (let k = i; k < i + nbytes; k++) acc = acc * 256 + (k < buf.length ? buf[k] : 0);
    return Math.floor(acc / 2 ** (nbytes * 8 - off - nbits)) % 2 ** nbits;
  }
}
