/**
 * The streaming parser for OpenMetrics 1.0 text.
 *
 * In lenient mode it accepts what Prometheus 3's `OpenMetricsParser` accepts: the grammar of
 * each line (single spaces, no blank lines, `# EOF` last), Go's float syntax, metadata that
 * names a valid type and a unit that is a suffix of the name, a trailing comma in a label set,
 * quoted UTF-8 names (`{"my.metric",a="b"}`), and no rule that spans lines. Exemplars whose
 * labels exceed 128 characters are dropped, as Prometheus's exemplar storage drops them.
 *
 * In strict mode it refuses the trailing comma and over-long exemplars, and an
 * {@link OpenMetricsValidator} checks every rule that spans lines.
 */
import { Labels } from '../../model/labels.js';
import type { MetricType } from '../../model/metadata.js';
import type { Exemplar } from '../family.js';
import { excerpt } from './errors.js';
import type { DecodedInput } from './input.js';
import {
  CH_BACKSLASH,
  CH_COMMA,
  CH_EQUAL,
  CH_HASH,
  CH_LBRACE,
  CH_LF,
  CH_QUOTE,
  CH_RBRACE,
  CH_SPACE,
  codePointLength,
  floatOut,
  floatProblem,
  FLOAT_OK,
  hasBackslash,
  isLabelChar,
  isLabelStart,
  isNameChar,
  isNameStart,
  scanFloat,
  secondsToMillis,
  unescapeLabel,
} from './lex.js';
import { EXEMPLAR_MAX_LABEL_RUNES, OpenMetricsValidator } from './omvalidate.js';
import { Entry, ParserBase, sortLabelPairs, type ParserOptions } from './parser.js';

/**
 * How many entries `createdTimestamp()` reads ahead before giving up. Prometheus has no bound;
 * but a family that lists every `_total` before any `_created` would make each look-ahead walk
 * the whole family (quadratic in the family's size). Real expositions put `_created` within a
 * histogram's buckets' reach (tens of lines), far below this.
 */
export const CREATED_LOOKAHEAD_MAX = 10_000;

const META_HELP = 1;
const META_TYPE = 2;
const META_UNIT = 3;
const META_NAMES = ['', 'HELP', 'TYPE', 'UNIT'];

/** Parses OpenMetrics 1.0 text one entry at a time. */
export class OpenMetricsParser extends ParserBase {
  private done = false;
  /** The timestamp as written (seconds), for the validator's ordering checks. */
  private tsSeconds = 0;

  // The exemplar of the current sample: label offsets as in `lbl`, value and timestamp.
  private exLbl = new Int32Array(16);
  private nExLabels = 0;
  private hasExemplar = false;
  private exVal = 0;
  private exHasTs = false;
  private exTs = 0;

  // The last HELP/TYPE/UNIT name, and the created-timestamp look-ahead's memory.
  private lastMetaName = '';
  private ctKeyCache: string | undefined;
  private ctValueCache = 0;
  /** A look-ahead that met no `_created` line before this offset answers "none" up to it. */
  private ctNoneBefore = -1;

  /** A parser over a whole exposition (decoded once if it is bytes). */
  constructor(input: string | Uint8Array | DecodedInput, options: ParserOptions = {}) {
    super(input, options);
    this.validator = this.strict ? new OpenMetricsValidator(this) : undefined;
  }

  /** The HELP text, unescaped as a label value is (`\\`, `\"`, `\n`). */
  help(): string {
    const s = this.s;
    const a = this.textStart;
    const b = this.textEnd;
    return hasBackslash(s, a, b) ? unescapeLabel(s, a, b) : s.slice(a, b);
  }

  /** The sample's timestamp as written, in float seconds, or undefined. */
  rawTimestamp(): number | undefined {
    return this.hasTs ? this.tsSeconds : undefined;
  }

  /**
   * The sample's exemplar, or undefined. In lenient mode an exemplar that Prometheus's storage
   * would refuse (labels over 128 characters, a duplicate label name) reads as none.
   */
  override exemplar(): Exemplar | undefined {
    if (!this.hasExemplar) return undefined;
    const n = this.nExLabels;
    const l = this.exLbl;
    const flat: string[] = new Array<string>(2 * n);
    let runes = 0;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      flat[2 * i] = this.str(l[j]!, l[j + 1]!);
      flat[2 * i + 1] = this.str(l[j + 2]!, l[j + 3]!);
      runes += codePointLength(flat[2 * i]!) + codePointLength(flat[2 * i + 1]!);
    }
    if (!this.strict && runes > EXEMPLAR_MAX_LABEL_RUNES) return undefined;
    const dup = sortLabelPairs(flat);
    if (dup !== undefined) {
      // An exemplar never fails a Prometheus scrape; it is only an invalid exemplar.
      if (!this.strict) return undefined;
      this.failLine(this.entryLine, `duplicate exemplar label name ${excerpt(dup)}`);
    }
    const labels = Labels.fromSortedFlat(flat);
    return this.exHasTs ? { labels, value: this.exVal, timestamp: this.exTs } : { labels, value: this.exVal };
  }

  /**
   * The created timestamp (ms) of the current counter, summary or histogram series, found the
   * way Prometheus finds it: by looking ahead in the family for the matching `_created` sample
   * (same labels in the same order, `le`/`quantile` aside). Undefined when there is none. Like
   * Prometheus it remembers the last answer per series, so the `_created` sample itself (and a
   * histogram's other samples) get the same answer without another look-ahead.
   */
  override createdTimestamp(): number | undefined {
    const t = this.lastType;
    if (t !== 'counter' && t !== 'summary' && t !== 'histogram') return undefined;
    const family = this.lastMetaName;
    if (family === '' || !this.metricName().startsWith(family)) return undefined;
    if (this.pos < this.ctNoneBefore) return undefined;
    const key = this.ctKey(family);
    if (key === this.ctKeyCache) return this.ctValueCache;
    const peek = new OpenMetricsParser({ text: this.s, badLines: [] }, {});
    peek.pos = this.pos;
    peek.lineNo = this.lineNo;
    peek.lineStart = this.lineStart;
    peek.lastType = this.lastType;
    let sawCreated = false;
    for (let i = 0; i < CREATED_LOOKAHEAD_MAX; i++) {
      let e: Entry;
      try {
        e = peek.advance();
      } catch {
        e = Entry.EOF; // the real parse will report the error; for the look-ahead it ends the family
      }
      if (e !== Entry.Series) {
        // No series before this point can find a _created line either.
        if (!sawCreated) this.ctNoneBefore = peek.pos;
        return undefined;
      }
      const name = peek.metricName();
      if (!name.endsWith('_created')) continue;
      sawCreated = true;
      if (peek.ctKey(name.slice(0, -8)) !== key) return undefined;
      const ct = secondsToMillis(peek.val);
      this.ctKeyCache = key;
      this.ctValueCache = ct;
      return ct;
    }
    return undefined;
  }

  /** The family name and the raw label pairs, without the point-level label, as Prometheus hashes them. */
  private ctKey(family: string): string {
    const skip = this.lastType === 'histogram' ? 'le' : this.lastType === 'summary' ? 'quantile' : '';
    let key = family;
    const l = this.lbl;
    for (let i = 0, j = 0; i < this.nLabels; i++, j += 4) {
      const name = this.s.slice(l[j]!, l[j + 1]!);
      if (name === skip) continue;
      key += '\u0000' + name + '\u0000' + this.s.slice(l[j + 2]!, l[j + 3]!);
    }
    return key;
  }

  protected advance(): Entry {
    if (this.done) return Entry.EOF;
    const s = this.s;
    const p = this.pos;
    if (p >= this.n) return this.fail(p, 'data does not end with # EOF');
    this.entryLine = this.lineNo;
    const c = s.charCodeAt(p);
    if (c === CH_HASH) return this.hashLine(p);
    if (isNameStart(c) || c === CH_LBRACE) return this.series(p);
    return this.unexpected(p, 'expected a valid start token');
  }

  private hashLine(p: number): Entry {
    const s = this.s;
    const n = this.n;
    if (p + 1 >= n || s.charCodeAt(p + 1) !== CH_SPACE)
      return this.unexpected(p + 1, 'expected a valid start token');
    const q = p + 2;
    if (s.startsWith('HELP ', q)) return this.metadata(META_HELP, q + 5);
    if (s.startsWith('TYPE ', q)) return this.metadata(META_TYPE, q + 5);
    if (s.startsWith('UNIT ', q)) return this.metadata(META_UNIT, q + 5);
    if (s.startsWith('EOF', q)) {
      const r = q + 3;
      this.finishEntry(r, false); // moves past the optional line feed
      if (this.pos < n) this.fail(this.pos, 'unexpected data after # EOF');
      this.done = true;
      return Entry.EOF;
    }
    return this.unexpected(q, 'expected a valid start token');
  }

  private metadata(kind: number, q: number): Entry {
    const s = this.s;
    const n = this.n;
    const what = META_NAMES[kind]!;
    const c = q < n ? s.charCodeAt(q) : -1;
    if (c === CH_QUOTE) {
      const e = this.quoted(q, `expected metric name after ${what}`);
      this.nameStart = q + 1;
      this.nameEnd = e - 1;
      if (this.nameEnd === this.nameStart) this.fail(q, 'metric name must not be empty');
      q = e;
    } else if (isNameStart(c)) {
      this.nameStart = q;
      q++;
      while (q < n && isNameChar(s.charCodeAt(q))) q++;
      this.nameEnd = q;
    } else {
      return this.unexpected(q, `expected metric name after ${what}`);
    }
    // Exactly one space, then the text up to a line feed, which must be there.
    if (q >= n || s.charCodeAt(q) !== CH_SPACE) return this.unexpected(q, `expected text in ${what}`);
    const eol = s.indexOf('\n', q);
    if (eol < 0) return this.unexpected(n, `expected text in ${what}`);
    this.textStart = q + 1;
    this.textEnd = eol;
    const name = this.metricName();
    this.lastMetaName = name;
    if (kind === META_TYPE) {
      const t = omType(s.slice(q + 1, eol));
      if (t === undefined) this.fail(q + 1, `invalid metric type ${excerpt(s.slice(q + 1, eol))}`);
      this.mtype = t;
      this.lastType = t;
    } else if (kind === META_UNIT && eol > q + 1) {
      const unit = s.slice(q + 1, eol);
      if (!name.endsWith('_' + unit)) {
        this.fail(q + 1, `unit ${excerpt(unit)} is not a suffix of metric ${excerpt(name)}`);
      }
    }
    this.finishEntry(eol, false);
    return kind === META_HELP ? Entry.Help : kind === META_TYPE ? Entry.Type : Entry.Unit;
  }

  private series(p: number): Entry {
    const s = this.s;
    const n = this.n;
    this.keyStart = p;
    this.nLabels = 0;
    this.hasExemplar = false;
    let q = p;
    let c = 0;
    if (s.charCodeAt(q) === CH_LBRACE) {
      this.nameStart = -1;
      q = this.labelSet(q + 1, false);
    } else {
      q++;
      while (q < n && isNameChar(s.charCodeAt(q))) q++;
      this.nameStart = p;
      this.nameEnd = q;
      if (q < n && s.charCodeAt(q) === CH_LBRACE) q = this.labelSet(q + 1, false);
    }
    this.keyEnd = q;
    if (this.nameStart < 0) this.fail(p, `metric name not set in ${excerpt(s.slice(p, q))}`);

    if (q >= n || s.charCodeAt(q) !== CH_SPACE) return this.unexpected(q, 'expected value after metric');
    const vs = ++q;
    while (q < n && (c = s.charCodeAt(q)) !== CH_SPACE && c !== CH_LF) q++;
    if (q === vs) return this.unexpected(q, 'expected value after metric');
    const code = scanFloat(s, vs, q);
    if (code !== FLOAT_OK) this.fail(vs, floatProblem(code, excerpt(s.slice(vs, q))));
    this.val = floatOut[0]!;

    this.hasTs = false;
    if (q >= n) return this.fail(q, 'data does not end with # EOF');
    if (s.charCodeAt(q) === CH_SPACE) {
      if (this.exemplarAhead(q)) {
        q = this.exemplarAt(q + 4);
      } else {
        const ts = ++q;
        while (q < n && (c = s.charCodeAt(q)) !== CH_SPACE && c !== CH_LF) q++;
        if (q === ts) return this.unexpected(q, 'expected timestamp or exemplar');
        const t = this.seconds(ts, q, 'timestamp');
        this.tsSeconds = t;
        this.ts = secondsToMillis(t);
        this.hasTs = true;
        if (q >= n) return this.fail(q, 'data does not end with # EOF');
        if (this.exemplarAhead(q)) q = this.exemplarAt(q + 4);
        else if (s.charCodeAt(q) !== CH_LF) return this.unexpected(q, 'expected next entry after timestamp');
      }
    }
    this.finishEntry(q, false);
    return Entry.Series;
  }

  /** True when ` # {` starts at `q`, opening an exemplar. */
  private exemplarAhead(q: number): boolean {
    const s = this.s;
    return (
      q + 3 < this.n &&
      s.charCodeAt(q) === CH_SPACE &&
      s.charCodeAt(q + 1) === CH_HASH &&
      s.charCodeAt(q + 2) === CH_SPACE &&
      s.charCodeAt(q + 3) === CH_LBRACE
    );
  }

  /** Reads an exemplar from just after its `{`; returns the offset of the line feed. */
  private exemplarAt(q: number): number {
    const s = this.s;
    const n = this.n;
    let c = 0;
    this.nExLabels = 0;
    q = this.labelSet(q, true);
    if (q >= n || s.charCodeAt(q) !== CH_SPACE)
      return this.unexpected(q, 'expected value after exemplar labels');
    const vs = ++q;
    while (q < n && (c = s.charCodeAt(q)) !== CH_SPACE && c !== CH_LF) q++;
    if (q === vs) return this.unexpected(q, 'expected value after exemplar labels');
    const code = scanFloat(s, vs, q);
    if (code !== FLOAT_OK) this.fail(vs, floatProblem(code, excerpt(s.slice(vs, q))));
    this.exVal = floatOut[0]!;
    this.exHasTs = false;
    if (q < n && s.charCodeAt(q) === CH_SPACE) {
      const ts = ++q;
      while (q < n && (c = s.charCodeAt(q)) !== CH_SPACE && c !== CH_LF) q++;
      if (q === ts) return this.unexpected(q, 'expected exemplar timestamp');
      this.exTs = secondsToMillis(this.seconds(ts, q, 'exemplar timestamp'));
      this.exHasTs = true;
    }
    if (q >= n) return this.fail(q, 'data does not end with # EOF');
    if (s.charCodeAt(q) !== CH_LF) return this.unexpected(q, 'expected next entry after exemplar');
    this.hasExemplar = true;
    return q;
  }

  /** Reads a timestamp in float seconds from `s[a, b)`; NaN and infinities are refused. */
  private seconds(a: number, b: number, what: string): number {
    const code = scanFloat(this.s, a, b);
    if (code !== FLOAT_OK) this.fail(a, floatProblem(code, excerpt(this.s.slice(a, b))));
    const t = floatOut[0]!;
    if (t !== t || t === Infinity || t === -Infinity)
      this.fail(a, `invalid ${what} ${excerpt(this.s.slice(a, b))}`);
    return t;
  }

  /**
   * Reads label pairs from just after `{` to just after `}`. OpenMetrics allows no blanks
   * anywhere in there. A quoted string alone is the metric name (never in an exemplar).
   */
  private labelSet(q: number, exemplar: boolean): number {
    const s = this.s;
    const n = this.n;
    let c = 0;
    for (;;) {
      if (q >= n) return this.unexpected(q, 'expected label name');
      c = s.charCodeAt(q);
      if (c === CH_RBRACE) return q + 1;
      let ns: number;
      let ne: number;
      let quoted = false;
      if (isLabelStart(c)) {
        ns = q;
        q++;
        while (q < n && isLabelChar(s.charCodeAt(q))) q++;
        ne = q;
      } else if (c === CH_QUOTE) {
        const e = this.quoted(q, 'expected label name');
        ns = q + 1;
        ne = e - 1;
        q = e;
        quoted = true;
      } else {
        return this.unexpected(q, 'expected label name');
      }
      c = q < n ? s.charCodeAt(q) : -1;
      if (quoted && !exemplar && (c === CH_COMMA || c === CH_RBRACE)) {
        if (this.nameStart >= 0) this.fail(ns - 1, 'metric name already set');
        if (ne === ns) this.fail(ns - 1, 'metric name must not be empty');
        this.nameStart = ns;
        this.nameEnd = ne;
        if (c === CH_RBRACE) return q + 1;
        q = this.afterComma(q + 1);
        continue;
      }
      if (ne === ns) this.fail(ns - 1, 'label name must not be empty');
      if (c !== CH_EQUAL) return this.unexpected(q, 'expected equal');
      q++;
      if (q >= n || s.charCodeAt(q) !== CH_QUOTE) return this.unexpected(q, 'expected label value');
      const e = this.quoted(q, 'expected label value');
      if (exemplar) this.pushExemplarLabel(ns, ne, q + 1, e - 1);
      else this.pushLabel(ns, ne, q + 1, e - 1);
      q = e;
      c = q < n ? s.charCodeAt(q) : -1;
      if (c === CH_COMMA) q = this.afterComma(q + 1);
      else if (c === CH_RBRACE) return q + 1;
      else return this.unexpected(q, 'expected comma or brace close');
    }
  }

  /** Prometheus lets a comma trail the last label; the OpenMetrics grammar does not. */
  private afterComma(q: number): number {
    if (this.strict && q < this.n && this.s.charCodeAt(q) === CH_RBRACE)
      this.fail(q - 1, 'trailing comma in label set');
    return q;
  }

  /**
   * Scans the quoted string opening at `q` and returns the offset after its closing quote. A
   * backslash escapes any character but a line feed; a raw line feed ends the line, and the
   * string with it.
   */
  private quoted(q: number, expected: string): number {
    const s = this.s;
    const n = this.n;
    let r = q + 1;
    for (;;) {
      if (r >= n) return this.unexpected(r, expected);
      const c = s.charCodeAt(r);
      if (c === CH_QUOTE) return r + 1;
      if (c === CH_LF) return this.unexpected(r, expected);
      if (c === CH_BACKSLASH) {
        if (r + 1 >= n || s.charCodeAt(r + 1) === CH_LF) return this.unexpected(r + 1, expected);
        r += 2;
        continue;
      }
      r++;
    }
  }

  private pushExemplarLabel(ns: number, ne: number, vs: number, ve: number): void {
    let j = this.nExLabels * 4;
    if (j + 4 > this.exLbl.length) {
      const grown = new Int32Array(this.exLbl.length * 2);
      grown.set(this.exLbl);
      this.exLbl = grown;
    }
    const l = this.exLbl;
    l[j++] = ns;
    l[j++] = ne;
    l[j++] = vs;
    l[j] = ve;
    this.nExLabels++;
  }
}

function omType(t: string): MetricType | undefined {
  switch (t) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'gaugehistogram':
    case 'summary':
    case 'info':
    case 'stateset':
    case 'unknown':
      return t;
    default:
      return undefined;
  }
}
