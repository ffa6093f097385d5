/**
 * The OpenMetrics 1.0 rules that the streaming parser does not check on its own, layered on top
 * of it for strict mode: families grouped and never repeated, metadata once and before the
 * samples, sample names that clash between families, the value rules of each type, where
 * exemplars may go, the histogram bucket rules, and the ordering of MetricPoints.
 *
 * Prometheus's scraper checks none of this (it streams one line at a time), which is why the
 * scrape path runs lenient; this validator answers "is this a valid OpenMetrics exposition".
 */
import type { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import { METRIC_NAME } from '../../model/names.js';
import { excerpt, ParseError } from './errors.js';
import { familySuffixes, sampleSuffix } from './grouping.js';
import { codePointLength, parseCanonicalNumber } from './lex.js';
import type { OpenMetricsParser } from './omparse.js';
import { Entry } from './parser.js';

/** OpenMetrics 1.0, "Exemplars": at most this many code points in an exemplar's label names and values. */
export const EXEMPLAR_MAX_LABEL_RUNES = 128;

/** One MetricPoint being read: the samples of one Metric that share a timestamp. */
interface Point {
  /** The line of the point's first sample. */
  readonly line: number;
  readonly hasTs: boolean;
  /** The timestamp as written, in seconds (sub-millisecond differences still count). */
  readonly ts: number;
  /** The samples seen (suffix plus `le`/`quantile`/state), to notice where the next point starts. */
  readonly ids: Set<string>;
  hasTotal: boolean;
  lastLe: number;
  lastBucket: number;
  negativeBucket: boolean;
  inf: number | undefined;
  count: number | undefined;
  countLine: number;
  sum: number | undefined;
  sumLine: number;
}

interface Family {
  readonly name: string;
  type: MetricType;
  unit: string;
  sawHelp: boolean;
  sawType: boolean;
  sawUnit: boolean;
  hasSamples: boolean;
  /** The Metrics (label sets without the point-level label) seen, to catch interleaving. */
  readonly metrics: Set<string>;
  metric: string | undefined;
  point: Point | undefined;
}

/** Checks OpenMetrics 1.0's cross-line rules entry by entry. */
export class OpenMetricsValidator {
  private readonly seen = new Set<string>();
  /** Sample name → the family that could expose it, to catch clashing families. */
  private readonly owners = new Map<string, string>();
  private fam: Family | undefined;

  /** Validates the entries of `parser`, which calls {@link observe} after each `next()`. */
  constructor(private readonly parser: OpenMetricsParser) {}

  /** Checks the entry just parsed; returns the violation, if any. */
  observe(e: Entry): ParseError | undefined {
    try {
      if (e === Entry.Series) this.sample();
      else if (e === Entry.EOF) this.closeFamily();
      else this.metadata(e);
      return undefined;
    } catch (err) {
      if (err instanceof ParseError) return err;
      throw err;
    }
  }

  private fail(reason: string, line: number = this.parser.line): never {
    throw new ParseError(line, undefined, reason);
  }

  private metadata(e: Entry): void {
    const p = this.parser;
    const name = p.metricName();
    const what = e === Entry.Help ? 'HELP' : e === Entry.Type ? 'TYPE' : 'UNIT';
    let fam = this.fam;
    if (fam !== undefined && fam.name === name) {
      if (fam.hasSamples) this.fail(`${what} for metric family ${excerpt(name)} after its samples`);
      const again = e === Entry.Help ? fam.sawHelp : e === Entry.Type ? fam.sawType : fam.sawUnit;
      if (again) this.fail(`second ${what} line for metric family ${excerpt(name)}`);
    } else {
      fam = this.open(name);
    }
    if (e === Entry.Help) fam.sawHelp = true;
    else if (e === Entry.Type) {
      fam.sawType = true;
      fam.type = p.type();
    } else {
      fam.sawUnit = true;
      fam.unit = p.unit();
    }
    if (fam.unit !== '' && (fam.type === 'info' || fam.type === 'stateset')) {
      this.fail(`${fam.type} metric family ${excerpt(name)} must not have a unit`);
    }
  }

  private open(name: string): Family {
    this.closeFamily();
    if (this.seen.has(name)) {
      this.fail(
        `metric family ${excerpt(name)} appears again after other families; families must not be interleaved`,
      );
    }
    const fam: Family = {
      name,
      type: 'unknown',
      unit: '',
      sawHelp: false,
      sawType: false,
      sawUnit: false,
      hasSamples: false,
      metrics: new Set(),
      metric: undefined,
      point: undefined,
    };
    this.fam = fam;
    return fam;
  }

  private closeFamily(): void {
    const fam = this.fam;
    if (fam === undefined) return;
    this.closePoint(fam);
    this.fam = undefined;
    this.seen.add(fam.name);
    // "The name of a MetricFamily MUST NOT result in a potential clash for sample metric names."
    for (const suffix of familySuffixes('openmetrics', fam.type)) {
      const sample = fam.name + suffix;
      const owner = this.owners.get(sample);
      if (owner !== undefined && owner !== fam.name) {
        this.fail(
          `metric families ${excerpt(owner)} and ${excerpt(fam.name)} clash: both may expose samples named ${excerpt(sample)}`,
        );
      }
      this.owners.set(sample, fam.name);
    }
  }

  private sample(): void {
    const p = this.parser;
    const line = p.line;
    const name = p.metricName();
    let fam = this.fam;
    let suffix = fam === undefined ? undefined : sampleSuffix('openmetrics', fam.type, fam.name, name);
    if (fam === undefined || suffix === undefined) {
      // A name the current family cannot expose starts a new family of unknown type.
      fam = this.open(name);
      suffix = '';
    }
    fam.hasSamples = true;
    const type = fam.type;
    const labels = p.labels();
    const v = p.value();

    // The label that tells the samples of one MetricPoint apart, and is not part of the Metric.
    let pointLabel = '';
    if (type === 'histogram' || type === 'gaugehistogram') {
      if (suffix === '_bucket') {
        pointLabel = 'le';
        if (!labels.has('le')) this.fail(`histogram bucket ${excerpt(p.seriesKey())} has no "le" label`);
      } else if (labels.has('le')) {
        this.fail(`${excerpt(p.seriesKey())} must not have an "le" label`);
      }
    } else if (type === 'summary') {
      if (suffix === '') {
        pointLabel = 'quantile';
        if (!labels.has('quantile'))
          this.fail(`summary quantile ${excerpt(p.seriesKey())} has no "quantile" label`);
      } else if (labels.has('quantile')) {
        this.fail(`${excerpt(p.seriesKey())} must not have a "quantile" label`);
      }
    } else if (type === 'stateset') {
      pointLabel = fam.name;
      if (!labels.has(fam.name)) {
        this.fail(
          `stateset sample ${excerpt(p.seriesKey())} has no label named after its family ${excerpt(fam.name)}`,
        );
      }
    }

    const pt = this.pointFor(fam, labels, pointLabel, suffix + '\u0000' + labels.get(pointLabel), line);
    this.checkValue(fam, pt, suffix, v, line);
    this.checkExemplar(fam, suffix);
  }

  /** Finds (or starts) the MetricPoint the current sample belongs to. */
  private pointFor(fam: Family, labels: Labels, pointLabel: string, id: string, line: number): Point {
    const ts = this.parser.rawTimestamp();
    const key = metricKey(labels, pointLabel);
    let pt = fam.point;
    if (fam.metric !== key || pt === undefined) {
      if (fam.metrics.has(key)) {
        this.fail(
          `metric ${excerpt(this.parser.seriesKey())} is interleaved with other metrics of its family`,
        );
      }
      this.closePoint(fam);
      fam.metrics.add(key);
      fam.metric = key;
      pt = newPoint(line, ts);
    } else {
      const sameTs = ts === undefined ? !pt.hasTs : pt.hasTs && pt.ts === ts;
      if (!sameTs || pt.ids.has(id)) {
        // The same Metric again: a further MetricPoint, which needs increasing timestamps.
        this.closePoint(fam);
        if (!pt.hasTs || ts === undefined) {
          this.fail(
            `metric ${excerpt(this.parser.seriesKey())} has several points, so each needs a timestamp`,
          );
        }
        if (ts < pt.ts) this.fail(`timestamps of metric ${excerpt(this.parser.seriesKey())} go backwards`);
        pt = newPoint(line, ts);
      }
    }
    fam.point = pt;
    pt.ids.add(id);
    return pt;
  }

  private checkValue(fam: Family, pt: Point, suffix: string, v: number, line: number): void {
    const key = this.parser.seriesKey();
    const type = fam.type;
    switch (type) {
      case 'counter':
        if (suffix === '_total') {
          pt.hasTotal = true;
          if (v !== v || v < 0)
            this.fail(`counter ${excerpt(key)} has value ${v}; it must be a non-negative number`);
        }
        return;
      case 'stateset':
        if (v !== 0 && v !== 1) this.fail(`stateset ${excerpt(key)} has value ${v}; it must be 0 or 1`);
        return;
      case 'info':
        if (v !== 1) this.fail(`info ${excerpt(key)} has value ${v}; it must be 1`);
        return;
      case 'summary':
        if (suffix === '') {
          const q = parseCanonicalNumber(this.parser.rawLabelValue('quantile') ?? '');
          if (q === undefined || q !== q || q < 0 || q > 1) {
            this.fail(`summary ${excerpt(key)}: quantile must be a number between 0 and 1`);
          }
          if (v < 0) this.fail(`summary quantile ${excerpt(key)} has negative value ${v}`);
        } else if (suffix === '_sum') {
          if (v !== v || v < 0)
            this.fail(`summary sum ${excerpt(key)} has value ${v}; it must be a non-negative number`);
        } else if (suffix === '_count') {
          this.countValue(key, v);
        }
        return;
      case 'histogram':
      case 'gaugehistogram':
        if (suffix === '_bucket') {
          const le = parseCanonicalNumber(this.parser.rawLabelValue('le') ?? '');
          if (le === undefined || le !== le)
            this.fail(`bucket ${excerpt(key)}: le must be a number (+Inf for infinity)`);
          this.countValue(key, v);
          if (pt.lastLe === pt.lastLe && le <= pt.lastLe) {
            this.fail(`bucket ${excerpt(key)} is out of order; buckets must be sorted by increasing le`);
          }
          if (v < pt.lastBucket) this.fail(`bucket ${excerpt(key)} counts less than the bucket before it`);
          pt.lastLe = le;
          pt.lastBucket = v;
          if (le < 0) pt.negativeBucket = true;
          if (le === Infinity) pt.inf = v;
        } else if (suffix === '_count' || suffix === '_gcount') {
          this.countValue(key, v);
          pt.count = v;
          pt.countLine = line;
        } else if (suffix === '_sum') {
          if (v !== v || v < 0)
            this.fail(`histogram sum ${excerpt(key)} has value ${v}; it must be a non-negative number`);
          pt.sum = v;
          pt.sumLine = line;
        } else if (suffix === '_gsum') {
          if (v !== v) this.fail(`gaugehistogram sum ${excerpt(key)} is NaN`);
          pt.sum = v;
          pt.sumLine = line;
        }
        return;
      default:
        return;
    }
  }

  /** Counts (buckets, `_count`, `_gcount`) are non-negative integers. */
  private countValue(key: string, v: number): void {
    if (!(v >= 0) || !Number.isInteger(v))
      this.fail(`${excerpt(key)} has value ${v}; a count must be a non-negative integer`);
  }

  private checkExemplar(fam: Family, suffix: string): void {
    const ex = this.parser.exemplar();
    if (ex === undefined) return;
    const key = this.parser.seriesKey();
    const allowed =
      (fam.type === 'counter' && suffix === '_total') ||
      ((fam.type === 'histogram' || fam.type === 'gaugehistogram') && suffix === '_bucket');
    if (!allowed)
      this.fail(`exemplar on ${excerpt(key)}: only counter totals and histogram buckets may have one`);
    let runes = 0;
    ex.labels.forEach((n, v) => (runes += codePointLength(n) + codePointLength(v)));
    if (runes > EXEMPLAR_MAX_LABEL_RUNES) {
      this.fail(
        `exemplar labels of ${excerpt(key)} have ${runes} characters, more than ${EXEMPLAR_MAX_LABEL_RUNES}`,
      );
    }
    if (suffix === '_bucket') {
      const le = parseCanonicalNumber(this.parser.rawLabelValue('le') ?? '')!;
      if (!(ex.value <= le))
        this.fail(`exemplar value ${ex.value} of ${excerpt(key)} is above the bucket's le`);
    }
  }

  private closePoint(fam: Family): void {
    const pt = fam.point;
    if (pt === undefined) return;
    fam.point = undefined;
    const name = excerpt(fam.name);
    if (fam.type === 'counter') {
      if (!pt.hasTotal) this.fail(`counter ${name} has a point without a _total sample`, pt.line);
    } else if (fam.type === 'histogram' || fam.type === 'gaugehistogram') {
      const g = fam.type === 'gaugehistogram' ? 'g' : '';
      if (pt.inf === undefined) this.fail(`${fam.type} ${name} has a point without a +Inf bucket`, pt.line);
      if (pt.count !== undefined && pt.count !== pt.inf) {
        this.fail(
          `${fam.type} ${name}: _${g}count ${pt.count} differs from the +Inf bucket ${pt.inf}`,
          pt.countLine,
        );
      }
      if (fam.type === 'histogram' && pt.negativeBucket && pt.sum !== undefined) {
        this.fail(`histogram ${name} has negative buckets, so it must not have a _sum`, pt.sumLine);
      }
      if (fam.type === 'gaugehistogram' && pt.sum !== undefined && pt.sum < 0 && !pt.negativeBucket) {
        this.fail(`gaugehistogram ${name} has a negative _gsum but no negative bucket`, pt.sumLine);
      }
      // "If and only if a Sum Value is present in a MetricPoint, then the +Inf bucket value
      // MUST also appear in a Sample with a MetricName with the suffix _count."
      if ((pt.count === undefined) !== (pt.sum === undefined)) {
        const line = pt.count === undefined ? pt.sumLine : pt.countLine;
        this.fail(`${fam.type} ${name} must have both _${g}count and _${g}sum or neither`, line);
      }
    }
  }
}

function newPoint(line: number, ts: number | undefined): Point {
  return {
    line,
    hasTs: ts !== undefined,
    ts: ts ?? 0,
    ids: new Set(),
    hasTotal: false,
    lastLe: NaN,
    lastBucket: 0,
    negativeBucket: false,
    inf: undefined,
    count: undefined,
    countLine: line,
    sum: undefined,
    sumLine: line,
  };
}

/** The Metric a sample belongs to: its labels without `__name__` and the point-level label. */
function metricKey(labels: Labels, pointLabel: string): string {
  let key = '';
  labels.forEach((n, v) => {
    if (n === METRIC_NAME || n === pointLabel) return;
    key += n.length + ':' + n + v.length + ':' + v;
  });
  return key;
}
