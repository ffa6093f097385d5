/**
 * Go's fmt for template values: Sprint, Sprintln and Sprintf with Go's verbs, flags, widths and
 * precisions, its `%!verb(type=value)` complaints, and float formatting digit for digit as
 * strconv does it (shortest digits for `%v`, exact decimal rounding half to even otherwise), so
 * that `{{ $value }}` and `{{ printf "%.2f" $value }}` print what Prometheus prints.
 */
import {
  GoDuration,
  GoSlice,
  GoStruct,
  GoTime,
  isMap,
  sortedEntries,
  typeName,
  type GoValue,
} from './value.js';

// ---- Floats --------------------------------------------------------------------------------

/** A positive decimal 0.d1d2d3… × 10^dp with no trailing zeros in `d`. */
interface Decimal {
  d: string;
  dp: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The exact decimal expansion of a positive finite double. */
function exactDecimal(v: number): Decimal {
  f64[0] = v;
  const hi = u32[1]!;
  const lo = u32[0]!;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = bexp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  return trimZeros({ d: digits, dp });
}

function trimZeros(x: Decimal): Decimal {
  let n = x.d.length;
  while (n > 0 && x.d[n - 1] === '0') n--;
  return n === x.d.length ? x : { d: x.d.slice(0, n), dp: n === 0 ? 0 : x.dp };
}

/** The shortest decimal that reads back as `v` (as strconv's shortest mode finds it). */
function shortestDecimal(v: number): Decimal {
  const [m, e] = v.toExponential().split('e') as [string, string];
  return trimZeros({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** Rounds to `nd` significant digits, half to even on exact ties (strconv's decimal.Round). */
function roundDecimal(x: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= x.d.length) return nd < 0 ? { d: '', dp: 0 } : x;
  const c = x.d.charCodeAt(nd) - 48;
  let up = c > 5;
  if (c === 5) {
    up = nd + 1 < x.d.length || (nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1);
  }
  if (!up) return trimZeros({ d: x.d.slice(0, nd), dp: x.d.length === 0 ? 0 : x.dp });
  const ds = x.d.slice(0, nd).split('');
  let k = nd - 1;
  while (k >= 0 && ds[k] === '9') k--;
  if (k < 0) return { d: '1', dp: x.dp + 1 };
  ds[k] = String.fromCharCode(ds[k]!.charCodeAt(0) + 1);
  return trimZeros({ d: ds.slice(0, k + 1).join(''), dp: x.dp });
}

function digitAt(x: Decimal, i: number): string {
  return i >= 0 && i < x.d.length ? x.d[i]! : '0';
}

function fmtE(x: Decimal, prec: number, e: 'e' | 'E'): string {
  let s = digitAt(x, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(x, i);
  }
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  const a = Math.abs(exp);
  return s + e + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + String(a);
}

function fmtF(x: Decimal, prec: number): string {
  let s = '';
  if (x.dp > 0) for (let i = 0; i < x.dp; i++) s += digitAt(x, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(x, x.dp + i - 1);
  }
  return s;
}

/**
 * Go's strconv.FormatFloat(v, fmt, prec, 64) for the formats e, E, f, g and G; prec -1 means
 * the shortest representation that reads back as v.
 */
export function formatFloat(v: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? '-' : '';
  const a = Math.abs(v);
  const shortest = prec < 0;
  let x: Decimal;
  if (a === 0) x = { d: '', dp: 0 };
  else if (shortest) x = shortestDecimal(a);
  else {
    x = exactDecimal(a);
    if (fmt === 'e' || fmt === 'E') x = roundDecimal(x, prec + 1);
    else if (fmt === 'f') x = roundDecimal(x, x.dp + prec);
    else x = roundDecimal(x, prec === 0 ? 1 : prec);
  }
  if (fmt === 'e' || fmt === 'E') return sign + fmtE(x, shortest ? Math.max(x.d.length - 1, 0) : prec, fmt);
  if (fmt === 'f') return sign + fmtF(x, shortest ? Math.max(x.d.length - x.dp, 0) : prec);
  // %g: exponent form when the exponent is < -4 or ≥ the precision (6 for shortest).
  let p = shortest ? x.d.length : prec === 0 ? 1 : prec;
  let eprec = p;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  const e = fmt === 'g' ? 'e' : 'E';
  if (a !== 0 && (exp < -4 || exp >= eprec)) {
    if (p > x.d.length) p = x.d.length;
    return sign + fmtE(x, Math.max(p - 1, 0), e);
  }
  if (a === 0) return sign + '0';
  if (p > x.dp) p = x.d.length;
  return sign + fmtF(x, Math.max(p - x.dp, 0));
}

// ---- Strings ----------------------------------------------------------------------------------

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** Whether Go's strconv.IsPrint holds for a code point (approximated by Unicode classes). */
function isPrint(ch: string): boolean {
  if (ch === ' ') return true;
  return !/[\p{C}\p{Z}]/u.test(ch);
}

/** Go's strconv.Quote. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (isPrint(ch)) out += ch;
    else if (ch in NAMED_ESCAPES) out += NAMED_ESCAPES[ch];
    else {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp >= 0xd800 && cp < 0xe000) out += '\\ufffd';
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    }
  }
  return out + '"';
}

// ---- Time ---------------------------------------------------------------------------------

/** Go's Time.String() for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function formatTime(t: GoTime): string {
  const d = new Date(t.ms - (((t.ms % 1000) + 1000) % 1000));
  if (Number.isNaN(d.getTime())) return '<invalid time>';
  const p2 = (n: number): string => String(n).padStart(2, '0');
  let year = String(d.getUTCFullYear());
  if (d.getUTCFullYear() < 0) year = '-' + String(-d.getUTCFullYear()).padStart(4, '0');
  else year = year.padStart(4, '0');
  const ns = (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.nsRemainder;
  let frac = '';
  if (ns > 0) frac = '.' + String(ns).padStart(9, '0').replace(/0+$/, '');
  return (
    `${year}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${frac} +0000 UTC`
  );
}

/** Go's Duration.String(): `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.trunc(ns));
  let s: string;
  if (u < 1e9) {
    // Sub-second: the largest unit that keeps a leading digit.
    let unit = 'ns';
    let div = 1;
    if (u >= 1e6) [unit, div] = ['ms', 1e6];
    else if (u >= 1e3) [unit, div] = ['µs', 1e3];
    s = fracString(u, div) + unit;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    s = fracString(u, 1e9) + 's';
    if (h > 0 || m > 0) s = String(m) + 'm' + s;
    if (h > 0) s = String(h) + 'h' + s;
  }
  return (neg ? '-' : '') + s;
}

function fracString(v: number, div: number): string {
  const whole = Math.floor(v / div);
  const rest = v - whole * div;
  if (rest === 0) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

// ---- Values -----------------------------------------------------------------------------------

/** Go's `%v` of a value (`fmt.Sprint` of one operand). */
export function formatValue(v: GoValue, verb = 'v', depth = 0): string {
  if (v === undefined) return depth === 0 ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatFloat(v, 'g', -1);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'function':
      return '0x1';
  }
  if (Array.isArray(v) || v instanceof GoSlice) {
    const items = Array.isArray(v) ? v : v.items;
    return '[' + items.map((x) => formatValue(x, verb, depth + 1)).join(' ') + ']';
  }
  if (v instanceof GoStruct) {
    const body = '{' + [...v.fields.values()].map((x) => formatValue(x, verb, depth + 1)).join(' ') + '}';
    return v.pointer && depth === 0 ? '&' + body : v.pointer ? '0xc000010000' : body;
  }
  if (v instanceof GoTime) return formatTime(v);
  if (v instanceof GoDuration) return formatDuration(v.ns);
  if (isMap(v)) {
    return (
      'map[' +
      sortedEntries(v)
        .map(([k, x]) => `${k}:${formatValue(x, verb, depth + 1)}`)
        .join(' ') +
      ']'
    );
  }
  return String(v);
}

/** Go's fmt.Sprint: operands side by side, with a space between two that are not strings. */
export function sprint(args: GoValue[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a, 'v', 1);
  }
  return out;
}

/** Go's fmt.Sprintln: operands separated by spaces, then a newline. */
export function sprintln(args: GoValue[]): string {
  return args.map((a) => formatValue(a, 'v', 1)).join(' ') + '\n';
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid: number | null;
  prec: number | null;
}

function pad(s: string, f: Flags, zeroOk = true): string {
  const w = f.wid ?? 0;
  const n = [...s].length;
  if (n >= w) return s;
  if (f.minus) return s + ' '.repeat(w - n);
  if (f.zero && zeroOk) {
    // Zeros go after the sign.
    const m = /^[+\- ]/.exec(s);
    if (m) return m[0] + '0'.repeat(w - n) + s.slice(1);
    return '0'.repeat(w - n) + s;
  }
  return ' '.repeat(w - n) + s;
}

function signed(s: string, neg: boolean, f: Flags): string {
  if (neg) return '-' + s;
  if (f.plus) return '+' + s;
  if (f.space) return ' ' + s;
  return s;
}

function fmtInt(v: bigint, verb: string, f: Flags): string | null {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let s: string;
  switch (verb) {
    case 'd':
    case 'v':
      s = a.toString();
      break;
    case 'x':
      s = a.toString(16);
      if (f.sharp) s = '0x' + s;
      break;
    case 'X':
      s = a.toString(16).toUpperCase();
      if (f.sharp) s = '0X' + s;
      break;
    case 'o':
      s = a.toString(8);
      if (f.sharp) s = '0' + s;
      break;
    case 'O':
      s = '0o' + a.toString(8);
      break;
    case 'b':
      s = a.toString(2);
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(v)), f, false);
    case 'q':
      return pad(quoteRune(Number(v)), f, false);
    case 'U':
      return pad('U+' + a.toString(16).toUpperCase().padStart(4, '0'), f, false);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      return null;
    default:
      return null;
  }
  if (f.prec !== null) {
    // A precision is a minimum digit count and turns off zero padding.
    if (f.prec === 0 && a === 0n) s = '';
    const digits = s.replace(/^0[xXo]/, '');
    if (digits.length < f.prec)
      s = s.slice(0, s.length - digits.length) + '0'.repeat(f.prec - digits.length) + digits;
    return pad(signed(s, neg, f), f, false);
  }
  return pad(signed(s, neg, f), f);
}

function quoteRune(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  const q = quote(ch);
  return "'" + q.slice(1, -1) + "'";
}

function fmtFloatVerb(v: number, verb: string, f: Flags): string | null {
  let s: string;
  const p = f.prec ?? -1;
  switch (verb) {
    case 'v':
    case 'g':
      s = formatFloat(v, 'g', p);
      break;
    case 'G':
      s = formatFloat(v, 'G', p);
      break;
    case 'e':
    case 'E':
      s = formatFloat(v, verb, f.prec ?? 6);
      break;
    case 'f':
    case 'F':
      s = formatFloat(v, 'f', f.prec ?? 6);
      break;
    case 'x':
    case 'X':
      s = hexFloat(v, f.prec ?? -1, verb);
      break;
    default:
      return null;
  }
  if (Number.isNaN(v) || !Number.isFinite(v)) {
    // Infinities keep their sign; NaN gets one only when asked for. Neither is zero padded.
    if (Number.isNaN(v)) s = f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN';
    else if (v > 0 && !f.plus) s = f.space ? ' Inf' : '+Inf';
    return pad(s, f, false);
  }
  if (f.sharp && (verb === 'g' || verb === 'G' || verb === 'v') && !/[.eE]/.test(s)) s += '.';
  if (!s.startsWith('-')) s = signed(s, false, f);
  return pad(s, f);
}

function hexFloat(v: number, prec: number, verb: string): string {
  if (v === 0) return (Object.is(v, -0) ? '-' : '') + (verb === 'x' ? '0x0p+00' : '0X0P+00');
  const neg = v < 0;
  let a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  a /= 2 ** e;
  let mant = Math.round((a - 1) * 2 ** 52);
  let digits = mant.toString(16).padStart(13, '0').replace(/0+$/, '');
  if (prec >= 0 && prec < 13) {
    mant = Math.round(mant / 16 ** (13 - prec));
    digits = prec === 0 ? '' : mant.toString(16).padStart(prec, '0');
  }
  const exp = (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  const s = `${neg ? '-' : ''}0x1${digits ? '.' + digits : ''}p${exp}`;
  return verb === 'X' ? s.toUpperCase() : s;
}

function fmtString(s: string, verb: string, f: Flags): string | null {
  if (f.prec !== null && (verb === 's' || verb === 'v' || verb === 'q')) s = [...s].slice(0, f.prec).join('');
  switch (verb) {
    case 's':
    case 'v':
      return pad(s, f);
    case 'q':
      return pad(f.sharp && !s.includes('`') ? '`' + s + '`' : quote(s), f);
    case 'x':
    case 'X': {
      let bytes = Buffer.from(s, 'utf8');
      if (f.prec !== null) bytes = bytes.subarray(0, f.prec);
      const parts = [...bytes].map((b) => (f.sharp ? '0x' : '') + b.toString(16).padStart(2, '0'));
      let h = parts.join(f.space ? ' ' : '');
      if (verb === 'X') h = h.toUpperCase().replace(/0X/g, '0X');
      return pad(h, f);
    }
  }
  return null;
}

function badVerb(verb: string, arg: GoValue): string {
  if (arg === null || arg === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${formatValue(arg, 'v', 1)})`;
}

/** Formats one operand for one verb, or returns Go's `%!verb(type=value)`. */
function formatArg(arg: GoValue, verb: string, f: Flags): string {
  if (verb === 'T') return pad(typeName(arg), f);
  if (arg === null || arg === undefined) return verb === 'v' ? pad('<nil>', f) : badVerb(verb, arg);
  let s: string | null = null;
  switch (typeof arg) {
    case 'boolean':
      s = verb === 't' || verb === 'v' ? pad(arg ? 'true' : 'false', f) : null;
      break;
    case 'bigint':
      s = fmtInt(arg, verb, f);
      break;
    case 'number':
      s = fmtFloatVerb(arg, verb, f);
      break;
    case 'string':
      s = fmtString(arg, verb, f);
      break;
    default:
      if (arg instanceof GoDuration) {
        s =
          verb === 'v' || verb === 's'
            ? pad(formatDuration(arg.ns), f)
            : fmtInt(BigInt(Math.trunc(arg.ns)), verb, f);
      } else if (arg instanceof GoTime) {
        s = verb === 'v' || verb === 's' ? pad(formatTime(arg), f) : null;
      } else if (Array.isArray(arg) || arg instanceof GoSlice) {
        const items = Array.isArray(arg) ? arg : arg.items;
        s = '[' + items.map((x) => formatArg(x, verb, { ...f })).join(' ') + ']';
      } else if (arg instanceof GoStruct) {
        const body = '{' + [...arg.fields.values()].map((x) => formatArg(x, verb, { ...f })).join(' ') + '}';
        s = arg.pointer ? '&' + body : body;
      } else if (isMap(arg)) {
        s =
          'map[' +
          sortedEntries(arg)
            .map(([k, x]) => `${formatArg(k, verb, { ...f })}:${formatArg(x, verb, { ...f })}`)
            .join(' ') +
          ']';
      } else {
        s = verb === 'v' ? pad(formatValue(arg, 'v', 1), f) : null;
      }
  }
  return s ?? badVerb(verb, arg);
}

/** Go's fmt tooLarge: widths and precisions beyond a million are refused, not honoured. */
function tooLarge(x: number | bigint): boolean {
  return x > 1e6 || x < -1e6;
}

// Go's parsenum: digits at `at`; an overflowing number swallows the rest of the format.
function parseNum(format: string, at: number): { num: number; len: number; overflow: boolean } {
  let num = 0;
  let k = at;
  for (; k < format.length && format[k]! >= '0' && format[k]! <= '9'; k++) {
    if (tooLarge(num)) return { num: 0, len: 0, overflow: true };
    num = num * 10 + (format.charCodeAt(k) - 48);
  }
  return { num, len: k - at, overflow: false };
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: GoValue[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = {
      plus: false,
      minus: false,
      sharp: false,
      space: false,
      zero: false,
      wid: null,
      prec: null,
    };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    // An explicit argument index: %[2]d.
    const argIndex = (): boolean => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (!m) return true;
      i += m[0].length;
      reordered = true;
      const k = Number(m[1]) - 1;
      if (k < 0 || k > args.length) return false;
      argNum = k;
      return true;
    };
    let okIndex = argIndex();
    let badWidth = false;
    let badPrec = false;
    if (format[i] === '*') {
      i++;
      const a = args[argNum++];
      if (typeof a === 'bigint' && !tooLarge(a)) {
        f.wid = Number(a);
        if (f.wid < 0) {
          f.minus = true;
          f.zero = false;
          f.wid = -f.wid;
        }
      } else badWidth = true;
      okIndex = argIndex() && okIndex;
    } else {
      const m = parseNum(format, i);
      if (m.overflow) {
        out += '%!(NOVERB)';
        break;
      }
      if (m.len > 0) {
        f.wid = m.num;
        i += m.len;
      }
    }
    if (format[i] === '.') {
      i++;
      okIndex = argIndex() && okIndex;
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        if (typeof a === 'bigint' && a >= 0n && !tooLarge(a)) f.prec = Number(a);
        else badPrec = true;
        okIndex = argIndex() && okIndex;
      } else {
        const m = parseNum(format, i);
        if (m.overflow) {
          out += '%!(NOVERB)';
          break;
        }
        f.prec = m.num;
        i += m.len;
      }
    }
    if (!reordered) okIndex = argIndex() && okIndex;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (badWidth) out += '%!(BADWIDTH)';
    if (badPrec) out += '%!(BADPREC)';
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!okIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (f.minus) f.zero = false;
    out += formatArg(args[argNum++], verb, f);
  }
  if (!reordered && argNum < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argNum)
        .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a, 'v', 1)}`))
        .join(', ') +
      ')';
  }
  return out;
}
