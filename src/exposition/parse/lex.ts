/**
 * Character-level helpers shared by the text and OpenMetrics parsers: character classes,
 * number scanning with Go's `strconv` rules, unescaping, and decoding of the input.
 *
 * Everything here works on a string and a `[start, end)` range so that the parsers never cut
 * a substring just to look at it.
 */
import type { MetricType } from '../../model/metadata.js';
import { formatOpenMetricsFloat } from '../write-openmetrics.js';

/** Tab. */
export const CH_TAB = 0x09;
/** Line feed, the only line ending both formats know. */
export const CH_LF = 0x0a;
/** Space. */
export const CH_SPACE = 0x20;
/** Double quote. */
export const CH_QUOTE = 0x22;
/** `#`, which starts comments, metadata and exemplars. */
export const CH_HASH = 0x23;
/** `-` */
export const CH_MINUS = 0x2d;
/** `,`. */
export const CH_COMMA = 0x2c;
/** `=`. */
export const CH_EQUAL = 0x3d;
/** Backslash. */
export const CH_BACKSLASH = 0x5c;
/** `{`. */
export const CH_LBRACE = 0x7b;
/** `}`. */
export const CH_RBRACE = 0x7d;

const C_NAME_START = 1; // [a-zA-Z_:]
const C_NAME = 2; // [a-zA-Z0-9_:]
const C_LABEL_START = 4; // [a-zA-Z_]
const C_LABEL = 8; // [a-zA-Z0-9_]
const C_DIGIT = 16;

// One table lookup per character on the hot path instead of a chain of range comparisons.
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const digit = c >= 0x30 && c <= 0x39;
  let k = 0;
  if (alpha || c === 0x5f || c === 0x3a) k |= C_NAME_START | C_NAME;
  if (digit) k |= C_NAME | C_LABEL | C_DIGIT;
  if (alpha || c === 0x5f) k |= C_LABEL_START | C_LABEL;
  CLASS[c] = k;
}

/** True for the first character of a metric name: `[a-zA-Z_:]`. */
export function isNameStart(c: number): boolean {
  return c < 128 && (CLASS[c]! & C_NAME_START) !== 0;
}

/** True for a later character of a metric name: `[a-zA-Z0-9_:]`. */
export function isNameChar(c: number): boolean {
  return c < 128 && (CLASS[c]! & C_NAME) !== 0;
}

/** True for the first character of a label name: `[a-zA-Z_]`. */
export function isLabelStart(c: number): boolean {
  return c < 128 && (CLASS[c]! & C_LABEL_START) !== 0;
}

/** True for a later character of a label name: `[a-zA-Z0-9_]`. */
export function isLabelChar(c: number): boolean {
  return c < 128 && (CLASS[c]! & C_LABEL) !== 0;
}

/** True for an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** {@link scanFloat} succeeded; the value is in {@link floatOut}`[0]`. */
export const FLOAT_OK = 0;
/** The token is not a float in Go's syntax. */
export const FLOAT_SYNTAX = 1;
/** The token holds `p`, `P` or `_`, which Prometheus refuses before asking Go (hex floats, digit separators). */
export const FLOAT_UNSUPPORTED = 2;
/** The token is a float whose magnitude does not fit a float64. */
export const FLOAT_RANGE = 3;

/**
 * Where {@link scanFloat} and {@link scanTimestamp} leave their result. Returning a double from
 * a function that V8 does not inline boxes it; writing it into a typed array does not.
 */
export const floatOut = new Float64Array(1);

// Powers of ten that are exact in a float64. A mantissa below 2^53 multiplied or divided by one
// of them is a single correctly rounded operation, so the fast path gives Go's exact answer.
const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;

// At most this many significant digits go into the fast path's integer mantissa: 10^15 < 2^53.
const FAST_MANTISSA_DIGITS = 15;
// Exponents beyond this are clamped while reading them; the value is 0 or out of range anyway.
const MAX_EXPONENT_DIGITS_VALUE = 100000;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function matchesWord(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++)
    if (lower(s.charCodeAt(start + i)) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Reads `s[start, end)` as Prometheus's `parseFloat` does: Go's `strconv.ParseFloat` on decimal
 * input (optional sign, digits with an optional point, optional exponent), the special words
 * `inf`, `infinity` (signed or not) and `nan` in any case, and nothing else: no hex floats, no
 * digit separators, no surrounding blanks. Returns one of the `FLOAT_*` codes.
 */
export function scanFloat(s: string, start: number, end: number): number {
  let i = start;
  if (i >= end) return FLOAT_SYNTAX;
  let c = s.charCodeAt(i);
  let neg = false;
  let signed = false;
  if (c === 0x2b || c === 0x2d) {
    neg = c === 0x2d;
    signed = true;
    if (++i >= end) return FLOAT_SYNTAX;
    c = s.charCodeAt(i);
  }
  if (c !== 0x2e && (c < 0x30 || c > 0x39)) {
    if (matchesWord(s, i, end, 'inf') || matchesWord(s, i, end, 'infinity')) {
      floatOut[0] = neg ? -Infinity : Infinity;
      return FLOAT_OK;
    }
    if (!signed && matchesWord(s, i, end, 'nan')) {
      floatOut[0] = NaN;
      return FLOAT_OK;
    }
    return unsupportedOr(s, start, end);
  }
  let mant = 0;
  let nd = 0;
  let exp = 0;
  let sawDigits = false;
  let sawDot = false;
  let exact = true;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      sawDigits = true;
      if (nd === 0 && c === 0x30) {
        if (sawDot) exp--; // leading zeros after the point only shift the exponent
        continue;
      }
      if (nd < FAST_MANTISSA_DIGITS) {
        mant = mant * 10 + (c - 0x30);
        nd++;
        if (sawDot) exp--;
      } else {
        exact = false;
      }
    } else if (c === 0x2e && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (!sawDigits) return unsupportedOr(s, start, end);
  if (i < end) {
    c = s.charCodeAt(i);
    if (c !== 0x65 && c !== 0x45) return unsupportedOr(s, start, end);
    if (++i >= end) return FLOAT_SYNTAX;
    c = s.charCodeAt(i);
    let eneg = false;
    if (c === 0x2b || c === 0x2d) {
      eneg = c === 0x2d;
      if (++i >= end) return FLOAT_SYNTAX;
    }
    let e = 0;
    const eStart = i;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return unsupportedOr(s, start, end);
      if (e < MAX_EXPONENT_DIGITS_VALUE) e = e * 10 + (c - 0x30);
    }
    if (i === eStart) return FLOAT_SYNTAX;
    exp += eneg ? -e : e;
  }
  if (exact) {
    if (mant === 0) {
      floatOut[0] = neg ? -0 : 0;
      return FLOAT_OK;
    }
    if (exp >= 0 && exp <= 22) {
      const v = mant * POW10[exp]!;
      floatOut[0] = neg ? -v : v;
      return FLOAT_OK;
    }
    if (exp < 0 && exp >= -22) {
      const v = mant / POW10[-exp]!;
      floatOut[0] = neg ? -v : v;
      return FLOAT_OK;
    }
  }
  // The syntax is Go's and JavaScript's alike here, and both round correctly.
  const v = Number(s.slice(start, end));
  if (v === Infinity || v === -Infinity) return FLOAT_RANGE;
  floatOut[0] = v;
  return FLOAT_OK;
}

function unsupportedOr(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x70 || c === 0x50 || c === 0x5f) return FLOAT_UNSUPPORTED;
  }
  return FLOAT_SYNTAX;
}

/** Describes a failed {@link scanFloat} for an error message. */
export function floatProblem(code: number, token: string): string {
  if (code === FLOAT_UNSUPPORTED) return `unsupported character in float ${token}`;
  if (code === FLOAT_RANGE) return `float ${token} is out of range`;
  return `invalid float ${token}`;
}

const MAX_INT64_DIGITS = '9223372036854775807';

/**
 * Reads `s[start, end)`, which the caller has checked to be ASCII digits only, as Go's
 * `strconv.ParseInt(_, 10, 64)` would. Returns false when it overflows int64; otherwise the value
 * is in {@link floatOut}`[0]` (exact up to 2^53, rounded beyond, as every ignis timestamp is).
 */
export function scanTimestamp(s: string, start: number, end: number): boolean {
  if (end - start <= FAST_MANTISSA_DIGITS) {
    let v = 0;
    for (let i = start; i < end; i++) v = v * 10 + (s.charCodeAt(i) - 0x30);
    floatOut[0] = v;
    return true;
  }
  let i = start;
  while (i < end - 1 && s.charCodeAt(i) === 0x30) i++;
  const digits = end - i;
  if (digits > MAX_INT64_DIGITS.length) return false;
  if (digits === MAX_INT64_DIGITS.length && s.slice(i, end) > MAX_INT64_DIGITS) return false;
  floatOut[0] = Number(s.slice(i, end));
  return true;
}

/**
 * Converts an OpenMetrics timestamp in float seconds to integer milliseconds as Prometheus does
 * (`int64(seconds * 1000)`, truncating). Values beyond int64 pass through unclamped (Go's result
 * there depends on the CPU); the appender rejects them as out of bounds.
 */
export function secondsToMillis(seconds: number): number {
  return Math.trunc(seconds * 1000) + 0; // `+ 0` turns -0 into 0
}

/**
 * Unescapes a label value, quoted name or OpenMetrics HELP text as Prometheus's `lvalReplacer`
 * does: `\\`, `\"` and `\n` become `\`, `"` and a newline; any other backslash stays as it is.
 */
export function unescapeLabel(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== CH_BACKSLASH || i + 1 >= end) continue;
    const n = s.charCodeAt(i + 1);
    let rep: string;
    if (n === CH_BACKSLASH) rep = '\\';
    else if (n === CH_QUOTE) rep = '"';
    else if (n === 0x6e) rep = '\n';
    else continue;
    out += s.slice(from, i) + rep;
    i++;
    from = i + 1;
  }
  return out + s.slice(from, end);
}

/**
 * Unescapes a text-format HELP text as Prometheus's `helpReplacer` does: only `\\` and `\n`; a
 * quote needs no escape there, so `\"` stays as written.
 */
export function unescapeHelp(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== CH_BACKSLASH || i + 1 >= end) continue;
    const n = s.charCodeAt(i + 1);
    let rep: string;
    if (n === CH_BACKSLASH) rep = '\\';
    else if (n === 0x6e) rep = '\n';
    else continue;
    out += s.slice(from, i) + rep;
    i++;
    from = i + 1;
  }
  return out + s.slice(from, end);
}

/** True when `s[start, end)` holds a backslash, i.e. needs unescaping. */
export function hasBackslash(s: string, start: number, end: number): boolean {
  // A loop, not indexOf: indexOf would search on past `end`, to the end of the whole input.
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === CH_BACKSLASH) return true;
  return false;
}

/**
 * Prometheus 3 rewrites the `le` of classic histograms and the `quantile` of summaries into the
 * OpenMetrics canonical form (`1` → `1.0`) when it ingests them, so that the same bucket is the
 * same series whatever the exposer printed. `type` is the type of the last TYPE line, as in
 * Prometheus's parsers; values that are not floats stay as they are.
 */
export function normalizeLabelValue(type: MetricType, name: string, value: string): string {
  if ((type === 'histogram' && name === 'le') || (type === 'summary' && name === 'quantile')) {
    if (scanFloat(value, 0, value.length) === FLOAT_OK) return formatOpenMetricsFloat(floatOut[0]!);
  }
  return value;
}

/**
 * Reads an OpenMetrics number that must be in canonical-number territory (an `le` or `quantile`
 * value): a plain decimal, or exactly `+Inf` / `-Inf`. Returns undefined otherwise (`+INF`,
 * `NaN`, `foo`).
 */
export function parseCanonicalNumber(v: string): number | undefined {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  let i = 0;
  if (v.length > 0 && (v.charCodeAt(0) === 0x2b || v.charCodeAt(0) === 0x2d)) i = 1;
  if (i >= v.length) return undefined;
  const c = v.charCodeAt(i);
  if (c !== 0x2e && !isDigit(c)) return undefined;
  return scanFloat(v, 0, v.length) === FLOAT_OK ? floatOut[0] : undefined;
}

/** The number of Unicode code points in `s` (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
