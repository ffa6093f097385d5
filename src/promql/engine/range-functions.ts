/**
 * Functions over range vectors (`rate`, `*_over_time`, …), written as kernels over one window
 * of one series: the samples `ts[lo..hi)`, `vs[lo..hi)` of the range `(rangeStart, rangeEnd]`.
 * A kernel returns the value or `undefined` for "no output at this step"; it allocates nothing.
 */
import type { Annotations } from './types.js';
import { kahanSumInc, quantileOfSorted } from './mathutil.js';

/** The per-call context of a range kernel; one object is reused for every call. */
export interface RangeKernelContext {
  /** Start of the window (exclusive), ms. */
  rangeStart: number;
  /** End of the window (inclusive), ms. */
  rangeEnd: number;
  /** The evaluation step's timestamp, ms. */
  stepT: number;
  /** The range of the selector, ms. */
  rangeMs: number;
  /** Values of the scalar arguments at this step. */
  p0: number;
  /** Second scalar argument. */
  p1: number;
  /** The metric name of the series (for annotations). */
  metricName: string;
  /** Where kernels report annotations. */
  ann: Annotations;
  /** Scratch buffer for kernels that sort. */
  scratch: Float64Array;
}

/** A range-function kernel. */
export type RangeKernel = (
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  c: RangeKernelContext,
) => number | undefined;

function scratchOf(c: RangeKernelContext, n: number): Float64Array {
  if (c.scratch.length < n) c.scratch = new Float64Array(Math.max(n, c.scratch.length * 2));
  return c.scratch;
}

/** Prometheus's extrapolatedRate: rate, increase and delta with extrapolation to the window edges. */
function extrapolatedRate(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  c: RangeKernelContext,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const numSamplesMinusOne = n - 1;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  let result = vs[hi - 1]! - vs[lo]!;
  if (isCounter) {
    let prev = vs[lo]!;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - c.rangeStart) / 1000;
  let durationToEnd = (c.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / numSamplesMinusOne;
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && vs[lo]! >= 0) {
    // A counter cannot go below zero: extrapolate at most to where it would have been zero.
    const durationToZero = sampledInterval * (vs[lo]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  extrapolateToInterval += durationToStart;
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= c.rangeMs / 1000;
  return result * factor;
}

function instantValue(ts: Float64Array, vs: Float64Array, hi: number, isRate: boolean): number | undefined {
  const v0 = vs[hi - 2]!;
  const v1 = vs[hi - 1]!;
  let r = isRate && v1 < v0 ? v1 : v1 - v0;
  const dt = ts[hi - 1]! - ts[hi - 2]!;
  if (dt === 0) return undefined;
  if (isRate) r /= dt / 1000;
  return r;
}

/** Least-squares slope and intercept (at `interceptTime`) with Kahan sums, as Prometheus's linearRegression. */
export function linearRegression(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  interceptTime: number,
  out: Float64Array,
): void {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (ts[i]! - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(y, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) {
      out[0] = NaN;
      out[1] = NaN;
    } else {
      out[0] = 0;
      out[1] = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  out[0] = slope;
  out[1] = sumY / n - (slope * sumX) / n;
}

const regression = new Float64Array(2);

function avgOverTime(vs: Float64Array, lo: number, hi: number): number {
  let sum = vs[lo]!;
  let count = 1;
  let mean = 0;
  let kahanC = 0;
  let incrementalMean = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = vs[i]!;
    count = i - lo + 1;
    if (!incrementalMean) {
      const [newSum, newC] = kahanSumInc(f, sum, kahanC);
      // The plain mean is exact as long as the sum does not overflow; after that the mean is
      // computed incrementally.
      if (Number.isFinite(newSum) || Number.isNaN(newSum)) {
        sum = newSum;
        kahanC = newC;
        continue;
      }
      incrementalMean = true;
      mean = sum / (count - 1);
      kahanC /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, kahanC] = kahanSumInc(f / count, q * mean, q * kahanC);
  }
  if (incrementalMean) return mean + kahanC;
  return sum / count + kahanC / count;
}

function stdvarOverTime(vs: Float64Array, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function quantileOfWindow(
  q: number,
  vs: Float64Array,
  lo: number,
  hi: number,
  c: RangeKernelContext,
): number {
  const n = hi - lo;
  const buf = scratchOf(c, n);
  for (let i = 0; i < n; i++) buf[i] = vs[lo + i]!;
  const view = buf.subarray(0, n);
  sortNaNFirst(view);
  return quantileOfSorted(q, view);
}

/** Sorts ascending with NaNs first, as Prometheus's vectorByValueHeap orders them. */
export function sortNaNFirst(a: Float64Array): void {
  a.sort((x, y) => (Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : Number.isNaN(y) ? 1 : x - y));
}

function calcTrendValue(i: number, tf: number, s0: number, s1: number, b: number): number {
  if (i === 0) return b;
  return tf * (s1 - s0) + (1 - tf) * b;
}

/** Kernels by function name. */
export const RANGE_KERNELS: ReadonlyMap<string, RangeKernel> = new Map<string, RangeKernel>([
  ['rate', (ts, vs, lo, hi, c) => extrapolatedRate(ts, vs, lo, hi, c, true, true)],
  ['increase', (ts, vs, lo, hi, c) => extrapolatedRate(ts, vs, lo, hi, c, true, false)],
  ['delta', (ts, vs, lo, hi, c) => extrapolatedRate(ts, vs, lo, hi, c, false, false)],
  ['irate', (ts, vs, lo, hi) => (hi - lo < 2 ? undefined : instantValue(ts, vs, hi, true))],
  ['idelta', (ts, vs, lo, hi) => (hi - lo < 2 ? undefined : instantValue(ts, vs, hi, false))],
  [
    'deriv',
    (ts, vs, lo, hi) => {
      if (hi - lo < 2) return undefined;
      linearRegression(ts, vs, lo, hi, ts[lo]!, regression);
      return regression[0]!;
    },
  ],
  [
    'predict_linear',
    (ts, vs, lo, hi, c) => {
      if (hi - lo < 2) return undefined;
      linearRegression(ts, vs, lo, hi, c.stepT, regression);
      return regression[0]! * c.p0 + regression[1]!;
    },
  ],
  ['avg_over_time', (_ts, vs, lo, hi) => (hi === lo ? undefined : avgOverTime(vs, lo, hi))],
  [
    'sum_over_time',
    (_ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let sum = 0;
      let comp = 0;
      for (let i = lo; i < hi; i++) [sum, comp] = kahanSumInc(vs[i]!, sum, comp);
      return Number.isFinite(sum) ? sum + comp : sum;
    },
  ],
  ['count_over_time', (_ts, _vs, lo, hi) => (hi === lo ? undefined : hi - lo)],
  ['present_over_time', (_ts, _vs, lo, hi) => (hi === lo ? undefined : 1)],
  ['last_over_time', (_ts, vs, lo, hi) => (hi === lo ? undefined : vs[hi - 1]!)],
  ['first_over_time', (_ts, vs, lo, hi) => (hi === lo ? undefined : vs[lo]!)],
  ['ts_of_last_over_time', (ts, _vs, lo, hi) => (hi === lo ? undefined : ts[hi - 1]! / 1000)],
  ['ts_of_first_over_time', (ts, _vs, lo, hi) => (hi === lo ? undefined : ts[lo]! / 1000)],
  [
    'max_over_time',
    (_ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let m = vs[lo]!;
      for (let i = lo + 1; i < hi; i++) if (vs[i]! > m || Number.isNaN(m)) m = vs[i]!;
      return m;
    },
  ],
  [
    'min_over_time',
    (_ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let m = vs[lo]!;
      for (let i = lo + 1; i < hi; i++) if (vs[i]! < m || Number.isNaN(m)) m = vs[i]!;
      return m;
    },
  ],
  [
    'ts_of_max_over_time',
    (ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let m = vs[lo]!;
      let t = ts[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        if (vs[i]! >= m || Number.isNaN(m)) {
          m = vs[i]!;
          t = ts[i]!;
        }
      }
      return t / 1000;
    },
  ],
  [
    'ts_of_min_over_time',
    (ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let m = vs[lo]!;
      let t = ts[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        if (vs[i]! <= m || Number.isNaN(m)) {
          m = vs[i]!;
          t = ts[i]!;
        }
      }
      return t / 1000;
    },
  ],
  ['stdvar_over_time', (_ts, vs, lo, hi) => (hi === lo ? undefined : stdvarOverTime(vs, lo, hi))],
  ['stddev_over_time', (_ts, vs, lo, hi) => (hi === lo ? undefined : Math.sqrt(stdvarOverTime(vs, lo, hi)))],
  [
    'quantile_over_time',
    (_ts, vs, lo, hi, c) => {
      if (hi === lo) return undefined;
      return quantileOfWindow(c.p0, vs, lo, hi, c);
    },
  ],
  [
    'mad_over_time',
    (_ts, vs, lo, hi, c) => {
      if (hi === lo) return undefined;
      for (let i = lo; i < hi; i++) if (Number.isNaN(vs[i]!)) return NaN;
      const median = quantileOfWindow(0.5, vs, lo, hi, c);
      const n = hi - lo;
      const dev = new Float64Array(n);
      for (let i = 0; i < n; i++) dev[i] = Math.abs(vs[lo + i]! - median);
      sortNaNFirst(dev);
      return quantileOfSorted(0.5, dev);
    },
  ],
  [
    'changes',
    (_ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let changes = 0;
      let prev = vs[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = vs[i]!;
        if (!(cur === prev || (Number.isNaN(cur) && Number.isNaN(prev)))) changes++;
        prev = cur;
      }
      return changes;
    },
  ],
  [
    'resets',
    (_ts, vs, lo, hi) => {
      if (hi === lo) return undefined;
      let resets = 0;
      let prev = vs[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = vs[i]!;
        if (cur < prev) resets++;
        prev = cur;
      }
      return resets;
    },
  ],
  [
    'double_exponential_smoothing',
    (_ts, vs, lo, hi, c) => {
      const sf = c.p0;
      const tf = c.p1;
      const l = hi - lo;
      if (l < 2) return undefined;
      let s0 = 0;
      let s1 = vs[lo]!;
      let b = vs[lo + 1]! - vs[lo]!;
      for (let i = 1; i < l; i++) {
        const x = sf * vs[lo + i]!;
        b = calcTrendValue(i - 1, tf, s0, s1, b);
        const y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      return s1;
    },
  ],
]);
