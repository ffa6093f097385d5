/**
 * The PromQL lexer. It scans the whole input up front into flat typed arrays (kind, start, end)
 * with charCodeAt, stopping at the end of input or at the first error, which becomes a final
 * ERROR token carrying Prometheus's message.
 *
 * PromQL's lexing is stateful: inside `{…}` words are label names and keywords are not
 * recognised, and inside `[…]` only durations, numbers, operators and the duration functions
 * (`step()`, `range()`, `min_of()`, `max_of()`) are allowed. The state machine below follows
 * Prometheus's lexer (lex.go) state by state, because which error message a malformed query gets
 * depends on those states. Positions are UTF-16 offsets into the input.
 */
import { KEYWORDS, Tok, type TokenKind } from './token.js';
import { formatUnicode, quoteRune } from './quote.js';
import { goQuote } from '../../model/strings.js';

/** The scanned tokens of one input, as parallel arrays; the last token is EOF or ERROR. */
export interface TokenStream {
  /** The input that was scanned. */
  readonly input: string;
  /** Number of tokens, including the final EOF or ERROR. */
  readonly length: number;
  /** Token kinds ({@link Tok} values). */
  readonly kinds: Uint8Array;
  /** Start offset of each token. */
  readonly starts: Int32Array;
  /** End offset (exclusive) of each token. */
  readonly ends: Int32Array;
  /** The lexer's message when the last token is ERROR, else the empty string. */
  readonly error: string;
}

const EOF_RUNE = -1;

// The lexer's states, as in Prometheus: statements, inside braces, and the start of a duration
// expression (right after `[`, an operator, `(` or `:` inside brackets). After a number inside
// brackets Prometheus goes back to the statements state with bracketOpen set, which changes the
// error messages for stray letters; the same happens here.
const S_STATEMENTS = 0;
const S_BRACES = 1;
const S_DURATION = 2;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlpha(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
function isAlphaNumeric(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Scans `input` into a {@link TokenStream}. Comments and whitespace are skipped. */
export function lex(input: string): TokenStream {
  return new Lexer(input).run();
}

class Lexer {
  private readonly input: string;
  private readonly n: number;
  private pos = 0;
  private start = 0;
  private state = S_STATEMENTS;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;

  private kinds: Uint8Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private count = 0;
  private errorMessage = '';
  private done = false;

  constructor(input: string) {
    this.input = input;
    this.n = input.length;
    // Most tokens are at least two characters long with their separators; grow when not.
    const cap = (input.length >> 1) + 8;
    this.kinds = new Uint8Array(cap);
    this.starts = new Int32Array(cap);
    this.ends = new Int32Array(cap);
  }

  run(): TokenStream {
    while (!this.done) {
      if (this.state === S_BRACES || this.braceOpen) this.lexInsideBraces();
      else if (this.state === S_DURATION) this.lexDurationExpr();
      else this.lexStatements();
    }
    return {
      input: this.input,
      length: this.count,
      kinds: this.kinds.subarray(0, this.count),
      starts: this.starts.subarray(0, this.count),
      ends: this.ends.subarray(0, this.count),
      error: this.errorMessage,
    };
  }

  // --- rune access -------------------------------------------------------------------------

  /** The code point at `pos` (EOF_RUNE at the end); lone surrogates are returned as is. */
  private peekRune(): number {
    if (this.pos >= this.n) return EOF_RUNE;
    const c = this.input.charCodeAt(this.pos);
    if (c >= 0xd800 && c <= 0xdbff && this.pos + 1 < this.n) {
      const d = this.input.charCodeAt(this.pos + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
    }
    return c;
  }

  private nextRune(): number {
    const r = this.peekRune();
    if (r !== EOF_RUNE) this.pos += r > 0xffff ? 2 : 1;
    return r;
  }

  private peek(): number {
    return this.pos < this.n ? this.input.charCodeAt(this.pos) : EOF_RUNE;
  }

  private accept(pred: (c: number) => boolean): boolean {
    if (this.pos < this.n && pred(this.input.charCodeAt(this.pos))) {
      this.pos++;
      return true;
    }
    return false;
  }

  // --- emitting ----------------------------------------------------------------------------

  private emit(kind: TokenKind): void {
    if (this.count === this.kinds.length) {
      const cap = this.count * 2;
      const k = new Uint8Array(cap);
      k.set(this.kinds);
      this.kinds = k;
      const s = new Int32Array(cap);
      s.set(this.starts);
      this.starts = s;
      const e = new Int32Array(cap);
      e.set(this.ends);
      this.ends = e;
    }
    this.kinds[this.count] = kind;
    this.starts[this.count] = this.start;
    this.ends[this.count] = this.pos;
    this.count++;
    this.start = this.pos;
    if (kind === Tok.EOF) this.done = true;
  }

  /**
   * Ends the scan with an ERROR token at the start of the current item. Where Prometheus emits
   * a token and then fails (an unbalanced `)`), the token is replaced by the error, as there.
   */
  private errorf(msg: string, replaceLast = false): void {
    if (replaceLast) this.count--;
    this.errorMessage = msg;
    this.emitError();
  }

  private emitError(): void {
    const at = this.start;
    this.emit(Tok.ERROR);
    this.starts[this.count - 1] = at;
    this.ends[this.count - 1] = this.n;
    this.done = true;
  }

  private skipSpaces(): void {
    while (this.pos < this.n && isSpace(this.input.charCodeAt(this.pos))) this.pos++;
    this.start = this.pos;
  }

  private lexLineComment(): void {
    // Comments run to the end of the line and are dropped, as the parser skips them.
    while (this.pos < this.n) {
      const c = this.input.charCodeAt(this.pos);
      if (c === 0x0a || c === 0x0d) break;
      this.pos++;
    }
    this.start = this.pos;
  }

  // --- states ------------------------------------------------------------------------------

  private lexStatements(): void {
    if (this.peek() === 0x23) return this.lexLineComment();
    const r = this.nextRune();
    switch (r) {
      case EOF_RUNE:
        if (this.parenDepth !== 0) return this.errorf('unclosed left parenthesis');
        if (this.bracketOpen) return this.errorf('unclosed left bracket');
        return this.emit(Tok.EOF);
      case 0x2c:
        return this.emit(Tok.COMMA);
      case 0x2a:
        return this.emit(Tok.MUL);
      case 0x2f:
        return this.emit(Tok.DIV);
      case 0x25:
        return this.emit(Tok.MOD);
      case 0x2b:
        return this.emit(Tok.ADD);
      case 0x2d:
        return this.emit(Tok.SUB);
      case 0x5e:
        return this.emit(Tok.POW);
      case 0x3d: {
        const t = this.peekRune();
        if (t === 0x3d) {
          this.pos++;
          return this.emit(Tok.EQLC);
        }
        if (t === 0x7e) return this.errorf(`unexpected character after '=': ${quoteRune(t)}`);
        return this.emit(Tok.EQL);
      }
      case 0x21: {
        const t = this.nextRune();
        if (t !== 0x3d) return this.errorf(`unexpected character after '!': ${quoteRune(t)}`);
        return this.emit(Tok.NEQ);
      }
      case 0x3c: {
        const t = this.peek();
        if (t === 0x3d) {
          this.pos++;
          return this.emit(Tok.LTE);
        }
        if (t === 0x2f) {
          this.pos++;
          return this.emit(Tok.TRIM_UPPER);
        }
        return this.emit(Tok.LSS);
      }
      case 0x3e: {
        const t = this.peek();
        if (t === 0x3d) {
          this.pos++;
          return this.emit(Tok.GTE);
        }
        if (t === 0x2f) {
          this.pos++;
          return this.emit(Tok.TRIM_LOWER);
        }
        return this.emit(Tok.GTR);
      }
      case 0x22:
      case 0x27:
        return this.lexString(r);
      case 0x60:
        return this.lexRawString();
      case 0x28:
        this.emit(Tok.LEFT_PAREN);
        this.parenDepth++;
        return;
      case 0x29:
        this.emit(Tok.RIGHT_PAREN);
        if (--this.parenDepth < 0) this.errorf(`unexpected right parenthesis ${quoteRune(r)}`, true);
        return;
      case 0x7b:
        this.emit(Tok.LEFT_BRACE);
        this.braceOpen = true;
        this.state = S_BRACES;
        return;
      case 0x5b:
        if (this.bracketOpen) return this.errorf(`unexpected left bracket ${quoteRune(r)}`);
        this.gotColon = false;
        this.emit(Tok.LEFT_BRACKET);
        this.skipSpaces();
        this.bracketOpen = true;
        this.state = S_DURATION;
        return;
      case 0x5d:
        if (!this.bracketOpen) return this.errorf(`unexpected right bracket ${quoteRune(r)}`);
        this.emit(Tok.RIGHT_BRACKET);
        this.bracketOpen = false;
        return;
      case 0x40:
        return this.emit(Tok.AT);
    }
    if (isSpace(r)) return this.skipSpaces();
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.pos = this.start;
      return this.lexNumberOrDuration();
    }
    if (isAlpha(r) || r === 0x3a) {
      if (!this.bracketOpen) {
        this.pos = this.start;
        return this.lexKeywordOrIdentifier();
      }
      if (r === 0x3a) {
        if (this.gotColon) return this.errorf(`unexpected colon ${quoteRune(r)}`);
        this.emit(Tok.COLON);
        this.gotColon = true;
        return;
      }
      if (this.scanDurationKeyword()) return;
      return this.errorf(`unexpected character: ${quoteRune(r)}, expected ${quoteRune(0x3a)}`);
    }
    return this.errorf(`unexpected character: ${quoteRune(r)}`);
  }

  private lexInsideBraces(): void {
    if (this.peek() === 0x23) return this.lexLineComment();
    const r = this.nextRune();
    switch (r) {
      case EOF_RUNE:
        return this.errorf('unexpected end of input inside braces');
      case 0x2c:
        return this.emit(Tok.COMMA);
      case 0x22:
      case 0x27:
        return this.lexString(r);
      case 0x60:
        return this.lexRawString();
      case 0x3d:
        if (this.peek() === 0x7e) {
          this.pos++;
          return this.emit(Tok.EQL_REGEX);
        }
        return this.emit(Tok.EQL);
      case 0x21: {
        const nr = this.nextRune();
        if (nr === 0x7e) return this.emit(Tok.NEQ_REGEX);
        if (nr === 0x3d) return this.emit(Tok.NEQ);
        return this.errorf(`unexpected character after '!' inside braces: ${quoteRune(nr)}`);
      }
      case 0x7b:
        return this.errorf(`unexpected left brace ${quoteRune(r)}`);
      case 0x7d:
        this.emit(Tok.RIGHT_BRACE);
        this.braceOpen = false;
        this.state = S_STATEMENTS;
        return;
    }
    if (isSpace(r)) return this.skipSpaces();
    if (isAlpha(r)) {
      while (this.pos < this.n && isAlphaNumeric(this.input.charCodeAt(this.pos))) this.pos++;
      return this.emit(Tok.IDENTIFIER);
    }
    return this.errorf(`unexpected character inside braces: ${quoteRune(r)}`);
  }

  private lexDurationExpr(): void {
    const r = this.nextRune();
    switch (r) {
      case EOF_RUNE:
        return this.errorf('unexpected end of input in duration expression');
      case 0x5d:
        this.emit(Tok.RIGHT_BRACKET);
        this.bracketOpen = false;
        this.gotColon = false;
        this.state = S_STATEMENTS;
        return;
      case 0x3a:
        this.emit(Tok.COLON);
        if (!this.gotDuration)
          return this.errorf('unexpected colon before duration in duration expression', true);
        if (this.gotColon) return this.errorf('unexpected repeated colon in duration expression', true);
        this.gotColon = true;
        return;
      case 0x28:
        this.emit(Tok.LEFT_PAREN);
        this.parenDepth++;
        return;
      case 0x29:
        this.emit(Tok.RIGHT_PAREN);
        if (--this.parenDepth < 0) this.errorf(`unexpected right parenthesis ${quoteRune(r)}`, true);
        return;
      case 0x2b:
        return this.emit(Tok.ADD);
      case 0x2d:
        return this.emit(Tok.SUB);
      case 0x2a:
        return this.emit(Tok.MUL);
      case 0x2f:
        return this.emit(Tok.DIV);
      case 0x25:
        return this.emit(Tok.MOD);
      case 0x5e:
        return this.emit(Tok.POW);
      case 0x2c:
        return this.emit(Tok.COMMA);
    }
    if (isSpace(r)) return this.skipSpaces();
    if (isAlpha(r)) {
      if (this.scanDurationKeyword()) return;
      return this.errorf(`unexpected character in duration expression: ${quoteRune(r)}`);
    }
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.pos = this.start;
      this.gotDuration = true;
      this.lexNumberOrDuration();
      // As in Prometheus, a number inside brackets returns the lexer to its statements state.
      if (!this.done) this.state = S_STATEMENTS;
      return;
    }
    return this.errorf(`unexpected character in duration expression: ${quoteRune(r)}`);
  }

  /** Inside brackets: `step`, `range`, `min_of`, `max_of` (any case); false for other words. */
  private scanDurationKeyword(): boolean {
    const save = this.pos;
    this.pos = this.start;
    while (this.pos < this.n && isAlpha(this.input.charCodeAt(this.pos))) this.pos++;
    const word = this.input.slice(this.start, this.pos).toLowerCase();
    const kind =
      word === 'step'
        ? Tok.STEP
        : word === 'range'
          ? Tok.RANGE
          : word === 'min_of'
            ? Tok.MIN_OF
            : word === 'max_of'
              ? Tok.MAX_OF
              : -1;
    if (kind < 0) {
      this.pos = save;
      return false;
    }
    this.emit(kind as TokenKind);
    return true;
  }

  private lexKeywordOrIdentifier(): void {
    let colon = false;
    while (this.pos < this.n) {
      const c = this.input.charCodeAt(this.pos);
      if (isAlphaNumeric(c)) this.pos++;
      else if (c === 0x3a) {
        colon = true;
        this.pos++;
      } else break;
    }
    const word = this.input.slice(this.start, this.pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) return this.emit(kw);
    return this.emit(colon ? Tok.METRIC_IDENTIFIER : Tok.IDENTIFIER);
  }

  private lexNumberOrDuration(): void {
    if (this.scanNumber()) return this.emit(Tok.NUMBER);
    if (this.acceptRemainingDuration()) return this.emit(Tok.DURATION);
    return this.errorf(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
  }

  /** After the digits of a duration: units `smhdwy` (and `ms`), more digit-unit pairs. */
  private acceptRemainingDuration(): boolean {
    const isUnit = (c: number): boolean =>
      c === 0x73 || c === 0x6d || c === 0x68 || c === 0x64 || c === 0x77 || c === 0x79;
    if (!this.accept(isUnit)) return false;
    // "ms"; bad pairs such as "hs" are caught when the duration is parsed.
    this.accept((c) => c === 0x73);
    while (this.accept(isDigit)) {
      while (this.accept(isDigit));
      // Years must come first, so `y` is no longer a valid unit here.
      if (!this.accept((c) => isUnit(c) && c !== 0x79)) return false;
      this.accept((c) => c === 0x73);
    }
    // The next character must not continue the word. Prometheus consumes it to look and then
    // backs up; on failure the consumed character belongs to the error text.
    const c = this.peek();
    if (c !== EOF_RUNE && isAlphaNumeric(c)) {
      this.pos++;
      return false;
    }
    return true;
  }

  /**
   * Scans a decimal, hexadecimal (`0x1f`) or float number (`1.5e-3`, `1_000`) without
   * validating it fully: the parser converts the text and reports what does not convert.
   */
  private scanNumber(): boolean {
    const initial = this.pos;
    let hex = false;
    if (this.peek() === 0x30) {
      this.pos++;
      if (this.accept((c) => c === 0x78 || c === 0x58)) {
        this.accept((c) => c === 0x5f);
        hex = true;
      }
    }
    const isDig = hex ? isHexDigit : isDigit;
    const isDot = (c: number): boolean => c === 0x2e;
    const isExp = (c: number): boolean => c === 0x65 || c === 0x45;
    const isUnderscore = (c: number): boolean => c === 0x5f;
    // An exponent or underscore may not be followed by `.`, `_`, `e`, `E` or the end of input.
    const antiExpOrUnderscore = (c: number): boolean => c === 0x2e || c === 0x5f || c === 0x65 || c === 0x45;
    this.accept(isDot);
    this.accept(isDig);
    let dotConsumed = false;
    let expConsumed = false;
    for (;;) {
      const c = this.peek();
      if (c === EOF_RUNE || !(isDig(c) || isDot(c) || isUnderscore(c) || isExp(c))) break;
      if (isDot(c) && dotConsumed) {
        this.pos++;
        return false;
      }
      if (isExp(c) && expConsumed) {
        this.pos++;
        return false;
      }
      if (this.accept(isDot)) {
        dotConsumed = true;
        if (this.accept((x) => x === 0x5f || x === 0x2e)) return false;
        // Fractional hexadecimal literals are not allowed.
        if (hex) return false;
        continue;
      }
      if (this.accept(isExp)) {
        expConsumed = true;
        this.accept((x) => x === 0x2b || x === 0x2d);
        if (this.accept(antiExpOrUnderscore) || this.peek() === EOF_RUNE) return false;
        continue;
      }
      if (this.accept(isUnderscore)) {
        if (this.accept(antiExpOrUnderscore) || this.peek() === EOF_RUNE) return false;
        continue;
      }
      while (this.accept(isDig));
    }
    if (this.pos === initial) return false;
    const r = this.peek();
    return r === EOF_RUNE || !isAlphaNumeric(r);
  }

  private lexString(quote: number): void {
    for (;;) {
      const r = this.nextRune();
      if (r === 0x5c) {
        if (!this.lexEscape(quote)) return;
        continue;
      }
      if (r >= 0xd800 && r <= 0xdfff) return this.errorf('invalid UTF-8 rune');
      if (r === EOF_RUNE || r === 0x0a) return this.errorf('unterminated quoted string');
      if (r === quote) break;
    }
    this.emit(Tok.STRING);
  }

  private lexRawString(): void {
    for (;;) {
      const r = this.nextRune();
      if (r >= 0xd800 && r <= 0xdfff) return this.errorf('invalid UTF-8 rune');
      if (r === EOF_RUNE) return this.errorf('unterminated raw string');
      if (r === 0x60) break;
    }
    this.emit(Tok.STRING);
  }

  /** Checks one escape sequence after `\`; false (with the error emitted) when it is bad. */
  private lexEscape(quote: number): boolean {
    let ch = this.nextRune();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 0x61:
      case 0x62:
      case 0x66:
      case 0x6e:
      case 0x72:
      case 0x74:
      case 0x76:
      case 0x5c:
      case quote:
        return true;
      case 0x78:
        ch = this.nextRune();
        n = 2;
        base = 16;
        max = 255;
        break;
      case 0x75:
        ch = this.nextRune();
        n = 4;
        base = 16;
        max = 0x10ffff;
        break;
      case 0x55:
        ch = this.nextRune();
        n = 8;
        base = 16;
        max = 0x10ffff;
        break;
      case EOF_RUNE:
        this.errorf('escape sequence not terminated');
        return false;
      default:
        if (ch >= 0x30 && ch <= 0x37) {
          n = 3;
          base = 8;
          max = 255;
          break;
        }
        this.errorf(`unknown escape sequence ${formatUnicode(ch)}`);
        return false;
    }
    let x = 0;
    while (n > 0) {
      const d = isDigit(ch)
        ? ch - 0x30
        : ch >= 0x61 && ch <= 0x66
          ? ch - 0x61 + 10
          : ch >= 0x41 && ch <= 0x46
            ? ch - 0x41 + 10
            : 16;
      if (d >= base) {
        if (ch === EOF_RUNE) this.errorf('escape sequence not terminated');
        else this.errorf(`illegal character ${formatUnicode(ch)} in escape sequence`);
        return false;
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.nextRune();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) {
      this.errorf('escape sequence is an invalid Unicode code point');
      return false;
    }
    return true;
  }
}
