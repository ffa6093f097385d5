/**
 * The PromQL abstract syntax tree, mirroring Prometheus's parser.Expr node types. Nodes are plain
 * objects discriminated by `kind`; each carries its source position (UTF-16 offsets into the
 * query) and its static value type. Durations and timestamps are integer milliseconds.
 */
import type { Matcher } from '../../model/matcher.js';
import type { FunctionDef } from './functions.js';

/** The static type of an expression; `none` only for things that are not expressions. */
export type ValueType = 'none' | 'scalar' | 'vector' | 'matrix' | 'string';

/** How Prometheus names a value type in error messages: "instant vector", "range vector", … */
export function documentedType(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

/** A half-open range of UTF-16 offsets `[start, end)` into the query text. */
export interface PositionRange {
  /** First offset of the node. */
  start: number;
  /** Offset just past the node. */
  end: number;
}

/** Binary operators, spelled as in PromQL. */
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | 'atan2'
  | '=='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'and'
  | 'or'
  | 'unless'
  | '</'
  | '>/';

/** Aggregation operators. */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

/** True for `==`, `!=`, `>`, `<`, `>=`, `<=` (the operators that take `bool`). */
export function isComparisonOperator(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

/** True for the set operators `and`, `or`, `unless`. */
export function isSetOperator(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** True for the aggregations that take a parameter before the vector (`topk(3, x)`). */
export function isAggregatorWithParam(op: AggregateOp): boolean {
  return (
    op === 'topk' ||
    op === 'bottomk' ||
    op === 'count_values' ||
    op === 'quantile' ||
    op === 'limitk' ||
    op === 'limit_ratio'
  );
}

/** True for the aggregations behind the experimental-functions feature flag. */
export function isExperimentalAggregator(op: AggregateOp): boolean {
  return op === 'limitk' || op === 'limit_ratio';
}

/** Which side of a vector match may have several series per match group. */
export type VectorMatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** The `on`/`ignoring`, `group_left`/`group_right` and `fill` modifiers of a binary operation between vectors. */
export interface VectorMatching {
  /** The cardinality; set operators are always many-to-many. */
  card: VectorMatchCardinality;
  /** The labels of `on(…)` or `ignoring(…)`. */
  matchingLabels: string[];
  /** True for `on(…)`, false for `ignoring(…)` or no clause. */
  on: boolean;
  /** The extra labels of `group_left(…)` / `group_right(…)`. */
  include: string[];
  /** Values filled in for series missing on one side (`fill`, `fill_left`, `fill_right`); null when not filled. */
  fillValues: { lhs: number | null; rhs: number | null };
}

/** Any PromQL expression. */
export type Expr =
  | AggregateExpr
  | BinaryExpr
  | Call
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | StringLiteral
  | ParenExpr
  | UnaryExpr
  | VectorSelector
  | StepInvariantExpr
  | DurationExpr;

/** The `@` preprocessors `start()` and `end()`. */
export type AtPreprocessor = 'start' | 'end';

/** `sum by (job) (x)`, `topk(3, x)`, `count_values("v", x)`. */
export interface AggregateExpr {
  /** Discriminator. */
  kind: 'AggregateExpr';
  /** The aggregation. */
  op: AggregateOp;
  /** The vector aggregated. */
  expr: Expr;
  /** The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio; else null. */
  param: Expr | null;
  /** The `by`/`without` labels. */
  grouping: string[];
  /** True for `without`. */
  without: boolean;
  /** Always `vector`. */
  valueType: 'vector';
  /** Source position. */
  pos: PositionRange;
}

/** `a + b`, `a > bool b`, `a * on(x) group_left(y) b`. */
export interface BinaryExpr {
  /** Discriminator. */
  kind: 'BinaryExpr';
  /** The operator. */
  op: BinaryOp;
  /** Left operand. */
  lhs: Expr;
  /** Right operand. */
  rhs: Expr;
  /** True with the `bool` modifier. */
  returnBool: boolean;
  /** Vector matching; null when an operand is a scalar. */
  vectorMatching: VectorMatching | null;
  /** `scalar` when both operands are scalars, else `vector`. */
  valueType: ValueType;
  /** Source position. */
  pos: PositionRange;
}

/** A function call, `rate(x[5m])`. */
export interface Call {
  /** Discriminator. */
  kind: 'Call';
  /** The function. */
  func: FunctionDef;
  /** The arguments. */
  args: Expr[];
  /** The function's return type. */
  valueType: ValueType;
  /** Source position. */
  pos: PositionRange;
}

/** `x[5m]`: a vector selector with a range. */
export interface MatrixSelector {
  /** Discriminator. */
  kind: 'MatrixSelector';
  /** The selector; a {@link VectorSelector} in every valid query (it carries offset and `@`). */
  vectorSelector: Expr;
  /** The range in milliseconds (0 while {@link rangeExpr} is set). */
  range: number;
  /** The range as a duration expression (`x[5m+1m]`), resolved at evaluation; else null. */
  rangeExpr: DurationExpr | null;
  /** Always `matrix`. */
  valueType: 'matrix';
  /** Source position. */
  pos: PositionRange;
}

/** `expr[1h:5m]`, `expr[1h:]`. */
export interface SubqueryExpr {
  /** Discriminator. */
  kind: 'SubqueryExpr';
  /** The inner expression. */
  expr: Expr;
  /** The range in milliseconds (0 while {@link rangeExpr} is set). */
  range: number;
  /** The range as a duration expression; else null. */
  rangeExpr: DurationExpr | null;
  /** The step in milliseconds; 0 when omitted (the engine's default step applies). */
  step: number;
  /** The step as a duration expression; else null. */
  stepExpr: DurationExpr | null;
  /** The offset in milliseconds, as written (may be negative). */
  offset: number;
  /** The offset as a duration expression; else null. */
  offsetExpr: DurationExpr | null;
  /** The `@` timestamp in milliseconds, or null. */
  timestamp: number | null;
  /** `@ start()` / `@ end()`, or null. */
  startOrEnd: AtPreprocessor | null;
  /** Always `matrix`. */
  valueType: 'matrix';
  /** Source position. */
  pos: PositionRange;
}

/** A number, `1`, `0x1f`, `Inf`, or a duration used as a number of seconds (`5m`). */
export interface NumberLiteral {
  /** Discriminator. */
  kind: 'NumberLiteral';
  /** The value. */
  val: number;
  /** True when written as a duration (`5m`); printed back as one. */
  duration: boolean;
  /** Always `scalar`. */
  valueType: 'scalar';
  /** Source position. */
  pos: PositionRange;
}

/** A string, `"abc"`. */
export interface StringLiteral {
  /** Discriminator. */
  kind: 'StringLiteral';
  /** The unquoted value. */
  val: string;
  /** Always `string`. */
  valueType: 'string';
  /** Source position. */
  pos: PositionRange;
}

/** `(expr)`. */
export interface ParenExpr {
  /** Discriminator. */
  kind: 'ParenExpr';
  /** The inner expression. */
  expr: Expr;
  /** The inner expression's type. */
  valueType: ValueType;
  /** Source position. */
  pos: PositionRange;
}

/** `-expr`, `+expr` (a sign on a number literal is folded into the literal instead). */
export interface UnaryExpr {
  /** Discriminator. */
  kind: 'UnaryExpr';
  /** The sign. */
  op: '+' | '-';
  /** The operand. */
  expr: Expr;
  /** The operand's type. */
  valueType: ValueType;
  /** Source position. */
  pos: PositionRange;
}

/** `name{label="v"} @ t offset d`. */
export interface VectorSelector {
  /** Discriminator. */
  kind: 'VectorSelector';
  /** The metric name written before the braces, or `""`. */
  name: string;
  /** All matchers, including the implicit `__name__` matcher for {@link name} (last). */
  matchers: Matcher[];
  /** The offset in milliseconds, as written (may be negative). */
  offset: number;
  /** The offset as a duration expression; else null. */
  offsetExpr: DurationExpr | null;
  /** The `@` timestamp in milliseconds, or null. */
  timestamp: number | null;
  /** `@ start()` / `@ end()`, or null. */
  startOrEnd: AtPreprocessor | null;
  /** The experimental `anchored` modifier. */
  anchored: boolean;
  /** The experimental `smoothed` modifier. */
  smoothed: boolean;
  /** Set for info()'s label-selector argument, which may match the empty string. */
  bypassEmptyMatcherCheck: boolean;
  /** Always `vector`. */
  valueType: 'vector';
  /** Source position. */
  pos: PositionRange;
}

/** Marks a subtree whose value does not change with the evaluation step (built by the engine, not the parser). */
export interface StepInvariantExpr {
  /** Discriminator. */
  kind: 'StepInvariantExpr';
  /** The wrapped expression. */
  expr: Expr;
  /** The wrapped expression's type. */
  valueType: ValueType;
  /** Source position. */
  pos: PositionRange;
}

/** Operators of a duration expression; `min`/`max` are `min_of()`/`max_of()`. */
export type DurationOp = '+' | '-' | '*' | '/' | '%' | '^' | 'step' | 'range' | 'min' | 'max';

/**
 * An experimental duration expression in a range, step or offset: `5m+1m`, `step()`,
 * `min_of(step(), 1h)`. Operands are {@link NumberLiteral}s (seconds) or DurationExprs; a unary
 * minus has only {@link rhs}.
 */
export interface DurationExpr {
  /** Discriminator. */
  kind: 'DurationExpr';
  /** The operation. */
  op: DurationOp;
  /** Left operand, null for unary and nullary operations. */
  lhs: Expr | null;
  /** Right operand, null for `step()` and `range()`. */
  rhs: Expr | null;
  /** True when written in parentheses (printed back with them). */
  wrapped: boolean;
  /** Always `scalar`. */
  valueType: 'scalar';
  /** Source position. */
  pos: PositionRange;
}

/** The child expressions of a node (Prometheus's Children); duration expressions are not children. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'Call':
      return e.args;
    case 'MatrixSelector':
      return [e.vectorSelector];
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'StepInvariantExpr':
      return [e.expr];
    default:
      return [];
  }
}
