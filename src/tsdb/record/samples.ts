/**
 * Sample records: the hot path of both appending and WAL replay.
 *
 * Layout (Prometheus's record.Samples): type byte 2; when there is at least one sample, the
 * first sample's ref and timestamp as big-endian 64-bit integers; then per sample the ref and
 * timestamp as zig-zag varint deltas against those and the value's raw float64 bits, big-endian.
 *
 * Samples travel in a {@link SampleBatch}: three parallel typed arrays and a count, so neither
 * encoding nor decoding makes an object per sample. Values move as raw 32-bit words through a
 * Uint32Array over the values' buffer, so NaN payloads (the stale marker 0x7ff0000000000002)
 * reach disk and come back bit for bit.
 */
import type { Encbuf } from './encbuf.js';
import { writeVarint } from './encbuf.js';
import { HI_WORD, LO_WORD, readVarint, varintEnd } from './decbuf.js';
import { RecordError, RecordType } from './types.js';

const TWO_32 = 4294967296;
/** Type byte + first ref + first timestamp. */
const HEADER = 17;
/** The smallest encoded sample: two one-byte varints and the 8-byte value. */
const MIN_SAMPLE = 10;
/** The largest encoded sample: two ten-byte varints and the 8-byte value. */
const MAX_SAMPLE = 28;

/** Float samples of any series as parallel arrays; `length` says how many entries are valid. */
export class SampleBatch {
  /** Series references. */
  refs: Float64Array;
  /** Timestamps in milliseconds. */
  ts: Float64Array;
  /** Values. Read them as numbers; write them with {@link SampleBatch.push} or through `valueWords`. */
  values: Float64Array;
  /** The values' raw bits: entry i has its high word at `2*i + HI_WORD`, its low word at `2*i + LO_WORD`. */
  valueWords: Uint32Array;
  /** Number of valid samples. */
  length = 0;

  /** Starts with room for `capacity` samples. */
  constructor(capacity = 1024) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.valueWords = new Uint32Array(this.values.buffer);
  }

  /** Room for at least `n` samples; keeps the first `length` entries. */
  ensureCapacity(n: number): void {
    if (n <= this.refs.length) return;
    let cap = Math.max(16, this.refs.length * 2);
    while (cap < n) cap *= 2;
    const refs = new Float64Array(cap);
    const ts = new Float64Array(cap);
    const values = new Float64Array(cap);
    refs.set(this.refs.subarray(0, this.length));
    ts.set(this.ts.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length));
    this.refs = refs;
    this.ts = ts;
    this.values = values;
    this.valueWords = new Uint32Array(values.buffer);
  }

  /**
   * Appends one sample. NaN payloads survive a number held in a variable or an object field,
   * but not one stored in a plain array (V8 canonicalises NaNs there): write such values'
   * bits through `valueWords`.
   */
  push(ref: number, t: number, v: number): void {
    const i = this.length;
    if (i === this.refs.length) this.ensureCapacity(i + 1);
    this.refs[i] = ref;
    this.ts[i] = t;
    this.values[i] = v;
    this.length = i + 1;
  }

  /** Empties the batch (the memory is reused). */
  clear(): void {
    this.length = 0;
  }
}

/**
 * Appends a samples record holding `batch[from, to)` to `enc`; returns a view of that record
 * (valid until `enc` is reset). Refs and timestamps must be integers.
 */
export function encodeSamples(batch: SampleBatch, enc: Encbuf, from = 0, to = batch.length): Uint8Array {
  const start = enc.length;
  enc.putByte(RecordType.Samples);
  if (to <= from) return enc.since(start);
  const refs = batch.refs;
  const ts = batch.ts;
  const words = batch.valueWords;
  const ref0 = refs[from]!;
  const t0 = ts[from]!;
  enc.putBE64(ref0);
  enc.putBE64(t0);
  enc.ensure((to - from) * MAX_SAMPLE);
  const b = enc.buf;
  let p = enc.length;
  for (let i = from; i < to; i++) {
    const dref = refs[i]! - ref0;
    // One-byte zig-zag varints are the common case (same scrape, nearby series).
    if (dref >= -64 && dref < 64) b[p++] = (dref << 1) ^ (dref >> 31);
    else p = writeVarint(b, p, dref);
    const dt = ts[i]! - t0;
    if (dt >= -64 && dt < 64) b[p++] = (dt << 1) ^ (dt >> 31);
    else p = writeVarint(b, p, dt);
    const hi = words[2 * i + HI_WORD]!;
    const lo = words[2 * i + LO_WORD]!;
    b[p] = hi >>> 24;
    b[p + 1] = hi >>> 16;
    b[p + 2] = hi >>> 8;
    b[p + 3] = hi;
    b[p + 4] = lo >>> 24;
    b[p + 5] = lo >>> 16;
    b[p + 6] = lo >>> 8;
    b[p + 7] = lo;
    p += 8;
  }
  enc.length = p;
  return enc.since(start);
}

/**
 * Decodes a samples record into `out`, replacing its contents; returns `out`. Throws a
 * {@link RecordError} for a record of another type or malformed bytes.
 */
export function decodeSamples(rec: Uint8Array, out: SampleBatch): SampleBatch {
  out.length = 0;
  if (rec.length === 0 || rec[0] !== RecordType.Samples) {
    throw new RecordError(rec.length === 0 ? RecordType.Unknown : rec[0]!, 0, 'not a samples record');
  }
  const end = rec.length;
  if (end === 1) return out;
  if (end < HEADER) {
    throw new RecordError(RecordType.Samples, 1, `truncated header: ${end - 1} of 16 bytes`);
  }
  const baseRef =
    (((rec[1]! << 24) | (rec[2]! << 16) | (rec[3]! << 8) | rec[4]!) >>> 0) * TWO_32 +
    (((rec[5]! << 24) | (rec[6]! << 16) | (rec[7]! << 8) | rec[8]!) >>> 0);
  const baseT =
    ((rec[9]! << 24) | (rec[10]! << 16) | (rec[11]! << 8) | rec[12]!) * TWO_32 +
    (((rec[13]! << 24) | (rec[14]! << 16) | (rec[15]! << 8) | rec[16]!) >>> 0);
  // Every sample takes at least MIN_SAMPLE bytes, so this bound keeps the loop free of growth.
  out.ensureCapacity(Math.floor((end - HEADER) / MIN_SAMPLE));
  const refs = out.refs;
  const ts = out.ts;
  const words = out.valueWords;
  let p = HEADER;
  let n = 0;
  while (p < end) {
    const sampleStart = p;
    let c = rec[p]!;
    let dref: number;
    if (c < 0x80) {
      dref = (c >>> 1) ^ -(c & 1);
      p++;
    } else {
      dref = readVarint(rec, p);
      if (dref !== dref) throw sampleError(varintEnd, 'ref delta', sampleStart, n);
      p = varintEnd;
    }
    if (p >= end) throw sampleError(-1, 'timestamp delta', sampleStart, n);
    c = rec[p]!;
    let dt: number;
    if (c < 0x80) {
      dt = (c >>> 1) ^ -(c & 1);
      p++;
    } else {
      dt = readVarint(rec, p);
      if (dt !== dt) throw sampleError(varintEnd, 'timestamp delta', sampleStart, n);
      p = varintEnd;
    }
    if (end - p < 8) throw sampleError(-1, 'value', sampleStart, n);
    words[2 * n + HI_WORD] = (rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!;
    words[2 * n + LO_WORD] = (rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!;
    p += 8;
    refs[n] = baseRef + dref;
    ts[n] = baseT + dt;
    n++;
  }
  out.length = n;
  return out;
}

function sampleError(code: number, what: string, at: number, n: number): RecordError {
  const how = code === -2 ? 'overflows 64 bits' : 'is truncated';
  return new RecordError(RecordType.Samples, at, `${what} of sample ${n} ${how}`);
}
