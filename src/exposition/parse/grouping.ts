/**
 * Which samples belong to which metric family: the suffix rules of each format and type.
 *
 * Neither format marks where a family ends. A sample belongs to the current family when its
 * name is the family name plus a suffix that family's type produces; any other name starts a
 * new family (of unknown type, under the sample's own name).
 */
import type { MetricType } from '../../model/metadata.js';
import type { ExpositionFormat } from '../negotiate.js';

type Suffixes = Readonly<Record<MetricType, readonly string[]>>;

// The text format has only counter, gauge, histogram, summary and untyped; a counter's samples
// carry the family's name as is (the name usually ends in `_total` already).
const TEXT_SUFFIXES: Suffixes = {
  counter: [''],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count'],
  info: [''],
  stateset: [''],
  unknown: [''],
};

// OpenMetrics 1.0, "Suffixes": the family name never carries the suffix.
const OM_SUFFIXES: Suffixes = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};

/** The suffixes that samples of a family of type `type` carry in `format`. */
export function familySuffixes(format: ExpositionFormat, type: MetricType): readonly string[] {
  return (format === 'openmetrics' ? OM_SUFFIXES : TEXT_SUFFIXES)[type];
}

/**
 * The suffix by which sample `sample` belongs to family `family` of type `type` (`''` for the
 * plain name), or undefined when the sample cannot be part of that family.
 */
export function sampleSuffix(
  format: ExpositionFormat,
  type: MetricType,
  family: string,
  sample: string,
): string | undefined {
  if (!sample.startsWith(family)) return undefined;
  const rest = sample.length - family.length;
  for (const suffix of familySuffixes(format, type)) {
    if (suffix.length === rest && sample.endsWith(suffix)) return suffix;
  }
  return undefined;
}
