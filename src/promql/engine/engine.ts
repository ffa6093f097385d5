/**
 * The PromQL engine: parses a query with the enabled features, prepares it as Prometheus does
 * (`@ start()`/`@ end()` resolved, duration expressions evaluated, step-invariant parts wrapped),
 * evaluates it over the query's steps and shapes the result.
 */
import { Labels } from '../../model/labels.js';
import type { Queryable } from '../../storage/interface.js';
import { children, type Expr } from '../parser/ast.js';
import { evaluateDurationMs, DurationExprError } from '../parser/duration-expr.js';
import { ParseError } from '../parser/errors.js';
import { parseExpr, type ParseOptions } from '../parser/parser.js';
import { Evaluator, wrapStepInvariant, type EvalSettings } from './evaluator.js';
import {
  Annotations,
  QueryError,
  type MatrixSeries,
  type QueryResult,
  type QueryValue,
  type Sample,
} from './types.js';
import { METRIC_NAME, containsSameLabelset, dropMetricName, type StepSeries } from './vector.js';

/** Feature flags (Prometheus's `--enable-feature` names) that the engine understands. */
export const ENGINE_FEATURES = [
  'promql-experimental-functions',
  'promql-delayed-name-removal',
  'promql-duration-expr',
  'promql-extended-range-selectors',
  'promql-binop-fill-modifiers',
] as const;

/** One of {@link ENGINE_FEATURES}. */
export type EngineFeature = (typeof ENGINE_FEATURES)[number];

/** Engine settings, named after Prometheus's flags. */
export interface EngineOptions {
  /** `--query.lookback-delta`, ms (default 5m). */
  lookbackDelta?: number;
  /** `--query.max-samples` (default 50,000,000). */
  maxSamples?: number;
  /** `--query.timeout`, ms (default 2m). */
  timeout?: number;
  /** Step of subqueries written without one, ms (default 1m). */
  noStepSubqueryInterval?: number;
  /** Enabled features, by Prometheus flag name. */
  features?: readonly EngineFeature[];
}

const DEFAULT_LOOKBACK = 5 * 60 * 1000;

/** Evaluates PromQL queries against a {@link Queryable}. */
export class Engine {
  private readonly lookbackDelta: number;
  private readonly maxSamples: number;
  private readonly timeout: number;
  private readonly noStepSubqueryInterval: number;
  private readonly features: ReadonlySet<string>;

  /** Creates an engine. */
  constructor(opts: EngineOptions = {}) {
    this.lookbackDelta = opts.lookbackDelta && opts.lookbackDelta > 0 ? opts.lookbackDelta : DEFAULT_LOOKBACK;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.timeout = opts.timeout ?? 120_000;
    this.noStepSubqueryInterval = opts.noStepSubqueryInterval ?? 60_000;
    this.features = new Set(opts.features ?? []);
  }

  /** The parser options for the enabled features. */
  parseOptions(): ParseOptions {
    return {
      enableExperimentalFunctions: this.features.has('promql-experimental-functions'),
      enableDurationExpressions: this.features.has('promql-duration-expr'),
      enableExtendedRangeSelectors: this.features.has('promql-extended-range-selectors'),
      enableBinopFillModifiers: this.features.has('promql-binop-fill-modifiers'),
    };
  }

  private parse(qs: string): Expr {
    try {
      return parseExpr(qs, this.parseOptions());
    } catch (e) {
      if (e instanceof ParseError) throw new QueryError('bad_data', e.message);
      throw e;
    }
  }

  /** Evaluates `qs` at time `t` (ms). */
  instantQuery(queryable: Queryable, qs: string, t: number): QueryResult {
    const expr = this.parse(qs);
    return this.exec(queryable, expr, t, t, 0, true);
  }

  /** Evaluates `qs` from `start` to `end` every `step` (all ms). */
  rangeQuery(queryable: Queryable, qs: string, start: number, end: number, step: number): QueryResult {
    const expr = this.parse(qs);
    if (step <= 0)
      throw new QueryError('bad_data', 'zero or negative query resolution step widths are not accepted');
    if (end < start) throw new QueryError('bad_data', 'end timestamp must not be before start time');
    if (expr.valueType !== 'scalar' && expr.valueType !== 'vector') {
      throw new QueryError(
        'bad_data',
        `invalid expression type "${expr.valueType === 'matrix' ? 'range vector' : expr.valueType}" for range query, must be Scalar or instant Vector`,
      );
    }
    return this.exec(queryable, expr, start, end, step, false);
  }

  private exec(
    queryable: Queryable,
    parsed: Expr,
    start: number,
    end: number,
    step: number,
    instant: boolean,
  ): QueryResult {
    const ann = new Annotations();
    prepare(parsed, start, end, step);
    const expr = wrapStepInvariant(parsed);
    const settings: EvalSettings = {
      queryable,
      lookbackDelta: this.lookbackDelta,
      noStepSubqueryInterval: this.noStepSubqueryInterval,
      maxSamples: this.maxSamples,
      deadline: Date.now() + this.timeout,
      delayedNameRemoval: this.features.has('promql-delayed-name-removal'),
      ann,
      queryStart: start,
      queryEnd: end,
      queryStep: step,
      samples: { current: 0 },
    };
    const ev = new Evaluator(settings, start, end, instant ? 1 : step);
    const r = ev.eval(expr);
    let value: QueryValue;
    switch (r.kind) {
      case 'string':
        value = { type: 'string', t: start, v: r.s };
        break;
      case 'scalar':
        if (instant) value = { type: 'scalar', t: start, v: r.vs[0]! };
        else {
          const ts = new Float64Array(ev.numSteps);
          for (let i = 0; i < ev.numSteps; i++) ts[i] = ev.stepT(i);
          value = { type: 'matrix', series: [{ metric: Labels.EMPTY, ts, vs: r.vs.slice() }] };
        }
        break;
      case 'matrix': {
        const series = r.series.map((s) => ({
          metric: settings.delayedNameRemoval && s.dropName ? dropMetricName(s.metric) : s.metric,
          ts: s.ts.slice(0, s.n),
          vs: s.vs.slice(0, s.n),
        }));
        if (settings.delayedNameRemoval && containsSameLabelset(series.map((s) => s.metric))) {
          throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
        }
        value = { type: 'matrix', series };
        break;
      }
      case 'vector': {
        const series = finishNames(r.series, settings.delayedNameRemoval);
        if (instant) {
          const samples: Sample[] = [];
          for (const s of series) if (s.has[0]) samples.push({ metric: s.metric, t: start, v: s.vs[0]! });
          value = { type: 'vector', samples };
        } else {
          const out: MatrixSeries[] = [];
          for (const s of series) {
            const m = ev.toRaw(s);
            if (m.n > 0) out.push({ metric: s.metric, ts: m.ts, vs: m.vs });
          }
          out.sort((a, b) => Labels.compare(a.metric, b.metric));
          value = { type: 'matrix', series: out };
        }
        break;
      }
    }
    return { value, warnings: [...ann.warnings], infos: [...ann.infos] };
  }
}

/** Applies delayed name removal at the end of a query and checks that label sets stay unique. */
function finishNames(series: StepSeries[], delayed: boolean): StepSeries[] {
  if (!delayed) return series;
  let changed = false;
  for (const s of series) {
    if (s.dropName && s.metric.has(METRIC_NAME)) {
      s.metric = dropMetricName(s.metric);
      changed = true;
    }
    s.dropName = false;
  }
  if (changed || series.length > 1) {
    // Series that became equal may still be merged if they never share a step.
    const byKey = new Map<string, StepSeries>();
    const out: StepSeries[] = [];
    for (const s of series) {
      const k = s.metric.flat().join('\xff');
      const o = byKey.get(k);
      if (!o) {
        byKey.set(k, s);
        out.push(s);
        continue;
      }
      for (let i = 0; i < s.has.length; i++) {
        if (!s.has[i]) continue;
        if (o.has[i])
          throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
        o.has[i] = 1;
        o.vs[i] = s.vs[i]!;
      }
    }
    return out;
  }
  return series;
}

/** Resolves `@ start()`/`@ end()` and duration expressions in place, as Prometheus does before evaluation. */
function prepare(e: Expr, start: number, end: number, step: number): void {
  const ctx = { stepMs: step, rangeMs: end - start };
  const dur = (x: Expr, allowNeg: boolean): number => {
    try {
      return evaluateDurationMs(x, ctx, allowNeg);
    } catch (err) {
      if (err instanceof DurationExprError) throw new QueryError('bad_data', err.message);
      throw err;
    }
  };
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === 'VectorSelector' || n.kind === 'SubqueryExpr') {
      if (n.startOrEnd === 'start') n.timestamp = start;
      else if (n.startOrEnd === 'end') n.timestamp = end;
      if (n.offsetExpr) n.offset = dur(n.offsetExpr, true);
    }
    if (n.kind === 'MatrixSelector' && n.rangeExpr) n.range = dur(n.rangeExpr, false);
    if (n.kind === 'SubqueryExpr') {
      if (n.rangeExpr) n.range = dur(n.rangeExpr, false);
      if (n.stepExpr) n.step = dur(n.stepExpr, false);
    }
    for (const c of children(n)) stack.push(c);
  }
}
