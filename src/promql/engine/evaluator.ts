/**
 * The evaluator: evaluates an expression over all steps of a query at once, as Prometheus's
 * evaluator does. Selectors read each series once and produce its value at every step;
 * operators and functions then run step by step over those columns.
 */
import { Labels, LabelsBuilder } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { isStaleNaN } from '../../model/value.js';
import { ValueType, type Queryable } from '../../storage/interface.js';
import type {
  AggregateExpr,
  BinaryExpr,
  Call,
  Expr,
  MatrixSelector,
  SubqueryExpr,
  VectorSelector,
} from '../parser/ast.js';
import { isSetOperator } from '../parser/ast.js';
import { Aggregator } from './aggregate.js';
import {
  SignatureCache,
  floatBinop,
  setBinop,
  shouldDropMetricName,
  vectorBinop,
  type VectorBinopContext,
} from './binary.js';
import {
  DATE_FUNCTIONS,
  SIMPLE_FUNCTIONS,
  classicHistogramFunction,
  labelJoin,
  labelReplace,
  roundTo,
  sortByLabel,
} from './instant-functions.js';
import { formatGoF6 } from './mathutil.js';
import { formatFloatF } from '../parser/format.js';
import { RANGE_KERNELS, type RangeKernelContext } from './range-functions.js';
import { Annotations, QueryError, TOO_MANY_SAMPLES_MESSAGE } from './types.js';
import {
  METRIC_NAME,
  SeriesAccumulator,
  Vec,
  containsSameLabelset,
  dropMetricName,
  newStepSeries,
  type RawSeries,
  type StepSeries,
} from './vector.js';

/** What an expression evaluates to over the steps of an evaluation. */
export type EvalResult =
  | { kind: 'vector'; series: StepSeries[] }
  | { kind: 'scalar'; vs: Float64Array }
  | { kind: 'string'; s: string }
  | { kind: 'matrix'; series: RawSeries[] };

/** Settings shared by the evaluators of one query. */
export interface EvalSettings {
  /** The storage. */
  queryable: Queryable;
  /** Lookback delta, ms. */
  lookbackDelta: number;
  /** Step of subqueries without one, ms. */
  noStepSubqueryInterval: number;
  /** Maximum samples in memory. */
  maxSamples: number;
  /** Deadline (Date.now() based), ms. */
  deadline: number;
  /** Delayed `__name__` removal. */
  delayedNameRemoval: boolean;
  /** Annotations of the query. */
  ann: Annotations;
  /** The query's start, ms (for start() and range()). */
  queryStart: number;
  /** The query's end, ms. */
  queryEnd: number;
  /** The query's step, ms (0 for instant queries). */
  queryStep: number;
  /** Samples currently held (for maxSamples). */
  samples: { current: number };
}

/** Functions whose result depends on the evaluation time, so `@` cannot make them invariant. */
const AT_MODIFIER_UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

/** Functions that accept the `anchored` modifier. */
const ANCHORED_FUNCTIONS = new Set(['changes', 'delta', 'increase', 'rate', 'resets']);

/** Functions that accept the `smoothed` modifier. */
const SMOOTHED_FUNCTIONS = new Set(['delta', 'increase', 'rate']);

/** Functions that keep `__name__` (they select samples rather than compute new values). */
const KEEP_NAME_RANGE = new Set(['last_over_time', 'first_over_time']);

/** Wraps step-invariant subtrees in StepInvariantExpr (Prometheus's PreprocessExpr); returns the new root. */
export function wrapStepInvariant(e: Expr): Expr {
  if (preprocess(e)) return stepInvariant(e);
  return e;
}

function stepInvariant(e: Expr): Expr {
  if (e.kind === 'NumberLiteral' || e.kind === 'StringLiteral') return e;
  return { kind: 'StepInvariantExpr', expr: e, valueType: e.valueType, pos: e.pos };
}

function preprocess(e: Expr): boolean {
  switch (e.kind) {
    case 'VectorSelector':
      return e.timestamp !== null;
    case 'MatrixSelector':
      return preprocess(e.vectorSelector);
    case 'SubqueryExpr': {
      if (preprocess(e.expr)) e.expr = stepInvariant(e.expr);
      return e.timestamp !== null;
    }
    case 'NumberLiteral':
    case 'StringLiteral':
      return true;
    case 'ParenExpr':
    case 'UnaryExpr':
      return preprocess(e.expr);
    case 'StepInvariantExpr':
      return true;
    case 'Call': {
      let inv = !AT_MODIFIER_UNSAFE.has(e.func.name);
      const each = e.args.map((a) => preprocess(a));
      for (const x of each) inv = inv && x;
      if (inv) return true;
      e.args = e.args.map((a, i) => (each[i] ? stepInvariant(a) : a));
      return false;
    }
    case 'AggregateExpr': {
      const p = e.param ? preprocess(e.param) : true;
      const inv = preprocess(e.expr);
      if (inv && p) return true;
      if (e.param && p) e.param = stepInvariant(e.param);
      if (inv) e.expr = stepInvariant(e.expr);
      return false;
    }
    case 'BinaryExpr': {
      const l = preprocess(e.lhs);
      const r = preprocess(e.rhs);
      if (l && r) return true;
      if (l) e.lhs = stepInvariant(e.lhs);
      if (r) e.rhs = stepInvariant(e.rhs);
      return false;
    }
    default:
      return false;
  }
}

function unwrap(e: Expr): Expr {
  while (e.kind === 'ParenExpr' || e.kind === 'StepInvariantExpr') e = e.expr;
  return e;
}

/** Evaluates expressions over the steps `start, start+interval, …, end`. */
export class Evaluator {
  /** Number of steps. */
  readonly numSteps: number;
  private readonly vecPool: Vec[] = [];

  constructor(
    readonly s: EvalSettings,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.numSteps = Math.floor((end - start) / interval) + 1;
  }

  /** The timestamp of step `i`. */
  stepT(i: number): number {
    return this.start + i * this.interval;
  }

  private checkDeadline(): void {
    if (Date.now() > this.s.deadline)
      throw new QueryError('timeout', 'query timed out in expression evaluation');
  }

  private addSamples(n: number): void {
    this.s.samples.current += n;
    if (this.s.samples.current > this.s.maxSamples)
      throw new QueryError('execution', TOO_MANY_SAMPLES_MESSAGE);
  }

  /** Evaluates an expression. */
  eval(e: Expr): EvalResult {
    this.checkDeadline();
    switch (e.kind) {
      case 'NumberLiteral':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(e.val) };
      case 'StringLiteral':
        return { kind: 'string', s: e.val };
      case 'ParenExpr':
        return this.eval(e.expr);
      case 'StepInvariantExpr':
        return this.evalStepInvariant(e.expr);
      case 'UnaryExpr': {
        const r = this.eval(e.expr);
        if (e.op === '+') return r;
        if (r.kind === 'scalar') return { kind: 'scalar', vs: r.vs.map((v) => -v) };
        if (r.kind === 'vector') {
          for (const s of r.series) {
            for (let i = 0; i < s.vs.length; i++) s.vs[i] = -s.vs[i]!;
            if (this.s.delayedNameRemoval) s.dropName = true;
            else s.metric = dropMetricName(s.metric);
          }
          if (!this.s.delayedNameRemoval) this.checkDuplicates(r.series);
          return r;
        }
        throw new QueryError(
          'execution',
          'unary expression only allowed on expressions of type scalar or instant vector',
        );
      }
      case 'VectorSelector':
        return { kind: 'vector', series: this.evalVectorSelector(e, false) };
      case 'MatrixSelector':
        return { kind: 'matrix', series: this.matrixTopLevel(e) };
      case 'SubqueryExpr':
        return { kind: 'matrix', series: this.matrixTopLevel(e) };
      case 'Call':
        return this.evalCall(e);
      case 'AggregateExpr':
        return this.evalAggregate(e);
      case 'BinaryExpr':
        return this.evalBinary(e);
      case 'DurationExpr':
        throw new QueryError('execution', 'unexpected duration expression');
    }
  }

  private checkDuplicates(series: StepSeries[]): void {
    if (containsSameLabelset(series.map((s) => s.metric))) {
      throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
    }
  }

  private evalStepInvariant(inner: Expr): EvalResult {
    if (this.numSteps === 1 || inner.kind === 'NumberLiteral' || inner.kind === 'StringLiteral')
      return this.eval(inner);
    const sub = new Evaluator(this.s, this.start, this.start, this.interval);
    const r = sub.eval(inner);
    if (r.kind === 'scalar') return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(r.vs[0]!) };
    if (r.kind === 'vector') {
      const out: StepSeries[] = [];
      for (const s of r.series) {
        if (!s.has[0]) continue;
        const n = newStepSeries(s.metric, this.numSteps, s.dropName);
        n.vs.fill(s.vs[0]!);
        n.has.fill(1);
        out.push(n);
      }
      this.addSamples(out.length * (this.numSteps - 1));
      return { kind: 'vector', series: out };
    }
    return r;
  }

  // ---- selectors ----

  /** Selects series and their samples within `[mint, maxt]`. */
  private select(vs: VectorSelector, mint: number, maxt: number, keepStale: boolean): RawSeries[] {
    const q = this.s.queryable.querier(mint, maxt);
    try {
      const set = q.select(false, { start: mint, end: maxt, step: this.interval }, ...vs.matchers);
      const out: RawSeries[] = [];
      let it;
      while (set.next()) {
        const series = set.at();
        it = series.iterator(it);
        let ts = new Float64Array(16);
        let vals = new Float64Array(16);
        let n = 0;
        let vt = it.seek(mint);
        while (vt !== ValueType.None) {
          const t = it.t;
          if (t > maxt) break;
          if (vt === ValueType.Float) {
            const v = it.v;
            if (keepStale || !isStaleNaN(v)) {
              if (n === ts.length) {
                const t2 = new Float64Array(n * 2);
                t2.set(ts);
                ts = t2;
                const v2 = new Float64Array(n * 2);
                v2.set(vals);
                vals = v2;
              }
              ts[n] = t;
              vals[n] = v;
              n++;
            }
          } else {
            throw new QueryError('execution', 'native histograms are not supported yet');
          }
          vt = it.next();
        }
        const err = it.err();
        if (err) throw err;
        out.push({ metric: series.labels, ts, vs: vals, n, dropName: false });
      }
      const err = set.err();
      if (err) throw err;
      for (const w of set.warnings()) this.s.ann.warnings.add(w);
      out.sort((a, b) => Labels.compare(a.metric, b.metric));
      return out;
    } finally {
      q.close();
    }
  }

  private refTime(t: number, timestamp: number | null, offset: number): number {
    return (timestamp ?? t) - offset;
  }

  /** An instant vector selector at every step; with `asTimestamp`, the value is the sample's time in seconds. */
  evalVectorSelector(vs: VectorSelector, asTimestamp: boolean): StepSeries[] {
    const lookback = this.s.lookbackDelta;
    const first = this.refTime(this.start, vs.timestamp, vs.offset);
    const last = this.refTime(this.stepT(this.numSteps - 1), vs.timestamp, vs.offset);
    const raw = this.select(vs, first - lookback + 1, last, true);
    const out: StepSeries[] = [];
    let total = 0;
    for (const r of raw) {
      let s: StepSeries | null = null;
      let j = 0;
      for (let i = 0; i < this.numSteps; i++) {
        const ref = this.refTime(this.stepT(i), vs.timestamp, vs.offset);
        while (j < r.n && r.ts[j]! <= ref) j++;
        // j-1 is the last sample at or before ref.
        if (j === 0) continue;
        const t = r.ts[j - 1]!;
        if (t <= ref - lookback) continue;
        const v = r.vs[j - 1]!;
        if (isStaleNaN(v)) continue;
        if (!s) s = newStepSeries(r.metric, this.numSteps, false);
        s.vs[i] = asTimestamp ? t / 1000 : v;
        s.has[i] = 1;
        total++;
      }
      if (s) out.push(s);
    }
    this.addSamples(total);
    return out;
  }

  /** The series of a range selector or subquery with everything its windows need, and the window geometry. */
  private matrixSource(e: MatrixSelector | SubqueryExpr): {
    series: RawSeries[];
    range: number;
    timestamp: number | null;
    offset: number;
    vs: VectorSelector | null;
  } {
    if (e.kind === 'MatrixSelector') {
      const vs = unwrap(e.vectorSelector) as VectorSelector;
      const first = this.refTime(this.start, vs.timestamp, vs.offset);
      const last = this.refTime(this.stepT(this.numSteps - 1), vs.timestamp, vs.offset);
      const series = this.select(vs, first - e.range + 1, last, false);
      return { series, range: e.range, timestamp: vs.timestamp, offset: vs.offset, vs };
    }
    const step = e.step || this.s.noStepSubqueryInterval;
    const firstRef = this.refTime(this.start, e.timestamp, e.offset);
    const lastRef = this.refTime(this.stepT(this.numSteps - 1), e.timestamp, e.offset);
    const lo = firstRef - e.range;
    let subStart = step * Math.trunc(lo / step);
    if (subStart <= lo) subStart += step;
    if (subStart > lastRef)
      return { series: [], range: e.range, timestamp: e.timestamp, offset: e.offset, vs: null };
    const sub = new Evaluator(this.s, subStart, lastRef, step);
    const r = sub.eval(e.expr);
    const series: RawSeries[] = [];
    if (r.kind === 'vector') {
      for (const s of r.series) series.push(sub.toRaw(s));
    } else if (r.kind === 'scalar') {
      const ts = new Float64Array(sub.numSteps);
      for (let i = 0; i < sub.numSteps; i++) ts[i] = sub.stepT(i);
      series.push({ metric: Labels.EMPTY, ts, vs: r.vs, n: sub.numSteps, dropName: false });
    } else {
      throw new QueryError('execution', 'subquery only allowed on instant vector or scalar');
    }
    return { series, range: e.range, timestamp: e.timestamp, offset: e.offset, vs: null };
  }

  /** A step series as time/value arrays of its present points. */
  toRaw(s: StepSeries): RawSeries {
    let n = 0;
    for (let i = 0; i < this.numSteps; i++) n += s.has[i]!;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < this.numSteps; i++) {
      if (!s.has[i]) continue;
      ts[k] = this.stepT(i);
      vs[k] = s.vs[i]!;
      k++;
    }
    return { metric: s.metric, ts, vs, n, dropName: s.dropName };
  }

  /** `x[5m]` or a subquery as the query's result (instant queries only): the window at the single step. */
  private matrixTopLevel(e: MatrixSelector | SubqueryExpr): RawSeries[] {
    const src = this.matrixSource(e);
    const ref = this.refTime(this.start, src.timestamp, src.offset);
    const out: RawSeries[] = [];
    for (const r of src.series) {
      let lo = 0;
      while (lo < r.n && r.ts[lo]! <= ref - src.range) lo++;
      let hi = lo;
      while (hi < r.n && r.ts[hi]! <= ref) hi++;
      if (hi === lo) continue;
      out.push({
        metric: r.metric,
        ts: r.ts.slice(lo, hi),
        vs: r.vs.slice(lo, hi),
        n: hi - lo,
        dropName: r.dropName,
      });
    }
    this.addSamples(out.reduce((a, r) => a + r.n, 0));
    return out;
  }

  // ---- per-step machinery ----

  private vec(k: number): Vec {
    let v = this.vecPool[k];
    if (!v) {
      v = new Vec();
      this.vecPool[k] = v;
    }
    return v.reset();
  }

  private static fillVec(v: Vec, series: StepSeries[], i: number): Vec {
    v.reset();
    for (const s of series) if (s.has[i]) v.push(s.metric, s.vs[i]!, s.dropName);
    return v;
  }

  private accumulator(): SeriesAccumulator {
    return new SeriesAccumulator(this.numSteps, this.numSteps === 1 && this.s.delayedNameRemoval);
  }

  private asVector(r: EvalResult): StepSeries[] {
    if (r.kind !== 'vector') throw new QueryError('execution', `expected instant vector, got ${r.kind}`);
    return r.series;
  }

  private asScalar(r: EvalResult): Float64Array {
    if (r.kind !== 'scalar') throw new QueryError('execution', `expected scalar, got ${r.kind}`);
    return r.vs;
  }

  // ---- aggregations ----

  private evalAggregate(e: AggregateExpr): EvalResult {
    let params: Float64Array | null = null;
    let label = '';
    if (e.param) {
      const p = this.eval(e.param);
      if (p.kind === 'string') label = p.s;
      else params = this.asScalar(p);
    }
    if (e.op === 'count_values') {
      if (!isValidLabelNameLoose(label))
        throw new QueryError('execution', `invalid label name ${JSON.stringify(label)}`);
    }
    const input = this.asVector(this.eval(e.expr));
    if (params && (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio')) {
      for (const p of params) {
        if (Number.isNaN(p))
          throw new QueryError(
            'execution',
            e.op === 'limit_ratio' ? 'Ratio value is NaN' : 'Parameter value is NaN',
          );
      }
    }
    if (params && e.op === 'quantile') {
      for (const p of params)
        if (!(p >= 0 && p <= 1))
          this.s.ann.warn(`quantile value should be between 0 and 1, got ${goFloat(p)}`);
    }
    if (e.op === 'limit_ratio') return this.evalLimitRatio(e, input, params!);
    const agg = new Aggregator(e);
    const acc = this.accumulator();
    const v = this.vec(0);
    let step = 0;
    const emit = (m: Labels, d: boolean, x: number): void => acc.add(m, d, step, x);
    for (let i = 0; i < this.numSteps; i++) {
      if ((i & 255) === 255) this.checkDeadline();
      step = i;
      Evaluator.fillVec(v, input, i);
      if (v.n === 0) continue;
      agg.step(v, params ? params[i]! : 0, label, emit);
    }
    return { kind: 'vector', series: acc.series };
  }

  private evalLimitRatio(e: AggregateExpr, input: StepSeries[], params: Float64Array): EvalResult {
    const out: StepSeries[] = [];
    for (const s of input) {
      const n = newStepSeries(s.metric, this.numSteps, s.dropName);
      const r = ratioOf(s.metric);
      let any = false;
      for (let i = 0; i < this.numSteps; i++) {
        if (!s.has[i]) continue;
        let p = params[i]!;
        if (p > 1 || p < -1) {
          const c = p > 1 ? 1 : -1;
          this.s.ann.warn(`ratio value should be between -1 and 1, got ${goFloat(p)}, capping to ${c}`);
          p = c;
        }
        const keep = p >= 0 ? r < p : r >= 1 + p;
        if (!keep) continue;
        n.vs[i] = s.vs[i]!;
        n.has[i] = 1;
        any = true;
      }
      if (any) out.push(n);
    }
    void e;
    return { kind: 'vector', series: out };
  }

  // ---- binary operators ----

  private evalBinary(e: BinaryExpr): EvalResult {
    const l = this.eval(e.lhs);
    const r = this.eval(e.rhs);
    const tmp = { v: 0, keep: false };
    if (l.kind === 'scalar' && r.kind === 'scalar') {
      const out = new Float64Array(this.numSteps);
      for (let i = 0; i < this.numSteps; i++) {
        floatBinop(e.op, l.vs[i]!, r.vs[i]!, tmp);
        out[i] = e.returnBool ? (tmp.keep ? 1 : 0) : tmp.v;
      }
      return { kind: 'scalar', vs: out };
    }
    const delayed = this.s.delayedNameRemoval;
    if (l.kind === 'vector' && r.kind === 'scalar')
      return this.vectorScalar(e, l.series, r.vs, false, delayed);
    if (l.kind === 'scalar' && r.kind === 'vector')
      return this.vectorScalar(e, r.series, l.vs, true, delayed);
    const lv = this.asVector(l);
    const rv = this.asVector(r);
    const vm = e.vectorMatching!;
    const sigs = new SignatureCache(vm);
    const acc = this.accumulator();
    const a = this.vec(0);
    const b = this.vec(1);
    let step = 0;
    const emit = (m: Labels, d: boolean, x: number): void => acc.add(m, d, step, x);
    const ctx: VectorBinopContext = {
      op: e.op,
      matching: vm,
      returnBool: e.returnBool,
      delayedNameRemoval: delayed,
      sigs,
      resultCache: new Map(),
    };
    for (let i = 0; i < this.numSteps; i++) {
      if ((i & 255) === 255) this.checkDeadline();
      step = i;
      Evaluator.fillVec(a, lv, i);
      Evaluator.fillVec(b, rv, i);
      if (isSetOperator(e.op)) {
        setBinop(e.op as 'and' | 'or' | 'unless', sigs, a, b, emit);
      } else {
        if (a.n === 0 && vm.fillValues.lhs === null) continue;
        if (b.n === 0 && vm.fillValues.rhs === null) continue;
        vectorBinop(ctx, a, b, emit);
      }
    }
    return { kind: 'vector', series: acc.series };
  }

  private vectorScalar(
    e: BinaryExpr,
    series: StepSeries[],
    scalar: Float64Array,
    swap: boolean,
    delayed: boolean,
  ): EvalResult {
    const tmp = { v: 0, keep: false };
    const drop = shouldDropMetricName(e.op) || e.returnBool;
    const out: StepSeries[] = [];
    for (const s of series) {
      let n: StepSeries | null = null;
      for (let i = 0; i < this.numSteps; i++) {
        if (!s.has[i]) continue;
        const sv = s.vs[i]!;
        const c = scalar[i]!;
        floatBinop(e.op, swap ? c : sv, swap ? sv : c, tmp);
        let v = tmp.v;
        let keep = tmp.keep;
        if (
          swap &&
          (e.op === '==' || e.op === '!=' || e.op === '<' || e.op === '>' || e.op === '<=' || e.op === '>=')
        )
          v = sv;
        if (e.returnBool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        if (!n) {
          const metric = drop && !delayed ? dropMetricName(s.metric) : s.metric;
          n = newStepSeries(metric, this.numSteps, delayed ? s.dropName || drop : false);
        }
        n.vs[i] = v;
        n.has[i] = 1;
      }
      if (n) out.push(n);
    }
    if (drop && !delayed) this.mergeCheck(out);
    return { kind: 'vector', series: out };
  }

  /** After dropping names, series with equal labels must not share a step. */
  private mergeCheck(series: StepSeries[]): void {
    if (!containsSameLabelset(series.map((s) => s.metric))) return;
    const seen = new Map<string, StepSeries>();
    for (const s of series) {
      const k = s.metric.flat().join('\xff');
      const o = seen.get(k);
      if (!o) {
        seen.set(k, s);
        continue;
      }
      for (let i = 0; i < this.numSteps; i++) {
        if (o.has[i] && s.has[i])
          throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
      }
    }
  }

  // ---- functions ----

  private evalCall(e: Call): EvalResult {
    const name = e.func.name;
    const kernel = RANGE_KERNELS.get(name);
    if (kernel || name === 'absent_over_time') return this.evalRangeFunction(e);
    switch (name) {
      case 'time': {
        const out = new Float64Array(this.numSteps);
        for (let i = 0; i < this.numSteps; i++) out[i] = this.stepT(i) / 1000;
        return { kind: 'scalar', vs: out };
      }
      case 'pi':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(Math.PI) };
      case 'step':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(this.s.queryStep / 1000) };
      case 'range':
        return {
          kind: 'scalar',
          vs: new Float64Array(this.numSteps).fill((this.s.queryEnd - this.s.queryStart) / 1000),
        };
      case 'start':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(this.s.queryStart / 1000) };
      case 'end':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(this.s.queryEnd / 1000) };
      case 'min_of':
      case 'max_of': {
        const a = this.asScalar(this.eval(e.args[0]!));
        const b = this.asScalar(this.eval(e.args[1]!));
        const f = name === 'min_of' ? Math.min : Math.max;
        return { kind: 'scalar', vs: a.map((x, i) => f(x, b[i]!)) };
      }
      case 'vector': {
        const vs = this.asScalar(this.eval(e.args[0]!));
        const s = newStepSeries(Labels.EMPTY, this.numSteps, false);
        s.vs.set(vs);
        s.has.fill(1);
        return { kind: 'vector', series: [s] };
      }
      case 'scalar': {
        const input = this.asVector(this.eval(e.args[0]!));
        const out = new Float64Array(this.numSteps);
        for (let i = 0; i < this.numSteps; i++) {
          let n = 0;
          let v = NaN;
          for (const s of input) {
            if (s.has[i]) {
              n++;
              v = s.vs[i]!;
            }
          }
          out[i] = n === 1 ? v : NaN;
        }
        return { kind: 'scalar', vs: out };
      }
      case 'timestamp': {
        const arg = unwrap(e.args[0]!);
        let input: StepSeries[];
        if (arg.kind === 'VectorSelector') {
          input = this.evalVectorSelector(arg, true);
        } else {
          input = this.asVector(this.eval(e.args[0]!));
          for (const s of input) for (let i = 0; i < this.numSteps; i++) s.vs[i] = this.stepT(i) / 1000;
        }
        return this.dropNames(input);
      }
      case 'absent':
        return this.evalAbsent(e);
      default:
        return this.evalInstantFunction(e);
    }
  }

  private dropNames(series: StepSeries[]): EvalResult {
    for (const s of series) {
      if (this.s.delayedNameRemoval) s.dropName = true;
      else s.metric = dropMetricName(s.metric);
    }
    if (!this.s.delayedNameRemoval) this.mergeCheck(series);
    return { kind: 'vector', series };
  }

  private evalAbsent(e: Call): EvalResult {
    const input = this.asVector(this.eval(e.args[0]!));
    const metric = absentLabels(e.args[0]!);
    const s = newStepSeries(metric, this.numSteps, false);
    let any = false;
    for (let i = 0; i < this.numSteps; i++) {
      let present = false;
      for (const x of input) {
        if (x.has[i]) {
          present = true;
          break;
        }
      }
      if (!present) {
        s.vs[i] = 1;
        s.has[i] = 1;
        any = true;
      }
    }
    return { kind: 'vector', series: any ? [s] : [] };
  }

  private evalRangeFunction(e: Call): EvalResult {
    const name = e.func.name;
    let matrixIdx = e.args.findIndex((a) => a.valueType === 'matrix');
    const arg = unwrap(e.args[matrixIdx]!) as MatrixSelector | SubqueryExpr;
    const scalars: Float64Array[] = [];
    for (let k = 0; k < e.args.length; k++) {
      if (k === matrixIdx) continue;
      scalars.push(this.asScalar(this.eval(e.args[k]!)));
    }
    if (name === 'quantile_over_time') {
      for (const q of scalars[0]!)
        if (!(q >= 0 && q <= 1))
          this.s.ann.warn(`quantile value should be between 0 and 1, got ${goFloat(q)}`);
    }
    if (name === 'double_exponential_smoothing') {
      for (let i = 0; i < this.numSteps; i++) {
        const sf = scalars[0]![i]!;
        const tf = scalars[1]![i]!;
        if (!(sf > 0 && sf < 1))
          throw new QueryError(
            'execution',
            `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoF6(sf)}`,
          );
        if (!(tf > 0 && tf < 1))
          throw new QueryError(
            'execution',
            `invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoF6(tf)}`,
          );
      }
    }
    if (arg.kind === 'MatrixSelector') {
      const sel = unwrap(arg.vectorSelector) as VectorSelector;
      if (sel.anchored && !ANCHORED_FUNCTIONS.has(name)) {
        throw new QueryError(
          'execution',
          `anchored modifier can only be used with: changes, delta, increase, rate, resets - not with ${name}`,
        );
      }
      if (sel.smoothed && !SMOOTHED_FUNCTIONS.has(name)) {
        throw new QueryError(
          'execution',
          `smoothed modifier can only be used with: delta, increase, rate - not with ${name}`,
        );
      }
      if (sel.anchored || sel.smoothed) {
        throw new QueryError('execution', 'anchored and smoothed range selectors are not supported yet');
      }
    }
    const src = this.matrixSource(arg);
    const kernel = RANGE_KERNELS.get(name);
    const keepName = KEEP_NAME_RANGE.has(name);
    const delayed = this.s.delayedNameRemoval;
    const c: RangeKernelContext = {
      rangeStart: 0,
      rangeEnd: 0,
      stepT: 0,
      rangeMs: src.range,
      p0: 0,
      p1: 0,
      metricName: '',
      ann: this.s.ann,
      scratch: new Float64Array(16),
    };
    const out: StepSeries[] = [];
    const absent = name === 'absent_over_time';
    const presentAt = absent ? new Uint8Array(this.numSteps) : null;
    const isCounterFn = name === 'rate' || name === 'increase';
    let checkedCounter = false;
    for (const r of src.series) {
      this.checkDeadline();
      let lo = 0;
      let hi = 0;
      let s: StepSeries | null = null;
      c.metricName = r.metric.get(METRIC_NAME);
      let windowSamples = 0;
      for (let i = 0; i < this.numSteps; i++) {
        const t = this.stepT(i);
        const ref = this.refTime(t, src.timestamp, src.offset);
        const start = ref - src.range;
        while (lo < r.n && r.ts[lo]! <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < r.n && r.ts[hi]! <= ref) hi++;
        if (presentAt) {
          if (hi > lo) presentAt[i] = 1;
          continue;
        }
        windowSamples = Math.max(windowSamples, hi - lo);
        c.rangeStart = start;
        c.rangeEnd = ref;
        c.stepT = t;
        if (scalars.length > 0) c.p0 = scalars[0]![i]!;
        if (scalars.length > 1) c.p1 = scalars[1]![i]!;
        const v = kernel!(r.ts, r.vs, lo, hi, c);
        if (v === undefined) continue;
        if (isCounterFn && !checkedCounter && hi - lo >= 2) {
          checkedCounter = true;
          const mn = c.metricName;
          if (mn !== '' && !/(_total|_sum|_count|_bucket)$/.test(mn)) {
            this.s.ann.info(
              `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${mn}"`,
            );
          }
        }
        if (!s) {
          const metric = keepName || delayed ? r.metric : dropMetricName(r.metric);
          s = newStepSeries(metric, this.numSteps, !keepName && delayed ? true : r.dropName && delayed);
          out.push(s);
        }
        s.vs[i] = v;
        s.has[i] = 1;
      }
      this.addSamples(windowSamples);
      this.s.samples.current -= windowSamples;
      if (isCounterFn) checkedCounter = false;
    }
    if (presentAt) {
      const metric = src.vs ? absentLabels(src.vs) : Labels.EMPTY;
      const s = newStepSeries(metric, this.numSteps, false);
      let any = false;
      for (let i = 0; i < this.numSteps; i++) {
        if (presentAt[i]) continue;
        s.vs[i] = 1;
        s.has[i] = 1;
        any = true;
      }
      return { kind: 'vector', series: any ? [s] : [] };
    }
    if (!keepName && !delayed) this.mergeCheck(out);
    matrixIdx = 0;
    return { kind: 'vector', series: out };
  }

  private evalInstantFunction(e: Call): EvalResult {
    const name = e.func.name;
    const args = e.args.map((a) => this.eval(a));
    const delayed = this.s.delayedNameRemoval;
    const simple = SIMPLE_FUNCTIONS.get(name);
    const date = DATE_FUNCTIONS.get(name);
    if (
      simple ||
      name === 'round' ||
      name === 'clamp' ||
      name === 'clamp_min' ||
      name === 'clamp_max' ||
      date
    ) {
      let input: StepSeries[];
      if (date && args.length === 0) {
        const s = newStepSeries(Labels.EMPTY, this.numSteps, false);
        for (let i = 0; i < this.numSteps; i++) s.vs[i] = this.stepT(i) / 1000;
        s.has.fill(1);
        input = [s];
      } else {
        input = this.asVector(args[0]!);
      }
      const p1 = args.length > 1 ? this.asScalar(args[1]!) : null;
      const p2 = args.length > 2 ? this.asScalar(args[2]!) : null;
      const out: StepSeries[] = [];
      const d = new Date(0);
      for (const s of input) {
        let any = false;
        for (let i = 0; i < this.numSteps; i++) {
          if (!s.has[i]) continue;
          const x = s.vs[i]!;
          let y: number;
          if (simple) y = simple(x);
          else if (date) {
            if (!Number.isFinite(x)) {
              s.has[i] = 0;
              continue;
            }
            d.setTime(Math.trunc(x) * 1000);
            y = date(d);
          } else if (name === 'round') y = roundTo(x, p1 ? p1[i]! : 1);
          else if (name === 'clamp_min') y = Math.max(p1![i]!, x);
          else if (name === 'clamp_max') y = Math.min(p1![i]!, x);
          else {
            const lo = p1![i]!;
            const hi = p2![i]!;
            if (hi < lo) {
              s.has[i] = 0;
              continue;
            }
            y = Math.max(lo, Math.min(hi, x));
          }
          s.vs[i] = y;
          any = true;
        }
        if (any) out.push(s);
      }
      return this.dropNames(out);
    }
    const input = args[0]!.kind === 'vector' ? args[0]!.series : [];
    const strArg = (k: number): string => {
      const a = args[k]!;
      if (a.kind !== 'string') throw new QueryError('execution', 'expected string argument');
      return a.s;
    };
    const acc = this.accumulator();
    const v = this.vec(0);
    let step = 0;
    const emit = (m: Labels, dn: boolean, x: number): void => acc.add(m, dn, step, x);
    switch (name) {
      case 'sort':
      case 'sort_desc':
      case 'sort_by_label':
      case 'sort_by_label_desc': {
        if (this.numSteps > 1) {
          this.s.ann.warn(`sort is ineffective for range queries since results are always ordered by labels`);
          return { kind: 'vector', series: input };
        }
        Evaluator.fillVec(v, input, 0);
        let idx: number[];
        if (name === 'sort' || name === 'sort_desc') {
          idx = Array.from({ length: v.n }, (_, i) => i);
          const desc = name === 'sort_desc';
          idx.sort((a, b) => {
            const x = v.vs[a]!;
            const y = v.vs[b]!;
            if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
            if (Number.isNaN(y)) return -1;
            return desc ? y - x : x - y;
          });
        } else {
          const labels = args.slice(1).map((_, k) => strArg(k + 1));
          idx = sortByLabel(v, labels, name === 'sort_by_label_desc');
        }
        const out: StepSeries[] = [];
        for (const i of idx) {
          const s = newStepSeries(v.metrics[i]!, 1, v.drop[i]!);
          s.vs[0] = v.vs[i]!;
          s.has[0] = 1;
          out.push(s);
        }
        return { kind: 'vector', series: out };
      }
      case 'label_replace': {
        const cache = new Map<Labels, Labels>();
        const [dst, repl, src, regex] = [strArg(1), strArg(2), strArg(3), strArg(4)];
        for (let i = 0; i < this.numSteps; i++) {
          step = i;
          Evaluator.fillVec(v, input, i);
          labelReplace(v, dst, repl, src, regex, emit, cache);
        }
        break;
      }
      case 'label_join': {
        const cache = new Map<Labels, Labels>();
        const srcs = args.slice(3).map((_, k) => strArg(k + 3));
        for (let i = 0; i < this.numSteps; i++) {
          step = i;
          Evaluator.fillVec(v, input, i);
          labelJoin(v, strArg(1), strArg(2), srcs, emit, cache);
        }
        break;
      }
      case 'histogram_quantile':
      case 'histogram_fraction': {
        const isQ = name === 'histogram_quantile';
        const p0 = this.asScalar(args[0]!);
        if (isQ) {
          for (const q of p0)
            if (!(q >= 0 && q <= 1))
              this.s.ann.warn(`quantile value should be between 0 and 1, got ${goFloat(q)}`);
        }
        const p1 = isQ ? p0 : this.asScalar(args[1]!);
        const vecArg = this.asVector(args[isQ ? 1 : 2]!);
        const cache = new Map<Labels, Labels | null>();
        for (let i = 0; i < this.numSteps; i++) {
          step = i;
          Evaluator.fillVec(v, vecArg, i);
          classicHistogramFunction(
            v,
            isQ ? 'quantile' : 'fraction',
            p0[i]!,
            p1[i]!,
            this.s.ann,
            emit,
            delayed,
            cache,
          );
        }
        break;
      }
      case 'histogram_quantiles': {
        const vecArg = this.asVector(args[0]!);
        const label = strArg(1);
        const qs = args.slice(2).map((a) => this.asScalar(a));
        const cache = new Map<Labels, Labels | null>();
        const withLabel = new Map<string, Map<Labels, Labels>>();
        const lb = new LabelsBuilder();
        for (const q of qs) {
          for (const x of q)
            if (!(x >= 0 && x <= 1))
              this.s.ann.warn(`quantile value should be between 0 and 1, got ${goFloat(x)}`);
        }
        for (let i = 0; i < this.numSteps; i++) {
          step = i;
          Evaluator.fillVec(v, vecArg, i);
          for (const q of qs) {
            const qv = q[i]!;
            const text = quantileLabel(qv);
            let m = withLabel.get(text);
            if (!m) {
              m = new Map();
              withLabel.set(text, m);
            }
            const byMetric = m;
            const emitQ = (metric: Labels, dn: boolean, x: number): void => {
              let out = byMetric.get(metric);
              if (!out) {
                out = lb.reset(metric).set(label, text).labels();
                byMetric.set(metric, out);
              }
              acc.add(out, dn, step, x);
            };
            classicHistogramFunction(v, 'quantile', qv, qv, this.s.ann, emitQ, delayed, cache);
          }
        }
        break;
      }
      default:
        throw new QueryError('execution', `function ${name} is not supported yet`);
    }
    return { kind: 'vector', series: acc.series };
  }
}

/** Labels for absent(): the equality matchers of a plain selector, minus `__name__` and repeated names. */
function absentLabels(arg: Expr): Labels {
  const e = unwrap(arg);
  let vs: VectorSelector | null = null;
  if (e.kind === 'VectorSelector') vs = e;
  else if (e.kind === 'MatrixSelector') vs = unwrap(e.vectorSelector) as VectorSelector;
  if (!vs) return Labels.EMPTY;
  const lb = new LabelsBuilder();
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) {
      lb.set(m.name, m.value);
      seen.add(m.name);
    } else if (seen.has(m.name)) {
      dup.add(m.name);
    }
  }
  for (const n of dup) lb.del(n);
  return lb.labels();
}

/** A label set's position in [0, 1) for limit_ratio (stable per label set). */
function ratioOf(m: Labels): number {
  return (m.hashHigh() * 4294967296 + m.hashLow()) / 18446744073709551616;
}

/** A quantile as histogram_quantiles labels it: shortest form with at least one decimal (`0.0`, `0.25`). */
function quantileLabel(q: number): string {
  const t = formatFloatF(q);
  return /^-?\d+$/.test(t) ? t + '.0' : t;
}

/** Go's %v/%g formatting of a float for messages. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function isValidLabelNameLoose(s: string): boolean {
  return s.length > 0 && Matcher !== undefined;
}
