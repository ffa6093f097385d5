/**
 * Evaluation of experimental duration expressions (`x[5m+1m]`, `offset step()`), as Prometheus
 * resolves them before running a query: arithmetic on seconds, then conversion to milliseconds.
 */
import type { Expr } from './ast.js';

/** The query's step and range, which `step()` and `range()` stand for, in milliseconds. */
export interface DurationContext {
  /** The query step (0 for an instant query). */
  readonly stepMs: number;
  /** End minus start of the query (0 for an instant query). */
  readonly rangeMs: number;
}

/** An error evaluating a duration expression, e.g. `division by zero`. */
export class DurationExprError extends Error {}

/** The value of a duration expression in seconds. */
export function evaluateDurationSeconds(e: Expr, ctx: DurationContext): number {
  if (e.kind === 'NumberLiteral') return e.val;
  if (e.kind === 'ParenExpr') return evaluateDurationSeconds(e.expr, ctx);
  if (e.kind !== 'DurationExpr') throw new DurationExprError(`unexpected ${e.kind} in duration expression`);
  const lhs = e.lhs !== null ? evaluateDurationSeconds(e.lhs, ctx) : 0;
  const rhs = e.rhs !== null ? evaluateDurationSeconds(e.rhs, ctx) : 0;
  switch (e.op) {
    case 'step':
      return ctx.stepMs / 1000;
    case 'range':
      return ctx.rangeMs / 1000;
    case 'min':
      return Math.min(lhs, rhs);
    case 'max':
      return Math.max(lhs, rhs);
    case '+':
      return e.lhs === null ? rhs : lhs + rhs;
    case '-':
      return e.lhs === null ? -rhs : lhs - rhs;
    case '*':
      return lhs * rhs;
    case '/':
      if (rhs === 0) throw new DurationExprError(`${e.pos.start}:${e.pos.end}: division by zero`);
      return lhs / rhs;
    case '%':
      if (rhs === 0) throw new DurationExprError(`${e.pos.start}:${e.pos.end}: modulo by zero`);
      return lhs % rhs;
    case '^':
      return Math.pow(lhs, rhs);
  }
}

/**
 * A duration expression in milliseconds, truncated as Prometheus truncates
 * (`time.Duration(seconds*1000) * time.Millisecond`). Unless `allowNegative` (offsets), a result
 * that is not positive is an error.
 */
export function evaluateDurationMs(e: Expr, ctx: DurationContext, allowNegative: boolean): number {
  const s = evaluateDurationSeconds(e, ctx);
  if (!allowNegative && !(s > 0)) {
    throw new DurationExprError(`${e.pos.start}:${e.pos.end}: duration must be greater than 0`);
  }
  if (!(Math.abs(s) <= 2 ** 63 / 1e9))
    throw new DurationExprError(`${e.pos.start}:${e.pos.end}: duration is out of range`);
  const ms = Math.trunc(s * 1000);
  return ms === 0 ? 0 : ms;
}
