/**
 * Decoders for the series, tombstone, exemplar and metadata records (Prometheus's
 * record.Decoder). Each fills a caller-provided array, emptied first, and returns it, so replay
 * can reuse one array per record type. Malformed bytes throw a {@link RecordError}.
 */
import { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import { compareStrings } from '../../model/strings.js';
import { Decbuf } from './decbuf.js';
import { HELP_FIELD, UNIT_FIELD } from './encode.js';
import {
  RecordError,
  RecordType,
  UnsupportedRecordError,
  recordType,
  type RefExemplar,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
} from './types.js';

/** Metric types by the byte a metadata record stores (Prometheus's record.MetricType). */
const METRIC_TYPES: readonly MetricType[] = [
  'unknown',
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
];

/** A label set larger than this is not a plausible series; the count is checked before allocating. */
const MAX_LABELS = 1 << 16;

function expectType(rec: Uint8Array, want: RecordType, what: string): Decbuf {
  const t = rec.length === 0 ? RecordType.Unknown : rec[0]!;
  if (t !== want) throw new RecordError(t, 0, `not a ${what} record`);
  return new Decbuf(rec, t, 1);
}

/**
 * Reads a label set: uvarint count, then names and values as uvarint-length strings. Prometheus
 * writes labels sorted; a set that is not sorted or has duplicate names is sorted here (later
 * duplicates win) rather than rejected, as it does not make the record unreadable.
 */
export function decodeLabels(d: Decbuf): Labels {
  const countAt = d.pos;
  const n = d.uvarint('label count');
  // Each label needs at least two length bytes; this bounds the allocation by the record size.
  if (n > MAX_LABELS || n * 2 > d.remaining()) d.fail(`implausible label count ${n}`, countAt);
  if (n === 0) return Labels.EMPTY;
  const flat: string[] = new Array(2 * n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const name = d.uvarintStr('label name');
    flat[2 * i] = name;
    flat[2 * i + 1] = d.uvarintStr('label value');
    if (i > 0 && sorted) {
      const prev = flat[2 * i - 2]!;
      // Plain `<` is UTF-16 order; only when it disagrees is the byte-order comparison needed.
      if (!(prev < name) && compareStrings(prev, name) >= 0) sorted = false;
    }
  }
  return sorted ? Labels.fromSortedFlat(flat) : Labels.fromStrings(...flat);
}

/** Decodes a series record into `out` (emptied first). */
export function decodeSeries(rec: Uint8Array, out: RefSeries[] = []): RefSeries[] {
  out.length = 0;
  const d = expectType(rec, RecordType.Series, 'series');
  while (d.remaining() > 0) {
    const ref = d.be64('series ref');
    out.push({ ref, labels: decodeLabels(d) });
  }
  return out;
}

/** Decodes a tombstones record into `out` (emptied first), one entry per interval. */
export function decodeTombstones(rec: Uint8Array, out: RefTombstone[] = []): RefTombstone[] {
  out.length = 0;
  const d = expectType(rec, RecordType.Tombstones, 'tombstones');
  while (d.remaining() > 0) {
    const ref = d.be64('series ref');
    const mint = d.varint('mint');
    const maxt = d.varint('maxt');
    out.push({ ref, mint, maxt });
  }
  return out;
}

/** Decodes an exemplars record into `out` (emptied first). */
export function decodeExemplars(rec: Uint8Array, out: RefExemplar[] = []): RefExemplar[] {
  out.length = 0;
  const d = expectType(rec, RecordType.Exemplars, 'exemplars');
  if (d.remaining() === 0) return out;
  const baseRef = d.be64('first ref');
  const baseT = d.be64int('first timestamp');
  while (d.remaining() > 0) {
    const dref = d.varint('ref delta');
    const dt = d.varint('timestamp delta');
    const v = d.be64float('value');
    out.push({ ref: baseRef + dref, t: baseT + dt, v, labels: decodeLabels(d) });
  }
  return out;
}

/**
 * Decodes a metadata record into `out` (emptied first). Fields other than UNIT and HELP are
 * skipped, as Prometheus does, so records from newer versions stay readable.
 */
export function decodeMetadata(rec: Uint8Array, out: RefMetadata[] = []): RefMetadata[] {
  out.length = 0;
  const d = expectType(rec, RecordType.Metadata, 'metadata');
  while (d.remaining() > 0) {
    const ref = d.uvarint('series ref');
    const typ = d.byte('metric type');
    const fieldsAt = d.pos;
    const fields = d.uvarint('field count');
    if (fields * 2 > d.remaining()) d.fail(`implausible field count ${fields}`, fieldsAt);
    let unit = '';
    let help = '';
    for (let i = 0; i < fields; i++) {
      const name = d.uvarintStr('field name');
      const value = d.uvarintStr('field value');
      if (name === UNIT_FIELD) unit = value;
      else if (name === HELP_FIELD) help = value;
    }
    out.push({ ref, type: METRIC_TYPES[typ] ?? 'unknown', unit, help });
  }
  return out;
}

/**
 * Throws the error replay should report for a record ignis does not decode: an
 * {@link UnsupportedRecordError} for a type Prometheus defines (histograms, m-map markers,
 * samples with start timestamps), a {@link RecordError} for an unknown type byte.
 */
export function rejectRecord(rec: Uint8Array): never {
  const t = recordType(rec);
  if (t === RecordType.Unknown) {
    throw new RecordError(rec.length === 0 ? RecordType.Unknown : rec[0]!, 0, 'unknown record type');
  }
  throw new UnsupportedRecordError(t);
}
