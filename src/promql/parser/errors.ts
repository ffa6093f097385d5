/**
 * Parse errors with Prometheus's wording and position format: `1:5: parse error: unexpected <op:*>`.
 * Lines and columns are counted as Prometheus counts them, the column in UTF-8 bytes.
 */
import type { PositionRange } from './ast.js';

/** Prometheus's `line:col` for an offset: 1-based line, 1-based column counted in UTF-8 bytes. */
export function positionString(query: string, offset: number, lineOffset = 0): string {
  if (query === '') return 'unknown position';
  if (offset < 0 || offset > query.length) return 'invalid position';
  let line = lineOffset + 1;
  let lastLineBreak = -1;
  for (let i = 0; i < offset; i++) {
    if (query.charCodeAt(i) === 0x0a) {
      lastLineBreak = i;
      line++;
    }
  }
  return `${line}:${utf8Length(query, lastLineBreak + 1, offset) + 1}`;
}

function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** One parse error: where, and what (the message without position or prefix). */
export interface ParseErrorItem {
  /** The offending range of the query. */
  readonly positionRange: PositionRange;
  /** The message, e.g. `unexpected <op:*>`. */
  readonly message: string;
}

/**
 * The error thrown by the parser. Like Prometheus's ParseErrors it may hold several errors;
 * its message is the first one's, `<line>:<col>: parse error: <message>`.
 */
export class ParseError extends Error {
  /** All errors found, in the order found; the message describes the first. */
  readonly errors: readonly ParseErrorItem[];
  /** The query text. */
  readonly query: string;
  /** The first error's range. */
  readonly positionRange: PositionRange;

  /** Builds the error from one or more items (at least one). */
  constructor(query: string, errors: readonly ParseErrorItem[]) {
    const first = errors[0]!;
    super(formatParseError(query, first));
    this.name = 'ParseError';
    this.errors = errors;
    this.query = query;
    this.positionRange = first.positionRange;
  }

  /** Each error formatted as Prometheus formats it, for callers that show them all. */
  messages(lineOffset = 0): string[] {
    return this.errors.map((e) => formatParseError(this.query, e, lineOffset));
  }
}

/** `<line>:<col>: parse error: <message>`, as Prometheus's ParseErr.Error(). */
export function formatParseError(query: string, e: ParseErrorItem, lineOffset = 0): string {
  return `${positionString(query, e.positionRange.start, lineOffset)}: parse error: ${e.message}`;
}
