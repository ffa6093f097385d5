/**
 * Number and duration text as Prometheus reads and writes it: model.ParseDuration,
 * model.Duration.String, and Go's float formats `strconv.FormatFloat(v, 'f', -1, 64)` and `%v`.
 * Durations are held in integer milliseconds, the resolution Prometheus prints and evaluates.
 */

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
// Units must appear from the largest to the smallest; this is their rank.
const UNIT_RANK: Readonly<Record<string, number>> = { y: 1, w: 2, d: 3, h: 4, m: 5, s: 6, ms: 7 };

/** Nanoseconds in one unit, as BigInt, for the int64 overflow check. */
const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** A duration that does not parse, with model.ParseDuration's message. */
export class DurationError extends Error {}

/**
 * Parses a Prometheus duration (`1h30m`, `5m`, `0`, `100ms`) into milliseconds, with the
 * messages of model.ParseDuration (`not a valid duration string: "1.5m"`, `unknown unit …`).
 */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new DurationError('empty duration string');
  const orig = JSON.stringify(s);
  let ms = 0;
  let ns = 0n;
  let lastRank = 0;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    if (j === i) throw new DurationError(`not a valid duration string: ${orig}`);
    const v = BigInt(s.slice(i, j));
    let k = j;
    while (k < s.length && !(s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39)) k++;
    if (k === j) throw new DurationError(`not a valid duration string: ${orig}`);
    const unit = s.slice(j, k);
    const rank = UNIT_RANK[unit];
    if (rank === undefined)
      throw new DurationError(`unknown unit ${JSON.stringify(unit)} in duration ${orig}`);
    if (rank <= lastRank) throw new DurationError(`not a valid duration string: ${orig}`);
    lastRank = rank;
    const mult = NS_PER_UNIT[unit]!;
    if (v > (1n << 63n) / mult) throw new DurationError('duration out of range');
    ns += v * mult;
    if (ns > MAX_INT64) throw new DurationError('duration out of range');
    ms += Number(v) * MS_PER_UNIT[unit]!;
    i = k;
  }
  return ms;
}

/**
 * Formats milliseconds as model.Duration.String does: `1h30m`, `90d`, `2w`, `1y`, `0s`, `1s500ms`.
 * Years and weeks are used only when they divide the duration exactly. Negative input gives the
 * empty string, as in Go; callers print the sign themselves.
 */
export function formatDuration(ms: number): string {
  ms = Math.trunc(ms);
  if (ms === 0) return '0s';
  let r = '';
  const f = (unit: string, exact: boolean): void => {
    const mult = MS_PER_UNIT[unit]!;
    if (exact && ms % mult !== 0) return;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      r += String(v) + unit;
      ms -= v * mult;
    }
  };
  f('y', true);
  f('w', true);
  f('d', false);
  f('h', false);
  f('m', false);
  f('s', false);
  f('ms', false);
  return r;
}

/** The shortest round-trip digits of a finite, non-zero |v| and its decimal exponent (d.ddd × 10^exp). */
function shortestDigits(v: number): { digits: string; exp: number } {
  const e = Math.abs(v).toExponential();
  const at = e.indexOf('e');
  const digits = e.slice(0, at).replace('.', '');
  return { digits, exp: Number(e.slice(at + 1)) };
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: no exponent, shortest digits; `+Inf`, `-Inf`, `NaN`. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, exp } = shortestDigits(v);
  const sign = v < 0 ? '-' : '';
  let out: string;
  if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else out = '0.' + '0'.repeat(-exp - 1) + digits;
  return sign + out;
}

/** Go's `%v` of a float64: shortest digits, exponent form (`1e+21`, `1e-05`) below 1e-4 or from 1e21. */
export function formatFloatG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, exp } = shortestDigits(v);
  if (exp < -4 || exp >= 21) {
    const sign = v < 0 ? '-' : '';
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ae = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
  }
  return formatFloatF(v);
}
