/**
 * Prometheus's template functions (its template reference): humanizing numbers, durations and
 * timestamps, string helpers, Go-regexp matching and replacing, links, and `query` with its
 * helpers over the samples a query returns. Output is Prometheus's character for character;
 * errors are the messages Prometheus's functions return.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { parseDuration as parsePromDuration } from '../config/duration.js';
import { FuncError, Suspend, type TemplateFunc } from './exec.js';
import { formatFloat, formatValue, quote, sprintf } from './fmt.js';
import { queryEscape } from './builtins.js';
import { GoDuration, GoMap, GoSlice, GoStruct, GoTime, type GoValue } from './value.js';

/** One sample of a query result, as the injected query function returns it. */
export interface QuerySample {
  /** The series labels, `__name__` included when the result has it. */
  labels: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** The sample value. */
  value: number;
}

/** Runs a PromQL instant query at the evaluation time; may be asynchronous. */
export type QueryFunc = (query: string) => QuerySample[] | Promise<QuerySample[]>;

/** What Prometheus's template functions need from their surroundings. */
export interface FunctionContext {
  /** The evaluation time, Unix milliseconds (for `now` and queries). */
  timestamp: number;
  /** The external URL (`--web.external-url`), for `externalURL` and `pathPrefix`. */
  externalURL: string;
  /** The query function; without one, `query` fails with an error. */
  query?: QueryFunc;
}

/** 2^63 as a float64, Go's math.MaxInt64 after conversion to float64. */
const MAX_INT64_F = 2 ** 63;

const SAMPLE_TYPE = 'template.sample';
const QUERY_RESULT_TYPE = 'template.queryResult';

/** A `*template.sample` for a query result. */
export function sampleValue(s: QuerySample): GoStruct {
  return new GoStruct(
    SAMPLE_TYPE,
    new Map<string, GoValue>([
      ['Labels', GoMap.fromLabels(s.labels)],
      ['Value', s.value],
    ]),
    true,
  );
}

/** Go's strconv.ParseFloat, with its error text. */
export function parseGoFloat(s: string): number {
  const fail = (why: string): never => {
    throw new FuncError(`strconv.ParseFloat: parsing ${quote(s)}: ${why}`);
  };
  const m = /^[+-]?(inf|infinity|nan)$/i.exec(s);
  if (m) {
    if (m[1]!.toLowerCase() === 'nan') return NaN;
    return s.startsWith('-') ? -Infinity : Infinity;
  }
  let body = s;
  // Underscores are allowed only between digits of a prefixed (0x, 0b, 0o) number.
  if (/^[+-]?0[xX]/.test(s)) body = s.replace(/_/g, '');
  let v: number;
  if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) v = Number(body);
  else if (/^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+$/.test(body)) {
    const mm = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/.exec(body)!;
    const mant = parseInt((mm[2] || '0') + mm[3], 16);
    v = (mm[1] === '-' ? -1 : 1) * mant * 2 ** (Number(mm[4]) - 4 * mm[3]!.length);
  } else return fail('invalid syntax');
  if (!Number.isFinite(v)) fail('value out of range');
  return v;
}

/** Prometheus's convertToFloat: float64, int, numeric string or duration into a float64. */
export function convertToFloat(i: GoValue): number {
  if (typeof i === 'number') return i;
  if (typeof i === 'bigint') return Number(i);
  if (typeof i === 'string') return parseGoFloat(i);
  if (i instanceof GoDuration) return i.ns / 1e9;
  throw new FuncError(`can't convert ${i === null || i === undefined ? '<nil>' : typeNameOf(i)} to float`);
}

function typeNameOf(v: GoValue): string {
  if (v instanceof GoStruct) return (v.pointer ? '*' : '') + v.goType;
  if (v instanceof GoSlice) return v.goType;
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoMap) return v.goType;
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

const g4 = (v: number): string => formatFloat(v, 'g', 4);

/** Prometheus's humanize: SI prefixes with four significant digits (1234567 → 1.235M). */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

/** Prometheus's humanize1024: binary prefixes (ki, Mi, …). */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

/** Prometheus's humanizeDuration: seconds as `1d 2h 3m 4s`, or `1.5ms` below a second. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v) + 's';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    // Go's int64(v) truncates; BigInt keeps durations beyond 2^53 exact.
    const duration = BigInt(Math.trunc(v));
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 3600n) % 24n;
    const days = duration / 86400n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

/** Prometheus's humanizePercentage: a ratio as a percentage with four significant digits. */
export function humanizePercentage(v: number): string {
  return g4(v * 100) + '%';
}

/**
 * Prometheus's floatToTime: Unix seconds to a time, truncated to milliseconds as
 * model.TimeFromUnixNano does; NaN and infinities have no time (null).
 */
function floatToTime(v: number): GoTime | null {
  if (!Number.isFinite(v)) return null;
  const ns = v * 1e9;
  if (ns > MAX_INT64_F || ns < -MAX_INT64_F) {
    throw new FuncError(
      `${formatValue(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`,
    );
  }
  // int64(ns) truncates toward zero, then integer division by 1e6 truncates again.
  return new GoTime(Math.trunc(Math.trunc(ns) / 1e6));
}

/** Prometheus's humanizeTimestamp: Unix seconds as `2006-01-02 15:04:05.999 +0000 UTC`. */
export function humanizeTimestamp(v: number): string {
  const t = floatToTime(v);
  return t === null ? g4(v) : formatValue(t);
}

/** Go's strings.Title: the first letter of each word in title case. */
export function title(s: string): string {
  let out = '';
  let prev = ' ';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c <= 0x7f) {
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f)
      return false;
    return true;
  }
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** Go's net.SplitHostPort; null where Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | null {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return null;
  let host: string;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return null;
    if (end + 1 !== i) return null;
    host = hostport.slice(1, end);
    if (hostport.slice(end + 1).indexOf('[') >= 0 || hostport.slice(end + 1).indexOf(']') >= 0) return null;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return null;
    if (host.includes('[') || host.includes(']')) return null;
  }
  if (hostport.slice(i + 1).includes('[') || hostport.slice(i + 1).includes(']')) return null;
  return { host, port: hostport.slice(i + 1) };
}

function isIP(host: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host))
    return host.split('.').every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
  return host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host);
}

/** Prometheus's stripDomain: `host.example.com:9100` → `host:9100`; IPs unchanged. */
export function stripDomain(hostPort: string): string {
  const hp = splitHostPort(hostPort);
  const host = hp ? hp.host : hostPort;
  const port = hp ? hp.port : '';
  if (isIP(host)) return hostPort;
  const short = host.split('.')[0]!;
  if (port !== '') return short.includes(':') ? `[${short}]:${port}` : `${short}:${port}`;
  return short;
}

/** Compiles a Go regexp, throwing Go's error text. */
function compileGoRegexp(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) {
      throw new FuncError(`error parsing regexp: ${e.error}: \`${e.input ?? pattern}\``);
    }
    throw e;
  }
}

/** Go's regexp.ReplaceAllString, with `$1`, `${name}` and `$$` in the replacement. */
export function reReplaceAll(pattern: string, repl: string, text: string): string {
  let re: RE2JS;
  try {
    re = compileGoRegexp(pattern);
  } catch (e) {
    // MustCompile panics with the pattern quoted; the template engine reports the panic.
    const q = pattern.includes('`') ? quote(pattern) : '`' + pattern + '`';
    throw new FuncError(`regexp: Compile(${q}): ${(e as Error).message}`);
  }
  const names = re.namedGroups();
  const m = re.matcher(text);
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length && m.find(searchPos)) {
    const start = m.start();
    const end = m.end();
    out += text.slice(lastEnd, start);
    // An empty match right after a match is not replaced (Go's rule).
    if (end > lastEnd || start === 0) out += expandReplacement(repl, m, names, re.groupCount());
    lastEnd = end;
    const cp = text.codePointAt(searchPos);
    const width = cp === undefined ? 1 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + text.slice(lastEnd);
}

function expandReplacement(
  tmpl: string,
  m: { group(g: number): string | null },
  names: Record<string, number>,
  groups: number,
): string {
  let out = '';
  let i = 0;
  while (i < tmpl.length) {
    const d = tmpl.indexOf('$', i);
    if (d < 0) break;
    out += tmpl.slice(i, d);
    i = d + 1;
    if (tmpl[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = tmpl[i] === '{';
    let j = brace ? i + 1 : i;
    const nameStart = j;
    while (j < tmpl.length && /[\p{L}\p{Nd}_]/u.test(tmpl[j]!)) j++;
    const name = tmpl.slice(nameStart, j);
    if (name === '' || (brace && tmpl[j] !== '}')) {
      out += '$';
      continue;
    }
    i = brace ? j + 1 : j;
    let num = -1;
    if (/^[0-9]+$/.test(name) && name.length < 9) num = Number(name);
    if (num >= 0) {
      if (num <= groups) out += m.group(num) ?? '';
    } else if (names[name] !== undefined) out += m.group(names[name]!) ?? '';
  }
  return out + tmpl.slice(i);
}

/** Prometheus's template functions, bound to an evaluation's context. */
export function prometheusFunctions(
  ctx: FunctionContext,
  queryCache = new Map<string, QuerySample[]>(),
): Map<string, TemplateFunc> {
  const num =
    (f: (v: number) => string): TemplateFunc['fn'] =>
    (i) =>
      f(convertToFloat(i));
  const sampleArg = (s: GoValue): GoStruct | null => (s instanceof GoStruct ? s : null);
  const sampleLabels = (s: GoValue): GoMap => {
    const st = sampleArg(s);
    if (!st) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
    return st.fields.get('Labels') as GoMap;
  };
  let url: URL | null = null;
  try {
    url = ctx.externalURL ? new URL(ctx.externalURL) : null;
  } catch {
    url = null;
  }
  const fns: [string, TemplateFunc][] = [
    [
      'query',
      {
        params: ['string'],
        fn: (q) => {
          const key = q as string;
          let res = queryCache.get(key);
          if (!res) {
            if (!ctx.query) throw new FuncError('no query function configured');
            const r = ctx.query(key);
            if (r instanceof Promise) {
              throw new Suspend(
                r.then(
                  (v) => queryCache.set(key, v),
                  (e: unknown) => queryCache.set(key, errorResult(e)),
                ),
              );
            }
            res = r;
            queryCache.set(key, res);
          }
          const err = (res as { error?: string }).error;
          if (err !== undefined) throw new FuncError(err);
          return new GoSlice(res.map(sampleValue), QUERY_RESULT_TYPE);
        },
      },
    ],
    [
      'first',
      {
        params: ['template.queryResult'],
        fn: (v) => {
          const items = v instanceof GoSlice ? v.items : [];
          if (items.length > 0) return items[0];
          throw new FuncError('first() called on vector with no elements');
        },
      },
    ],
    [
      'label',
      {
        params: ['string', '*template.sample'],
        fn: (l, s) => (sampleLabels(s).entries.get(l as string) as string | undefined) ?? '',
      },
    ],
    [
      'value',
      {
        params: ['*template.sample'],
        fn: (s) => {
          const st = sampleArg(s);
          if (!st) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
          return st.fields.get('Value');
        },
      },
    ],
    [
      'strvalue',
      {
        params: ['*template.sample'],
        fn: (s) => (sampleLabels(s).entries.get('__value__') as string | undefined) ?? '',
      },
    ],
    [
      'args',
      {
        params: [],
        variadic: 'any',
        fn: (...a) => new GoMap(new Map(a.map((v, k) => [`arg${k}`, v])), 'interface {}'),
      },
    ],
    [
      'reReplaceAll',
      {
        params: ['string', 'string', 'string'],
        fn: (p, r, t) => reReplaceAll(p as string, r as string, t as string),
      },
    ],
    ['safeHtml', { params: ['string'], fn: (s) => s }],
    [
      'match',
      {
        params: ['string', 'string'],
        fn: (p, s) =>
          compileGoRegexp(p as string)
            .matcher(s as string)
            .find(),
      },
    ],
    ['title', { params: ['string'], fn: (s) => title(s as string) }],
    ['toUpper', { params: ['string'], fn: (s) => (s as string).toUpperCase() }],
    ['toLower', { params: ['string'], fn: (s) => (s as string).toLowerCase() }],
    ['graphLink', { params: ['string'], fn: (e) => `/graph?g0.expr=${queryEscape(e as string)}&g0.tab=0` }],
    ['tableLink', { params: ['string'], fn: (e) => `/graph?g0.expr=${queryEscape(e as string)}&g0.tab=1` }],
    [
      'sortByLabel',
      {
        params: ['string', 'template.queryResult'],
        fn: (l, v) => {
          if (!(v instanceof GoSlice)) return v;
          const key = (s: GoValue): string =>
            (((s as GoStruct).fields.get('Labels') as GoMap).entries.get(l as string) as
              string | undefined) ?? '';
          // Array.prototype.sort is stable, as sort.Stable is; the slice is sorted in place.
          v.items.sort((a, b) => {
            const x = key(a);
            const y = key(b);
            return x < y ? -1 : x > y ? 1 : 0;
          });
          return v;
        },
      },
    ],
    [
      'stripPort',
      {
        params: ['string'],
        fn: (hp) => splitHostPort(hp as string)?.host ?? (hp as string),
      },
    ],
    ['stripDomain', { params: ['string'], fn: (hp) => stripDomain(hp as string) }],
    ['humanize', { params: ['any'], fn: num(humanize) }],
    ['humanize1024', { params: ['any'], fn: num(humanize1024) }],
    ['humanizeDuration', { params: ['any'], fn: num(humanizeDuration) }],
    ['humanizePercentage', { params: ['any'], fn: num(humanizePercentage) }],
    ['humanizeTimestamp', { params: ['any'], fn: num(humanizeTimestamp) }],
    [
      'toTime',
      {
        params: ['any'],
        fn: (i) => {
          const v = convertToFloat(i);
          const t = floatToTime(v);
          if (t === null) throw new FuncError(`${formatValue(v)} cannot be represented as a timestamp`);
          return t;
        },
      },
    ],
    [
      'toDuration',
      {
        params: ['any'],
        fn: (i) => {
          const v = convertToFloat(i);
          const ns = v * 1e9;
          if (!Number.isFinite(ns) || Math.abs(ns) > MAX_INT64_F) {
            throw new FuncError(`${formatValue(v)} cannot be represented as a duration`);
          }
          return new GoDuration(Math.trunc(ns));
        },
      },
    ],
    ['now', { params: [], fn: () => ctx.timestamp / 1000 }],
    [
      'pathPrefix',
      {
        params: [],
        fn: () =>
          url
            ? decodeURIComponent(url.pathname === '/' && !ctx.externalURL.endsWith('/') ? '' : url.pathname)
            : '',
      },
    ],
    ['externalURL', { params: [], fn: () => ctx.externalURL }],
    [
      'parseDuration',
      {
        params: ['string'],
        fn: (d) => {
          try {
            return parsePromDuration(d as string) / 1000;
          } catch (e) {
            throw new FuncError((e as Error).message);
          }
        },
      },
    ],
  ];
  return new Map(fns);
}

function errorResult(e: unknown): QuerySample[] {
  const r: QuerySample[] & { error?: string } = [];
  r.error = e instanceof Error ? e.message : String(e);
  return r;
}

/** Re-exported for tests that format like Prometheus. */
export { sprintf };
