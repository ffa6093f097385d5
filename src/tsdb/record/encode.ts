/**
 * Encoders for the series, tombstone, exemplar and metadata records, byte for byte as
 * Prometheus's record.Encoder writes them. Each appends one record to an {@link Encbuf} and
 * returns a view of it, valid until the buffer is reset; several records may share one buffer.
 */
import type { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import type { Encbuf } from './encbuf.js';
import {
  RecordType,
  type RefExemplar,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
} from './types.js';

/** The metric type bytes of metadata records (Prometheus's record.MetricType). */
const METRIC_TYPE_BYTES: Readonly<Record<MetricType, number>> = {
  unknown: 0,
  counter: 1,
  gauge: 2,
  histogram: 3,
  gaugehistogram: 4,
  summary: 5,
  info: 6,
  stateset: 7,
};

/** The metadata field names Prometheus writes after the type byte. */
export const UNIT_FIELD = 'UNIT';
/** The metadata field name of the help text. */
export const HELP_FIELD = 'HELP';

/** The byte a metadata record stores for a metric type. */
export function metricTypeByte(t: MetricType): number {
  return METRIC_TYPE_BYTES[t] ?? 0;
}

/** Appends a label set: uvarint count, then each name and value as a uvarint-length string. */
export function encodeLabels(enc: Encbuf, labels: Labels): void {
  const flat = labels.flat();
  enc.putUvarint(flat.length >> 1);
  for (let i = 0; i < flat.length; i++) enc.putUvarintStr(flat[i]!);
}

/** Appends a series record: per series its ref (big-endian uint64) and labels. */
export function encodeSeries(series: readonly RefSeries[], enc: Encbuf): Uint8Array {
  const start = enc.length;
  enc.putByte(RecordType.Series);
  for (const s of series) {
    enc.putBE64(s.ref);
    encodeLabels(enc, s.labels);
  }
  return enc.since(start);
}

/** Appends a tombstones record: per interval the ref (big-endian uint64), mint and maxt (varints). */
export function encodeTombstones(stones: readonly RefTombstone[], enc: Encbuf): Uint8Array {
  const start = enc.length;
  enc.putByte(RecordType.Tombstones);
  for (const s of stones) {
    enc.putBE64(s.ref);
    enc.putVarint(s.mint);
    enc.putVarint(s.maxt);
  }
  return enc.since(start);
}

// Scratch for taking an exemplar value's raw bits.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Appends an exemplars record: the first exemplar's ref and timestamp (big-endian), then per
 * exemplar the ref and timestamp deltas (varints), the value's bits and the labels.
 */
export function encodeExemplars(exemplars: readonly RefExemplar[], enc: Encbuf): Uint8Array {
  const start = enc.length;
  enc.putByte(RecordType.Exemplars);
  if (exemplars.length === 0) return enc.since(start);
  const first = exemplars[0]!;
  enc.putBE64(first.ref);
  enc.putBE64(first.t);
  for (const e of exemplars) {
    enc.putVarint(e.ref - first.ref);
    enc.putVarint(e.t - first.t);
    f64[0] = e.v;
    enc.putBE64Words(u32[HI]!, u32[1 - HI]!);
    encodeLabels(enc, e.labels);
  }
  return enc.since(start);
}

/**
 * Appends a metadata record: per entry the ref (uvarint), the metric type byte and two fields,
 * UNIT and HELP, as Prometheus writes them.
 */
export function encodeMetadata(metadata: readonly RefMetadata[], enc: Encbuf): Uint8Array {
  const start = enc.length;
  enc.putByte(RecordType.Metadata);
  for (const m of metadata) {
    enc.putUvarint(m.ref);
    enc.putByte(metricTypeByte(m.type));
    enc.putUvarint(2);
    enc.putUvarintStr(UNIT_FIELD);
    enc.putUvarintStr(m.unit);
    enc.putUvarintStr(HELP_FIELD);
    enc.putUvarintStr(m.help);
  }
  return enc.since(start);
}
