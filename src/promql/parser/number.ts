/**
 * Conversion of NUMBER token text to a float64, as Prometheus does it: first
 * `strconv.ParseInt(s, 0, 64)` (so `0x1f`, `017` octal, `1_000`), then `strconv.ParseFloat`.
 */

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const MAX_INT64 = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 0, 64) as a float, or null when Go would fail (syntax or range). */
function parseIntBase0(s: string): number | null {
  let body = s;
  let radix = 10;
  if (/^0[xX]/.test(s)) {
    radix = 16;
    body = s.slice(2);
  } else if (/^0[oO]/.test(s)) {
    radix = 8;
    body = s.slice(2);
  } else if (/^0[bB]/.test(s)) {
    radix = 2;
    body = s.slice(2);
  } else if (s.length > 1 && s[0] === '0') {
    radix = 8;
    body = s.slice(1);
  }
  if (body.includes('_')) {
    if (!underscoreOK(s)) return null;
    body = body.replace(/_/g, '');
  }
  if (body === '') return null;
  const digits =
    radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!digits.test(body)) return null;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const v = BigInt(prefix + body);
  if (v > MAX_INT64) return null;
  return Number(v);
}

/** Go's ParseFloat for the decimal forms the lexer produces, plus Inf and NaN. */
function parseFloat64(s: string): { val: number; err: string | null } {
  const lower = s.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity')
    return { val: lower[0] === '-' ? -Infinity : Infinity, err: null };
  if (unsigned === 'nan') return { val: NaN, err: null };
  let body = s;
  if (body.includes('_')) {
    if (!underscoreOK(s)) return { val: 0, err: 'invalid syntax' };
    body = body.replace(/_/g, '');
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return { val: 0, err: 'invalid syntax' };
  const v = Number(body);
  if (!Number.isFinite(v)) return { val: v, err: 'value out of range' };
  return { val: v, err: null };
}

/**
 * The value of a NUMBER token; throws an Error with Prometheus's message
 * (`error parsing number: strconv.ParseFloat: parsing "1e400": value out of range`).
 */
export function parseNumber(s: string): number {
  const i = parseIntBase0(s);
  if (i !== null) return i;
  const f = parseFloat64(s);
  if (f.err !== null) {
    throw new Error(`error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${f.err}`);
  }
  return f.val;
}
