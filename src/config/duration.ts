/**
 * Durations in Prometheus's configuration format (`1h30m`, `15s`, `1d`, `0`), as
 * github.com/prometheus/common/model parses and prints them. Values are held in milliseconds,
 * the resolution Prometheus keeps for configured durations.
 */

/** Milliseconds per unit, largest first: units must appear in this order in a duration. */
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * The largest duration Go's time.Duration holds (2^63-1 ns), in whole milliseconds; longer
 * durations are "out of range" in Prometheus.
 */
const MAX_DURATION_MS = 9223372036854;

/** A duration string that does not parse; the message is Prometheus's. */
export class DurationError extends Error {
  /** Builds the error with Prometheus's message. */
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Parses a Prometheus duration (`1h30m`, `90s`, `0`) into milliseconds; throws {@link DurationError}. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new DurationError('empty duration string');
  const invalid = (): DurationError => new DurationError(`not a valid duration string: ${JSON.stringify(s)}`);
  let i = 0;
  let total = 0;
  let lastUnit = -1;
  while (i < s.length) {
    const numStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === numStart) throw invalid();
    const v = Number(s.slice(numStart, i));
    const unitStart = i;
    while (i < s.length && !isDigit(s.charCodeAt(i))) i++;
    if (i === unitStart) throw invalid();
    const u = s.slice(unitStart, i);
    const pos = UNITS.findIndex(([name]) => name === u);
    if (pos < 0)
      throw new DurationError(`unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(s)}`);
    if (pos <= lastUnit) throw invalid();
    lastUnit = pos;
    total += v * UNITS[pos]![1];
    if (total > MAX_DURATION_MS) throw new DurationError('duration out of range');
  }
  return total;
}

/** Prints milliseconds as Prometheus does (`1m`, `1h30m`, `0s`; years and weeks only when exact). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, mult] of UNITS) {
    // Years and weeks only when nothing is left over: 90d reads better than 12w6d.
    if ((unit === 'y' || unit === 'w') && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}
