/**
 * The functions every Go text/template has (`and`, `or`, `not`, `len`, `index`, `slice`,
 * `print`, `printf`, `println`, `html`, `js`, `urlquery`, `call`, `eq`, `ne`, `lt`, `le`, `gt`,
 * `ge`), with Go's comparison rules: values compare only within one basic kind (an int and a
 * float64 do not), and errors carry Go's wording.
 */
import { FuncError, type TemplateFunc } from './exec.js';
import { formatValue, sprint, sprintf, sprintln } from './fmt.js';
import {
  basicKind,
  GoDuration,
  GoSlice,
  isMap,
  isTrue,
  mapGet,
  mapSize,
  sliceItems,
  typeName,
  type GoValue,
} from './value.js';

const V = 'reflect.Value' as const;

function kindValue(v: GoValue): GoValue {
  return v instanceof GoDuration ? BigInt(Math.trunc(v.ns)) : v;
}

function badComparison(a: GoValue, b: GoValue): FuncError {
  return new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function eq(arg1: GoValue, ...rest: GoValue[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth: boolean;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg !== undefined) throw badComparison(arg1, arg);
      truth = false;
    } else if (k1 === 'invalid') {
      // Only nil compares equal to nil among the non-basic values templates see.
      const n1 = arg1 === null || arg1 === undefined;
      const n2 = arg === null || arg === undefined;
      if (!n1 && !n2) {
        if (typeof arg1 === 'object' && arg1 === arg) truth = true;
        else throw new FuncError(`non-comparable types ${typeName(arg1)}: ${typeName(arg)}`);
      } else truth = n1 === n2;
    } else {
      truth = kindValue(arg1) === kindValue(arg);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) throw badComparison(a, b);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  const x = kindValue(a) as string | number | bigint;
  const y = kindValue(b) as string | number | bigint;
  if (k1 === 'string') return Buffer.compare(Buffer.from(x as string), Buffer.from(y as string)) < 0;
  return x < y;
}

function le(a: GoValue, b: GoValue): boolean {
  return lt(a, b) || eq(a, b);
}

function indexArg(index: GoValue, len: number): number {
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  if (typeof index !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  if (index < 0n || index > BigInt(len)) throw new FuncError(`index out of range: ${index}`);
  return Number(index);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const ix of indexes) {
    if (item === undefined || item === null) throw new FuncError('index of nil pointer');
    const items = sliceItems(item);
    if (items || typeof item === 'string') {
      const bytes: Buffer | null = typeof item === 'string' ? Buffer.from(item) : null;
      const len = bytes ? bytes.length : items!.length;
      const x = indexArg(ix, len);
      if (x >= len) throw new FuncError(`index out of range: ${x}`);
      item = bytes ? BigInt(bytes[x]!) : items![x];
    } else if (isMap(item)) {
      if (ix === undefined || ix === null) throw new FuncError('value is nil; should be of type string');
      if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      item = mapGet(item, ix).value;
    } else {
      throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const isString = typeof item === 'string';
  const items = sliceItems(item);
  if (!isString && !items) throw new FuncError(`can't slice item of type ${typeName(item)}`);
  if (isString && indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
  const bytes = isString ? Buffer.from(item) : null;
  const len = bytes ? bytes.length : items!.length;
  const idx = [0, len];
  for (let i = 0; i < indexes.length; i++) idx[i] = indexArg(indexes[i], len);
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (bytes) return bytes.subarray(idx[0], idx[1]).toString('utf8');
  const out = items!.slice(idx[0], idx[1]);
  return item instanceof GoSlice ? new GoSlice(out, item.goType) : out;
}

function len(item: GoValue): bigint {
  if (item === undefined || item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item));
  const items = sliceItems(item);
  if (items) return BigInt(items.length);
  if (isMap(item)) return BigInt(mapSize(item));
  throw new FuncError(`len of type ${typeName(item)}`);
}

/** Go's evalArgs for html, js and urlquery: one string as is, else Sprint with nil as "<no value>". */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === "'"
        ? '&#39;'
        : c === '<'
          ? '&lt;'
          : c === '>'
            ? '&gt;'
            : c === '"'
              ? '&#34;'
              : '\uFFFD',
  );
}

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || !/[\p{C}\p{Z}]/u.test(ch) || ch === ' ') out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The built-in functions of Go's text/template. */
export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', { params: [V], variadic: V, fn: () => undefined }],
  ['or', { params: [V], variadic: V, fn: () => undefined }],
  ['not', { params: [V], fn: (a) => !isTrue(a) }],
  ['len', { params: [V], fn: len }],
  ['index', { params: [V], variadic: V, fn: index }],
  ['slice', { params: [V], variadic: V, fn: slice }],
  ['print', { params: [], variadic: 'any', fn: (...a) => sprint(a) }],
  ['println', { params: [], variadic: 'any', fn: (...a) => sprintln(a) }],
  [
    'printf',
    {
      params: ['string'],
      variadic: 'any',
      fn: (f, ...a) => sprintf(f as string, a),
    },
  ],
  ['html', { params: [], variadic: 'any', fn: (...a) => htmlEscape(evalArgs(a)) }],
  ['js', { params: [], variadic: 'any', fn: (...a) => jsEscape(evalArgs(a)) }],
  ['urlquery', { params: [], variadic: 'any', fn: (...a) => queryEscape(evalArgs(a)) }],
  [
    'call',
    {
      params: [V],
      variadic: V,
      fn: (f, ...a) => {
        if (f === undefined || f === null) throw new FuncError('call of nil');
        if (typeof f !== 'function')
          throw new FuncError(`non-function ${formatValue(f, 'v', 1)} of type ${typeName(f)}`);
        return f(...a);
      },
    },
  ],
  ['eq', { params: [V], variadic: V, fn: eq }],
  ['ne', { params: [V, V], fn: (a, b) => !eq(a, b) }],
  ['lt', { params: [V, V], fn: lt }],
  ['le', { params: [V, V], fn: le }],
  ['gt', { params: [V, V], fn: (a, b) => !le(a, b) }],
  ['ge', { params: [V, V], fn: (a, b) => !lt(a, b) }],
]);
