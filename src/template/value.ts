/**
 * The values templates compute with, and the Go types they stand for. Go's template semantics
 * depend on types (an int and a float64 do not compare, a missing key of a map[string]string is
 * "" but of a map[string]interface{} is "<no value>", errors name types), so each JavaScript value
 * maps to one Go type:
 *
 * - `string` is a Go string, `number` a float64, `bigint` an int, `boolean` a bool;
 * - `null` is nil, `undefined` a missing value (Go's invalid reflect.Value);
 * - an array is a `[]interface {}`, a plain object or a `Map` a `map[string]interface {}`;
 * - {@link GoMap}, {@link GoSlice} and {@link GoStruct} carry an explicit Go type, for data
 *   Prometheus types precisely (`map[string]string` labels, `template.queryResult`, the alert
 *   data struct);
 * - {@link GoTime} and {@link GoDuration} are time.Time and time.Duration;
 * - a function is a `func`, usable with `call`.
 */

/** A value in a template. */
export type GoValue =
  | undefined
  | null
  | string
  | number
  | bigint
  | boolean
  | GoValue[]
  | GoMap
  | GoSlice
  | GoStruct
  | GoTime
  | GoDuration
  | GoFunc
  | { [key: string]: GoValue }
  | Map<string, GoValue>;

/** A function value, callable with `call`. */
export type GoFunc = (...args: GoValue[]) => GoValue;

/** A map with string keys and a declared Go type, e.g. `map[string]string`. */
export class GoMap {
  /** Builds a map; `elemType` decides what a missing key yields (`string` → ""). */
  constructor(
    readonly entries: ReadonlyMap<string, GoValue>,
    readonly elemType: 'string' | 'interface {}' = 'string',
  ) {}

  /** The Go type name. */
  get goType(): string {
    return `map[string]${this.elemType}`;
  }

  /** The value of a missing key: the element type's zero value. */
  zero(): GoValue {
    return this.elemType === 'string' ? '' : undefined;
  }

  /** A `map[string]string` from a plain record of labels. */
  static fromLabels(labels: Readonly<Record<string, string>> | ReadonlyMap<string, string>): GoMap {
    const m = labels instanceof Map ? new Map(labels) : new Map(Object.entries(labels));
    return new GoMap(m, 'string');
  }
}

/** A slice with a declared Go type, e.g. `template.queryResult`. */
export class GoSlice {
  /** Builds the slice. */
  constructor(
    readonly items: GoValue[],
    readonly goType: string,
  ) {}
}

/** A struct (or, with `pointer`, a pointer to one) with ordered, exported fields. */
export class GoStruct {
  /**
   * Builds the struct; `goType` is the type as `%T` shows it, without the pointer star, and
   * `fieldTypes` names the fields declared `interface {}` (errors name that type, not the value's).
   */
  constructor(
    readonly goType: string,
    readonly fields: ReadonlyMap<string, GoValue>,
    readonly pointer = false,
    readonly fieldTypes?: ReadonlyMap<string, string>,
  ) {}
}

/** A time.Time, in UTC, with nanosecond precision kept as milliseconds plus a remainder. */
export class GoTime {
  /** Builds a time from Unix milliseconds and the nanoseconds beyond them. */
  constructor(
    readonly ms: number,
    readonly nsRemainder = 0,
  ) {}
}

/** A time.Duration, in nanoseconds. */
export class GoDuration {
  /** Builds a duration of `ns` nanoseconds. */
  constructor(readonly ns: number) {}
}

/** Go's basic kinds, which decide how `eq`, `lt` and friends compare. */
export type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

/** The basic kind of a value (Go's text/template basicKind). */
export function basicKind(v: GoValue): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    default:
      // A duration is an int64 underneath.
      return v instanceof GoDuration ? 'int' : 'invalid';
  }
}

/** True for a plain object used as a map. */
export function isPlainMap(v: unknown): v is { [key: string]: GoValue } {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The Go type of a value, as `%T` prints it. */
export function typeName(v: GoValue): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func(...interface {}) interface {}';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoMap) return v.goType;
  if (v instanceof GoSlice) return v.goType;
  if (v instanceof GoStruct) return (v.pointer ? '*' : '') + v.goType;
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  return 'map[string]interface {}';
}

/** The entries of a map value in Go's iteration order for templates: sorted by key. */
export function sortedEntries(
  v: GoMap | Map<string, GoValue> | { [key: string]: GoValue },
): [string, GoValue][] {
  const entries: [string, GoValue][] =
    v instanceof GoMap ? [...v.entries] : v instanceof Map ? [...v] : Object.entries(v);
  return entries.sort((a, b) => compareStrings(a[0], b[0]));
}

/** Compares strings by their UTF-8 bytes, as Go sorts strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order except where surrogates meet U+E000–U+FFFF.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x < 0xe000;
    const sy = y >= 0xd800 && y < 0xe000;
    if (sx !== sy && x >= 0xd800 && y >= 0xd800) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Whether a value is a map of any representation. */
export function isMap(v: GoValue): v is GoMap | Map<string, GoValue> | { [key: string]: GoValue } {
  return v instanceof GoMap || v instanceof Map || isPlainMap(v);
}

/** The items of a slice of any representation, or null for a non-slice. */
export function sliceItems(v: GoValue): GoValue[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof GoSlice) return v.items;
  return null;
}

/** Looks a key up in a map; `found` is false for a missing key. */
export function mapGet(
  m: GoMap | Map<string, GoValue> | { [key: string]: GoValue },
  key: string,
): { found: boolean; value: GoValue } {
  if (m instanceof GoMap) {
    return m.entries.has(key)
      ? { found: true, value: m.entries.get(key) }
      : { found: false, value: m.zero() };
  }
  if (m instanceof Map)
    return m.has(key) ? { found: true, value: m.get(key) } : { found: false, value: undefined };
  return Object.prototype.hasOwnProperty.call(m, key)
    ? { found: true, value: m[key] }
    : { found: false, value: undefined };
}

/** The number of entries of a map. */
export function mapSize(m: GoMap | Map<string, GoValue> | { [key: string]: GoValue }): number {
  if (m instanceof GoMap || m instanceof Map) return m instanceof GoMap ? m.entries.size : m.size;
  return Object.keys(m).length;
}

/** Go's truth of a value for `if`, `with`, `and`, `or` and `not`. */
export function isTrue(v: GoValue): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoSlice) return v.items.length > 0;
  if (v instanceof GoDuration) return v.ns !== 0;
  if (v instanceof GoStruct || v instanceof GoTime) return true;
  return mapSize(v) > 0;
}
