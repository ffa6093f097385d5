/** Numeric helpers shared by functions and aggregations, matching Prometheus's float behaviour. */

const kahanOut: [number, number] = [0, 0];

/**
 * One step of Kahan–Neumaier summation (Prometheus's kahanSumInc): the new sum and
 * compensation. Returns a shared tuple; destructure it at once.
 */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  kahanOut[0] = t;
  kahanOut[1] = c;
  return kahanOut;
}

/**
 * The φ-quantile of values sorted ascending (NaNs first), interpolating between neighbours as
 * Prometheus's quantile does: NaN for an empty input or NaN φ, ∓Inf for φ outside [0, 1].
 */
export function quantileOfSorted(q: number, sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lowerIndex]! * (1 - weight) + sorted[upperIndex]! * weight;
}

/** Go's math.Pow, which differs from `**` for a base of 1 or -1 and infinite or NaN exponents. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64) is in the parser's format module; this is %f (6 decimals). */
export function formatGoF6(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}

/** Prometheus's almost.Equal: relative comparison with `epsilon`, NaN equal to NaN. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  const minNormal = 2.2250738585072014e-308;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}
