/**
 * Metric families as whole values: what the writers take and what `parseFamilies` returns.
 * The streaming parsers do not build these; they are for tests, `check metrics`, and the
 * writers behind /metrics and /federate, where a family is built once per response.
 */
import type { Labels } from '../model/labels.js';
import type { MetricType } from '../model/metadata.js';

/** An exemplar attached to a sample (OpenMetrics only). */
export interface Exemplar {
  /** The exemplar's own labels (e.g. `trace_id`). */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch, when the exemplar carries a timestamp. */
  readonly timestamp?: number;
}

/** One sample line of a family. */
export interface FamilySample {
  /** The full series name as written, e.g. `http_requests_total` or `rpc_seconds_bucket`. */
  readonly name: string;
  /** The sample's labels, without `__name__`. */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch, when the line carries a timestamp. */
  readonly timestamp?: number;
  readonly exemplar?: Exemplar;
  /**
   * Labels written after `labels`, in this order and even when empty, as a flat
   * `[name, value, …]` list. Federation needs it: Prometheus appends the missing external
   * labels (and an empty `instance`) after a series' own labels.
   */
  readonly extraLabels?: readonly string[];
}

/** A metric family: its metadata and its samples in exposition order. */
export interface MetricFamily {
  /** The family name (for counters in OpenMetrics, without `_total`). */
  readonly name: string;
  readonly type: MetricType;
  /** The HELP text, if the family had a HELP line. */
  readonly help?: string;
  /** The UNIT (OpenMetrics only), if the family had a UNIT line. */
  readonly unit?: string;
  readonly samples: readonly FamilySample[];
}
