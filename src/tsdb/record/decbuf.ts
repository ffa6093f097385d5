/**
 * A read cursor over one record with the primitive decodings of Prometheus's tsdb/encoding.
 * Every read checks its bounds and throws a {@link RecordError} naming the record type and the
 * byte offset, so a decoder never reads past the record or returns half a value.
 */
import { RecordError } from './types.js';

const TWO_32 = 4294967296;

// Scratch for turning raw float64 bits into a number without BigInt.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high 32-bit word of a float64 inside a Uint32Array on this platform. */
export const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Index of the low 32-bit word of a float64 inside a Uint32Array on this platform. */
export const LO_WORD = 1 - HI_WORD;

const textDecoder = new TextDecoder('utf-8');

/** Short ASCII strings are built directly; longer or non-ASCII ones go through TextDecoder. */
const SHORT_STRING = 64;

/** Decodes UTF-8 bytes `b[start, end)` into a string. */
export function decodeString(b: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    // Label names and values are short and mostly ASCII: appending char codes is faster than
    // any decoder call for them.
    let s = '';
    let i = start;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  return textDecoder.decode(b.subarray(start, end));
}

/** A bounds-checked read cursor over the bytes of one record. */
export class Decbuf {
  /** The record's bytes. */
  readonly b: Uint8Array;
  /** The next byte to read. */
  pos: number;
  /** The record's type byte, for error messages. */
  readonly type: number;

  /** Reads `b` from `pos`; `type` names the record in errors. */
  constructor(b: Uint8Array, type: number, pos = 0) {
    this.b = b;
    this.type = type;
    this.pos = pos;
  }

  /** Bytes left to read. */
  remaining(): number {
    return this.b.length - this.pos;
  }

  /** Throws a {@link RecordError} at the current position. */
  fail(reason: string, at = this.pos): never {
    throw new RecordError(this.type, at, reason);
  }

  private need(n: number, what: string): void {
    if (this.b.length - this.pos < n) {
      this.fail(`truncated ${what}: need ${n} bytes, ${this.b.length - this.pos} left`);
    }
  }

  /** One byte. */
  byte(what = 'byte'): number {
    this.need(1, what);
    return this.b[this.pos++]!;
  }

  /** A big-endian uint64 as a number (exact below 2^53). */
  be64(what = 'uint64'): number {
    this.need(8, what);
    const b = this.b;
    const p = this.pos;
    const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    this.pos = p + 8;
    return hi * TWO_32 + lo;
  }

  /** A big-endian int64 as a number (exact within ±2^53). */
  be64int(what = 'int64'): number {
    this.need(8, what);
    const b = this.b;
    const p = this.pos;
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    this.pos = p + 8;
    return hi * TWO_32 + lo;
  }

  /** A big-endian float64 from its raw bits. */
  be64float(what = 'float64'): number {
    this.need(8, what);
    const b = this.b;
    const p = this.pos;
    u32[HI_WORD] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    u32[LO_WORD] = (b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!;
    this.pos = p + 8;
    return f64[0]!;
  }

  /** A Go uvarint as a number (exact below 2^53). */
  uvarint(what = 'uvarint'): number {
    const r = readUvarint(this.b, this.pos);
    if (r < 0) this.varintFail(r, what);
    this.pos = varintEnd;
    return r;
  }

  /** A Go varint (zig-zag) as a number (exact within ±2^53). */
  varint(what = 'varint'): number {
    const r = readVarint(this.b, this.pos);
    if (r !== r) this.varintFail(varintEnd, what);
    this.pos = varintEnd;
    return r;
  }

  /** A uvarint-length-prefixed UTF-8 string. */
  uvarintStr(what = 'string'): string {
    const start = this.pos;
    const n = this.uvarint(`${what} length`);
    if (this.b.length - this.pos < n) {
      this.fail(`truncated ${what}: length ${n}, ${this.b.length - this.pos} bytes left`, start);
    }
    const s = decodeString(this.b, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Skips a uvarint-length-prefixed string. */
  skipUvarintStr(what = 'string'): void {
    const start = this.pos;
    const n = this.uvarint(`${what} length`);
    if (this.b.length - this.pos < n) {
      this.fail(`truncated ${what}: length ${n}, ${this.b.length - this.pos} bytes left`, start);
    }
    this.pos += n;
  }

  /** Skips `n` bytes. */
  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  private varintFail(code: number, what: string): never {
    this.fail(code === VARINT_TRUNCATED ? `truncated ${what}` : `${what} overflows 64 bits`);
  }
}

/** Returned (negated) by the varint readers: the buffer ended inside the varint. */
const VARINT_TRUNCATED = -1;
/** Returned (negated) by the varint readers: more than 64 bits. */
const VARINT_OVERFLOW = -2;

/**
 * Position after the varint most recently read by {@link readUvarint} or {@link readVarint}.
 * A module-level "second return value" keeps the hot decode loops free of allocation.
 */
export let varintEnd = 0;

/**
 * Reads a Go uvarint at `p`. Returns the value (exact below 2^53) and sets {@link varintEnd};
 * on failure returns -1 (truncated) or -2 (overflow) and sets `varintEnd` to that code.
 */
export function readUvarint(b: Uint8Array, p: number): number {
  const end = b.length;
  let x = 0;
  let shift = 0;
  // Up to 28 bits the value fits a 32-bit integer, so bit operations are exact.
  for (let i = 0; i < 4; i++) {
    if (p >= end) return (varintEnd = VARINT_TRUNCATED);
    const c = b[p++]!;
    x |= (c & 0x7f) << shift;
    if (c < 0x80) {
      varintEnd = p;
      return x;
    }
    shift += 7;
  }
  let mul = 268435456; // 2^28
  for (let i = 4; i < 10; i++) {
    if (p >= end) return (varintEnd = VARINT_TRUNCATED);
    const c = b[p++]!;
    if (i === 9 && c > 1) return (varintEnd = VARINT_OVERFLOW);
    x += (c & 0x7f) * mul;
    if (c < 0x80) {
      varintEnd = p;
      return x;
    }
    mul *= 128;
  }
  return (varintEnd = VARINT_OVERFLOW);
}

/**
 * Reads a Go varint (zig-zag) at `p`. Returns the value (exact within ±2^53) and sets
 * {@link varintEnd}; on failure returns NaN and sets `varintEnd` to -1 (truncated) or -2 (overflow).
 */
export function readVarint(b: Uint8Array, p: number): number {
  if (p < b.length) {
    const c = b[p]!;
    if (c < 0x80) {
      varintEnd = p + 1;
      return (c >>> 1) ^ -(c & 1);
    }
  }
  const u = readUvarint(b, p);
  if (u < 0) return NaN;
  if (u < 0x80000000) return (u >>> 1) ^ -(u & 1);
  // Beyond 31 bits: the low bit of the first byte is the sign; halve the magnitude in doubles.
  const neg = b[p]! & 1;
  return neg === 1 ? -Math.floor(u / 2) - 1 : Math.floor(u / 2);
}
