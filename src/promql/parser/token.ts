/**
 * PromQL token kinds, as small integers so that the token stream fits in typed arrays, with the
 * keyword table and the descriptions Prometheus prints in "unexpected …" errors.
 *
 * The kinds are grouped in ranges (operators, aggregators, keywords, preprocessors) exactly as
 * Prometheus groups its item types, because error texts depend on the group: an operator reads
 * `<op:+>`, an aggregator `<aggr:sum>`, a keyword `<by>`.
 */
import { goQuote } from '../../model/strings.js';

/** The kinds of token the lexer produces. */
export const Tok = {
  EOF: 0,
  ERROR: 1,
  IDENTIFIER: 2,
  METRIC_IDENTIFIER: 3,
  NUMBER: 4,
  DURATION: 5,
  STRING: 6,
  LEFT_PAREN: 7,
  RIGHT_PAREN: 8,
  LEFT_BRACE: 9,
  RIGHT_BRACE: 10,
  LEFT_BRACKET: 11,
  RIGHT_BRACKET: 12,
  COMMA: 13,
  EQL: 14,
  COLON: 15,

  // Operators (OPERATORS_START < kind < OPERATORS_END).
  ADD: 21,
  SUB: 22,
  MUL: 23,
  DIV: 24,
  MOD: 25,
  POW: 26,
  EQLC: 27,
  NEQ: 28,
  LTE: 29,
  LSS: 30,
  GTE: 31,
  GTR: 32,
  EQL_REGEX: 33,
  NEQ_REGEX: 34,
  LAND: 35,
  LOR: 36,
  LUNLESS: 37,
  ATAN2: 38,
  AT: 39,
  TRIM_UPPER: 40,
  TRIM_LOWER: 41,

  // Aggregators.
  AVG: 51,
  BOTTOMK: 52,
  COUNT: 53,
  COUNT_VALUES: 54,
  GROUP: 55,
  MAX: 56,
  MIN: 57,
  QUANTILE: 58,
  STDDEV: 59,
  STDVAR: 60,
  SUM: 61,
  TOPK: 62,
  LIMITK: 63,
  LIMIT_RATIO: 64,

  // Keywords.
  BOOL: 71,
  BY: 72,
  GROUP_LEFT: 73,
  GROUP_RIGHT: 74,
  FILL: 75,
  FILL_LEFT: 76,
  FILL_RIGHT: 77,
  IGNORING: 78,
  OFFSET: 79,
  SMOOTHED: 80,
  ANCHORED: 81,
  ON: 82,
  WITHOUT: 83,

  // Preprocessors and the duration-expression words.
  START: 91,
  END: 92,
  STEP: 93,
  RANGE: 94,
  MIN_OF: 95,
  MAX_OF: 96,
} as const;

/** A token kind (one of the {@link Tok} values). */
export type TokenKind = (typeof Tok)[keyof typeof Tok];

const OPERATORS_START = 20;
const OPERATORS_END = 50;
const AGGREGATORS_START = 50;
const AGGREGATORS_END = 70;
const KEYWORDS_START = 70;
const KEYWORDS_END = 90;
const PREPROCESSORS_START = 90;
const PREPROCESSORS_END = 100;

/** True for the arithmetic, comparison, set and trim operators (and `@`), as Prometheus's IsOperator. */
export function isOperator(k: number): boolean {
  return k > OPERATORS_START && k < OPERATORS_END;
}

/** True for the aggregation operators (`sum`, `topk`, …). */
export function isAggregator(k: number): boolean {
  return k > AGGREGATORS_START && k < AGGREGATORS_END;
}

/** True for the keywords (`by`, `offset`, `bool`, …). */
export function isKeyword(k: number): boolean {
  return k > KEYWORDS_START && k < KEYWORDS_END;
}

/** True for `start`, `end`, `step`, `range` and the duration functions `min_of`, `max_of`. */
export function isPreprocessor(k: number): boolean {
  return k > PREPROCESSORS_START && k < PREPROCESSORS_END;
}

/**
 * Keywords by their lower-case spelling. Keywords are case-insensitive (`SUM`, `By`, `OFFSET`);
 * `inf` and `nan` lex as numbers.
 */
export const KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['and', Tok.LAND],
  ['or', Tok.LOR],
  ['unless', Tok.LUNLESS],
  ['atan2', Tok.ATAN2],
  ['sum', Tok.SUM],
  ['avg', Tok.AVG],
  ['count', Tok.COUNT],
  ['min', Tok.MIN],
  ['max', Tok.MAX],
  ['group', Tok.GROUP],
  ['stddev', Tok.STDDEV],
  ['stdvar', Tok.STDVAR],
  ['topk', Tok.TOPK],
  ['bottomk', Tok.BOTTOMK],
  ['count_values', Tok.COUNT_VALUES],
  ['quantile', Tok.QUANTILE],
  ['limitk', Tok.LIMITK],
  ['limit_ratio', Tok.LIMIT_RATIO],
  ['offset', Tok.OFFSET],
  ['smoothed', Tok.SMOOTHED],
  ['anchored', Tok.ANCHORED],
  ['by', Tok.BY],
  ['without', Tok.WITHOUT],
  ['on', Tok.ON],
  ['ignoring', Tok.IGNORING],
  ['group_left', Tok.GROUP_LEFT],
  ['group_right', Tok.GROUP_RIGHT],
  ['fill', Tok.FILL],
  ['fill_left', Tok.FILL_LEFT],
  ['fill_right', Tok.FILL_RIGHT],
  ['bool', Tok.BOOL],
  ['start', Tok.START],
  ['end', Tok.END],
  ['step', Tok.STEP],
  ['range', Tok.RANGE],
  ['inf', Tok.NUMBER],
  ['nan', Tok.NUMBER],
]);

/** The canonical spelling of fixed tokens (Prometheus's ItemTypeStr); keywords print lower-case. */
const TOKEN_TEXT = new Map<number, string>([
  [Tok.LEFT_PAREN, '('],
  [Tok.RIGHT_PAREN, ')'],
  [Tok.LEFT_BRACE, '{'],
  [Tok.RIGHT_BRACE, '}'],
  [Tok.LEFT_BRACKET, '['],
  [Tok.RIGHT_BRACKET, ']'],
  [Tok.COMMA, ','],
  [Tok.EQL, '='],
  [Tok.COLON, ':'],
  [Tok.SUB, '-'],
  [Tok.ADD, '+'],
  [Tok.MUL, '*'],
  [Tok.MOD, '%'],
  [Tok.DIV, '/'],
  [Tok.EQLC, '=='],
  [Tok.NEQ, '!='],
  [Tok.LTE, '<='],
  [Tok.LSS, '<'],
  [Tok.GTE, '>='],
  [Tok.GTR, '>'],
  [Tok.EQL_REGEX, '=~'],
  [Tok.NEQ_REGEX, '!~'],
  [Tok.POW, '^'],
  [Tok.AT, '@'],
  [Tok.TRIM_UPPER, '</'],
  [Tok.TRIM_LOWER, '>/'],
  [Tok.MIN_OF, 'min_of'],
  [Tok.MAX_OF, 'max_of'],
]);
for (const [word, kind] of KEYWORDS) if (kind !== Tok.NUMBER) TOKEN_TEXT.set(kind, word);

/** The canonical text of a fixed token (`+`, `by`, `sum`, `(`), or undefined for value tokens. */
export function tokenText(kind: number): string | undefined {
  return TOKEN_TEXT.get(kind);
}

/** Go's `%.10q`: the first ten code points, quoted, followed by `...`. */
function quoteTruncated(s: string): string {
  const cps = Array.from(s);
  return cps.length > 10 ? goQuote(cps.slice(0, 10).join('')) + '...' : goQuote(s);
}

/** Prometheus's Item.String(): how a token is shown inside error messages. */
function itemString(kind: number, val: string): string {
  if (kind === Tok.EOF) return 'EOF';
  if (kind === Tok.ERROR) return val;
  if (kind === Tok.IDENTIFIER || kind === Tok.METRIC_IDENTIFIER) return goQuote(val);
  if (isKeyword(kind)) return `<${val}>`;
  if (isOperator(kind)) return `<op:${val}>`;
  if (isAggregator(kind)) return `<aggr:${val}>`;
  return quoteTruncated(val);
}

/**
 * Prometheus's Item.desc(): `<op:+>`, `"("`, `identifier "foo"`, `number "1"`, `end of input`…
 * `val` is the token's source text.
 */
export function describeToken(kind: number, val: string): string {
  if (TOKEN_TEXT.has(kind)) return itemString(kind, val);
  switch (kind) {
    case Tok.EOF:
      return 'end of input';
    case Tok.ERROR:
      return 'error ' + val;
    case Tok.IDENTIFIER:
      return 'identifier ' + itemString(kind, val);
    case Tok.METRIC_IDENTIFIER:
      return 'metric identifier ' + itemString(kind, val);
    case Tok.STRING:
      return 'string ' + itemString(kind, val);
    case Tok.NUMBER:
      return 'number ' + itemString(kind, val);
    case Tok.DURATION:
      return 'duration ' + itemString(kind, val);
  }
  return itemString(kind, val);
}
