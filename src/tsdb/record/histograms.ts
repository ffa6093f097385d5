/**
 * Native histogram sample records (types 7–10), walked but not decoded.
 *
 * ignis does not store native histograms yet. To replay a Prometheus WAL that holds them it
 * must still find where each sample starts and ends, both to report clearly what it skips and
 * to carry the samples into a checkpoint unchanged. {@link scanHistogramSamples} walks the
 * layout of wal.md ("Histogram records") and records each sample's ref, timestamp and byte span.
 */
import { Decbuf } from './decbuf.js';
import { RecordError, RecordType } from './types.js';

/** The schema number of custom-bucket (NHCB) histograms, which carry their bucket bounds. */
const CUSTOM_BUCKETS_SCHEMA = -53;
/** Type byte + first ref + first timestamp. */
const HEADER = 17;

/** Where each histogram sample of a record lies: parallel arrays and a count. */
export class HistogramSampleSpans {
  /** Series references. */
  refs: Float64Array;
  /** Timestamps in milliseconds. */
  ts: Float64Array;
  /** Byte offset of each sample in the record (its ref delta). */
  starts: Uint32Array;
  /** Byte offset just past each sample. */
  ends: Uint32Array;
  /** Number of valid entries. */
  length = 0;

  /** Starts with room for `capacity` samples. */
  constructor(capacity = 64) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.starts = new Uint32Array(capacity);
    this.ends = new Uint32Array(capacity);
  }

  /** Appends one entry, growing the arrays when needed. */
  push(ref: number, t: number, start: number, end: number): void {
    const i = this.length;
    if (i === this.refs.length) {
      const cap = Math.max(16, i * 2);
      const grow = <T extends Float64Array | Uint32Array>(a: T, b: T): T => (b.set(a), b);
      this.refs = grow(this.refs, new Float64Array(cap));
      this.ts = grow(this.ts, new Float64Array(cap));
      this.starts = grow(this.starts, new Uint32Array(cap));
      this.ends = grow(this.ends, new Uint32Array(cap));
    }
    this.refs[i] = ref;
    this.ts[i] = t;
    this.starts[i] = start;
    this.ends[i] = end;
    this.length = i + 1;
  }
}

/** True for the four histogram sample record types this module walks. */
export function isHistogramRecordType(t: number): boolean {
  return t >= RecordType.HistogramSamples && t <= RecordType.CustomBucketsFloatHistogramSamples;
}

/** The length of the header (type byte, first ref, first timestamp) that a non-empty histogram record starts with. */
export const HISTOGRAM_RECORD_HEADER = HEADER;

/**
 * Walks a histogram samples record (types 7–10) into `out` (emptied first) without decoding
 * the histograms. Throws a {@link RecordError} for a record of another type or malformed bytes.
 */
export function scanHistogramSamples(rec: Uint8Array, out: HistogramSampleSpans): HistogramSampleSpans {
  out.length = 0;
  const t = rec.length === 0 ? RecordType.Unknown : rec[0]!;
  if (!isHistogramRecordType(t)) throw new RecordError(t, 0, 'not a histogram samples record');
  const isFloat =
    t === RecordType.FloatHistogramSamples || t === RecordType.CustomBucketsFloatHistogramSamples;
  const d = new Decbuf(rec, t, 1);
  if (d.remaining() === 0) return out;
  const baseRef = d.be64('first ref');
  const baseT = d.be64int('first timestamp');
  while (d.remaining() > 0) {
    const start = d.pos;
    const ref = baseRef + d.varint('ref delta');
    const ts = baseT + d.varint('timestamp delta');
    d.byte('counter reset hint');
    const schema = d.varint('schema');
    d.skip(8, 'zero threshold');
    if (isFloat) {
      d.skip(24, 'zero count, count and sum');
    } else {
      d.uvarint('zero count');
      d.uvarint('count');
      d.skip(8, 'sum');
    }
    for (let side = 0; side < 2; side++) {
      const n = count(d, 2, 'span count');
      for (let i = 0; i < n; i++) {
        d.varint('span offset');
        d.uvarint('span length');
      }
    }
    for (let side = 0; side < 2; side++) {
      if (isFloat) {
        const n = count(d, 8, 'bucket count');
        d.skip(8 * n, 'buckets');
      } else {
        const n = count(d, 1, 'bucket count');
        for (let i = 0; i < n; i++) d.varint('bucket');
      }
    }
    if (schema === CUSTOM_BUCKETS_SCHEMA) {
      const n = count(d, 8, 'custom value count');
      d.skip(8 * n, 'custom values');
    }
    out.push(ref, ts, start, d.pos);
  }
  return out;
}

/** Reads a count and checks that `per` bytes for each element can still be in the record. */
function count(d: Decbuf, per: number, what: string): number {
  const at = d.pos;
  const n = d.uvarint(what);
  if (n * per > d.remaining()) d.fail(`implausible ${what} ${n}`, at);
  return n;
}
