/**
 * Strict YAML decoding with Go's yaml.v2 behaviour, as Prometheus uses it: YAML 1.1 scalars
 * (`yes` is a boolean), unknown fields and wrongly typed values collected as "unmarshal
 * errors" with their line, and validation errors that stop decoding at the first one.
 *
 * A {@link Codec} both decodes a node into a typed value and encodes the value back into
 * plain data for YAML output, so a schema is written once and drives both directions.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { DurationError, formatDuration, parseDuration } from './duration.js';

/** A configuration that does not load; the message is worded as Prometheus words it. */
export class ConfigError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Decoding state: the document, collected type errors and the path being decoded. */
export class Decoder {
  /** Unmarshal errors (`line N: ...`), reported together as yaml.v2 does. */
  readonly typeErrors: string[] = [];
  /** Paths of sections ignis accepts but does not implement yet. */
  readonly unimplemented: string[] = [];
  private readonly path: string[] = [];

  /** Wraps a parsed document and its line counter. */
  constructor(
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The 1-based line a node starts on. */
  line(n: Node): number {
    return n.range ? this.lines.linePos(n.range[0]).line : 0;
  }

  /** Records an unmarshal error at a node; decoding goes on, as in yaml.v2. */
  typeError(n: Node, msg: string): void {
    this.typeErrors.push(`line ${this.line(n)}: ${msg}`);
  }

  /** Stops decoding with a validation error. */
  fail(msg: string): never {
    throw new ConfigError(msg);
  }

  /** Follows an alias to the node it names. */
  resolve(n: Node | null | undefined): Node | null {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) return (n.resolve(this.doc) as Node | undefined) ?? null;
    return isNull(n) ? null : n;
  }

  /** Decodes a child under a path element (a field name or an index). */
  within<T>(part: string, fn: () => T): T {
    this.path.push(part);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  /** Records the current path as accepted but not implemented. */
  noteUnimplemented(): void {
    this.unimplemented.push(this.path.join('.').replace(/\.\[/g, '['));
  }
}

/** Decodes and encodes one Go type of the schema. */
export interface Codec<T> {
  /** The Go type name, for "cannot unmarshal ... into <type>" messages. */
  readonly goType: string;
  /** The element type named in a list's messages (`*config.ScrapeConfig` for pointer structs). */
  readonly elemType?: string;
  /** Decodes a node; `null` is the YAML null (or an absent value). */
  decode(n: Node | null, d: Decoder): T;
  /** Encodes back to plain data for YAML output; `undefined` leaves the field out. */
  encode(v: T): unknown;
}

/** Parses YAML text; throws a {@link ConfigError} worded `yaml: line N: ...` for bad syntax. */
export function parseYAML(text: string): Decoder {
  const lines = new LineCounter();
  // The failsafe schema keeps every scalar a string: resolution follows YAML 1.1 below.
  const doc = parseDocument(text, { schema: 'failsafe', merge: true, lineCounter: lines, uniqueKeys: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line ?? 0;
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '');
    throw new ConfigError(`yaml: line ${line}: ${msg}`);
  }
  return new Decoder(doc as Document, lines);
}

function isNull(n: Node): boolean {
  if (!isScalar(n) || n.type !== 'PLAIN') return false;
  const v = n.value as string;
  return v === '' || v === '~' || v === 'null' || v === 'Null' || v === 'NULL';
}

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const INT = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$/;
const FLOAT =
  /^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;

/** The YAML 1.1 tag yaml.v2 resolves a node to. */
function tagOf(n: Node): string {
  if (isMap(n)) return '!!map';
  if (isSeq(n)) return '!!seq';
  if (!isScalar(n)) return '!!str';
  if (isNull(n)) return '!!null';
  if (n.type !== 'PLAIN') return '!!str';
  const v = n.value as string;
  if (TRUE.has(v) || FALSE.has(v)) return '!!bool';
  if (INT.test(v)) return '!!int';
  if (FLOAT.test(v)) return '!!float';
  return '!!str';
}

/** Reports yaml.v2's "cannot unmarshal" error for a node of the wrong kind. */
function mismatch(n: Node, d: Decoder, goType: string): void {
  const tag = tagOf(n);
  let shown = '';
  if (tag !== '!!map' && tag !== '!!seq') {
    const v = String((n as { value?: unknown }).value ?? '');
    shown = v.length > 10 ? ` \`${v.slice(0, 7)}...\`` : ` \`${v}\``;
  }
  d.typeError(n, `cannot unmarshal ${tag}${shown} into ${goType}`);
}

/** A string; any scalar is taken as written, as yaml.v2 does for string fields. */
export const str: Codec<string> = {
  goType: 'string',
  decode(n, d) {
    const r = d.resolve(n);
    if (r === null) return '';
    if (!isScalar(r)) {
      mismatch(r, d, 'string');
      return '';
    }
    return String(r.value);
  },
  encode: (v) => (v === '' ? undefined : v),
};

/** A secret string: decoded like a string, printed as `<secret>`. */
export const secret: Codec<string> = {
  goType: 'config.Secret',
  decode: (n, d) => str.decode(n, d),
  encode: (v) => (v === '' ? undefined : '<secret>'),
};

/** A boolean in YAML 1.1 spelling (`true`, `yes`, `on`, ...). */
export const bool: Codec<boolean> = {
  goType: 'bool',
  decode(n, d) {
    const r = d.resolve(n);
    if (r === null) return false;
    if (tagOf(r) !== '!!bool') {
      mismatch(r, d, 'bool');
      return false;
    }
    return TRUE.has(String((r as { value: unknown }).value));
  },
  encode: (v) => v,
};

function parseGoInt(text: string): number {
  let s = text.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let v: number;
  if (s.startsWith('0b')) v = parseInt(s.slice(2), 2);
  else if (s.startsWith('0x')) v = parseInt(s.slice(2), 16);
  else if (s.startsWith('0o')) v = parseInt(s.slice(2), 8);
  else if (s.length > 1 && s.startsWith('0')) v = parseInt(s.slice(1), 8);
  else v = Number(s);
  return sign * v;
}

function integer(goType: string, unsigned: boolean): Codec<number> {
  return {
    goType,
    decode(n, d) {
      const r = d.resolve(n);
      if (r === null) return 0;
      const v = tagOf(r) === '!!int' ? parseGoInt(String((r as { value: unknown }).value)) : NaN;
      if (Number.isNaN(v) || (unsigned && v < 0)) {
        mismatch(r, d, goType);
        return 0;
      }
      return v;
    },
    encode: (v) => v,
  };
}

/** Go's `uint`. */
export const uint = integer('uint', true);
/** Go's `uint64`. */
export const uint64 = integer('uint64', true);
/** Go's `int`. */
export const int = integer('int', false);
/** Go's `int64`. */
export const int64 = integer('int64', false);

/** Go's `float64` (integers are accepted, as yaml.v2 does). */
export const float64: Codec<number> = {
  goType: 'float64',
  decode(n, d) {
    const r = d.resolve(n);
    if (r === null) return 0;
    const tag = tagOf(r);
    const text = String((r as { value: unknown }).value);
    if (tag === '!!int') return parseGoInt(text);
    if (tag !== '!!float') {
      mismatch(r, d, 'float64');
      return 0;
    }
    if (/nan/i.test(text)) return NaN;
    if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text.replace(/_/g, ''));
  },
  encode: (v) => v,
};

/** A Prometheus duration (`model.Duration`) in milliseconds; a bad string stops decoding. */
export const duration: Codec<number> = {
  goType: 'model.Duration',
  decode(n, d) {
    const r = d.resolve(n);
    if (r === null) return 0;
    const s = str.decode(r, d);
    if (!isScalar(r)) return 0;
    try {
      return parseDuration(s);
    } catch (e) {
      if (e instanceof DurationError) d.fail(e.message);
      throw e;
    }
  },
  encode: (v) => (v === 0 ? undefined : formatDuration(v)),
};

/** A list of values; a null item decodes as the item codec's null. */
export function list<T>(item: Codec<T>): Codec<T[]> {
  const goType = `[]${item.elemType ?? item.goType}`;
  return {
    goType,
    decode(n, d) {
      const r = d.resolve(n);
      if (r === null) return [];
      if (!isSeq(r)) {
        mismatch(r, d, goType);
        return [];
      }
      return r.items.map((it, i) => d.within(`[${i}]`, () => item.decode(d.resolve(it as Node), d)));
    },
    encode(v) {
      if (v.length === 0) return undefined;
      return v.map((x) => item.encode(x) ?? null);
    },
  };
}

/** The key/value pairs of a mapping node with YAML merge keys (`<<: *anchor`) expanded. */
export function mapPairs(n: Node, d: Decoder): Pair<Node, Node | null>[] {
  const out: Pair<Node, Node | null>[] = [];
  if (!isMap(n)) return out;
  for (const p of n.items as Pair<Node, Node | null>[]) {
    const k = p.key as unknown;
    if (typeof k === 'symbol' || (isScalar(k) && (k.value === '<<' || typeof k.value === 'symbol'))) {
      const src = d.resolve(p.value);
      const sources = src !== null && isSeq(src) ? src.items.map((x) => d.resolve(x as Node)) : [src];
      for (const s of sources) if (s !== null) out.push(...mapPairs(s, d));
      continue;
    }
    out.push(p);
  }
  return out;
}

/** A string-to-value map (`map[string]T`), keys kept in document order. */
export function dict<T>(value: Codec<T>, goType = `map[string]${value.goType}`): Codec<Record<string, T>> {
  return {
    goType,
    decode(n, d) {
      const r = d.resolve(n);
      const out: Record<string, T> = {};
      if (r === null) return out;
      if (!isMap(r)) {
        mismatch(r, d, goType);
        return out;
      }
      for (const p of mapPairs(r, d)) {
        const k = str.decode(p.key, d);
        out[k] = d.within(k, () => value.decode(d.resolve(p.value), d));
      }
      return out;
    },
    encode(v) {
      const keys = Object.keys(v);
      if (keys.length === 0) return undefined;
      const out: Record<string, unknown> = {};
      for (const k of keys.sort()) out[k] = value.encode(v[k]!) ?? null;
      return out;
    },
  };
}

/** One field of a struct: YAML name, TypeScript key, codec, and whether an empty value is printed. */
export interface Field {
  /** The YAML key. */
  readonly yaml: string;
  /** The property of the decoded object. */
  readonly key: string;
  /** How the value is decoded and encoded. */
  readonly codec: Codec<unknown>;
  /** Print the field even when empty (Go's fields without `omitempty`). */
  readonly always?: boolean;
}

/** Builds a field; `always` marks fields printed even when empty. */
export function field<T>(yaml: string, key: string, codec: Codec<T>, always = false): Field {
  return { yaml, key, codec: codec as Codec<unknown>, always };
}

/** What a struct does besides decoding its fields. */
export interface StructOptions<T> {
  /** A fresh object with the defaults, filled in before the fields are read. */
  defaults: () => T;
  /** The exported Go type (`config.ScrapeConfig`), named in list messages as `[]*<goName>`. */
  goName?: string;
  /** Checks the decoded object (may fill derived defaults); skipped when a type error was found inside. */
  validate?: (v: T, d: Decoder) => void;
}

/** Empty values left out when printing with Go's `omitempty`. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/**
 * A struct with the given fields. Unknown keys are unmarshal errors naming `typeName`, as
 * Go names the type in `field x not found in type config.ScrapeConfig`. A null node decodes
 * to null (Go's nil pointer).
 */
export function struct<T extends object>(
  typeName: string,
  fields: readonly Field[],
  opts: StructOptions<T>,
): Codec<T | null> & { readonly fields: readonly Field[] } {
  const byName = new Map(fields.map((f) => [f.yaml, f]));
  return {
    goType: typeName,
    elemType: `*${opts.goName ?? typeName}`,
    fields,
    decode(n, d) {
      const r = d.resolve(n);
      if (r === null) return null;
      if (!isMap(r)) {
        mismatch(r, d, typeName);
        return null;
      }
      const v = opts.defaults();
      const errorsBefore = d.typeErrors.length;
      const seen = new Set<string>();
      for (const p of mapPairs(r, d)) {
        const name = str.decode(p.key, d);
        const f = byName.get(name);
        if (f === undefined) {
          d.typeError(p.key, `field ${name} not found in type ${typeName}`);
          continue;
        }
        if (seen.has(name)) {
          d.typeError(p.key, `field ${name} already set in type ${typeName}`);
          continue;
        }
        seen.add(name);
        const val = d.within(name, () => f.codec.decode(d.resolve(p.value), d));
        (v as Record<string, unknown>)[f.key] = val;
      }
      if (d.typeErrors.length === errorsBefore) opts.validate?.(v, d);
      return v;
    },
    encode(v) {
      if (v === null) return undefined;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const raw = (v as Record<string, unknown>)[f.key];
        if (raw === undefined) continue;
        const enc = raw === null ? undefined : f.codec.encode(raw);
        if (enc === undefined && !f.always) continue;
        if (!f.always && isEmpty(enc)) continue;
        out[f.yaml] = enc ?? null;
      }
      return out;
    },
  };
}

/** Keys whose values are printed as `<secret>` inside sections kept as opaque data. */
const OPAQUE_SECRET_KEYS = new Set([
  'password',
  'credentials',
  'bearer_token',
  'client_secret',
  'secret_key',
  'token',
  'auth_token',
  'api_key',
  'application_credential_secret',
  'client_certificate_key',
  'key',
]);

function maskSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = OPAQUE_SECRET_KEYS.has(k) && typeof x === 'string' && x !== '' ? '<secret>' : maskSecrets(x);
    }
    return out;
  }
  return v;
}

/**
 * A section ignis accepts without modelling its fields yet (another service discovery, for
 * instance): kept as plain data, recorded as unimplemented, secrets masked when printed.
 */
export const opaque: Codec<unknown> = {
  goType: 'interface {}',
  decode(n, d) {
    const r = d.resolve(n);
    d.noteUnimplemented();
    return r === null ? null : (r.toJSON(d.doc) as unknown);
  },
  encode: (v) => (v === null ? undefined : maskSecrets(v)),
};

/** Marks a codec's section as accepted but not implemented by ignis yet. */
export function unimplemented<T>(c: Codec<T>): Codec<T> {
  return {
    goType: c.goType,
    decode(n, d) {
      if (d.resolve(n) !== null) d.noteUnimplemented();
      return c.decode(n, d);
    },
    encode: (v) => c.encode(v),
  };
}
