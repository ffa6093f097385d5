/**
 * The lexer of Go's text/template language: text outside `{{ }}`, and inside actions the
 * tokens of pipelines. Trim markers (`{{- ` and ` -}}`) are applied here by cutting the
 * whitespace off the neighbouring text, as Go's lexer does, so the parser never sees them.
 */

/** The kinds of token. */
export const enum Tok {
  Error,
  EOF,
  Text,
  LeftDelim,
  RightDelim,
  Comment,
  Space,
  Identifier,
  Field,
  Variable,
  Dot,
  String,
  RawString,
  Char,
  Number,
  Bool,
  Nil,
  Pipe,
  LeftParen,
  RightParen,
  Declare,
  Assign,
  /** A lone punctuation character (`,` in range declarations, anything else an error). */
  Comma,
  // Keywords.
  Block,
  Break,
  Continue,
  Define,
  Else,
  End,
  If,
  Range,
  Template,
  With,
}

const KEYWORDS: ReadonlyMap<string, Tok> = new Map([
  ['block', Tok.Block],
  ['break', Tok.Break],
  ['continue', Tok.Continue],
  ['define', Tok.Define],
  ['else', Tok.Else],
  ['end', Tok.End],
  ['if', Tok.If],
  ['range', Tok.Range],
  ['template', Tok.Template],
  ['with', Tok.With],
  ['true', Tok.Bool],
  ['false', Tok.Bool],
  ['nil', Tok.Nil],
]);

/** One token: its kind, its text, and its offset and line in the template text. */
export interface Token {
  /** The kind. */
  typ: Tok;
  /** The token's text (for errors, the message). */
  val: string;
  /** Offset in the template text (UTF-16 code units). */
  pos: number;
  /** 1-based line number. */
  line: number;
}

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string): boolean {
  return c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
}

/** Splits template text into tokens; an error token ends the list. */
export function lex(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let insideAction = false;

  const emit = (typ: Tok, val?: string): void => {
    out.push({ typ, val: val ?? text.slice(start, pos), pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const advance = (n: number): void => {
    for (let i = 0; i < n; i++) if (text[pos + i] === '\n') line++;
    pos += n;
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): Token[] => {
    out.push({ typ: Tok.Error, val: msg, pos: start, line: startLine });
    return out;
  };
  // A trim marker is "-" with whitespace on its inner side, so `{{-3}}` stays a number.
  const hasLeftTrim = (at: number): boolean => text[at] === '-' && isSpace(text[at + 1] ?? '');
  const atRightDelim = (at: number): { delim: boolean; trim: boolean } => {
    if (isSpace(text[at] ?? '') && text[at + 1] === '-' && text.startsWith(RIGHT, at + 2))
      return { delim: true, trim: true };
    return { delim: text.startsWith(RIGHT, at), trim: false };
  };

  for (;;) {
    if (!insideAction) {
      const i = text.indexOf(LEFT, pos);
      if (i < 0) {
        advance(text.length - pos);
        if (pos > start) emit(Tok.Text);
        out.push({ typ: Tok.EOF, val: '', pos, line });
        return out;
      }
      const trim = hasLeftTrim(i + LEFT.length);
      advance(i - pos);
      let textEnd = pos;
      if (trim) while (textEnd > start && isSpace(text[textEnd - 1]!)) textEnd--;
      if (textEnd > start) {
        const save = pos;
        pos = textEnd;
        emit(Tok.Text);
        advance(save - textEnd);
      }
      ignore();
      // The left delimiter, then a comment or the inside of an action.
      advance(LEFT.length);
      const afterMarker = pos + (trim ? 2 : 0);
      if (text.startsWith(LEFT_COMMENT, afterMarker)) {
        advance(afterMarker - pos);
        ignore();
        const end = text.indexOf(RIGHT_COMMENT, pos);
        if (end < 0) return fail('unclosed comment');
        advance(end + RIGHT_COMMENT.length - pos);
        const r = atRightDelim(pos);
        if (!r.delim) return fail('comment ends before closing delimiter');
        emit(Tok.Comment);
        advance(r.trim ? 2 + RIGHT.length : RIGHT.length);
        if (r.trim) while (isSpace(text[pos] ?? '')) advance(1);
        ignore();
        continue;
      }
      emit(Tok.LeftDelim);
      if (trim) {
        advance(2);
        ignore();
      }
      insideAction = true;
      parenDepth = 0;
      continue;
    }

    // Inside an action.
    const r = atRightDelim(pos);
    if (r.delim && parenDepth === 0) {
      if (r.trim) {
        advance(2);
        ignore();
      }
      advance(RIGHT.length);
      emit(Tok.RightDelim);
      if (r.trim) {
        while (isSpace(text[pos] ?? '')) advance(1);
        ignore();
      }
      insideAction = false;
      continue;
    }
    if (r.delim) return fail('unclosed left paren');
    if (pos >= text.length) return fail('unclosed action');
    const c = text[pos]!;
    if (isSpace(c)) {
      // A space run that ends in " -}}" leaves the trim marker to the check above.
      while (isSpace(text[pos] ?? '') && !atRightDelim(pos).trim) advance(1);
      if (pos > start) emit(Tok.Space);
      continue;
    }
    if (c === '=') {
      advance(1);
      emit(Tok.Assign);
    } else if (c === ':') {
      if (text[pos + 1] !== '=') return fail('expected :=');
      advance(2);
      emit(Tok.Declare);
    } else if (c === '|') {
      advance(1);
      emit(Tok.Pipe);
    } else if (c === '"') {
      advance(1);
      for (;;) {
        const d = text[pos];
        if (d === '\\') {
          if (text[pos + 1] === undefined || text[pos + 1] === '\n')
            return fail('unterminated quoted string');
          advance(2);
          continue;
        }
        if (d === undefined || d === '\n') return fail('unterminated quoted string');
        advance(1);
        if (d === '"') break;
      }
      emit(Tok.String);
    } else if (c === '`') {
      const end = text.indexOf('`', pos + 1);
      if (end < 0) return fail('unterminated raw quoted string');
      advance(end + 1 - pos);
      emit(Tok.RawString);
    } else if (c === "'") {
      advance(1);
      for (;;) {
        const d = text[pos];
        if (d === '\\') {
          if (text[pos + 1] === undefined || text[pos + 1] === '\n')
            return fail('unterminated character constant');
          advance(2);
          continue;
        }
        if (d === undefined || d === '\n') return fail('unterminated character constant');
        advance(1);
        if (d === "'") break;
      }
      emit(Tok.Char);
    } else if (c === '$') {
      advance(1);
      while (pos < text.length && isAlphaNumeric(text[pos]!)) advance(1);
      emit(Tok.Variable);
      if (!lexFieldChain()) return out;
    } else if (c === '.') {
      const n = text[pos + 1] ?? '';
      if (n >= '0' && n <= '9') {
        if (!lexNumber()) return out;
      } else {
        advance(1);
        if (pos < text.length && isAlphaNumeric(text[pos]!)) {
          while (pos < text.length && isAlphaNumeric(text[pos]!)) advance(1);
          emit(Tok.Field);
        } else emit(Tok.Dot);
        if (!lexFieldChain()) return out;
      }
    } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      if (!lexNumber()) return out;
    } else if (isAlphaNumeric(c)) {
      while (pos < text.length && isAlphaNumeric(text[pos]!)) advance(1);
      const word = text.slice(start, pos);
      const kw = KEYWORDS.get(word);
      if (kw !== undefined) emit(kw);
      else emit(Tok.Identifier);
      if (!lexFieldChain()) return out;
    } else if (c === '(') {
      advance(1);
      emit(Tok.LeftParen);
      parenDepth++;
    } else if (c === ')') {
      advance(1);
      parenDepth--;
      if (parenDepth < 0) return fail('unexpected right paren');
      emit(Tok.RightParen);
      if (!lexFieldChain()) return out;
    } else if (c === ',') {
      advance(1);
      emit(Tok.Comma);
    } else if (c <= '\x7e' && c >= ' ') {
      // Other printable ASCII is a lone character token, which the parser then rejects.
      advance(1);
      emit(Tok.Comma);
    } else {
      return fail(`bad character ${goRuneDesc(c.codePointAt(0)!)}`);
    }
  }

  // Fields directly after an operand (`$x.a.b`, `(f).a`) form a chain.
  function lexFieldChain(): boolean {
    while (text[pos] === '.' && isAlphaNumeric(text[pos + 1] ?? '')) {
      advance(1);
      while (pos < text.length && isAlphaNumeric(text[pos]!)) advance(1);
      emit(Tok.Field);
    }
    // Go's atTerminator: what may follow a field, variable or identifier.
    const c = text[pos] ?? '';
    if (c === '' || isSpace(c) || '.,|:()'.includes(c) || text.startsWith(RIGHT, pos)) return true;
    fail(`bad character ${goRuneDesc(c.codePointAt(0)!)}`);
    return false;
  }

  function lexNumber(): boolean {
    const m =
      /^[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(
        text.slice(pos),
      );
    let n = m ? m[0].length : 0;
    if (n === 0) n = 1;
    advance(n);
    if (pos < text.length && isAlphaNumeric(text[pos]!)) {
      advance(1);
      fail(`bad number syntax: "${text.slice(start, pos)}"`);
      return false;
    }
    emit(Tok.Number);
    return true;
  }
}

/** Go's `%#U` of a rune, as lexer errors show it: `U+0023 '#'`. */
export function goRuneDesc(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return cp >= 0x20 && cp !== 0x7f ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}
