/** The PromQL parser: lexer, AST, parser with type checks, and printer. */
export * from './ast.js';
export { ParseError, formatParseError, positionString, type ParseErrorItem } from './errors.js';
export { FUNCTIONS, getFunction, type FunctionDef } from './functions.js';
export {
  ALL_FEATURES,
  MAX_NESTING_DEPTH,
  parseExpr,
  parseMetricSelector,
  type ParseOptions,
} from './parser.js';
export { exprToString, durationExprString, subqueryTimeSuffix } from './printer.js';
export { formatDuration, parseDuration, DurationError, formatFloatF, formatFloatG } from './format.js';
export {
  evaluateDurationMs,
  evaluateDurationSeconds,
  DurationExprError,
  type DurationContext,
} from './duration-expr.js';
export { lex, type TokenStream } from './lexer.js';
export { Tok, type TokenKind } from './token.js';
export { MAX_CHARACTERS_PER_LINE, prettify } from './prettier.js';
