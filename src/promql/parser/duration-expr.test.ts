// Duration expression evaluation: step(), range(), arithmetic, and Prometheus's truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr } from './parser.js';
import { DurationExprError, evaluateDurationMs } from './duration-expr.js';
import type { DurationExpr } from './ast.js';

function rangeExpr(q: string): DurationExpr {
  const e = parseExpr(q, ALL_FEATURES);
  assert.ok(e.kind === 'MatrixSelector' && e.rangeExpr !== null, q);
  return e.rangeExpr;
}

test('duration expressions evaluate to milliseconds', () => {
  const ctx = { stepMs: 10_000, rangeMs: 60_000 };
  const cases: [string, number][] = [
    ['x[26m+4m]', 1_800_000],
    ['x[60*30]', 1_800_000],
    ['x[2m*(10+5)]', 1_800_000],
    ['x[24m+((1.5*2m)+2m)]', 1_740_000],
    ['x[-5m+35m]', 1_800_000],
    ['x[1h/2]', 1_800_000],
    ['x[1h30m % 1h]', 1_800_000],
    ['x[30m1s-30m1s % 1m]', 1_800_000],
    ['x[(9m30s+30s)*3]', 1_800_000],
    ['x[step()]', 10_000],
    ['x[step()+1ms]', 10_001],
    ['x[1+(STep()-5)*2]', 11_000],
    ['x[range()]', 60_000],
    ['x[min_of(step()+1,1h)]', 11_000],
    ['x[max_of(min_of(step()+1,1h),1ms)]', 11_000],
    ['x[2^3]', 8_000],
    ['x[1.0005 + 0]', 1_000],
  ];
  for (const [q, ms] of cases) assert.equal(evaluateDurationMs(rangeExpr(q), ctx, false), ms, q);
  assert.throws(() => evaluateDurationMs(rangeExpr('x[step()-10s]'), ctx, false), DurationExprError);
  assert.throws(() => evaluateDurationMs(rangeExpr('x[1m/(step()-10s)]'), ctx, false), /division by zero/);
  const off = parseExpr('x offset -(step()*2)', ALL_FEATURES);
  assert.ok(off.kind === 'VectorSelector' && off.offsetExpr !== null);
  assert.equal(evaluateDurationMs(off.offsetExpr, ctx, true), -20_000);
});
