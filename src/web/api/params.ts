/**
 * Parsing API parameters as Prometheus does: times as RFC 3339 or (fractional) Unix seconds,
 * durations as Prometheus durations or float seconds, and the special min/max times that
 * clients send for "unbounded".
 */
import { APIError } from './response.js';

/** Prometheus's "beginning of time" as the API accepts and prints it (ms). */
export const MIN_TIME_MS = -9223372036854;
/** Prometheus's "end of time" (ms). */
export const MAX_TIME_MS = 9223372036854;

// The formatted forms of minTime/maxTime clients such as Grafana send back.
const MIN_TIME_FORMATTED = new Date(-62135596800000).toISOString();
const MAX_TIME_FORMATTED = '9999-12-31T23:59:59.999Z';

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * Parses a time parameter into ms. Throws `bad_data` with Prometheus's wording,
 * e.g. `cannot parse "x" to a valid timestamp`.
 */
export function parseTime(s: string): number {
  const f = Number(s);
  if (s.trim() !== '' && Number.isFinite(f)) {
    // Seconds with up to nanosecond precision; Prometheus rounds to milliseconds.
    return Math.round(f * 1000);
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  throw new APIError('bad_data', `cannot parse "${s}" to a valid timestamp`);
}

/** Parses a duration parameter (a Prometheus duration or float seconds) into ms. */
export function parseDurationParam(s: string): number {
  const f = Number(s);
  if (s.trim() !== '' && Number.isFinite(f)) {
    const ms = Math.round(f * 1000);
    if (Math.abs(ms) > MAX_TIME_MS)
      throw new APIError('bad_data', `cannot parse "${s}" to a valid duration. It overflows int64`);
    return ms;
  }
  const m = DURATION_RE.exec(s);
  if (m && s !== '') {
    let ms = 0;
    for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i]!;
    return ms;
  }
  throw new APIError('bad_data', `cannot parse "${s}" to a valid duration`);
}

/** Formats ms as the API prints times: Unix seconds as a JSON number with millisecond precision. */
export function apiTime(ms: number): number {
  return ms / 1000;
}
