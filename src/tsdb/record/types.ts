/**
 * WAL record types, the values they carry and the errors their decoders throw.
 *
 * A record is the payload the WAL stores: its first byte names its type, the rest is the type's
 * encoding (Prometheus's tsdb/record). Numbers are Prometheus's, so that the byte on disk means
 * the same thing to both programs.
 */
import type { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';

/** The first byte of a record (Prometheus's record.Type). */
export const enum RecordType {
  /** Returned by {@link recordType} for an empty record or a byte no known type uses. */
  Unknown = 255,
  Series = 1,
  Samples = 2,
  Tombstones = 3,
  Exemplars = 4,
  /** m-map markers; only Prometheus's out-of-order WBL writes them. */
  MmapMarkers = 5,
  Metadata = 6,
  HistogramSamples = 7,
  FloatHistogramSamples = 8,
  CustomBucketsHistogramSamples = 9,
  CustomBucketsFloatHistogramSamples = 10,
  /** Newer Prometheus versions (behind a feature flag): samples with start timestamps. */
  SamplesV2 = 11,
  HistogramSamplesV2 = 12,
  FloatHistogramSamplesV2 = 13,
  /** Newer Prometheus versions write it into checkpoints only. */
  MinValidTime = 14,
}

// Prometheus's names (record.Type.String()), used in error messages and logs.
const TYPE_NAMES: Record<number, string> = {
  1: 'series',
  2: 'samples',
  3: 'tombstones',
  4: 'exemplars',
  5: 'mmapmarkers',
  6: 'metadata',
  7: 'histogram_samples',
  8: 'float_histogram_samples',
  9: 'custom_buckets_histogram_samples',
  10: 'custom_buckets_float_histogram_samples',
  11: 'samples_v2',
  12: 'histogram_samples_v2',
  13: 'float_histogram_samples_v2',
  14: 'min_valid_time',
};

/** The type of a record from its first byte; {@link RecordType.Unknown} for anything unrecognised. */
export function recordType(rec: Uint8Array): RecordType {
  if (rec.length === 0) return RecordType.Unknown;
  const t = rec[0]!;
  return t >= 1 && t <= 14 ? (t as RecordType) : RecordType.Unknown;
}

/** Prometheus's name of a record type (`samples`, `series`, …), or `unknown(N)`. */
export function recordTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `unknown(${t})`;
}

/** A series reference and its labels, as a series record holds them. */
export interface RefSeries {
  /** The head series reference (HeadSeriesRef). */
  ref: number;
  labels: Labels;
}

/** One deleted interval of one series (a tombstone record holds a list of them). */
export interface RefTombstone {
  ref: number;
  /** Inclusive bounds in milliseconds. */
  mint: number;
  maxt: number;
}

/** An exemplar attached to a series, as an exemplar record holds it. */
export interface RefExemplar {
  ref: number;
  /** Milliseconds since the epoch. */
  t: number;
  v: number;
  labels: Labels;
}

/** A metadata update of a series, as a metadata record holds it. */
export interface RefMetadata {
  ref: number;
  type: MetricType;
  unit: string;
  help: string;
}

/** A record that cannot be decoded: names the record type, the byte offset inside it and what is wrong. */
export class RecordError extends Error {
  /** The record's type byte. */
  readonly recordType: number;
  /** Byte offset inside the record where decoding failed. */
  readonly offset: number;
  /** What is wrong, without the position. */
  readonly reason: string;

  constructor(recordType: number, offset: number, reason: string) {
    super(`${recordTypeName(recordType)} record: ${reason} (at byte ${offset})`);
    this.name = 'RecordError';
    this.recordType = recordType;
    this.offset = offset;
    this.reason = reason;
  }
}

/**
 * A well-formed record of a type ignis knows but does not decode yet (native histograms,
 * samples with start timestamps, m-map markers). Replay should skip it and say so, not treat
 * it as corruption.
 */
export class UnsupportedRecordError extends RecordError {
  constructor(recordType: number) {
    super(recordType, 0, 'records of this type are not supported by ignis yet');
    this.name = 'UnsupportedRecordError';
  }
}
