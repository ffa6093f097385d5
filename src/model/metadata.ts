/** Metric metadata: type, help and unit, as exposed by targets and stored by the head. */

/** Metric types (OpenMetrics names; the text format's `untyped` maps to `unknown`). */
export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/** Every metric type, in a stable order. */
export const METRIC_TYPES: readonly MetricType[] = [
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
];

/** True when `s` names a metric type. */
export function isMetricType(s: string): s is MetricType {
  return (METRIC_TYPES as readonly string[]).includes(s);
}

/** The metadata of one metric family. */
export interface Metadata {
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}
