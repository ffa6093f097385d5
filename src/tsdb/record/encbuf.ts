/**
 * A growable byte buffer with the primitive encodings of Prometheus's tsdb/encoding: big-endian
 * fixed-width integers, Go's varints and uvarints, and uvarint-length-prefixed strings.
 *
 * Integers are JavaScript numbers. 64-bit values are split into two 32-bit words with plain
 * arithmetic (no BigInt); values beyond ±2^53 are whatever double they already are, and their
 * encoding is exact for that double (clamped to the int64 range, so math.MaxInt64, which
 * rounds to 2^63 as a double, encodes as 0x7fffffffffffffff again).
 */

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
/** 2^64 as a double: math.MaxUint64 rounds to it. */
const TWO_64 = 18446744073709551616;

// Scratch words for splitting a 64-bit integer; module-level so encoding allocates nothing.
let splitHi = 0;
let splitLo = 0;

/** Splits an integral number into the two's-complement int64 words `splitHi`/`splitLo`. */
function splitInt64(n: number): void {
  if (n >= TWO_63) {
    splitHi = 0x7fffffff;
    splitLo = 0xffffffff;
  } else if (n <= -TWO_63) {
    splitHi = 0x80000000;
    splitLo = 0;
  } else {
    const hi = Math.floor(n / TWO_32);
    splitLo = n - hi * TWO_32;
    splitHi = hi >>> 0;
  }
}

const textEncoder = new TextEncoder();

/** A growable output buffer; views returned by {@link Encbuf.bytes} stay valid until {@link Encbuf.reset}. */
export class Encbuf {
  /** The backing bytes; only `[0, length)` is meaningful. Replaced when the buffer grows. */
  buf: Uint8Array;
  /** Number of bytes written. */
  length = 0;

  /** Starts with room for `capacity` bytes. */
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  /** Forgets the contents (the memory is reused). */
  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far (a view; it does not copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** The bytes written since offset `start` (a view). */
  since(start: number): Uint8Array {
    return this.buf.subarray(start, this.length);
  }

  /** Makes room for `n` more bytes. Earlier views keep the old memory and stay readable. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  putByte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Appends raw bytes. */
  putBytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Appends a big-endian uint32. */
  putBE32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.length;
    b[p++] = v >>> 24;
    b[p++] = v >>> 16;
    b[p++] = v >>> 8;
    b[p++] = v;
    this.length = p;
  }

  /** Appends a big-endian 64-bit word given as its high and low 32-bit halves. */
  putBE64Words(hi: number, lo: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.length;
    b[p++] = hi >>> 24;
    b[p++] = hi >>> 16;
    b[p++] = hi >>> 8;
    b[p++] = hi;
    b[p++] = lo >>> 24;
    b[p++] = lo >>> 16;
    b[p++] = lo >>> 8;
    b[p++] = lo;
    this.length = p;
  }

  /** Appends an integer as a big-endian int64 (also right for uint64 values below 2^63). */
  putBE64(n: number): void {
    splitInt64(n);
    this.putBE64Words(splitHi, splitLo);
  }

  /** Appends an unsigned integer as a Go uvarint. */
  putUvarint(n: number): void {
    this.ensure(10);
    this.length = writeUvarint(this.buf, this.length, n);
  }

  /** Appends a signed integer as a Go varint (zig-zag). */
  putVarint(n: number): void {
    this.ensure(10);
    this.length = writeVarint(this.buf, this.length, n);
  }

  /** Appends a string as its UTF-8 byte length (uvarint) followed by the bytes. */
  putUvarintStr(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.ensure(10 + n);
      let p = writeUvarint(this.buf, this.length, n);
      const b = this.buf;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.length = p;
      return;
    }
    // Lone surrogates count as U+FFFD (3 bytes) in both byteLength and encodeInto.
    const byteLen = Buffer.byteLength(s, 'utf8');
    this.ensure(10 + byteLen);
    const p = writeUvarint(this.buf, this.length, byteLen);
    textEncoder.encodeInto(s, this.buf.subarray(p, p + byteLen));
    this.length = p + byteLen;
  }
}

/** Writes `n` (a non-negative integer) as a Go uvarint at `p`; returns the position after it. */
export function writeUvarint(b: Uint8Array, p: number, n: number): number {
  if (n < 0x80000000) {
    // The common case: stays in 32-bit integer arithmetic.
    while (n >= 0x80) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    return p;
  }
  if (n >= TWO_64) return writeUvarintWords(b, p, 0xffffffff, 0xffffffff);
  const hi = Math.floor(n / TWO_32);
  return writeUvarintWords(b, p, hi, n - hi * TWO_32);
}

/** Writes the uint64 with 32-bit halves `hi`, `lo` as a Go uvarint at `p`; returns the position after it. */
export function writeUvarintWords(b: Uint8Array, p: number, hi: number, lo: number): number {
  hi >>>= 0;
  lo >>>= 0;
  while (hi !== 0 || lo >= 0x80) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  b[p++] = lo;
  return p;
}

/** Writes `n` (an integer) as a Go varint (zig-zag) at `p`; returns the position after it. */
export function writeVarint(b: Uint8Array, p: number, n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) return writeUvarint(b, p, ((n << 1) ^ (n >> 31)) >>> 0);
  // Zig-zag on the two's-complement words, so that large negative values keep their low bit.
  splitInt64(n);
  const sign = splitHi >> 31;
  const hi = ((splitHi << 1) | (splitLo >>> 31)) ^ sign;
  const lo = (splitLo << 1) ^ sign;
  return writeUvarintWords(b, p, hi, lo);
}
