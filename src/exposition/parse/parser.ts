/**
 * The streaming parser interface shared by the text and OpenMetrics parsers, in the spirit of
 * Prometheus's `textparse.Parser`, and the state and accessors both implementations share.
 *
 * A parser walks one exposition entry by entry. `next()` advances and says what it found; the
 * accessors then describe that entry until the following `next()`. The scrape path reads only
 * `seriesKey()`, `value()` and `timestamp()` per sample, which allocate nothing but the key's
 * slice; labels, exemplars and metadata are built only when asked for.
 *
 * Limits: the parsers impose none on line length or label count, because Prometheus's do not
 * (the scrape config's `body_size_limit` and `label_limit` bound those, before and after
 * parsing). Instead every step is linear in the input (label sorting is n log n), so a hostile
 * body costs time in proportion to its size and nothing more; the constants below bound the
 * few places where that needs saying.
 */
import { Labels, type LabelsBuilder } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import { METRIC_NAME } from '../../model/names.js';
import { compareStrings } from '../../model/strings.js';
import type { Exemplar } from '../family.js';
import { excerpt, ParseError } from './errors.js';
import { decodeInput, type DecodedInput } from './input.js';
import { CH_LF, hasBackslash, normalizeLabelValue, unescapeLabel } from './lex.js';

/** What `next()` found. */
export const Entry = {
  /** A TYPE line: read `metricName()` and `type()`. */
  Type: 0,
  /** A HELP line: read `metricName()` and `help()`. */
  Help: 1,
  /** A sample: read `seriesKey()`, `value()`, `timestamp()`, and on demand `labels()`, `exemplar()`. */
  Series: 2,
  /** A comment (text format only): read `comment()`. */
  Comment: 3,
  /** A UNIT line (OpenMetrics only): read `metricName()` and `unit()`. */
  Unit: 4,
  /** The end of the exposition; every later `next()` says so again. */
  EOF: 5,
} as const;

/** The kind of entry `next()` returns. */
export type Entry = (typeof Entry)[keyof typeof Entry];

/**
 * How much of the format's rules a parser enforces. `lenient` accepts what Prometheus's scraper
 * accepts (its parsers stream line by line and check no rule that spans lines); `strict` adds
 * every rule of the specification, for validation (`check metrics`, conformance).
 */
export type Strictness = 'strict' | 'lenient';

/** Options for the parsers and `parseFamilies`. */
export interface ParserOptions {
  /** Which rules to enforce; `lenient` (the default) is the scrape path's choice. */
  readonly strictness?: Strictness;
}

/**
 * A streaming exposition parser. Accessors describe the entry the last `next()` returned and are
 * only meaningful for that kind of entry; calling them for another kind returns leftovers.
 */
export interface Parser {
  /** Advances to the next entry; throws {@link ParseError} on malformed input. */
  next(): Entry;
  /** The 1-based line on which the current entry starts. */
  readonly line: number;
  /** The metric name of a sample, or the family name of a HELP/TYPE/UNIT line (unescaped). */
  metricName(): string;
  /** The sample's `name{labels}` exactly as written, a cheap key for the scrape cache. */
  seriesKey(): string;
  /** The sample value. */
  value(): number;
  /** The sample timestamp in integer milliseconds, or undefined when the line has none. */
  timestamp(): number | undefined;
  /**
   * The sample's labels with `__name__`, sorted, empty values dropped, `le`/`quantile`
   * normalized as Prometheus 3 does. Throws {@link ParseError} on duplicate label names.
   */
  labels(): Labels;
  /** Resets `builder` to the sample's labels (see {@link Parser.labels}). */
  labelsInto(builder: LabelsBuilder): void;
  /** The sample's exemplar (OpenMetrics), or undefined. */
  exemplar(): Exemplar | undefined;
  /** The created timestamp of the sample's series in ms (OpenMetrics `_created`), or undefined. */
  createdTimestamp(): number | undefined;
  /** The HELP text, unescaped. */
  help(): string;
  /** The TYPE (`untyped` reads as `unknown`). */
  type(): MetricType;
  /** The UNIT text. */
  unit(): string;
  /** The whole comment line, `#` included. */
  comment(): string;
}

/** Ints stored per label: name start, name end, value start, value end (offsets into the input). */
const LABEL_STRIDE = 4;
/** Label pairs up to this count are sorted by insertion; larger sets by a merge sort of indices. */
const INSERTION_SORT_MAX = 24;

/** State and accessors shared by both parsers; subclasses supply the scanning. */
/** Cross-line checks of the strict level: sees each entry after the parser produced it. */
export interface EntryValidator {
  /** Checks the entry just parsed; returns the error that makes the document invalid, if any. */
  observe(e: Entry): ParseError | undefined;
}

export abstract class ParserBase implements Parser {
  /** The decoded exposition. */
  protected readonly s: string;
  /** `s.length`. */
  protected readonly n: number;
  /** Where scanning resumes. */
  protected pos = 0;
  /** The line the scanner is on, and where it starts. */
  protected lineNo = 1;
  /** Offset of the first character of line `lineNo`. */
  protected lineStart = 0;
  /** The line the current entry started on. */
  protected entryLine = 1;
  /** Whether the strict rules apply. */
  protected readonly strict: boolean;
  /** The error that stopped the parser; `next()` throws it again. */
  protected failed: ParseError | undefined;
  /** The strict level's cross-line checks, fed every entry; undefined when lenient. */
  protected validator: EntryValidator | undefined;

  private readonly badLines: readonly number[];
  private badIdx = 0;

  // The current sample. Offsets point into `s`; nothing is sliced until an accessor asks.
  /** Start of the metric name (quotes excluded); -1 until a quoted name inside braces sets it. */
  protected nameStart = 0;
  /** End of the metric name. */
  protected nameEnd = 0;
  /** Start of the series key. */
  protected keyStart = 0;
  /** End of the series key. */
  protected keyEnd = 0;
  /** Label offsets, {@link LABEL_STRIDE} ints per label. */
  protected lbl = new Int32Array(LABEL_STRIDE * 16);
  /** Number of labels in {@link lbl}. */
  protected nLabels = 0;
  /** The sample value. */
  protected val = 0;
  /** Whether the sample has a timestamp. */
  protected hasTs = false;
  /** The sample timestamp in ms. */
  protected ts = 0;

  // The current metadata or comment entry.
  /** Start of the HELP/UNIT/TYPE text or of the comment. */
  protected textStart = 0;
  /** End of that text. */
  protected textEnd = 0;
  /** The type of the current TYPE entry. */
  protected mtype: MetricType = 'unknown';
  /**
   * The type of the last TYPE line seen. Prometheus's parsers keep it across families and use it
   * to decide whether `le`/`quantile` get normalized; ignis does the same so series match.
   */
  protected lastType: MetricType = 'unknown';

  /** Decodes the input (once) and sets up the shared state. */
  constructor(input: string | Uint8Array | DecodedInput, options: ParserOptions) {
    const d = typeof input === 'string' || input instanceof Uint8Array ? decodeInput(input) : input;
    this.s = d.text;
    this.n = d.text.length;
    this.badLines = d.badLines;
    this.strict = options.strictness === 'strict';
  }

  /** Advances to the next entry; throws the ParseError that stopped the parser, again on every call. */
  next(): Entry {
    if (this.failed !== undefined) throw this.failed;
    const e = this.advance();
    if (this.validator !== undefined) this.failed = this.validator.observe(e);
    if (this.failed !== undefined) throw this.failed;
    return e;
  }

  /** Scans the next entry (the format-specific part of {@link next}). */
  protected abstract advance(): Entry;

  /** The 1-based line on which the current entry starts. */
  get line(): number {
    return this.entryLine;
  }

  /** The metric name of the sample, or the family name of a metadata line. */
  metricName(): string {
    return this.str(this.nameStart, this.nameEnd);
  }

  /** The sample's `name{labels}` as written. */
  seriesKey(): string {
    return this.s.slice(this.keyStart, this.keyEnd);
  }

  /** The sample value. */
  value(): number {
    return this.val;
  }

  /** The sample timestamp in ms, or undefined. */
  timestamp(): number | undefined {
    return this.hasTs ? this.ts : undefined;
  }

  /** The sample's labels with `__name__`; see {@link Parser.labels}. */
  labels(): Labels {
    const n = this.nLabels;
    const lbl = this.lbl;
    const flat: string[] = new Array<string>(2 * n + 2);
    flat[0] = METRIC_NAME;
    flat[1] = this.metricName();
    for (let i = 0, j = 0; i < n; i++, j += LABEL_STRIDE) {
      const name = this.str(lbl[j]!, lbl[j + 1]!);
      flat[2 * i + 2] = name;
      flat[2 * i + 3] = normalizeLabelValue(this.lastType, name, this.str(lbl[j + 2]!, lbl[j + 3]!));
    }
    return this.finishLabels(flat);
  }

  /**
   * The value of the sample's label `name` as written (unescaped, not normalized), or
   * undefined. For validators, which judge what the exposer wrote, not what Prometheus stores.
   */
  rawLabelValue(name: string): string | undefined {
    const lbl = this.lbl;
    for (let i = 0, j = 0; i < this.nLabels; i++, j += LABEL_STRIDE) {
      if (this.str(lbl[j]!, lbl[j + 1]!) === name) return this.str(lbl[j + 2]!, lbl[j + 3]!);
    }
    return undefined;
  }

  /** Resets `builder` to the sample's labels. */
  labelsInto(builder: LabelsBuilder): void {
    builder.reset(this.labels());
  }

  /** The exemplar of the sample; the text format has none. */
  exemplar(): Exemplar | undefined {
    return undefined;
  }

  /** The created timestamp; only OpenMetrics has one. */
  createdTimestamp(): number | undefined {
    return undefined;
  }

  /** The HELP text. */
  abstract help(): string;

  /** The TYPE of the current TYPE entry. */
  type(): MetricType {
    return this.mtype;
  }

  /** The UNIT text. */
  unit(): string {
    return this.s.slice(this.textStart, this.textEnd);
  }

  /** The comment line. */
  comment(): string {
    return this.s.slice(this.textStart, this.textEnd);
  }

  /** `s[start, end)`, unescaped when it holds a backslash. */
  protected str(start: number, end: number): string {
    return hasBackslash(this.s, start, end) ? unescapeLabel(this.s, start, end) : this.s.slice(start, end);
  }

  /** Appends a label's offsets to {@link lbl}. */
  protected pushLabel(ns: number, ne: number, vs: number, ve: number): void {
    let j = this.nLabels * LABEL_STRIDE;
    if (j + LABEL_STRIDE > this.lbl.length) {
      const grown = new Int32Array(this.lbl.length * 2);
      grown.set(this.lbl);
      this.lbl = grown;
    }
    const l = this.lbl;
    l[j++] = ns;
    l[j++] = ne;
    l[j++] = vs;
    l[j] = ve;
    this.nLabels++;
  }

  /** Sorts the pairs (see {@link sortLabelPairs}) and refuses duplicate names, which fail a Prometheus scrape. */
  protected finishLabels(flat: string[]): Labels {
    const dup = sortLabelPairs(flat);
    if (dup !== undefined) this.failLine(this.entryLine, `duplicate label name ${excerpt(dup)}`);
    return Labels.fromSortedFlat(flat);
  }

  /** Moves past the line feed at `p` (if there is one) and checks the finished entry's lines. */
  protected finishEntry(p: number, isComment: boolean): void {
    if (this.badIdx < this.badLines.length) this.checkUtf8(isComment);
    if (p < this.n && this.s.charCodeAt(p) === CH_LF) {
      this.pos = p + 1;
      this.lineNo++;
      this.lineStart = p + 1;
    } else {
      this.pos = p;
    }
  }

  /** Moves past a line feed inside an entry (a raw newline in a text-format quoted string). */
  protected newlineInside(p: number): void {
    this.lineNo++;
    this.lineStart = p + 1;
  }

  /**
   * Invalid UTF-8 is fine in a plain text-format comment (Prometheus never looks at it) and an
   * error anywhere else, as in Prometheus, which checks label values, HELP texts and names.
   */
  private checkUtf8(isComment: boolean): void {
    while (this.badIdx < this.badLines.length && this.badLines[this.badIdx]! <= this.lineNo) {
      if (!isComment) this.failLine(this.badLines[this.badIdx]!, 'invalid UTF-8');
      this.badIdx++;
    }
  }

  /** Throws a {@link ParseError} at offset `p` on the current line, and remembers it. */
  protected fail(p: number, reason: string): never {
    const e = new ParseError(this.lineNo, p - this.lineStart + 1, reason);
    this.failed = e;
    throw e;
  }

  /** Throws a {@link ParseError} for a whole line, and remembers it. */
  protected failLine(line: number, reason: string): never {
    const e = new ParseError(line, undefined, reason);
    this.failed = e;
    throw e;
  }

  /** Throws "expected X, got Y" at `p`, quoting the line up to and including `p`. */
  protected unexpected(p: number, expected: string): never {
    const s = this.s;
    let got: string;
    if (p >= this.n) got = 'end of input';
    else if (s.charCodeAt(p) === CH_LF) got = 'end of line';
    else got = JSON.stringify(String.fromCodePoint(s.codePointAt(p)!));
    let eol = s.indexOf('\n', this.lineStart);
    if (eol < 0) eol = this.n;
    const upTo = Math.min(p + 1, eol);
    return this.fail(p, `${expected}, got ${got} in ${excerpt(s.slice(this.lineStart, upTo))}`);
  }
}

/**
 * Sorts `[name, value, …]` pairs by name in place and drops pairs with empty values
 * (Prometheus's head drops them, so `a=""` is no label at all). Returns a name that occurs
 * twice, if any.
 */
export function sortLabelPairs(flat: string[]): string | undefined {
  let m = 0;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i + 1] === '') continue;
    flat[m] = flat[i]!;
    flat[m + 1] = flat[i + 1]!;
    m += 2;
  }
  flat.length = m;
  if (m <= 2 * INSERTION_SORT_MAX) sortPairsInsertion(flat);
  else sortPairsMerge(flat);
  for (let i = 2; i < m; i += 2) if (flat[i] === flat[i - 2]) return flat[i];
  return undefined;
}

function sortPairsInsertion(flat: string[]): void {
  for (let i = 2; i < flat.length; i += 2) {
    const n = flat[i]!;
    const v = flat[i + 1]!;
    let j = i - 2;
    while (j >= 0 && compareStrings(flat[j]!, n) > 0) {
      flat[j + 2] = flat[j]!;
      flat[j + 3] = flat[j + 1]!;
      j -= 2;
    }
    flat[j + 2] = n;
    flat[j + 3] = v;
  }
}

function sortPairsMerge(flat: string[]): void {
  const idx: number[] = [];
  for (let i = 0; i < flat.length; i += 2) idx.push(i);
  // Array.prototype.sort is a stable merge sort in V8: O(n log n) even for hostile label sets.
  idx.sort((a, b) => compareStrings(flat[a]!, flat[b]!));
  const copy = flat.slice();
  for (let k = 0; k < idx.length; k++) {
    flat[2 * k] = copy[idx[k]!]!;
    flat[2 * k + 1] = copy[idx[k]! + 1]!;
  }
}
