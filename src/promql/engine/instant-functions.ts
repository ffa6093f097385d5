/**
 * Functions over instant vectors and scalars for one step: math, clamp, round, date functions,
 * label_replace/label_join, sort*, histogram_quantile/histogram_fraction on classic buckets.
 */
import { RE2JS } from 're2js';
import { Labels, LabelsBuilder } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { isValidLabelName } from '../../model/names.js';
import { compareStrings } from '../../model/strings.js';
import { almostEqual } from './mathutil.js';
import { QueryError, type Annotations } from './types.js';
import { METRIC_NAME, dropMetricName, type Vec } from './vector.js';

/** Emits one output sample. */
export type Emit = (metric: Labels, dropName: boolean, v: number) => void;

/** A simple per-sample float function that drops the metric name. */
export const SIMPLE_FUNCTIONS: ReadonlyMap<string, (v: number) => number> = new Map<
  string,
  (v: number) => number
>([
  ['abs', Math.abs],
  ['ceil', Math.ceil],
  ['floor', Math.floor],
  ['exp', Math.exp],
  ['sqrt', Math.sqrt],
  ['ln', Math.log],
  ['log2', Math.log2],
  ['log10', Math.log10],
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['tan', Math.tan],
  ['asin', Math.asin],
  ['acos', Math.acos],
  ['atan', Math.atan],
  ['sinh', Math.sinh],
  ['cosh', Math.cosh],
  ['tanh', Math.tanh],
  ['asinh', Math.asinh],
  ['acosh', Math.acosh],
  ['atanh', Math.atanh],
  ['deg', (v) => (v * 180) / Math.PI],
  ['rad', (v) => (v * Math.PI) / 180],
  ['sgn', (v) => (v < 0 ? -1 : v > 0 ? 1 : v)],
]);

/** Date functions: the UTC field of a Unix time in seconds. */
export const DATE_FUNCTIONS: ReadonlyMap<string, (d: Date) => number> = new Map<string, (d: Date) => number>([
  ['day_of_month', (d) => d.getUTCDate()],
  ['day_of_week', (d) => d.getUTCDay()],
  [
    'day_of_year',
    (d) =>
      Math.floor(
        (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) /
          86400000,
      ) + 1,
  ],
  ['days_in_month', (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()],
  ['hour', (d) => d.getUTCHours()],
  ['minute', (d) => d.getUTCMinutes()],
  ['month', (d) => d.getUTCMonth() + 1],
  ['year', (d) => d.getUTCFullYear()],
]);

/** Prometheus's round: to the nearest multiple of `toNearest`, halves up. */
export function roundTo(v: number, toNearest: number): number {
  const inv = 1 / toNearest;
  return Math.floor(v * inv + 0.5) / inv;
}

/** Go's regexp.Expand for `$1`, `${1}`, `$name`, `$$` templates. */
function expandTemplate(template: string, groups: (string | null)[], names: Map<string, number>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    i++;
    if (i < template.length && template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name = '';
    let braced = false;
    if (template[i] === '{') {
      braced = true;
      const end = template.indexOf('}', i + 1);
      if (end < 0) {
        out += '$';
        continue;
      }
      name = template.slice(i + 1, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        out += '$';
        continue;
      }
      i = end + 1;
    } else {
      let j = i;
      while (j < template.length && /[A-Za-z0-9_]/.test(template[j]!)) j++;
      name = template.slice(i, j);
      if (name === '') {
        out += '$';
        continue;
      }
      i = j;
    }
    void braced;
    let idx: number | undefined;
    if (/^[0-9]+$/.test(name)) idx = Number(name);
    else idx = names.get(name);
    if (idx !== undefined && idx < groups.length) out += groups[idx] ?? '';
  }
  return out;
}

/** label_replace for one step. */
export function labelReplace(
  vec: Vec,
  dst: string,
  repl: string,
  src: string,
  regex: string,
  emit: Emit,
  cache: Map<Labels, Labels>,
): void {
  let re: RE2JS;
  try {
    Matcher.create('=~', 'x', regex);
    re = RE2JS.compile('^(?s:' + regex + ')$');
  } catch {
    throw new QueryError('execution', `invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst))
    throw new QueryError('execution', `invalid destination label name in label_replace(): ${dst}`);
  const names = new Map<string, number>(Object.entries(re.namedGroups() as Record<string, number>));
  const lb = new LabelsBuilder();
  for (let i = 0; i < vec.n; i++) {
    const m = vec.metrics[i]!;
    let out = cache.get(m);
    if (!out) {
      out = m;
      const srcVal = m.get(src);
      const matcher = re.matcher(srcVal);
      if (matcher.matches()) {
        const groups: (string | null)[] = [];
        for (let g = 0; g <= matcher.groupCount(); g++) groups.push(matcher.group(g));
        const res = expandTemplate(repl, groups, names);
        lb.reset(m);
        lb.set(dst, res);
        out = lb.labels();
      }
      cache.set(m, out);
    }
    const drop = vec.drop[i]! && !(dst === METRIC_NAME && out !== m);
    emit(out, drop, vec.vs[i]!);
  }
}

/** label_join for one step. */
export function labelJoin(
  vec: Vec,
  dst: string,
  sep: string,
  srcs: string[],
  emit: Emit,
  cache: Map<Labels, Labels>,
): void {
  if (!isValidLabelName(dst))
    throw new QueryError('execution', `invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs) {
    if (!isValidLabelName(s))
      throw new QueryError('execution', `invalid source label name in label_join(): ${s}`);
  }
  const lb = new LabelsBuilder();
  for (let i = 0; i < vec.n; i++) {
    const m = vec.metrics[i]!;
    let out = cache.get(m);
    if (!out) {
      const vals = srcs.map((s) => m.get(s));
      lb.reset(m);
      lb.set(dst, vals.join(sep));
      out = lb.labels();
      cache.set(m, out);
    }
    emit(out, vec.drop[i]! && dst !== METRIC_NAME, vec.vs[i]!);
  }
}

/** Natural order (digit runs compared as numbers), as the natsort package sort_by_label uses. */
export function naturalLess(a: string, b: string): boolean {
  const chunk = /(\d+|\D+)/g;
  const ca = a.match(chunk) ?? [];
  const cb = b.match(chunk) ?? [];
  for (let i = 0; i < ca.length && i < cb.length; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const xn = Number(x);
      const yn = Number(y);
      if (xn !== yn) return xn < yn;
      return x < y;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

/** sort_by_label(_desc) ordering of sample indices. */
export function sortByLabel(vec: Vec, labels: string[], desc: boolean): number[] {
  const idx = Array.from({ length: vec.n }, (_, i) => i);
  idx.sort((ia, ib) => {
    const a = vec.metrics[ia]!;
    const b = vec.metrics[ib]!;
    for (const l of labels) {
      const x = a.get(l);
      const y = b.get(l);
      if (x === y) continue;
      const r = naturalLess(x, y) ? -1 : 1;
      return desc ? -r : r;
    }
    const r = Labels.compare(a, b);
    return desc ? -r : r;
  });
  return idx;
}

/** One bucket of a classic histogram. */
interface Bucket {
  upper: number;
  count: number;
}

function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else out.push({ upper: b.upper, count: b.count });
  }
  return out;
}

function ensureMonotonic(buckets: Bucket[]): boolean {
  let forced = false;
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) {
      buckets[i]!.count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i]!.count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  return forced;
}

/** Prometheus's BucketQuantile; `forced` reports a monotonicity fix. */
export function bucketQuantile(q: number, input: Bucket[], out: { forced: boolean }): number {
  out.forced = false;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  input.sort((a, b) => a.upper - b.upper);
  if (input[input.length - 1]!.upper !== Infinity) return NaN;
  const buckets = coalesce(input);
  out.forced = ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  const last = buckets.length - 1;
  while (b < last && !(buckets[b]!.count >= rank)) b++;
  if (b === last) return buckets[last - 1]!.upper;
  if (b === 0 && buckets[0]!.upper <= 0) return buckets[0]!.upper;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Prometheus's BucketFraction for classic buckets. */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  input.sort((a, b) => a.upper - b.upper);
  if (input[input.length - 1]!.upper !== Infinity) return NaN;
  const buckets = coalesce(input);
  const count = buckets[buckets.length - 1]!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    let lowerBound = i > 0 ? buckets[i - 1]!.upper : -Infinity;
    const upperBound = b.upper;
    if (i === 0 && upperBound > 0) lowerBound = lowerBound === -Infinity ? 0 : lowerBound;
    // A bucket reaching down to -Inf has no width to interpolate in: all of it lies below v.
    const interp = (v: number): number =>
      lowerBound === -Infinity
        ? b.count
        : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Go's strconv.ParseFloat for `le` values: decimal, hex, Inf/NaN spellings; NaN result means malformed. */
function parseLe(s: string): number | null {
  const t = s.trim();
  if (t !== s || t === '') return null;
  const lower = t.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower === 'nan') return NaN;
  if (/^[+-]?0x[0-9a-f_]+(\.[0-9a-f_]*)?(p[+-]?\d+)?$/.test(lower)) {
    const n = Number(lower.replace(/_/g, ''));
    return Number.isNaN(n) ? null : n;
  }
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(lower)) return null;
  return Number(lower.replace(/_/g, ''));
}

/** histogram_quantile / histogram_fraction over classic `le` buckets for one step. */
export function classicHistogramFunction(
  vec: Vec,
  kind: 'quantile' | 'fraction',
  p0: number,
  p1: number,
  ann: Annotations,
  emit: Emit,
  delayed: boolean,
  cache: Map<Labels, Labels | null>,
): void {
  const groups = new Map<string, { metric: Labels; buckets: Bucket[]; name: string }>();
  for (let i = 0; i < vec.n; i++) {
    const m = vec.metrics[i]!;
    const le = parseLe(m.get('le'));
    if (le === null) {
      ann.warn(
        `bucket label "le" is missing or has a malformed value of "${m.get('le')}" for metric name "${m.get(METRIC_NAME)}"`,
      );
      continue;
    }
    let base = cache.get(m);
    if (base === undefined) {
      // Under delayed name removal the name still separates groups; it goes at the end.
      base = delayed ? m.without('le') : dropMetricName(m.without('le'));
      cache.set(m, base);
    }
    if (base === null) continue;
    const key = base.flat().join('\xff');
    let g = groups.get(key);
    if (!g) {
      g = { metric: base, buckets: [], name: m.get(METRIC_NAME) };
      groups.set(key, g);
    }
    g.buckets.push({ upper: le, count: vec.vs[i]! });
  }
  const flags = { forced: false };
  for (const g of groups.values()) {
    let v: number;
    if (kind === 'quantile') {
      v = bucketQuantile(p0, g.buckets, flags);
      if (flags.forced) {
        ann.info(
          `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "${g.name}"`,
        );
      }
    } else {
      v = bucketFraction(p0, p1, g.buckets);
    }
    emit(g.metric, delayed, v);
  }
}

/** Orders labels the way the sort of a matrix result does. */
export function compareLabelsForOutput(a: Labels, b: Labels): number {
  return Labels.compare(a, b);
}

/** Re-exported for callers that compare label values. */
export const compareLabelValues = compareStrings;
