/**
 * A byte-level writer for large JSON responses. Query results can hold millions of points;
 * building one object per point for JSON.stringify, or concatenating strings, costs about a
 * microsecond per point. Writing ASCII straight into a growing Buffer, with timestamps
 * formatted by integer arithmetic, is several times cheaper.
 */

const DIGITS = Buffer.from('0123456789');

/** Appends ASCII and JSON fragments into a growing Buffer. */
export class JSONWriter {
  private buf: Buffer;
  private n = 0;

  /** Starts with room for `capacity` bytes. */
  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + extra) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }

  /** Appends a string known to be ASCII (numbers, punctuation, already-escaped JSON). */
  ascii(s: string): this {
    const len = s.length;
    this.ensure(len);
    if (len > 32) {
      this.n += this.buf.write(s, this.n, 'latin1');
      return this;
    }
    // Short strings (numbers) are copied by hand: a native write call costs more than the copy.
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
    return this;
  }

  /** Appends any string as UTF-8 (for JSON text made by JSON.stringify). */
  utf8(s: string): this {
    this.ensure(s.length * 3);
    this.n += this.buf.write(s, this.n, 'utf8');
    return this;
  }

  /** Appends one ASCII character by code. */
  char(c: number): this {
    this.ensure(1);
    this.buf[this.n++] = c;
    return this;
  }

  /**
   * Appends a millisecond timestamp as seconds, exactly as JSON.stringify(ms / 1000) would
   * print it for safe-integer ms: the integer part, then up to three fraction digits without
   * trailing zeros. (The decimal with three fraction digits is the shortest one that reads
   * back as the same double, so this equals JavaScript's shortest round-trip output.)
   */
  millisAsSeconds(ms: number): this {
    this.ensure(24);
    let v = ms;
    if (v < 0) {
      this.buf[this.n++] = 0x2d;
      v = -v;
    }
    const sec = Math.floor(v / 1000);
    let frac = v - sec * 1000;
    this.uint(sec);
    if (frac !== 0) {
      this.buf[this.n++] = 0x2e;
      let digits = 3;
      while (frac % 10 === 0) {
        frac /= 10;
        digits--;
      }
      const start = this.n;
      for (let i = digits - 1; i >= 0; i--) {
        this.buf[start + i] = DIGITS[frac % 10]!;
        frac = Math.floor(frac / 10);
      }
      this.n += digits;
    }
    return this;
  }

  private uint(v: number): void {
    if (v < 10) {
      this.buf[this.n++] = DIGITS[v]!;
      return;
    }
    let len = 0;
    for (let x = v; x > 0; x = Math.floor(x / 10)) len++;
    for (let i = len - 1; i >= 0; i--) {
      this.buf[this.n + i] = DIGITS[v % 10]!;
      v = Math.floor(v / 10);
    }
    this.n += len;
  }

  /** The bytes written (a view; valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}
