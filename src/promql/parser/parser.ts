/**
 * The PromQL parser: recursive descent with precedence climbing over the token stream of
 * lexer.ts, producing the AST of ast.ts, then Prometheus's type checks (checkAST).
 *
 * Prometheus parses with a yacc grammar; its error messages come from that grammar's error
 * productions ("unexpected X in grouping opts, expected \"(\"", "unexpected X in aggregation",
 * …). This parser reproduces them by tracking, as yacc's error recovery would find it, the
 * innermost construct that has an error production. Semantic errors found while parsing are
 * collected and parsing goes on; a syntax error ends the parse. As in Prometheus, the type
 * checks run only when parsing found no error, and the thrown error's message is the first one.
 */
import { Matcher, RegexError, type MatchType } from '../../model/matcher.js';
import { METRIC_NAME, isValidLabelName } from '../../model/names.js';
import { goQuote } from '../../model/strings.js';
import {
  documentedType,
  isAggregatorWithParam,
  isComparisonOperator,
  isExperimentalAggregator,
  isSetOperator,
  type AggregateExpr,
  type AggregateOp,
  type BinaryExpr,
  type BinaryOp,
  type Call,
  type DurationExpr,
  type DurationOp,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type PositionRange,
  type SubqueryExpr,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { ParseError, type ParseErrorItem } from './errors.js';
import { DurationError, parseDuration } from './format.js';
import { getFunction, type FunctionDef } from './functions.js';
import { lex, type TokenStream } from './lexer.js';
import { parseNumber } from './number.js';
import { unquote } from './quote.js';
import { Tok, describeToken, isAggregator, isKeyword, isPreprocessor, tokenText } from './token.js';

/** Parser options; each enables an experimental Prometheus feature (named after its feature flag). */
export interface ParseOptions {
  /** `promql-experimental-functions`: experimental functions and the `limitk`/`limit_ratio` aggregations. */
  enableExperimentalFunctions?: boolean;
  /** `promql-duration-expr`: arithmetic in ranges, steps and offsets (`x[5m+1m]`, `offset step()`). */
  enableDurationExpressions?: boolean;
  /** `promql-extended-range-selectors`: the `anchored` and `smoothed` modifiers. */
  enableExtendedRangeSelectors?: boolean;
  /** `promql-binop-fill-modifiers`: `fill()`, `fill_left()`, `fill_right()` on binary operators. */
  enableBinopFillModifiers?: boolean;
}

/** Every experimental feature on, as Prometheus's own PromQL test suite runs. */
export const ALL_FEATURES: Readonly<Required<ParseOptions>> = Object.freeze({
  enableExperimentalFunctions: true,
  enableDurationExpressions: true,
  enableExtendedRangeSelectors: true,
  enableBinopFillModifiers: true,
});

/**
 * The deepest nesting of expressions (parentheses, calls, operator chains, …) accepted. The
 * parser, the type checker and the printer recurse once per level, so a hostile query such as
 * ten thousand `(` would otherwise exhaust the call stack; real queries stay far below this.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Parses a PromQL expression; throws {@link ParseError} with Prometheus's message on bad input. */
export function parseExpr(input: string, options: ParseOptions = {}): Expr {
  const p = new Parser(input, options);
  return p.parseTopLevel();
}

/** Parses a series selector such as `up{job="api"}` into its matchers (Prometheus's ParseMetricSelector). */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input, {});
  return p.parseMetricSelectorTopLevel();
}

/** Thrown internally to abandon the parse after a syntax error; carries nothing. */
class Abort {}
const ABORT = new Abort();

/** The precedence of a binary operator token, 0 when the token is not one. */
function precedence(k: number): number {
  switch (k) {
    case Tok.LOR:
      return 1;
    case Tok.LAND:
    case Tok.LUNLESS:
      return 2;
    case Tok.EQLC:
    case Tok.NEQ:
    case Tok.LTE:
    case Tok.LSS:
    case Tok.GTE:
    case Tok.GTR:
    case Tok.TRIM_UPPER:
    case Tok.TRIM_LOWER:
      return 3;
    case Tok.ADD:
    case Tok.SUB:
      return 4;
    case Tok.MUL:
    case Tok.DIV:
    case Tok.MOD:
    case Tok.ATAN2:
      return 5;
    case Tok.POW:
      return 6;
  }
  return 0;
}
const PREC_POW = 6;

/** Precedence of the operators inside a duration expression (no comparisons or set operators there). */
function durationPrecedence(k: number): number {
  return k === Tok.ADD || k === Tok.SUB
    ? 4
    : k === Tok.MUL || k === Tok.DIV || k === Tok.MOD
      ? 5
      : k === Tok.POW
        ? 6
        : 0;
}

const BINARY_OPS = new Map<number, BinaryOp>([
  [Tok.ADD, '+'],
  [Tok.SUB, '-'],
  [Tok.MUL, '*'],
  [Tok.DIV, '/'],
  [Tok.MOD, '%'],
  [Tok.POW, '^'],
  [Tok.ATAN2, 'atan2'],
  [Tok.EQLC, '=='],
  [Tok.NEQ, '!='],
  [Tok.GTR, '>'],
  [Tok.LSS, '<'],
  [Tok.GTE, '>='],
  [Tok.LTE, '<='],
  [Tok.LAND, 'and'],
  [Tok.LOR, 'or'],
  [Tok.LUNLESS, 'unless'],
  [Tok.TRIM_UPPER, '</'],
  [Tok.TRIM_LOWER, '>/'],
]);

const MATCH_OPS = new Map<number, MatchType>([
  [Tok.EQL, '='],
  [Tok.NEQ, '!='],
  [Tok.EQL_REGEX, '=~'],
  [Tok.NEQ_REGEX, '!~'],
]);

/** Tokens that may name a metric in an expression (Prometheus's metric_identifier rule). */
function isMetricIdentifier(k: number): boolean {
  switch (k) {
    case Tok.IDENTIFIER:
    case Tok.METRIC_IDENTIFIER:
    case Tok.BY:
    case Tok.WITHOUT:
    case Tok.OFFSET:
    case Tok.LAND:
    case Tok.LOR:
    case Tok.LUNLESS:
    case Tok.FILL:
    case Tok.FILL_LEFT:
    case Tok.FILL_RIGHT:
    case Tok.START:
    case Tok.END:
    case Tok.STEP:
    case Tok.RANGE:
    case Tok.ANCHORED:
    case Tok.SMOOTHED:
      return true;
  }
  return isAggregator(k);
}

/** Tokens that may be a label name in grouping clauses (Prometheus's maybe_label rule). */
function isLabelToken(k: number): boolean {
  return (
    k === Tok.IDENTIFIER ||
    k === Tok.METRIC_IDENTIFIER ||
    k === Tok.LAND ||
    k === Tok.LOR ||
    k === Tok.LUNLESS ||
    k === Tok.ATAN2 ||
    isAggregator(k) ||
    isKeyword(k) ||
    (isPreprocessor(k) && k !== Tok.MIN_OF && k !== Tok.MAX_OF)
  );
}

/** Largest magnitude, in seconds, of a duration that fits Go's time.Duration. */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

/** Seconds to milliseconds as Prometheus converts: round to nanoseconds, then truncate to milliseconds. */
function secondsToMs(s: number): number {
  const ms = Math.trunc(Math.round(s * 1e9) / 1e6);
  return ms === 0 ? 0 : ms;
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's `%f`: six decimals, without exponent even for huge values. */
function formatGoF(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + '.000000';
  return x.toFixed(6);
}

/** A placeholder for parts of a node that could not be parsed; never returned to callers. */
function placeholder(pos: PositionRange): NumberLiteral {
  return { kind: 'NumberLiteral', val: 0, duration: false, valueType: 'scalar', pos };
}

/** Modifiers parsed between a binary operator and its right operand. */
interface BinModifiers {
  returnBool: boolean;
  matching: VectorMatching;
}

class Parser {
  private readonly input: string;
  private readonly ts: TokenStream;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly opts: ParseOptions;
  private i = 0;
  private depth = 0;
  private readonly errors: ParseErrorItem[] = [];
  // The error context of the innermost enclosing construct with an error production.
  private ctx = '';
  private ctxExpected = '';

  constructor(input: string, opts: ParseOptions) {
    this.input = input;
    this.ts = lex(input);
    this.kinds = this.ts.kinds;
    this.starts = this.ts.starts;
    this.ends = this.ts.ends;
    this.opts = opts;
  }

  // --- entry points ------------------------------------------------------------------------

  parseTopLevel(): Expr {
    let expr: Expr | null = null;
    try {
      if (this.kind() === Tok.EOF) {
        this.addErr({ start: 0, end: 0 }, 'no expression found in input');
      } else {
        expr = this.parseBinary(1);
        if (this.kind() !== Tok.EOF) this.unexpected();
      }
    } catch (e) {
      if (e !== ABORT) throw e;
    }
    if (this.errors.length === 0 && expr !== null) this.checkAST(expr);
    if (this.errors.length > 0 || expr === null) throw new ParseError(this.input, this.errors);
    return expr;
  }

  parseMetricSelectorTopLevel(): Matcher[] {
    let vs: VectorSelector | null = null;
    try {
      const k = this.kind();
      if (k === Tok.LEFT_BRACE) vs = this.parseVectorSelector(-1);
      else if (isMetricIdentifier(k)) {
        const nameTok = this.i;
        this.advance();
        vs = this.parseVectorSelector(nameTok);
      } else this.unexpected();
      if (this.kind() !== Tok.EOF) this.unexpected();
    } catch (e) {
      if (e !== ABORT) throw e;
    }
    if (this.errors.length > 0 || vs === null) throw new ParseError(this.input, this.errors);
    return vs.matchers;
  }

  // --- token access ------------------------------------------------------------------------

  private kind(at = this.i): number {
    return this.kinds[at]!;
  }

  private text(at = this.i): string {
    return this.input.slice(this.starts[at]!, this.ends[at]!);
  }

  private tokRange(at = this.i): PositionRange {
    return { start: this.starts[at]!, end: this.ends[at]! };
  }

  private advance(): void {
    // EOF and ERROR are final; the index never moves past them.
    const k = this.kinds[this.i]!;
    if (k !== Tok.EOF && k !== Tok.ERROR) this.i++;
  }

  /** End offset of the last consumed token (Prometheus's lastClosing, for closing tokens). */
  private lastEnd(): number {
    return this.i > 0 ? this.ends[this.i - 1]! : 0;
  }

  private addErr(pos: PositionRange, message: string): void {
    this.errors.push({ positionRange: { start: pos.start, end: pos.end }, message });
  }

  /**
   * Reports the current token as unexpected and abandons the parse. A lexer error is reported
   * with the lexer's own message instead, as Prometheus does not report it twice.
   */
  private unexpected(context = this.ctx, expected = this.ctxExpected): never {
    const k = this.kind();
    if (k === Tok.ERROR) {
      this.addErr({ start: this.starts[this.i]!, end: this.input.length }, this.ts.error);
      throw ABORT;
    }
    let msg = 'unexpected ' + describeToken(k, this.text());
    if (context !== '') msg += ' in ' + context;
    if (expected !== '') msg += ', expected ' + expected;
    this.addErr(this.tokRange(), msg);
    throw ABORT;
  }

  private expect(k: number): void {
    if (this.kind() !== k) this.unexpected();
    this.advance();
  }

  private withContext<T>(context: string, expected: string, f: () => T): T {
    const saveCtx = this.ctx;
    const saveExp = this.ctxExpected;
    this.ctx = context;
    this.ctxExpected = expected;
    try {
      return f();
    } finally {
      this.ctx = saveCtx;
      this.ctxExpected = saveExp;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      this.addErr(this.tokRange(), `expression nesting exceeds the maximum depth of ${MAX_NESTING_DEPTH}`);
      throw ABORT;
    }
  }

  // --- expressions -------------------------------------------------------------------------

  /** Precedence climbing over binary operators of at least `minPrec`. */
  private parseBinary(minPrec: number): Expr {
    this.enter();
    let lhs = this.parseUnary();
    for (;;) {
      const k = this.kind();
      const prec = precedence(k);
      if (prec === 0 || prec < minPrec) break;
      this.advance();
      const mods = this.parseBinModifiers();
      // Left-associative chains (`a + b + c …`) loop here rather than recurse, and the checker
      // and printer walk their left spines iteratively, so they do not count as nesting.
      const rhs = this.parseBinary(k === Tok.POW ? prec : prec + 1);
      lhs = this.newBinary(lhs, BINARY_OPS.get(k)!, mods, rhs);
    }
    this.depth--;
    return lhs;
  }

  private parseUnary(): Expr {
    const k = this.kind();
    if (k !== Tok.ADD && k !== Tok.SUB) return this.parsePostfix(this.parsePrimary());
    const opStart = this.starts[this.i]!;
    this.advance();
    // Prometheus gives unary operators the precedence of `*`: only `^` binds tighter, so
    // `-2^2` is -(2^2) and `-a * b` is (-a) * b.
    const operand = this.parseBinary(PREC_POW);
    if (operand.kind === 'NumberLiteral') {
      if (k === Tok.SUB) operand.val = -operand.val;
      operand.pos.start = opStart;
      return operand;
    }
    return {
      kind: 'UnaryExpr',
      op: k === Tok.SUB ? '-' : '+',
      expr: operand,
      valueType: operand.valueType,
      pos: { start: opStart, end: operand.pos.end },
    };
  }

  private parsePrimary(): Expr {
    const k = this.kind();
    const at = this.i;
    switch (k) {
      case Tok.NUMBER:
      case Tok.DURATION:
        return this.parseNumberLiteral();
      case Tok.STRING: {
        this.advance();
        return {
          kind: 'StringLiteral',
          val: this.unquoteToken(at),
          valueType: 'string',
          pos: this.tokRange(at),
        };
      }
      case Tok.LEFT_PAREN: {
        this.advance();
        const inner = this.parseBinary(1);
        if (this.kind() !== Tok.RIGHT_PAREN) this.unexpected();
        this.advance();
        return {
          kind: 'ParenExpr',
          expr: inner,
          valueType: inner.valueType,
          pos: { start: this.starts[at]!, end: this.lastEnd() },
        };
      }
      case Tok.LEFT_BRACE:
        return this.parseVectorSelector(-1);
      case Tok.IDENTIFIER:
      case Tok.START:
      case Tok.END:
      case Tok.STEP:
      case Tok.RANGE:
        if (this.kind(at + 1) === Tok.LEFT_PAREN) return this.parseCall();
        break;
    }
    if (isAggregator(k)) {
      const next = this.kind(at + 1);
      if (next === Tok.LEFT_PAREN || next === Tok.BY || next === Tok.WITHOUT) return this.parseAggregate();
    }
    if (isMetricIdentifier(k)) {
      this.advance();
      return this.parseVectorSelector(at);
    }
    return this.unexpected();
  }

  private parseNumberLiteral(): NumberLiteral {
    const at = this.i;
    this.advance();
    return this.numberLiteralAt(at);
  }

  /** The NUMBER or DURATION token at `at` as a literal (a duration counts its seconds). */
  private numberLiteralAt(at: number): NumberLiteral {
    const pos = this.tokRange(at);
    const text = this.text(at);
    if (this.kind(at) === Tok.DURATION) {
      let ms = 0;
      try {
        ms = parseDuration(text);
      } catch (e) {
        if (!(e instanceof DurationError)) throw e;
        this.addErr(pos, e.message);
      }
      return { kind: 'NumberLiteral', val: ms / 1000, duration: true, valueType: 'scalar', pos };
    }
    let val = 0;
    try {
      val = parseNumber(text);
    } catch (e) {
      this.addErr(pos, (e as Error).message);
    }
    return { kind: 'NumberLiteral', val, duration: false, valueType: 'scalar', pos };
  }

  private unquoteToken(at: number): string {
    const raw = this.text(at);
    const s = unquote(raw);
    if (s === null) {
      this.addErr(this.tokRange(at), `error unquoting string ${goQuote(raw)}: invalid syntax`);
      return '';
    }
    return s;
  }

  // --- postfix modifiers: ranges, subqueries, offset, @, anchored, smoothed ----------------

  private parsePostfix(e: Expr): Expr {
    const depthAtStart = this.depth;
    for (;;) {
      switch (this.kind()) {
        case Tok.LEFT_BRACKET:
          // Each subquery wraps the expression once more; the checker and printer recurse into it.
          this.enter();
          e = this.parseRangeOrSubquery(e);
          break;
        case Tok.OFFSET:
          this.parseOffset(e);
          break;
        case Tok.AT:
          this.parseAt(e);
          break;
        case Tok.ANCHORED:
          this.advance();
          this.setExtendedRange(e, 'anchored');
          break;
        case Tok.SMOOTHED:
          this.advance();
          this.setExtendedRange(e, 'smoothed');
          break;
        default:
          this.depth = depthAtStart;
          return e;
      }
    }
  }

  private parseRangeOrSubquery(e: Expr): Expr {
    const lb = this.i;
    this.advance();
    const range = this.withContext('subquery or range selector', 'number, duration, step(), or range()', () =>
      this.parsePositiveDuration(),
    );
    if (this.kind() === Tok.RIGHT_BRACKET) {
      const rb = this.i;
      this.advance();
      let errMsg = '';
      if (e.kind !== 'VectorSelector') errMsg = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr !== null) errMsg = 'no offset modifiers allowed before range';
      else if (e.timestamp !== null || e.startOrEnd !== null) errMsg = 'no @ modifiers allowed before range';
      if (errMsg !== '') this.addErr({ start: this.starts[lb]!, end: this.ends[rb]! }, errMsg);
      const ms: MatrixSelector = {
        kind: 'MatrixSelector',
        vectorSelector: e,
        range: range.ms,
        rangeExpr: range.expr,
        valueType: 'matrix',
        pos: { start: e.pos.start, end: this.lastEnd() },
      };
      return ms;
    }
    if (this.kind() !== Tok.COLON) this.unexpected('subquery or range', '":" or "]"');
    this.advance();
    let step: { ms: number; expr: DurationExpr | null } = { ms: 0, expr: null };
    if (this.kind() !== Tok.RIGHT_BRACKET) {
      step = this.withContext('subquery selector', 'number, duration, step(), range(), or "]"', () =>
        this.parsePositiveDuration(),
      );
      if (this.kind() !== Tok.RIGHT_BRACKET) this.unexpected('subquery selector', '"]"');
    }
    this.advance();
    const sq: SubqueryExpr = {
      kind: 'SubqueryExpr',
      expr: e,
      range: range.ms,
      rangeExpr: range.expr,
      step: step.ms,
      stepExpr: step.expr,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      valueType: 'matrix',
      pos: { start: e.pos.start, end: this.lastEnd() },
    };
    return sq;
  }

  /** A range or step: a duration expression that must be positive when it is a literal. */
  private parsePositiveDuration(): { ms: number; expr: DurationExpr | null } {
    const d = this.parseDurationExpr(1);
    if (d.kind === 'NumberLiteral') {
      if (d.val <= 0) {
        this.addErr(d.pos, 'duration must be greater than 0');
        return { ms: 0, expr: null };
      }
      return { ms: secondsToMs(d.val), expr: null };
    }
    return { ms: 0, expr: d as DurationExpr };
  }

  private requireDurationExprs(pos: PositionRange): void {
    if (!this.opts.enableDurationExpressions)
      this.addErr(pos, 'experimental duration expression is not enabled');
  }

  /** `min_of` / `max_of`, lexed as their own tokens inside brackets and as identifiers elsewhere. */
  private durationFunc(at = this.i): 'min' | 'max' | null {
    const k = this.kind(at);
    if (k === Tok.MIN_OF) return 'min';
    if (k === Tok.MAX_OF) return 'max';
    if (k === Tok.IDENTIFIER) {
      const t = this.text(at).toLowerCase();
      if (t === 'min_of') return 'min';
      if (t === 'max_of') return 'max';
    }
    return null;
  }

  /** A duration expression (Prometheus's duration_expr): literals, + - * / % ^, step(), range(), min_of(), max_of(). */
  private parseDurationExpr(minPrec: number): Expr {
    this.enter();
    const lhs = this.continueDurationExpr(this.parseDurationUnary(), minPrec);
    this.depth--;
    return lhs;
  }

  private continueDurationExpr(lhs: Expr, minPrec: number): Expr {
    for (;;) {
      const k = this.kind();
      const prec = durationPrecedence(k);
      if (prec === 0 || prec < minPrec) return lhs;
      const opAt = this.i;
      this.advance();
      const rhs = this.parseDurationExpr(k === Tok.POW ? prec : prec + 1);
      this.requireDurationExprs(lhs.pos);
      const op = tokenText(k) as DurationOp;
      if ((k === Tok.DIV || k === Tok.MOD) && rhs.kind === 'NumberLiteral' && rhs.val === 0) {
        this.addErr(this.tokRange(opAt), k === Tok.DIV ? 'division by zero' : 'modulo by zero');
        lhs = placeholder({ start: lhs.pos.start, end: rhs.pos.end });
        continue;
      }
      lhs = this.durationNode(op, lhs, rhs, { start: lhs.pos.start, end: rhs.pos.end });
    }
  }

  private durationNode(op: DurationOp, lhs: Expr | null, rhs: Expr | null, pos: PositionRange): DurationExpr {
    return { kind: 'DurationExpr', op, lhs, rhs, wrapped: false, valueType: 'scalar', pos };
  }

  private checkDurationRange(nl: NumberLiteral, pos: PositionRange): NumberLiteral {
    if (nl.val > MAX_DURATION_SECONDS || nl.val < -MAX_DURATION_SECONDS) {
      this.addErr(pos, 'duration out of range');
      return placeholder(nl.pos);
    }
    return nl;
  }

  private parseDurationUnary(): Expr {
    const k = this.kind();
    if (k !== Tok.ADD && k !== Tok.SUB) return this.parseDurationPrimary();
    const opAt = this.i;
    this.advance();
    const operand = this.parseDurationExpr(PREC_POW);
    if (operand.kind === 'NumberLiteral') {
      if (k === Tok.SUB) operand.val = -operand.val;
      operand.pos.start = this.starts[opAt]!;
      return this.checkDurationRange(operand, this.tokRange(opAt));
    }
    if (k === Tok.SUB)
      return this.durationNode('-', null, operand, { start: this.starts[opAt]!, end: operand.pos.end });
    return operand;
  }

  private parseDurationPrimary(): Expr {
    const k = this.kind();
    const at = this.i;
    if (k === Tok.NUMBER || k === Tok.DURATION) {
      const nl = this.parseNumberLiteral();
      return this.checkDurationRange(nl, nl.pos);
    }
    if (k === Tok.STEP || k === Tok.RANGE) {
      this.advance();
      this.expect(Tok.LEFT_PAREN);
      this.expect(Tok.RIGHT_PAREN);
      const de = this.durationNode(k === Tok.STEP ? 'step' : 'range', null, null, {
        start: this.starts[at]!,
        end: this.lastEnd(),
      });
      this.requireDurationExprs(de.pos);
      return de;
    }
    const fn = this.durationFunc();
    // Inside brackets min_of/max_of are keywords; elsewhere identifiers, functions only before `(`.
    if (fn !== null && (k !== Tok.IDENTIFIER || this.kind(at + 1) === Tok.LEFT_PAREN)) {
      this.advance();
      this.expect(Tok.LEFT_PAREN);
      const a = this.parseDurationExpr(1);
      this.expect(Tok.COMMA);
      const b = this.parseDurationExpr(1);
      this.expect(Tok.RIGHT_PAREN);
      const de = this.durationNode(fn, a, b, { start: this.starts[at]!, end: this.lastEnd() });
      this.requireDurationExprs(de.pos);
      return de;
    }
    if (k === Tok.LEFT_PAREN) {
      this.advance();
      const inner = this.parseDurationExpr(1);
      this.expect(Tok.RIGHT_PAREN);
      this.requireDurationExprs(inner.pos);
      const pos = { start: this.starts[at]!, end: this.lastEnd() };
      // A parenthesised literal becomes a wrapped unary plus, so that it prints back with its
      // parentheses, as in Prometheus (`foo[(5s)]`).
      const de = inner.kind === 'DurationExpr' ? inner : this.durationNode('+', null, inner, pos);
      de.wrapped = true;
      de.pos = pos;
      return de;
    }
    return this.unexpected();
  }

  /**
   * The operand of `offset`. Unlike a range, a bare operand ends after one literal or call, so
   * `x offset 1m + 2` is `(x offset 1m) + 2` and `x offset -2 ^ 2` is `(x offset -2) ^ 2`; only
   * a parenthesised operand continues with duration operators, as in Prometheus's grammar.
   */
  private parseOffsetOperand(): Expr {
    const k = this.kind();
    let sign = 0;
    let signAt = -1;
    if (k === Tok.ADD || k === Tok.SUB) {
      sign = k;
      signAt = this.i;
      this.advance();
    }
    const at = this.i;
    const k2 = this.kind();
    const withSign = (de: Expr): Expr => {
      if (sign === 0) return de;
      if (de.kind === 'NumberLiteral') {
        if (sign === Tok.SUB) de.val = -de.val;
        de.pos.start = this.starts[signAt]!;
        return de;
      }
      // A unary plus changes nothing; Prometheus keeps it in the tree but prints it away.
      if (sign === Tok.ADD) return de;
      return this.durationNode('-', null, de, {
        start: this.starts[signAt]!,
        end: de.pos.end,
      });
    };
    if (k2 === Tok.NUMBER || k2 === Tok.DURATION) {
      const nl = this.parseNumberLiteral();
      const signed = withSign(nl) as NumberLiteral;
      return this.checkDurationRange(signed, signAt >= 0 ? this.tokRange(signAt) : nl.pos);
    }
    if (k2 === Tok.STEP || k2 === Tok.RANGE) return withSign(this.parseDurationPrimary());
    if (this.durationFunc() !== null && this.kind(at + 1) === Tok.LEFT_PAREN) {
      return withSign(this.parseDurationPrimary());
    }
    if (k2 === Tok.LEFT_PAREN) {
      if (sign !== 0) return withSign(this.parseDurationPrimary());
      // A parenthesised operand is a full duration expression and, as in Prometheus's grammar,
      // keeps going: `x offset (1m) + 2m` offsets by 1m2s.
      const paren = this.parseDurationPrimary();
      return this.continueDurationExpr(paren, 1);
    }
    return this.unexpected();
  }

  private parseOffset(e: Expr): void {
    this.advance();
    const d = this.withContext('offset', 'number, duration, step(), or range()', () =>
      this.parseOffsetOperand(),
    );
    const target = this.modifierTarget(
      e,
      'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
    if (target === null) return;
    if (target.offset !== 0 || target.offsetExpr !== null) {
      this.addErr(e.pos, 'offset may not be set multiple times');
    } else if (d.kind === 'NumberLiteral') {
      target.offset = secondsToMs(d.val);
    } else {
      target.offsetExpr = d as DurationExpr;
    }
    e.pos.end = this.lastEnd();
  }

  /** The node that holds offset and `@` for `e` (the vector selector of a matrix selector), or null after an error. */
  private modifierTarget(e: Expr, wrongKind: string): VectorSelector | SubqueryExpr | null {
    switch (e.kind) {
      case 'VectorSelector':
      case 'SubqueryExpr':
        return e;
      case 'MatrixSelector':
        if (e.vectorSelector.kind !== 'VectorSelector') {
          this.addErr(e.pos, 'ranges only allowed for vector selectors');
          return null;
        }
        return e.vectorSelector;
      default:
        this.addErr(e.pos, wrongKind);
        return null;
    }
  }

  private parseAt(e: Expr): void {
    this.advance();
    let ts: number | null = null;
    let pre: 'start' | 'end' | null = null;
    this.withContext('@', 'timestamp', () => {
      const k = this.kind();
      if ((k === Tok.START || k === Tok.END) && this.kind(this.i + 1) === Tok.LEFT_PAREN) {
        this.advance();
        this.advance();
        this.expect(Tok.RIGHT_PAREN);
        pre = k === Tok.START ? 'start' : 'end';
        return;
      }
      let neg = false;
      if (k === Tok.ADD || k === Tok.SUB) {
        neg = k === Tok.SUB;
        this.advance();
      }
      const k2 = this.kind();
      if (k2 !== Tok.NUMBER && k2 !== Tok.DURATION) this.unexpected();
      const nl = this.parseNumberLiteral();
      ts = neg ? -nl.val : nl.val;
    });
    if (ts !== null) {
      const t: number = ts;
      if (!Number.isFinite(t) || t >= 2 ** 63 || t <= -(2 ** 63)) {
        this.addErr(e.pos, `timestamp out of bounds for @ modifier: ${formatGoF(t)}`);
      }
    }
    const target = this.modifierTarget(
      e,
      '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
    if (target === null) return;
    if (target.timestamp !== null || target.startOrEnd !== null) {
      this.addErr(e.pos, '@ <timestamp> may not be set multiple times');
      return;
    }
    if (ts !== null) target.timestamp = roundHalfAway((ts as number) * 1000);
    else target.startOrEnd = pre;
    e.pos.end = this.lastEnd();
  }

  private setExtendedRange(e: Expr, which: 'anchored' | 'smoothed'): void {
    if (!this.opts.enableExtendedRangeSelectors) {
      this.addErr(e.pos, `${which} modifier is experimental and not enabled`);
      return;
    }
    let vs: VectorSelector | null = null;
    if (e.kind === 'VectorSelector') vs = e;
    else if (e.kind === 'MatrixSelector') {
      // A range over anything but a selector has already been reported.
      if (e.vectorSelector.kind !== 'VectorSelector') return;
      vs = e.vectorSelector;
    } else if (e.kind === 'SubqueryExpr') {
      this.addErr(e.pos, `${which} modifier is not supported for subqueries`);
      return;
    } else {
      this.addErr(e.pos, `${which} modifier not implemented`);
      return;
    }
    vs[which] = true;
    if (vs.anchored && vs.smoothed)
      this.addErr(e.pos, 'anchored and smoothed modifiers cannot be used together');
  }

  // --- vector selectors --------------------------------------------------------------------

  /** A selector whose metric-name token (if any, else -1) has been consumed; parses `{…}` if present. */
  private parseVectorSelector(nameTok: number): VectorSelector {
    const name = nameTok >= 0 ? this.text(nameTok) : '';
    const start = nameTok >= 0 ? this.starts[nameTok]! : this.starts[this.i]!;
    let end = nameTok >= 0 ? this.ends[nameTok]! : start;
    let matchers: Matcher[] = [];
    if (this.kind() === Tok.LEFT_BRACE) {
      matchers = this.parseLabelMatchers();
      end = this.lastEnd();
    }
    if (name !== '') matchers.push(Matcher.create('=', METRIC_NAME, name));
    return {
      kind: 'VectorSelector',
      name,
      matchers,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
      bypassEmptyMatcherCheck: false,
      valueType: 'vector',
      pos: { start, end },
    };
  }

  private parseLabelMatchers(): Matcher[] {
    this.advance(); // {
    const matchers: Matcher[] = [];
    while (this.kind() !== Tok.RIGHT_BRACE) {
      const k = this.kind();
      const nameAt = this.i;
      if (k === Tok.IDENTIFIER || k === Tok.STRING) {
        const name = k === Tok.STRING ? this.unquoteToken(nameAt) : this.text(nameAt);
        this.advance();
        const op = MATCH_OPS.get(this.kind());
        if (op === undefined) {
          if (k === Tok.STRING && (this.kind() === Tok.COMMA || this.kind() === Tok.RIGHT_BRACE)) {
            // A bare quoted string is the metric name: {"my.metric"}.
            this.pushMatcher(matchers, '=', METRIC_NAME, name, this.tokRange(nameAt));
          } else if (k === Tok.STRING) {
            this.unexpected('label matching', 'identifier or "}"');
          } else this.unexpected('label matching', 'label matching operator');
        } else {
          this.advance();
          if (this.kind() !== Tok.STRING) this.unexpected('label matching', 'string');
          const valueAt = this.i;
          const value = this.unquoteToken(valueAt);
          this.advance();
          this.pushMatcher(matchers, op, name, value, {
            start: this.starts[nameAt]!,
            end: this.ends[valueAt]!,
          });
        }
      } else this.unexpected('label matching', 'identifier or "}"');
      if (this.kind() === Tok.COMMA) this.advance();
      else if (this.kind() !== Tok.RIGHT_BRACE) this.unexpected('label matching', '"," or "}"');
    }
    this.advance(); // }
    return matchers;
  }

  private pushMatcher(out: Matcher[], op: MatchType, name: string, value: string, pos: PositionRange): void {
    try {
      out.push(Matcher.create(op, name, value));
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      this.addErr(pos, e.message);
    }
  }

  // --- calls and aggregations --------------------------------------------------------------

  private parseCall(): Call {
    const at = this.i;
    const name = this.text(at);
    let fn = getFunction(name);
    if (fn === undefined) {
      this.addErr(this.tokRange(at), `unknown function with name ${goQuote(name)}`);
      fn = { name, argTypes: [], variadic: -1, returnType: 'none', experimental: false };
    } else if (fn.experimental && !this.opts.enableExperimentalFunctions) {
      this.addErr(this.tokRange(at), `function ${goQuote(name)} is not enabled`);
    }
    this.advance();
    const args = this.parseCallBody();
    return {
      kind: 'Call',
      func: fn,
      args,
      valueType: fn.returnType,
      pos: { start: this.starts[at]!, end: this.lastEnd() },
    };
  }

  /** `( args )` of a call or aggregation; the current token is `(`. */
  private parseCallBody(): Expr[] {
    if (this.kind() !== Tok.LEFT_PAREN) this.unexpected();
    this.advance();
    const args: Expr[] = [];
    if (this.kind() === Tok.RIGHT_PAREN) {
      this.advance();
      return args;
    }
    for (;;) {
      args.push(this.parseBinary(1));
      if (this.kind() === Tok.COMMA) {
        const comma = this.i;
        this.advance();
        if (this.kind() === Tok.RIGHT_PAREN) {
          this.addErr(this.tokRange(comma), 'trailing commas not allowed in function call args');
          this.advance();
          return args;
        }
        continue;
      }
      if (this.kind() !== Tok.RIGHT_PAREN) this.unexpected();
      this.advance();
      return args;
    }
  }

  private parseAggregate(): AggregateExpr {
    const at = this.i;
    const op = this.text(at).toLowerCase() as AggregateOp;
    this.advance();
    return this.withContext('aggregation', '', () => {
      let grouping: string[] = [];
      let without = false;
      let modifierFirst = false;
      if (this.kind() === Tok.BY || this.kind() === Tok.WITHOUT) {
        without = this.kind() === Tok.WITHOUT;
        this.advance();
        grouping = this.parseGroupingLabels();
        modifierFirst = true;
      }
      const args = this.parseCallBody();
      if (!modifierFirst && (this.kind() === Tok.BY || this.kind() === Tok.WITHOUT)) {
        without = this.kind() === Tok.WITHOUT;
        this.advance();
        grouping = this.parseGroupingLabels();
      }
      return this.newAggregate(op, { start: this.starts[at]!, end: this.lastEnd() }, args, grouping, without);
    });
  }

  private newAggregate(
    op: AggregateOp,
    pos: PositionRange,
    args: Expr[],
    grouping: string[],
    without: boolean,
  ): AggregateExpr {
    const node: AggregateExpr = {
      kind: 'AggregateExpr',
      op,
      expr: placeholder(pos),
      param: null,
      grouping,
      without,
      valueType: 'vector',
      pos,
    };
    if (args.length === 0) {
      this.addErr(pos, 'no arguments for aggregate expression provided');
      return node;
    }
    let desired = 1;
    if (isAggregatorWithParam(op)) {
      if (!this.opts.enableExperimentalFunctions && isExperimentalAggregator(op)) {
        this.addErr(
          pos,
          `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
        );
        return node;
      }
      desired = 2;
      node.param = args[0]!;
    }
    if (args.length !== desired) {
      this.addErr(
        pos,
        `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`,
      );
      return node;
    }
    node.expr = args[desired - 1]!;
    return node;
  }

  /** `(label, "quoted label", …)` after by, without, on, ignoring, group_left, group_right. */
  private parseGroupingLabels(): string[] {
    if (this.kind() !== Tok.LEFT_PAREN) this.unexpected('grouping opts', '"("');
    this.advance();
    const labels: string[] = [];
    if (this.kind() === Tok.RIGHT_PAREN) {
      this.advance();
      return labels;
    }
    for (;;) {
      const k = this.kind();
      if (isLabelToken(k)) {
        labels.push(this.text());
        this.advance();
      } else if (k === Tok.STRING) {
        const at = this.i;
        const name = this.unquoteToken(at);
        if (!isValidLabelName(name))
          this.addErr(this.tokRange(at), `invalid label name for grouping: ${goQuote(name)}`);
        labels.push(name);
        this.advance();
      } else this.unexpected('grouping opts', 'label');
      if (this.kind() === Tok.COMMA) {
        this.advance();
        if (this.kind() === Tok.RIGHT_PAREN) {
          this.advance();
          return labels;
        }
      } else if (this.kind() === Tok.RIGHT_PAREN) {
        this.advance();
        return labels;
      } else this.unexpected('grouping opts', '"," or ")"');
    }
  }

  // --- binary operators --------------------------------------------------------------------

  private parseBinModifiers(): BinModifiers {
    const matching: VectorMatching = {
      card: 'one-to-one',
      matchingLabels: [],
      on: false,
      include: [],
      fillValues: { lhs: null, rhs: null },
    };
    let returnBool = false;
    if (this.kind() === Tok.BOOL) {
      returnBool = true;
      this.advance();
    }
    const k = this.kind();
    if (k === Tok.ON || k === Tok.IGNORING) {
      matching.on = k === Tok.ON;
      this.advance();
      matching.matchingLabels = this.parseGroupingLabels();
      const g = this.kind();
      if (g === Tok.GROUP_LEFT || g === Tok.GROUP_RIGHT) {
        matching.card = g === Tok.GROUP_LEFT ? 'many-to-one' : 'one-to-many';
        this.advance();
        if (this.kind() === Tok.LEFT_PAREN) matching.include = this.parseGroupingLabels();
      }
    }
    // fill(v) | fill_left(v) [fill_right(v)] | fill_right(v) [fill_left(v)]. A fill keyword not
    // followed by `(` is a metric name, the right operand (`other + fill`).
    const isFill = (kind: number): boolean =>
      this.kind() === kind && this.kind(this.i + 1) === Tok.LEFT_PAREN;
    if (isFill(Tok.FILL)) {
      this.advance();
      const v = this.parseFillValue();
      matching.fillValues.lhs = v;
      matching.fillValues.rhs = v;
    } else if (isFill(Tok.FILL_LEFT)) {
      this.advance();
      matching.fillValues.lhs = this.parseFillValue();
      if (isFill(Tok.FILL_RIGHT)) {
        this.advance();
        matching.fillValues.rhs = this.parseFillValue();
      }
    } else if (isFill(Tok.FILL_RIGHT)) {
      this.advance();
      matching.fillValues.rhs = this.parseFillValue();
      if (isFill(Tok.FILL_LEFT)) {
        this.advance();
        matching.fillValues.lhs = this.parseFillValue();
      }
    }
    return { returnBool, matching };
  }

  /** `( [+|-] number-or-duration )`. */
  private parseFillValue(): number {
    this.expect(Tok.LEFT_PAREN);
    let neg = false;
    if (this.kind() === Tok.ADD || this.kind() === Tok.SUB) {
      neg = this.kind() === Tok.SUB;
      this.advance();
    }
    if (this.kind() !== Tok.NUMBER && this.kind() !== Tok.DURATION) this.unexpected();
    const nl = this.parseNumberLiteral();
    this.expect(Tok.RIGHT_PAREN);
    return neg ? -nl.val : nl.val;
  }

  private newBinary(lhs: Expr, op: BinaryOp, mods: BinModifiers, rhs: Expr): BinaryExpr {
    const node: BinaryExpr = {
      kind: 'BinaryExpr',
      op,
      lhs,
      rhs,
      returnBool: mods.returnBool,
      vectorMatching: mods.matching,
      valueType: lhs.valueType === 'scalar' && rhs.valueType === 'scalar' ? 'scalar' : 'vector',
      pos: { start: lhs.pos.start, end: rhs.pos.end },
    };
    const fill = mods.matching.fillValues;
    if (!this.opts.enableBinopFillModifiers && (fill.lhs !== null || fill.rhs !== null)) {
      this.addErr(node.pos, 'binop fill modifiers are experimental and not enabled');
    }
    return node;
  }

  // --- type checking (Prometheus's checkAST) -----------------------------------------------

  private expectType(node: Expr, want: ValueType, context: string): void {
    const t = this.checkAST(node);
    if (t !== want) {
      this.addErr(node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
    }
  }

  /** The operator's range in a binary expression: between the operands, without surrounding space. */
  private opRange(n: BinaryExpr): PositionRange {
    const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
    let start = n.lhs.pos.end;
    while (start < this.input.length && isSpace(this.input.charCodeAt(start))) start++;
    let end = n.rhs.pos.start - 1;
    while (end > start && isSpace(this.input.charCodeAt(end))) end--;
    return { start, end };
  }

  private checkAST(node: Expr): ValueType {
    const typ = node.valueType;
    switch (node.kind) {
      case 'AggregateExpr':
        this.expectType(node.expr, 'vector', 'aggregation expression');
        if (
          node.op === 'topk' ||
          node.op === 'bottomk' ||
          node.op === 'quantile' ||
          node.op === 'limitk' ||
          node.op === 'limit_ratio'
        ) {
          this.expectType(node.param!, 'scalar', 'aggregation parameter');
        }
        if (node.op === 'count_values') this.expectType(node.param!, 'string', 'aggregation parameter');
        break;
      case 'BinaryExpr':
        this.checkBinary(node);
        break;
      case 'Call':
        this.checkCall(node);
        break;
      case 'ParenExpr':
        this.checkAST(node.expr);
        break;
      case 'UnaryExpr': {
        const t = this.checkAST(node.expr);
        if (t !== 'scalar' && t !== 'vector') {
          this.addErr(
            node.pos,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`,
          );
        }
        break;
      }
      case 'SubqueryExpr': {
        const t = this.checkAST(node.expr);
        if (t !== 'vector')
          this.addErr(node.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'MatrixSelector':
        this.checkAST(node.vectorSelector);
        break;
      case 'VectorSelector':
        this.checkVectorSelector(node);
        break;
      case 'StepInvariantExpr':
        this.checkAST(node.expr);
        break;
      case 'NumberLiteral':
      case 'StringLiteral':
        break;
      case 'DurationExpr':
        this.addErr(node.pos, 'unknown node type: *parser.DurationExpr');
        break;
    }
    return typ;
  }

  /**
   * Checks a binary expression and its left spine without recursing down the spine, so that a
   * long `a + b + c + …` chain costs no stack. The order of checks and errors is Prometheus's:
   * the left operand first, then the right, then the node itself.
   */
  private checkBinary(top: BinaryExpr): void {
    const spine: BinaryExpr[] = [top];
    let base = top.lhs;
    while (base.kind === 'BinaryExpr') {
      spine.push(base);
      base = base.lhs;
    }
    let lt = this.checkAST(base);
    for (let i = spine.length - 1; i >= 0; i--) {
      const n = spine[i]!;
      this.checkBinaryNode(n, lt);
      lt = n.valueType;
    }
  }

  private checkBinaryNode(n: BinaryExpr, lt: ValueType): void {
    const rt = this.checkAST(n.rhs);
    if (n.returnBool && !isComparisonOperator(n.op)) {
      this.addErr(this.opRange(n), 'bool modifier can only be used on comparison operators');
    }
    if (
      isComparisonOperator(n.op) &&
      !n.returnBool &&
      n.rhs.valueType === 'scalar' &&
      n.lhs.valueType === 'scalar'
    ) {
      this.addErr(this.opRange(n), 'comparisons between scalars must use BOOL modifier');
    }
    const vm = n.vectorMatching;
    if (vm !== null) {
      if (isSetOperator(n.op) && vm.card === 'one-to-one') vm.card = 'many-to-many';
      if (vm.on) {
        for (const l1 of vm.matchingLabels) {
          for (const l2 of vm.include) {
            if (l1 === l2)
              this.addErr(
                this.opRange(n),
                `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`,
              );
          }
        }
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') {
      this.addErr(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
    }
    if (rt !== 'scalar' && rt !== 'vector') {
      this.addErr(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
    }
    if (vm !== null) {
      const filled = vm.fillValues.lhs !== null || vm.fillValues.rhs !== null;
      if (lt !== 'vector' || rt !== 'vector') {
        if (vm.matchingLabels.length > 0)
          this.addErr(n.pos, 'vector matching only allowed between instant vectors');
        if (filled) this.addErr(n.pos, 'filling in missing series only allowed between instant vectors');
        n.vectorMatching = null;
      } else if (isSetOperator(n.op)) {
        if (vm.card === 'one-to-many' || vm.card === 'many-to-one') {
          this.addErr(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
        }
        if (vm.card !== 'many-to-many') this.addErr(n.pos, 'set operations must always be many-to-many');
        if (filled) this.addErr(n.pos, 'filling in missing series not allowed for set operators');
      }
    }
    if ((lt === 'scalar' || rt === 'scalar') && isSetOperator(n.op)) {
      this.addErr(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
    }
  }

  private checkCall(n: Call): void {
    const fn: FunctionDef = n.func;
    const nargs = fn.argTypes.length;
    if (fn.variadic === 0) {
      if (nargs !== n.args.length) {
        this.addErr(
          n.pos,
          `expected ${nargs} argument(s) in call to ${goQuote(fn.name)}, got ${n.args.length}`,
        );
      }
    } else {
      const na = nargs - 1;
      if (na > n.args.length) {
        this.addErr(
          n.pos,
          `expected at least ${na} argument(s) in call to ${goQuote(fn.name)}, got ${n.args.length}`,
        );
      } else if (fn.variadic > 0 && na + fn.variadic < n.args.length) {
        this.addErr(
          n.pos,
          `expected at most ${na + fn.variadic} argument(s) in call to ${goQuote(fn.name)}, got ${n.args.length}`,
        );
      }
    }
    if (fn.name === 'info' && n.args.length > 1) {
      const arg = n.args[1]!;
      if (arg.valueType !== 'vector') {
        this.addErr(
          n.pos,
          `expected type instant vector in call to function ${goQuote(fn.name)}, got ${documentedType(arg.valueType)}`,
        );
      }
      if (arg.kind === 'VectorSelector' && arg.name !== '') {
        this.addErr(arg.pos, 'expected label selectors only, got vector selector instead');
      } else if (arg.kind === 'VectorSelector') {
        arg.bypassEmptyMatcherCheck = true;
      } else {
        this.addErr(arg.pos, 'expected label selectors only');
      }
    }
    for (let i = 0; i < n.args.length; i++) {
      let ti = i;
      if (ti >= nargs) {
        // Extra arguments of a fixed-arity function were reported above; variadic ones repeat the last type.
        if (fn.variadic === 0) break;
        ti = nargs - 1;
      }
      const arg = n.args[i]!;
      const t = this.checkAST(arg);
      const want = fn.argTypes[ti];
      if (want !== undefined && t !== want) {
        this.addErr(
          arg.pos,
          `expected type ${documentedType(want)} in call to function ${goQuote(fn.name)}, got ${documentedType(t)}`,
        );
      }
    }
  }

  private checkVectorSelector(n: VectorSelector): void {
    if (n.name !== '') {
      // The last matcher is the one for the name written before the braces.
      for (let i = 0; i < n.matchers.length - 1; i++) {
        const m = n.matchers[i]!;
        if (m.name === METRIC_NAME) {
          this.addErr(n.pos, `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`);
        }
      }
      return;
    }
    if (!n.bypassEmptyMatcherCheck && !n.matchers.some((m) => !m.matches(''))) {
      this.addErr(n.pos, 'vector selector must contain at least one non-empty matcher');
    }
  }
}
