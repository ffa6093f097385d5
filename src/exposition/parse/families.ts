/**
 * Whole-exposition parsing into {@link MetricFamily} values, for tests, `check metrics` and the
 * writers' round trips. The scrape path streams with {@link newParser} instead.
 */
import { METRIC_NAME } from '../../model/names.js';
import type { FamilySample, MetricFamily } from '../family.js';
import type { ExpositionFormat } from '../negotiate.js';
import { sampleSuffix } from './grouping.js';
import type { DecodedInput } from './input.js';
import { OpenMetricsParser } from './omparse.js';
import { Entry, type Parser, type ParserOptions } from './parser.js';
import { PromParser } from './textparse.js';

/** A streaming parser for `format` (`text` is the Prometheus text format 0.0.4). */
export function newParser(
  input: string | Uint8Array | DecodedInput,
  format: ExpositionFormat,
  options: ParserOptions = {},
): Parser {
  return format === 'openmetrics' ? new OpenMetricsParser(input, options) : new PromParser(input, options);
}

interface MutableFamily {
  name: string;
  type: MetricFamily['type'];
  help?: string;
  unit?: string;
  samples: FamilySample[];
}

/**
 * Parses a whole exposition into its metric families, in order. A sample joins the current
 * family when its name is the family name plus a suffix of the family's type (`_bucket`, `_sum`,
 * `_count` of a text histogram; `_total` of an OpenMetrics counter, whose family name has no
 * `_total`); any other name starts a family of type `unknown`. Families announced by metadata
 * but without samples are kept. An empty OpenMetrics HELP or UNIT counts as absent, as the
 * specification says. Labels are as {@link Parser.labels} gives them, without `__name__`.
 * Throws {@link ParseError} on malformed input (per `options.strictness`, default lenient).
 */
export function parseFamilies(
  input: string | Uint8Array,
  format: ExpositionFormat,
  options: ParserOptions = {},
): MetricFamily[] {
  const p = newParser(input, format, options);
  const om = format === 'openmetrics';
  const families: MutableFamily[] = [];
  let cur: MutableFamily | undefined;
  for (;;) {
    const e = p.next();
    if (e === Entry.EOF) break;
    if (e === Entry.Comment) continue;
    const name = p.metricName();
    if (e === Entry.Series) {
      if (cur === undefined || sampleSuffix(format, cur.type, cur.name, name) === undefined) {
        cur = { name, type: 'unknown', samples: [] };
        families.push(cur);
      }
      cur.samples.push(sampleOf(p, name));
      continue;
    }
    // Metadata for another name, or for a family that already has samples, starts a family.
    if (cur === undefined || cur.name !== name || cur.samples.length > 0) {
      cur = { name, type: 'unknown', samples: [] };
      families.push(cur);
    }
    if (e === Entry.Type) {
      cur.type = p.type();
    } else if (e === Entry.Help) {
      const help = p.help();
      if (om && help === '') delete cur.help;
      else cur.help = help;
    } else {
      const unit = p.unit();
      if (unit === '') delete cur.unit;
      else cur.unit = unit;
    }
  }
  return families;
}

function sampleOf(p: Parser, name: string): FamilySample {
  const labels = p.labels().without(METRIC_NAME);
  const value = p.value();
  const timestamp = p.timestamp();
  const exemplar = p.exemplar();
  const s: { -readonly [K in keyof FamilySample]: FamilySample[K] } = { name, labels, value };
  if (timestamp !== undefined) s.timestamp = timestamp;
  if (exemplar !== undefined) s.exemplar = exemplar;
  return s;
}
