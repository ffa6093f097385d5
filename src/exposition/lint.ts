/**
 * promtool's `check metrics` lint: client_golang's promlint rules, with promlint's exact
 * wording and order, applied to parsed metric families.
 *
 * promlint lints the protobuf families that expfmt's text parser builds. Those differ from
 * ignis's families in three ways this file bridges: a histogram's or summary's samples that
 * share labels (apart from `le` and `quantile`) are one metric, `le`/`quantile` are not labels
 * there, and an OpenMetrics family is seen the way it would be exposed in the text format
 * (a counter `foo` as `foo_total`, an info `foo` as `foo_info`).
 */
import type { Labels } from '../model/labels.js';
import { compareStrings, goQuote } from '../model/strings.js';
import type { FamilySample, MetricFamily } from './family.js';

/** One lint finding: the metric family it is about and promlint's text. */
export interface LintProblem {
  readonly metric: string;
  readonly text: string;
}

/** A problem as promtool prints it on stderr: `<metric> <text>`. */
export function formatLintProblem(p: LintProblem): string {
  return p.metric + ' ' + p.text;
}

/** client_model's metric types, as promlint sees them (`UNTYPED` for unknown). */
type DtoType = 'counter' | 'gauge' | 'summary' | 'untyped' | 'histogram' | 'gauge_histogram';

/** A family as expfmt's parser would hand it to promlint: name, type, help and one label set per metric. */
interface LintFamily {
  readonly name: string;
  readonly type: DtoType;
  readonly hasHelp: boolean;
  readonly metrics: readonly Labels[];
}

// Units and their base units, and the prefixes promlint recognizes (client_golang units.go).
const UNITS: Readonly<Record<string, string>> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};

const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];

const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

const CAMEL_CASE = /[a-z][A-Z]/;

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The first `_`-separated word of a name that is a known unit, possibly prefixed (promlint's metricUnits). */
function metricUnit(name: string): { unit: string; base: string } | undefined {
  for (const word of name.split('_')) {
    if (hasOwn(UNITS, word)) return { unit: word, base: UNITS[word]! };
    for (const p of UNIT_PREFIXES) {
      if (word.startsWith(p)) {
        const rest = word.slice(p.length);
        if (hasOwn(UNITS, rest)) return { unit: word, base: UNITS[rest]! };
      }
    }
  }
  return undefined;
}

function containsWord(lowerName: string, word: string): boolean {
  return lowerName.includes('_' + word + '_') || lowerName.endsWith('_' + word);
}

/** Runs promlint's default validations on one family, in promlint's order. */
function lintFamily(f: LintFamily, out: LintProblem[]): void {
  const add = (text: string): void => {
    out.push({ metric: f.name, text });
  };
  const n = f.name;
  const lower = n.toLowerCase();
  const untyped = f.type === 'untyped';

  // LintHelp
  if (!f.hasHelp) add('no help text');

  // LintMetricUnits
  const u = metricUnit(n);
  if (u !== undefined && u.unit !== u.base)
    add(`use base unit ${goQuote(u.base)} instead of ${goQuote(u.unit)}`);

  // LintCounter
  const isCounter = f.type === 'counter';
  const hasTotal = n.endsWith('_total');
  if (isCounter && !hasTotal) add('counter metrics should have "_total" suffix');
  else if (!untyped && !isCounter && hasTotal) add('non-counter metrics should not have "_total" suffix');

  // Some client_golang versions also have a LintGauge (`non-gauge metrics should not have
  // "_timestamp_seconds" suffix`); promtool 3.5, the reference, does not report it.

  // LintHistogramSummaryReserved
  if (!untyped) {
    const isHistogram = f.type === 'histogram';
    const isSummary = f.type === 'summary';
    if (!isHistogram && n.endsWith('_bucket')) add('non-histogram metrics should not have "_bucket" suffix');
    if (!isHistogram && !isSummary && n.endsWith('_count')) {
      add('non-histogram and non-summary metrics should not have "_count" suffix');
    }
    if (!isHistogram && !isSummary && n.endsWith('_sum')) {
      add('non-histogram and non-summary metrics should not have "_sum" suffix');
    }
    for (const m of f.metrics) {
      m.forEach((ln) => {
        if (!isHistogram && ln === 'le') add('non-histogram metrics should not have "le" label');
        if (!isSummary && ln === 'quantile') add('non-summary metrics should not have "quantile" label');
      });
    }
  }

  // LintMetricTypeInName
  if (!untyped && containsWord(lower, f.type)) add(`metric name should not include type '${f.type}'`);

  // LintReservedChars
  if (n.includes(':')) add("metric names should not contain ':'");

  // LintCamelCase
  if (CAMEL_CASE.test(n)) add("metric names should be written in 'snake_case' not 'camelCase'");
  for (const m of f.metrics) {
    m.forEach((ln) => {
      if (CAMEL_CASE.test(ln)) add("label names should be written in 'snake_case' not 'camelCase'");
    });
  }

  // LintUnitAbbreviations: one problem per abbreviation found, as promlint reports them.
  for (const a of UNIT_ABBREVIATIONS) {
    if (containsWord(lower, a)) add('metric names should not contain abbreviated units');
  }

  // LintDuplicateMetric: each metric with an identical one after it is reported once.
  const seen = new Map<number, Labels[]>();
  let dupes = 0;
  for (const m of f.metrics) {
    const h = m.hash();
    const bucket = seen.get(h);
    if (bucket === undefined) seen.set(h, [m]);
    else if (bucket.some((o) => o.equals(m))) dupes++;
    else bucket.push(m);
  }
  for (let i = 0; i < dupes; i++) add('metric not unique');
}

function dtoType(t: MetricFamily['type']): DtoType {
  switch (t) {
    case 'counter':
    case 'gauge':
    case 'summary':
    case 'histogram':
      return t;
    case 'gaugehistogram':
      return 'gauge_histogram';
    case 'info':
    case 'stateset':
      // What these become in the text format (see write-text.ts).
      return 'gauge';
    default:
      return 'untyped';
  }
}

/**
 * Groups a histogram's or summary's samples into metrics: samples whose labels agree apart
 * from `le` (buckets) or `quantile` (quantiles) are one metric, as in expfmt's parser.
 */
function groupedMetrics(samples: readonly FamilySample[], bucketName: string, bucketLabel: string): Labels[] {
  const out: Labels[] = [];
  const seen = new Map<number, Labels[]>();
  for (const s of samples) {
    const l = s.name === bucketName ? s.labels.without(bucketLabel) : s.labels;
    const h = l.hash();
    const bucket = seen.get(h);
    if (bucket === undefined) seen.set(h, [l]);
    else if (bucket.some((o) => o.equals(l))) continue;
    else bucket.push(l);
    out.push(l);
  }
  return out;
}

/** The families promlint would see for one of ignis's families. */
function toLintFamilies(f: MetricFamily): LintFamily[] {
  const type = dtoType(f.type);
  const hasHelp = f.help !== undefined;
  const samples = f.samples;
  switch (f.type) {
    case 'histogram':
    case 'gaugehistogram': {
      const metrics = groupedMetrics(
        samples.filter((s) => s.name !== f.name + '_created'),
        f.name + '_bucket',
        'le',
      );
      return [{ name: f.name, type, hasHelp, metrics }];
    }
    case 'summary': {
      const metrics = groupedMetrics(
        samples.filter((s) => s.name !== f.name + '_created'),
        f.name,
        'quantile',
      );
      return [{ name: f.name, type, hasHelp, metrics }];
    }
    case 'counter': {
      // An OpenMetrics counter `foo` is the text format's `foo_total`; its `_created` samples
      // are a field of the counter there, not metrics.
      const base = f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
      const name = samples.some((s) => s.name === base + '_total') ? base + '_total' : f.name;
      const metrics = samples.filter((s) => s.name !== base + '_created').map((s) => s.labels);
      return [{ name, type, hasHelp, metrics }];
    }
    case 'info': {
      const name = f.name.endsWith('_info') ? f.name : f.name + '_info';
      return [{ name, type, hasHelp, metrics: samples.map((s) => s.labels) }];
    }
    default: {
      // Samples under another name than their family's (no TYPE line, say) are families of
      // their own to expfmt, without help.
      const byName = new Map<string, Labels[]>([[f.name, []]]);
      for (const s of samples) {
        let list = byName.get(s.name);
        if (list === undefined) byName.set(s.name, (list = []));
        list.push(s.labels);
      }
      const out: LintFamily[] = [];
      for (const [name, metrics] of byName) {
        if (name === f.name) out.push({ name, type, hasHelp, metrics });
        else out.push({ name, type: 'untyped', hasHelp: false, metrics });
      }
      return out;
    }
  }
}

/**
 * Lints metric families as `promtool check metrics` does and returns the problems sorted by
 * metric name, then text (promlint's order; equal problems are all kept, as promtool prints
 * them).
 */
export function lintFamilies(families: readonly MetricFamily[]): LintProblem[] {
  // expfmt keeps one family per name: samples of a name that come back after other families
  // (allowed by its parser, and kept apart by ignis's) join the family first seen.
  const byName = new Map<string, { name: string; type: DtoType; hasHelp: boolean; metrics: Labels[] }>();
  for (const f of families) {
    for (const lf of toLintFamilies(f)) {
      const prev = byName.get(lf.name);
      if (prev === undefined) byName.set(lf.name, { ...lf, metrics: [...lf.metrics] });
      else {
        prev.hasHelp ||= lf.hasHelp;
        prev.metrics.push(...lf.metrics);
      }
    }
  }
  const problems: LintProblem[] = [];
  for (const lf of byName.values()) lintFamily(lf, problems);
  // Array.prototype.sort is stable, as promlint's sort.SliceStable.
  return problems.sort((a, b) => compareStrings(a.metric, b.metric) || compareStrings(a.text, b.text));
}
