/**
 * Label sets: immutable, sorted by name (UTF-8 byte order), hashed once.
 *
 * A label set is stored as one flat array `[name0, value0, name1, value1, …]`, which keeps
 * iteration cheap and lets the index and the WAL walk it without allocating.
 */
import { isValidLegacyLabelName } from './names.js';
import { compareStrings, goQuote } from './strings.js';

/** A single label: a name and a value. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

// Hash constants (MurmurHash3's), and the code unit that separates names and values while
// hashing: U+FFFF is a Unicode non-character, so it never appears inside a sensible name.
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const SEP = 0xffff;
const TWO_POW_32 = 4294967296;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Computes a 64-bit hash of the flat name/value array as two 32-bit lanes, with 32-bit
 * arithmetic only (no BigInt). The lanes mix into each other as in MurmurHash3's x86 128-bit
 * variant, so the two halves are not independent copies of one 32-bit hash.
 */
function hashFlat(data: readonly string[], out: Uint32Array): void {
  let h1 = 0x9747b28c;
  let h2 = 0x5bd1e995;
  let word = 0;
  let half = false;
  let units = 0;
  const feed = (k: number): void => {
    let k1 = Math.imul(k, C1);
    k1 = rotl(k1, 15);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = rotl(h1, 19);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    let k2 = Math.imul(k, C2);
    k2 = rotl(k2, 16);
    k2 = Math.imul(k2, C1);
    h2 ^= k2;
    h2 = rotl(h2, 17);
    h2 = (h2 + h1) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
  };
  for (let j = 0; j < data.length; j++) {
    const s = data[j]!;
    for (let i = 0; i <= s.length; i++) {
      const c = i < s.length ? s.charCodeAt(i) : SEP;
      if (half) {
        feed(word | (c << 16));
        half = false;
      } else {
        word = c;
        half = true;
      }
    }
    units += s.length + 1;
  }
  if (half) feed(word);
  h1 ^= units;
  h2 ^= units;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
}

const hashScratch = new Uint32Array(2);

/** An immutable label set, sorted by name. Construct it with the static helpers or a {@link LabelsBuilder}. */
export class Labels implements Iterable<Label> {
  /** The empty label set. */
  static readonly EMPTY = new Labels([]);

  private readonly data: readonly string[];
  private hashHi = 0;
  private hashLo = 0;
  private hashed = false;

  private constructor(data: readonly string[]) {
    this.data = data;
  }

  /**
   * Wraps a flat `[name, value, …]` array that is already sorted by name with unique names.
   * The array must not be changed afterwards; this is the allocation-free path for parsers.
   */
  static fromSortedFlat(data: string[]): Labels {
    return data.length === 0 ? Labels.EMPTY : new Labels(data);
  }

  /** Builds a label set from `name, value, name, value, …`; later duplicates win. */
  static fromStrings(...kv: string[]): Labels {
    if (kv.length % 2 !== 0) throw new Error('Labels.fromStrings: odd number of strings');
    const b = new LabelsBuilder();
    for (let i = 0; i < kv.length; i += 2) b.set(kv[i]!, kv[i + 1]!);
    return b.labels();
  }

  /** Builds a label set from a plain object `{name: value}`. */
  static fromObject(obj: Readonly<Record<string, string>>): Labels {
    const b = new LabelsBuilder();
    for (const name of Object.keys(obj)) b.set(name, obj[name]!);
    return b.labels();
  }

  /** Builds a label set from a list of labels; later duplicates win. */
  static fromLabels(list: Iterable<Label>): Labels {
    const b = new LabelsBuilder();
    for (const l of list) b.set(l.name, l.value);
    return b.labels();
  }

  /** The number of labels. */
  get size(): number {
    return this.data.length >> 1;
  }

  /** True when the set holds no labels. */
  isEmpty(): boolean {
    return this.data.length === 0;
  }

  /** The name of the i-th label in sort order. */
  nameAt(i: number): string {
    return this.data[2 * i]!;
  }

  /** The value of the i-th label in sort order. */
  valueAt(i: number): string {
    return this.data[2 * i + 1]!;
  }

  /** The value of the named label, or `""` when it is absent (Prometheus's convention). */
  get(name: string): string {
    const d = this.data;
    for (let i = 0; i < d.length; i += 2) {
      if (d[i] === name) return d[i + 1]!;
    }
    return '';
  }

  /** True when the named label is present. */
  has(name: string): boolean {
    const d = this.data;
    for (let i = 0; i < d.length; i += 2) if (d[i] === name) return true;
    return false;
  }

  /** Calls `fn` for each label in order, without allocating. */
  forEach(fn: (name: string, value: string) => void): void {
    const d = this.data;
    for (let i = 0; i < d.length; i += 2) fn(d[i]!, d[i + 1]!);
  }

  /** Iterates the labels in order (allocates one object per label; not for hot paths). */
  *[Symbol.iterator](): Iterator<Label> {
    const d = this.data;
    for (let i = 0; i < d.length; i += 2) yield { name: d[i]!, value: d[i + 1]! };
  }

  /** The label names in order. */
  names(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.data.length; i += 2) out.push(this.data[i]!);
    return out;
  }

  /** The flat `[name, value, …]` array. Callers must not change it. */
  flat(): readonly string[] {
    return this.data;
  }

  /** A plain object `{name: value}`, as the HTTP API's JSON writes a metric. */
  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (let i = 0; i < this.data.length; i += 2) o[this.data[i]!] = this.data[i + 1]!;
    return o;
  }

  private ensureHash(): void {
    if (this.hashed) return;
    hashFlat(this.data, hashScratch);
    this.hashHi = hashScratch[0]!;
    this.hashLo = hashScratch[1]!;
    this.hashed = true;
  }

  /**
   * A 53-bit hash (a safe integer, so it can key a `Map`), taken from the 64-bit hash.
   * Equal label sets have equal hashes; different sets may collide, so callers that key on
   * it must compare with {@link equals}.
   */
  hash(): number {
    this.ensureHash();
    return (this.hashHi >>> 11) * TWO_POW_32 + this.hashLo;
  }

  /** The upper 32 bits of the 64-bit hash. */
  hashHigh(): number {
    this.ensureHash();
    return this.hashHi;
  }

  /** The lower 32 bits of the 64-bit hash. */
  hashLow(): number {
    this.ensureHash();
    return this.hashLo;
  }

  /** True when both sets hold the same labels. */
  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.data;
    const b = other.data;
    if (a.length !== b.length) return false;
    if (this.hashed && other.hashed && (this.hashHi !== other.hashHi || this.hashLo !== other.hashLo))
      return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Orders label sets as Prometheus does: label by label, name before value, shorter set first on a tie. */
  static compare(x: Labels, y: Labels): number {
    const a = x.data;
    const b = y.data;
    const n = a.length < b.length ? a.length : b.length;
    for (let i = 0; i < n; i += 2) {
      if (a[i] !== b[i]) return compareStrings(a[i]!, b[i]!);
      if (a[i + 1] !== b[i + 1]) return compareStrings(a[i + 1]!, b[i + 1]!);
    }
    return a.length - b.length;
  }

  /** A copy without the named labels. */
  without(...names: string[]): Labels {
    const d = this.data;
    const out: string[] = [];
    for (let i = 0; i < d.length; i += 2) {
      if (!names.includes(d[i]!)) out.push(d[i]!, d[i + 1]!);
    }
    return out.length === d.length ? this : Labels.fromSortedFlat(out);
  }

  /** A copy with only the named labels. */
  keep(...names: string[]): Labels {
    const d = this.data;
    const out: string[] = [];
    for (let i = 0; i < d.length; i += 2) {
      if (names.includes(d[i]!)) out.push(d[i]!, d[i + 1]!);
    }
    return out.length === d.length ? this : Labels.fromSortedFlat(out);
  }

  /** The Prometheus string form `{a="b", c="d"}`; names outside the legacy charset are quoted. */
  toString(): string {
    const d = this.data;
    let s = '{';
    for (let i = 0; i < d.length; i += 2) {
      if (i > 0) s += ', ';
      const name = d[i]!;
      s += isValidLegacyLabelName(name) ? name : goQuote(name);
      s += '=' + goQuote(d[i + 1]!);
    }
    return s + '}';
  }
}

/**
 * Builds label sets by setting and deleting labels, optionally starting from a base set.
 * Setting a label to `""` deletes it, as Prometheus's builder does.
 */
export class LabelsBuilder {
  private base: Labels;
  private readonly sets = new Map<string, string>();
  private readonly dels = new Set<string>();

  /** Starts from `base` (default: the empty set). */
  constructor(base: Labels = Labels.EMPTY) {
    this.base = base;
  }

  /** Starts over from a new base set. */
  reset(base: Labels = Labels.EMPTY): this {
    this.base = base;
    this.sets.clear();
    this.dels.clear();
    return this;
  }

  /** Sets a label; an empty value deletes it. */
  set(name: string, value: string): this {
    if (value === '') return this.del(name);
    this.sets.set(name, value);
    this.dels.delete(name);
    return this;
  }

  /** Deletes labels. */
  del(...names: string[]): this {
    for (const n of names) {
      this.sets.delete(n);
      this.dels.add(n);
    }
    return this;
  }

  /** The current value of a label, `""` when absent. */
  get(name: string): string {
    const v = this.sets.get(name);
    if (v !== undefined) return v;
    if (this.dels.has(name)) return '';
    return this.base.get(name);
  }

  /** Keeps only the named labels. */
  keep(...names: string[]): this {
    const keep = new Set(names);
    this.base.forEach((n) => {
      if (!keep.has(n)) this.del(n);
    });
    for (const n of [...this.sets.keys()]) if (!keep.has(n)) this.del(n);
    return this;
  }

  /** The resulting label set, sorted by name. */
  labels(): Labels {
    if (this.sets.size === 0 && this.dels.size === 0) return this.base;
    const out: [string, string][] = [];
    this.base.forEach((n, v) => {
      if (!this.dels.has(n) && !this.sets.has(n)) out.push([n, v]);
    });
    for (const [n, v] of this.sets) out.push([n, v]);
    out.sort((a, b) => compareStrings(a[0], b[0]));
    const flat: string[] = new Array(out.length * 2);
    for (let i = 0; i < out.length; i++) {
      flat[2 * i] = out[i]![0];
      flat[2 * i + 1] = out[i]![1];
    }
    return Labels.fromSortedFlat(flat);
  }
}
