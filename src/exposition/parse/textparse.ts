/**
 * The streaming parser for the Prometheus text format 0.0.4, accepting exactly what
 * Prometheus 3's `PromParser` accepts, including its laxities: blanks (spaces and tabs) between
 * any two tokens, label pairs without a comma between them, a trailing comma, a value glued to
 * the closing brace (`a{b="c"}1`), raw newlines inside quoted label values, and the final line
 * without a newline. Metric and label names outside the legacy character set are quoted, as
 * Prometheus 3 writes and reads them: `{"my.metric", "le"="1"}`.
 *
 * What it refuses, it refuses with Prometheus's reasons: a value that Go's `ParseFloat` would
 * not read (hex floats, digit separators), a timestamp that is not a plain int64 of digits, a
 * TYPE other than counter, gauge, histogram, summary or untyped, label values that are not
 * valid UTF-8, duplicate label names.
 */
import type { MetricType } from '../../model/metadata.js';
import { excerpt } from './errors.js';
import type { DecodedInput } from './input.js';
import {
  CH_BACKSLASH,
  CH_COMMA,
  CH_EQUAL,
  CH_HASH,
  CH_LBRACE,
  CH_LF,
  CH_MINUS,
  CH_QUOTE,
  CH_RBRACE,
  CH_SPACE,
  CH_TAB,
  floatOut,
  floatProblem,
  FLOAT_OK,
  hasBackslash,
  isDigit,
  isLabelChar,
  isLabelStart,
  isNameChar,
  isNameStart,
  scanFloat,
  scanTimestamp,
  unescapeHelp,
} from './lex.js';
import { Entry, ParserBase, type ParserOptions } from './parser.js';
import { TextValidator } from './textvalidate.js';

const KEYWORD_HELP = 1;
const KEYWORD_TYPE = 2;

/** Parses the Prometheus text format 0.0.4 one entry at a time. */
export class PromParser extends ParserBase {
  /** A parser over a whole exposition (decoded once if it is bytes). */
  constructor(input: string | Uint8Array | DecodedInput, options: ParserOptions = {}) {
    super(input, options);
    this.validator = this.strict ? new TextValidator(this) : undefined;
  }

  /** The HELP text: `\\` and `\n` unescaped, everything else as written. */
  help(): string {
    const s = this.s;
    const a = this.textStart;
    const b = this.textEnd;
    return hasBackslash(s, a, b) ? unescapeHelp(s, a, b) : s.slice(a, b);
  }

  protected advance(): Entry {
    const s = this.s;
    const n = this.n;
    for (;;) {
      let p = this.pos;
      let c = 0;
      while (p < n && ((c = s.charCodeAt(p)) === CH_SPACE || c === CH_TAB)) p++;
      if (p >= n) {
        this.pos = n;
        return Entry.EOF;
      }
      if (c === CH_LF) {
        // A blank line, allowed anywhere.
        this.finishEntry(p, false);
        continue;
      }
      this.entryLine = this.lineNo;
      if (c === 0) {
        // Prometheus's lexer reads a NUL at the start of a token as the end of its input and
        // ignores the rest; ignis stores what Prometheus stores.
        this.pos = n;
        return Entry.EOF;
      }
      if (c === CH_HASH) return this.commentOrMetadata(p);
      if (isNameStart(c) || c === CH_LBRACE) return this.series(p);
      return this.unexpected(p, 'expected a valid start token');
    }
  }

  private commentOrMetadata(p: number): Entry {
    const s = this.s;
    const n = this.n;
    let q = p + 1;
    let c = q < n ? s.charCodeAt(q) : -1;
    // Only `#` plus blanks plus HELP or TYPE plus a blank makes metadata; any other line
    // starting with `#` is a comment (`#HELP`, `# HELP` alone, `# EOF`).
    if (c === CH_SPACE || c === CH_TAB) {
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      const kw = keywordAt(s, q, n);
      if (kw !== 0) return this.metadata(kw, q + 4);
    }
    let eol = s.indexOf('\n', p);
    if (eol < 0) eol = n;
    this.textStart = p;
    this.textEnd = eol;
    this.finishEntry(eol, true);
    return Entry.Comment;
  }

  private metadata(kw: number, q: number): Entry {
    const s = this.s;
    const n = this.n;
    const what = kw === KEYWORD_HELP ? 'HELP' : 'TYPE';
    let c = 0;
    while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
    if (q < n && c === CH_QUOTE) {
      const e = this.quoted(q, `expected metric name after ${what}`);
      this.nameStart = q + 1;
      this.nameEnd = e - 1;
      if (this.nameEnd === this.nameStart) this.fail(q, 'metric name must not be empty');
      q = e;
    } else if (q < n && isNameStart(c)) {
      this.nameStart = q;
      q++;
      while (q < n && isNameChar(s.charCodeAt(q))) q++;
      this.nameEnd = q;
    } else {
      return this.unexpected(q, `expected metric name after ${what}`);
    }
    let eol = s.indexOf('\n', q);
    if (eol < 0) eol = n;
    // Prometheus takes the rest of the line and drops its first character, whatever it is:
    // normally the blank after the name; `# TYPE a  gauge` therefore has the type " gauge".
    this.textStart = q < eol ? q + 1 : q;
    this.textEnd = eol;
    if (kw === KEYWORD_TYPE) {
      const t = textType(s.slice(this.textStart, eol));
      if (t === undefined)
        this.fail(this.textStart, `invalid metric type ${excerpt(s.slice(this.textStart, eol))}`);
      this.mtype = t;
      this.lastType = t;
    }
    this.finishEntry(eol, false);
    return kw === KEYWORD_HELP ? Entry.Help : Entry.Type;
  }

  private series(p: number): Entry {
    const s = this.s;
    const n = this.n;
    this.keyStart = p;
    this.nLabels = 0;
    let q = p;
    let c = 0;
    if (s.charCodeAt(q) === CH_LBRACE) {
      this.nameStart = -1;
      q = this.labelSet(q + 1);
    } else {
      q++;
      while (q < n && isNameChar(s.charCodeAt(q))) q++;
      this.nameStart = p;
      this.nameEnd = q;
      let r = q;
      while (r < n && ((c = s.charCodeAt(r)) === CH_SPACE || c === CH_TAB)) r++;
      if (r < n && c === CH_LBRACE) q = this.labelSet(r + 1);
    }
    this.keyEnd = q;
    if (this.nameStart < 0) this.fail(p, `metric name not set in ${excerpt(s.slice(p, q))}`);

    while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
    const vs = q;
    while (q < n && (c = s.charCodeAt(q)) !== CH_SPACE && c !== CH_TAB && c !== CH_LF && c !== CH_LBRACE) q++;
    if (q === vs) return this.unexpected(q, 'expected value after metric');
    const code = scanFloat(s, vs, q);
    if (code !== FLOAT_OK) this.fail(vs, floatProblem(code, excerpt(s.slice(vs, q))));
    this.val = floatOut[0]!;

    while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
    this.hasTs = false;
    // A negative timestamp: promtool's parser (expfmt) reads it, Prometheus's scraper does not
    // (verified against Prometheus 3.5: "expected timestamp or new record"), so only the strict
    // level used by `check metrics` accepts the sign.
    const negative = this.strict && c === CH_MINUS && q + 1 < n && isDigit(s.charCodeAt(q + 1));
    if (q < n && (isDigit(c) || negative)) {
      if (negative) q++;
      const ts = q;
      while (q < n && isDigit(s.charCodeAt(q))) q++;
      if (!scanTimestamp(s, ts, q)) this.fail(ts, `timestamp ${excerpt(s.slice(ts, q))} is out of range`);
      this.ts = negative ? -floatOut[0]! : floatOut[0]!;
      this.hasTs = true;
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      if (q < n && c !== CH_LF) return this.unexpected(q, 'expected next entry after timestamp');
    } else if (q < n && c !== CH_LF) {
      return this.unexpected(q, 'expected timestamp or new record');
    }
    this.finishEntry(q, false);
    return Entry.Series;
  }

  /** Reads the label pairs after `{`; returns the offset after `}`. */
  private labelSet(q: number): number {
    const s = this.s;
    const n = this.n;
    let c = 0;
    for (;;) {
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      if (q >= n) return this.unexpected(q, 'expected label name');
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
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      if (q < n && quoted && (c === CH_COMMA || c === CH_RBRACE)) {
        // A quoted string on its own is the metric name: `{"my.metric", a="b"}`.
        if (this.nameStart >= 0) this.fail(ns - 1, 'metric name already set');
        if (ne === ns) this.fail(ns - 1, 'metric name must not be empty');
        this.nameStart = ns;
        this.nameEnd = ne;
        if (c === CH_RBRACE) return q + 1;
        q++;
        continue;
      }
      if (ne === ns) this.fail(ns - 1, 'label name must not be empty');
      if (q >= n || c !== CH_EQUAL) return this.unexpected(q, 'expected equal');
      q++;
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      if (q >= n || c !== CH_QUOTE) return this.unexpected(q, 'expected label value');
      const e = this.quoted(q, 'expected label value');
      this.pushLabel(ns, ne, q + 1, e - 1);
      q = e;
      while (q < n && ((c = s.charCodeAt(q)) === CH_SPACE || c === CH_TAB)) q++;
      // The comma is optional here, as in Prometheus's parser.
      if (q < n && c === CH_COMMA) q++;
    }
  }

  /**
   * Scans the quoted string opening at `q` (`"` then escaped characters then `"`) and returns
   * the offset after the closing quote. Like Prometheus's lexer it lets a raw newline through;
   * a backslash escapes any character but a newline.
   */
  private quoted(q: number, expected: string): number {
    const s = this.s;
    const n = this.n;
    let r = q + 1;
    for (;;) {
      if (r >= n) return this.unexpected(r, expected);
      const c = s.charCodeAt(r);
      if (c === CH_QUOTE) return r + 1;
      if (c === CH_BACKSLASH) {
        if (r + 1 >= n || s.charCodeAt(r + 1) === CH_LF) return this.unexpected(r + 1, expected);
        r += 2;
        continue;
      }
      if (c === CH_LF) this.newlineInside(r);
      r++;
    }
  }
}

function keywordAt(s: string, q: number, n: number): number {
  if (q + 4 >= n) return 0;
  const c = s.charCodeAt(q + 4);
  if (c !== CH_SPACE && c !== CH_TAB) return 0;
  if (s.startsWith('HELP', q)) return KEYWORD_HELP;
  if (s.startsWith('TYPE', q)) return KEYWORD_TYPE;
  return 0;
}

function textType(t: string): MetricType | undefined {
  switch (t) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'summary':
      return t;
    case 'untyped':
      return 'unknown';
    default:
      return undefined;
  }
}
