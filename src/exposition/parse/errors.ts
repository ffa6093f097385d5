/**
 * The one error type the exposition parsers throw. Bad input never escapes a parser as
 * anything else, so a scrape loop can catch `ParseError`, report it on the target and carry on.
 */

/**
 * Longest excerpt of the offending line quoted in an error message. Lines can be megabytes long
 * (one huge label value); the message names the place, it does not need to repeat the input.
 */
export const MAX_ERROR_EXCERPT = 120;

/** A malformed exposition: where (1-based line, and column when known) and what. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  /** The 1-based line of the problem. */
  readonly line: number;
  /** The 1-based column (in UTF-16 code units) of the problem, when the parser knows it. */
  readonly column: number | undefined;
  /** The problem without the position prefix, e.g. `expected label value, got "'"`. */
  readonly reason: string;

  /** Builds the error; the message reads `line L, column C: reason`. */
  constructor(line: number, column: number | undefined, reason: string) {
    super(column === undefined ? `line ${line}: ${reason}` : `line ${line}, column ${column}: ${reason}`);
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/**
 * Quotes a piece of input for an error message. Long pieces keep their end, which is where the
 * parser stopped, cut to {@link MAX_ERROR_EXCERPT} characters.
 */
export function excerpt(s: string): string {
  const cut = s.length > MAX_ERROR_EXCERPT ? '…' + s.slice(s.length - MAX_ERROR_EXCERPT) : s;
  return JSON.stringify(cut);
}
