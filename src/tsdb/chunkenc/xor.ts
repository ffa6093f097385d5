/**
 * The XOR chunk encoding for float samples (Gorilla's, as Prometheus adapted it), written byte
 * for byte as Prometheus writes it. See `tsdb-format/format/chunks.md` in the conformance data.
 *
 * Layout: the sample count (uint16, big-endian); the first timestamp (varint) and value (64 raw
 * bits); the second timestamp as a uvarint delta and its value XOR-encoded; every later
 * timestamp as a delta of deltas in one of five bit widths and its value XOR-encoded.
 *
 * Timestamps are integer milliseconds in plain numbers; the int64 arithmetic of Prometheus is
 * exact here as long as timestamps, their deltas and deltas of deltas are safe integers, which
 * holds by far for every timestamp Prometheus accepts (±9.2e12 ms). Values travel as the two
 * 32-bit halves of their float64 bits, so every bit pattern (NaN payloads such as the stale
 * marker, -0, subnormals) round-trips exactly.
 */
import { ValueType, type SampleIterator } from '../../storage/interface.js';
import { arenaCopy } from './arena.js';
import { BStream, BStreamReader } from './bstream.js';
import { Encoding, type Chunk, type ChunkAppender } from './chunk.js';

/** Bytes of the sample-count header at the start of every chunk. */
const CHUNK_HEADER_SIZE = 2;
/** Largest sample count the uint16 header can hold. */
const MAX_SAMPLES = 0xffff;
/** "No leading/trailing window yet": forces the first XOR-encoded value to write its own window. */
const NO_WINDOW = 0xff;

const TWO_32 = 4294967296;

// One float64 and its two 32-bit words, for converting values to and from bits without BigInt.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Typed arrays use the platform's byte order; find which word holds the high half.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** An XOR-encoded chunk of float samples (Prometheus's `chunkenc.XORChunk`). */
export class XORChunk implements Chunk {
  /** The bytes being written, or null for a chunk over stored bytes not appended to yet. */
  private stream: BStream | null;
  /** The stored bytes of a chunk made by {@link XORChunk.fromData}. */
  private data: Uint8Array | null;

  /** An empty chunk ready for appending, or with `data`, a chunk over stored bytes (not copied). */
  constructor(data: Uint8Array | null = null) {
    this.stream = data === null ? new BStream(CHUNK_HEADER_SIZE) : null;
    this.data = data;
  }

  /** A chunk over stored bytes, referenced without copying (Prometheus's `FromData`). */
  static fromData(data: Uint8Array): XORChunk {
    return new XORChunk(data);
  }

  /** Always {@link Encoding.XOR}. */
  encoding(): Encoding {
    return Encoding.XOR;
  }

  /** The encoded bytes (a view; see the buffer contract on {@link Chunk}). */
  bytes(): Uint8Array {
    return this.stream !== null ? this.stream.bytes() : this.data!;
  }

  /** Number of samples, from the header. */
  numSamples(): number {
    const b = this.stream !== null ? this.stream.buf : this.data!;
    return b.length < CHUNK_HEADER_SIZE ? 0 : (b[0]! << 8) | b[1]!;
  }

  /**
   * Releases the write buffer: the chunk keeps an exact copy of its bytes in the chunk arena
   * (see arena.ts) and reads from there. It stays appendable, as a stored chunk is: a later
   * `appender()` copies the bytes into a new stream.
   */
  compact(): void {
    const s = this.stream;
    if (s === null) return;
    this.data = arenaCopy(s.bytes());
    this.stream = null;
  }

  /**
   * An appender continuing after the last sample. Like Prometheus, it recovers the encoder's
   * state by decoding the whole chunk; throws if the chunk is corrupt.
   */
  appender(): XORAppender {
    if (this.numSamples() === 0) {
      if (this.stream === null) this.stream = new BStream(CHUNK_HEADER_SIZE);
      return new XORAppender(this.stream, 0, 0, 0, 0, NO_WINDOW, 0);
    }
    const it = this.iterator();
    while (it.next() !== ValueType.None);
    const err = it.err();
    if (err !== null) throw err;
    if (this.stream === null) {
      // Continue at the exact bit where the last sample ends. (Prometheus continues after the
      // last whole byte, which would corrupt a chunk whose last byte is partly used; it never
      // appends to stored chunks, so nothing depends on that.)
      this.stream = BStream.resume(this.data!, it.bitPos());
      this.data = null;
    }
    // As in Prometheus, the window comes from the iterator, which starts with leading = trailing
    // = 0 rather than "no window": reopening a one-sample chunk makes the second value use a full
    // 64-bit window, exactly as Prometheus would encode it after the same reopening.
    return new XORAppender(this.stream, it.t, it.tDeltaNow(), it.vHi, it.vLo, it.leading, it.trailing);
  }

  /** An iterator over the samples present now; recycles `reuse` if it is an {@link XORIterator}. */
  iterator(reuse?: SampleIterator): XORIterator {
    const b = this.bytes();
    if (reuse instanceof XORIterator) {
      reuse.reset(b);
      return reuse;
    }
    return new XORIterator(b);
  }
}

/** Appends float samples to an {@link XORChunk} (Prometheus's `xorAppender`). */
export class XORAppender implements ChunkAppender {
  private readonly b: BStream;
  private t: number;
  private tDelta: number;
  private vHi: number;
  private vLo: number;
  private leading: number;
  private trailing: number;

  /** Use {@link XORChunk.appender}; the arguments are the encoder state after the last sample. */
  constructor(
    b: BStream,
    t: number,
    tDelta: number,
    vHi: number,
    vLo: number,
    leading: number,
    trailing: number,
  ) {
    this.b = b;
    this.t = t;
    this.tDelta = tDelta;
    this.vHi = vHi;
    this.vLo = vLo;
    this.leading = leading;
    this.trailing = trailing;
  }

  /**
   * Appends a sample. `t` must be an integer greater than the previous one (not checked per
   * sample, as in Prometheus). Throws a RangeError, leaving the chunk unchanged, for a
   * timestamp the encoding cannot hold exactly or when the chunk has 65535 samples.
   */
  append(t: number, v: number): void {
    const b = this.b;
    const num = (b.buf[0]! << 8) | b.buf[1]!;
    f64[0] = v;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    let tDelta = 0;
    if (num === 0) {
      if (!Number.isSafeInteger(t)) throw new RangeError(`xor chunk: timestamp ${t} is not a safe integer`);
      writeVarint(b, t);
      b.writeBits64(hi, lo, 64);
    } else if (num === 1) {
      tDelta = t - this.t;
      if (!Number.isSafeInteger(tDelta))
        throw new RangeError(`xor chunk: timestamp delta ${tDelta} out of range`);
      // Go writes uint64(t - prev): a negative delta becomes its two's complement.
      writeUvarint64(b, Math.floor(tDelta / TWO_32) >>> 0, tDelta >>> 0);
      this.writeVDelta(hi, lo);
    } else {
      if (num === MAX_SAMPLES) throw new RangeError('xor chunk: full (65535 samples)');
      tDelta = t - this.t;
      const dod = tDelta - this.tDelta;
      // Prometheus's buckets: a zero bit, or a prefix and 14, 17, 20 or 64 bits of dod. A
      // bucket of n bits holds -(2^(n-1) - 1) .. 2^(n-1) (see bstream.md). Each prefix and its
      // payload go out in one write; the result is the same bits as Prometheus's separate ones.
      if (dod === 0) {
        b.writeBit(0);
      } else if ((dod | 0) === dod && dod >= -524287 && dod <= 524288) {
        if (dod >= -8191 && dod <= 8192) b.writeBits((0b10 << 14) | (dod & 0x3fff), 16);
        else if (dod >= -65535 && dod <= 65536) b.writeBits((0b110 << 17) | (dod & 0x1ffff), 20);
        else b.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
      } else {
        if (!Number.isSafeInteger(dod) || !Number.isSafeInteger(tDelta)) {
          throw new RangeError(`xor chunk: timestamp ${t} after ${this.t} is out of range`);
        }
        b.writeBits(0b1111, 4);
        // Two's complement halves: floor division for the high word, ToUint32 for the low.
        b.writeBits64(Math.floor(dod / TWO_32) >>> 0, dod >>> 0, 64);
      }
      this.writeVDelta(hi, lo);
    }
    this.t = t;
    this.tDelta = tDelta;
    this.vHi = hi;
    this.vLo = lo;
    const n = num + 1;
    const buf = b.buf; // after the writes: they may have grown the buffer
    buf[0] = n >>> 8;
    buf[1] = n & 0xff;
  }

  /** Writes the XOR of the value bits `hi`:`lo` with the previous value's (Prometheus's xorWrite). */
  private writeVDelta(hi: number, lo: number): void {
    const b = this.b;
    const dh = hi ^ this.vHi;
    const dl = lo ^ this.vLo;
    if ((dh | dl) === 0) {
      b.writeBit(0);
      return;
    }
    // Leading zeros are capped at 31 because the window stores them in 5 bits; so any delta with
    // a zero high word counts 31, whatever its true count.
    const lead = dh !== 0 ? Math.clz32(dh) : 31;
    const trail = dl !== 0 ? 31 - Math.clz32(dl & -dl) : 63 - Math.clz32(dh & -dh);
    let l = this.leading;
    let tr = this.trailing;
    if (l !== NO_WINDOW && lead >= l && trail >= tr) {
      // The delta fits the previous window: '10' and the bits inside it.
      b.writeBits(0b10, 2);
    } else {
      l = lead;
      tr = trail;
      this.leading = l;
      this.trailing = tr;
      // '11', the window (5 bits of leading zeros, 6 of length) and the bits inside it. A
      // 64-bit window has length 64, which 6 bits store as 0 ("sigbits 0 means 64"): a zero
      // delta never gets here, so 0 is free to mean 64.
      b.writeBits((0b11 << 11) | (l << 6) | ((64 - l - tr) & 63), 13);
    }
    const sig = 64 - l - tr;
    // The delta shifted right by the trailing zeros, as two halves.
    if (tr === 0) b.writeBits64(dh, dl, sig);
    else if (tr < 32) b.writeBits64(dh >>> tr, (dl >>> tr) | (dh << (32 - tr)), sig);
    else b.writeBits64(0, dh >>> (tr - 32), sig);
  }
}

/**
 * Iterates the samples of an XOR chunk (Prometheus's `xorIterator`). After `next()` or `seek()`
 * returns {@link ValueType.Float}, the sample is in the fields `t` and `v`.
 */
export class XORIterator implements SampleIterator {
  /** Timestamp of the current sample. */
  t = Number.MIN_SAFE_INTEGER;
  /** Value of the current sample. */
  v = 0;
  /** High word of the current value's bits (read by appenders resuming a chunk). */
  vHi = 0;
  /** Low word of the current value's bits. */
  vLo = 0;
  /** Leading zeros of the current XOR window. */
  leading = 0;
  /** Trailing zeros of the current XOR window. */
  trailing = 0;
  private readonly br: BStreamReader;
  private numTotal: number;
  private numRead = 0;
  private tDelta = 0;
  private error: Error | null = null;

  /** An iterator over the chunk bytes `b` (header included). */
  constructor(b: Uint8Array) {
    this.br = new BStreamReader(b, CHUNK_HEADER_SIZE * 8);
    this.numTotal = b.length < CHUNK_HEADER_SIZE ? 0 : (b[0]! << 8) | b[1]!;
    if (b.length < CHUNK_HEADER_SIZE) this.error = new Error('xor chunk: shorter than its header');
  }

  /** Restarts the iterator on other chunk bytes. */
  reset(b: Uint8Array): void {
    this.br.reset(b, CHUNK_HEADER_SIZE * 8);
    this.numTotal = b.length < CHUNK_HEADER_SIZE ? 0 : (b[0]! << 8) | b[1]!;
    this.error = b.length < CHUNK_HEADER_SIZE ? new Error('xor chunk: shorter than its header') : null;
    this.numRead = 0;
    this.t = Number.MIN_SAFE_INTEGER;
    this.v = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.tDelta = 0;
  }

  /** The error that ended iteration, if the chunk is corrupt or truncated. */
  err(): Error | null {
    return this.error;
  }

  /** Bit position just after the current sample (for appenders resuming a chunk). */
  bitPos(): number {
    return this.br.pos;
  }

  /** Delta between the last two timestamps read (for appenders resuming a chunk). */
  tDeltaNow(): number {
    return this.tDelta;
  }

  /**
   * Advances to the first sample with a timestamp ≥ `t`; stays put if the current sample
   * already qualifies. {@link ValueType.None} means exhausted (or failed, see `err()`).
   */
  seek(t: number): ValueType {
    if (this.error !== null) return ValueType.None;
    while (t > this.t || this.numRead === 0) {
      if (this.next() === ValueType.None) return ValueType.None;
    }
    return ValueType.Float;
  }

  /** Advances to the next sample; {@link ValueType.None} at the end or on error. */
  next(): ValueType {
    if (this.error !== null || this.numRead === this.numTotal) return ValueType.None;
    const r = this.br;
    if (this.numRead === 0) return this.readFirst();
    if (this.numRead === 1) {
      const d = readUvarint64(r);
      if (d === null) return this.fail('timestamp delta');
      // Go reads uint64 and adds it as int64: a high bit set means a negative delta.
      const delta = (rHi | 0) * TWO_32 + rLo;
      if (!Number.isSafeInteger(delta)) return this.fail('timestamp delta out of range');
      this.tDelta = delta;
      this.t += delta;
    } else {
      let dod = 0;
      if (r.readBit() !== 0) {
        // Prefixes 10, 110, 1110, 1111 select 14, 17, 20 or 64 bits of dod.
        let sz = 14;
        if (r.readBit() !== 0) {
          sz = 17;
          if (r.readBit() !== 0) {
            sz = 20;
            if (r.readBit() !== 0) sz = 64;
          }
        }
        if (sz === 64) {
          const h = r.readBits(32);
          dod = (h | 0) * TWO_32 + r.readBits(32);
          if (!Number.isSafeInteger(dod)) return this.fail('timestamp out of range');
        } else {
          dod = r.readBits(sz);
          // The top half of the unsigned range stands for negative numbers (bstream.md).
          if (dod > 1 << (sz - 1)) dod -= 1 << sz;
        }
      }
      this.tDelta += dod;
      this.t += this.tDelta;
    }
    this.readValue();
    if (r.pos > r.end || this.trailing < 0) return this.fail('sample');
    this.numRead++;
    return ValueType.Float;
  }

  /** Reads sample 0: a varint timestamp and 64 raw value bits. */
  private readFirst(): ValueType {
    const r = this.br;
    if (readUvarint64(r) === null) return this.fail('first timestamp');
    // Undo the zigzag encoding of Go's PutVarint: x = ux >>> 1, complemented if ux is odd.
    const neg = rLo & 1 ? 0xffffffff : 0;
    const xl = (((rLo >>> 1) | (rHi << 31)) ^ neg) >>> 0;
    const xh = ((rHi >>> 1) ^ neg) | 0;
    const t = xh * TWO_32 + xl;
    if (!Number.isSafeInteger(t)) return this.fail('first timestamp out of range');
    this.vHi = r.readBits(32);
    this.vLo = r.readBits(32);
    if (r.pos > r.end) return this.fail('first value');
    this.t = t;
    u32[HI] = this.vHi;
    u32[LO] = this.vLo;
    this.v = f64[0]!;
    this.numRead = 1;
    return ValueType.Float;
  }

  /** Reads an XOR-encoded value into `v` (Prometheus's xorRead). */
  private readValue(): void {
    const r = this.br;
    if (r.readBit() === 0) return; // same value as before
    let tr: number;
    let sig: number;
    if (r.readBit() === 0) {
      tr = this.trailing;
      sig = 64 - this.leading - tr;
    } else {
      const w = r.readBits(11);
      const l = w >>> 6;
      sig = w & 63;
      if (sig === 0) sig = 64;
      tr = 64 - l - sig;
      this.leading = l;
      this.trailing = tr; // negative only in corrupt data; next() reports it
      if (tr < 0) return;
    }
    let sh = 0;
    let sl: number;
    if (sig > 32) {
      sh = r.readBits(sig - 32);
      sl = r.readBits(32);
    } else {
      sl = r.readBits(sig);
    }
    // Shift the window's bits back into place (left by the trailing zeros) and XOR them in.
    if (tr === 0) {
      this.vHi ^= sh;
      this.vLo ^= sl;
    } else if (tr < 32) {
      this.vHi ^= (sh << tr) | (sl >>> (32 - tr));
      this.vLo ^= sl << tr;
    } else {
      this.vHi ^= sl << (tr - 32);
    }
    u32[HI] = this.vHi;
    u32[LO] = this.vLo;
    this.v = f64[0]!;
  }

  private fail(what: string): ValueType {
    this.error = new Error(`xor chunk: corrupt or truncated data reading ${what} of sample ${this.numRead}`);
    return ValueType.None;
  }
}

// ---- Varints (twice per chunk, so kept simple rather than fast) -------------------------------

/** Writes Go's `binary.PutVarint(t)`: the zigzag-encoded integer `t` as a uvarint. */
function writeVarint(b: BStream, t: number): void {
  const hi = Math.floor(t / TWO_32);
  const lo = t >>> 0;
  const sign = t < 0 ? -1 : 0;
  // ux = (x << 1) ^ (x >> 63), on two 32-bit halves.
  writeUvarint64(b, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0, ((lo << 1) ^ sign) >>> 0);
}

/** Writes the unsigned 64-bit integer `hi`:`lo` as a uvarint, one byte per 7 bits. */
function writeUvarint64(b: BStream, hi: number, lo: number): void {
  while (hi !== 0 || lo >= 0x80) {
    b.writeByte((lo & 0x7f) | 0x80);
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  b.writeByte(lo);
}

// The result of readUvarint64, kept in module state to avoid allocating a pair.
let rHi = 0;
let rLo = 0;

/** Reads a uvarint of up to 64 bits into `rHi`:`rLo`; null on overflow (as Go's ReadUvarint). */
function readUvarint64(r: BStreamReader): true | null {
  let hi = 0;
  let lo = 0;
  for (let i = 0, s = 0; i < 10; i++, s += 7) {
    const byte = r.readBits(8);
    if (byte < 0x80 && i === 9 && byte > 1) return null;
    const bits = byte & 0x7f;
    if (s < 32) {
      lo |= bits << s;
      if (s > 25) hi |= bits >>> (32 - s);
    } else {
      hi |= bits << (s - 32);
    }
    if (byte < 0x80) {
      if (r.pos > r.end) return null;
      rHi = hi >>> 0;
      rLo = lo >>> 0;
      return true;
    }
  }
  return null;
}
