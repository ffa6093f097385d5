/**
 * Binary operators for one step: arithmetic and comparison on float pairs, vector matching
 * (one-to-one, many-to-one, one-to-many with Prometheus's errors for ambiguous matches), the set
 * operators, and the `fill` modifiers.
 */
import { Labels, LabelsBuilder } from '../../model/labels.js';
import type { BinaryOp, VectorMatching } from '../parser/ast.js';
import { goPow } from './mathutil.js';
import { QueryError } from './types.js';
import { METRIC_NAME, NAME_LABELS, type Vec } from './vector.js';

/** Result of {@link scalarBinop} for comparisons: whether the pair passed. */
export interface BinopOut {
  /** The value. */
  v: number;
  /** False when a comparison filtered the pair out. */
  keep: boolean;
}

/** Applies `op` to two floats (Prometheus's vectorElemBinop for floats); writes into `out`. */
export function floatBinop(op: BinaryOp, l: number, r: number, out: BinopOut): void {
  out.keep = true;
  switch (op) {
    case '+':
      out.v = l + r;
      return;
    case '-':
      out.v = l - r;
      return;
    case '*':
      out.v = l * r;
      return;
    case '/':
      out.v = l / r;
      return;
    case '%':
      out.v = l % r;
      return;
    case '^':
      out.v = goPow(l, r);
      return;
    case 'atan2':
      out.v = Math.atan2(l, r);
      return;
    case '==':
      out.v = l;
      out.keep = l === r;
      return;
    case '!=':
      out.v = l;
      out.keep = l !== r;
      return;
    case '>':
      out.v = l;
      out.keep = l > r;
      return;
    case '<':
      out.v = l;
      out.keep = l < r;
      return;
    case '>=':
      out.v = l;
      out.keep = l >= r;
      return;
    case '<=':
      out.v = l;
      out.keep = l <= r;
      return;
    default:
      throw new QueryError('execution', `operator "${op}" not allowed for operations between scalars`);
  }
}

/** True for operators whose result no longer measures the metric, so `__name__` goes. */
export function shouldDropMetricName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

/** Caches match signatures per label set for the life of one binary operation. */
export class SignatureCache {
  private readonly cache = new Map<Labels, string>();

  constructor(private readonly matching: VectorMatching) {}

  /** The key series are matched by (Prometheus's signature over on/ignoring labels). */
  sig(m: Labels): string {
    let s = this.cache.get(m);
    if (s === undefined) {
      s = this.matchLabels(m).flat().join('\xff');
      this.cache.set(m, s);
    }
    return s;
  }

  /** The labels that take part in matching: the `on` labels, or all but the `ignoring` ones and the name. */
  matchLabels(m: Labels): Labels {
    const vm = this.matching;
    if (vm.on) return m.keep(...vm.matchingLabels);
    return m.without(METRIC_NAME, ...vm.matchingLabels);
  }
}

/** Context of one binary operation between vectors. */
export interface VectorBinopContext {
  /** The operator. */
  op: BinaryOp;
  /** The matching. */
  matching: VectorMatching;
  /** `bool` modifier. */
  returnBool: boolean;
  /** Delayed name removal: flag instead of dropping. */
  delayedNameRemoval: boolean;
  /** Signature cache. */
  sigs: SignatureCache;
  /** Cache of result metrics by (lhs, rhs) pair. */
  resultCache: Map<Labels, Map<Labels, Labels>>;
}

const tmp: BinopOut = { v: 0, keep: false };
const lb = new LabelsBuilder();

function resultMetric(ctx: VectorBinopContext, lhs: Labels, rhs: Labels): Labels {
  let inner = ctx.resultCache.get(lhs);
  if (!inner) {
    inner = new Map();
    ctx.resultCache.set(lhs, inner);
  }
  const cached = inner.get(rhs);
  if (cached) return cached;
  const vm = ctx.matching;
  lb.reset(lhs);
  if (!ctx.delayedNameRemoval && (shouldDropMetricName(ctx.op) || ctx.returnBool)) lb.del(...NAME_LABELS);
  if (vm.card === 'one-to-one') {
    if (vm.on) lb.keep(...vm.matchingLabels);
    else lb.del(...vm.matchingLabels);
  }
  for (const ln of vm.include) {
    const v = rhs.get(ln);
    if (v !== '') lb.set(ln, v);
    else lb.del(ln);
  }
  const out = lb.labels();
  inner.set(rhs, out);
  return out;
}

/**
 * Arithmetic/comparison between two vectors with matching (Prometheus's VectorBinop). Emits
 * through `emit(metric, dropName, v)`.
 */
export function vectorBinop(
  ctx: VectorBinopContext,
  lhsIn: Vec,
  rhsIn: Vec,
  emit: (metric: Labels, dropName: boolean, v: number) => void,
): void {
  const vm = ctx.matching;
  const op = ctx.op;
  if (vm.card === 'many-to-many')
    throw new QueryError('execution', 'many-to-many only allowed for set operators');
  let lhs = lhsIn;
  let rhs = rhsIn;
  const swapped = vm.card === 'one-to-many';
  if (swapped) {
    lhs = rhsIn;
    rhs = lhsIn;
  }
  const fillL = vm.fillValues.lhs;
  const fillR = vm.fillValues.rhs;
  // The "one" side, by signature.
  const rightSigs = new Map<string, number>();
  for (let i = 0; i < rhs.n; i++) {
    const sig = ctx.sigs.sig(rhs.metrics[i]!);
    const dup = rightSigs.get(sig);
    if (dup !== undefined) {
      const matched = ctx.sigs.matchLabels(rhs.metrics[i]!);
      const side = swapped ? 'left' : 'right';
      throw new QueryError(
        'execution',
        `found duplicate series for the match group ${matched.toString()} on the ${side} hand-side of the operation: [${rhs.metrics[i]!.toString()}, ${rhs.metrics[dup]!.toString()}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(sig, i);
  }
  // For one-to-one, each left signature may match once; for many-to-one, output labels must be unique.
  const matchedSigs = new Map<string, Labels[] | null>();
  const rhsMatched = fillR !== null || fillL !== null ? new Uint8Array(rhs.n) : null;
  const dropBase = shouldDropMetricName(op) || ctx.returnBool;
  const produce = (ls: Labels, ldrop: boolean, lv: number, rs: Labels, rv: number): void => {
    let vl = lv;
    let vr = rv;
    if (swapped) {
      vl = rv;
      vr = lv;
    }
    floatBinop(op, vl, vr, tmp);
    let v = tmp.v;
    let keep = tmp.keep;
    if (ctx.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) return;
    const metric = resultMetric(ctx, ls, rs);
    emit(metric, ctx.delayedNameRemoval ? dropBase || ldrop : false, v);
  };
  for (let i = 0; i < lhs.n; i++) {
    const ls = lhs.metrics[i]!;
    const sig = ctx.sigs.sig(ls);
    const j = rightSigs.get(sig);
    if (j === undefined) {
      // Fill values apply to the sides as matched (after group_right swaps them), and the
      // missing series takes the matching labels of the present one.
      if (fillR === null) continue;
      produce(ls, lhs.drop[i]!, lhs.vs[i]!, ctx.sigs.matchLabels(ls), fillR);
      continue;
    }
    if (rhsMatched) rhsMatched[j] = 1;
    const rs = rhs.metrics[j]!;
    if (vm.card === 'one-to-one') {
      if (matchedSigs.has(sig)) {
        throw new QueryError(
          'execution',
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matchedSigs.set(sig, null);
    } else {
      const metric = resultMetric(ctx, ls, rs);
      let seen = matchedSigs.get(sig);
      if (!seen) {
        seen = [];
        matchedSigs.set(sig, seen);
      }
      for (const m of seen) {
        if (m.equals(metric)) {
          throw new QueryError(
            'execution',
            'multiple matches for labels: grouping labels must ensure unique matches',
          );
        }
      }
      seen.push(metric);
    }
    produce(ls, lhs.drop[i]!, lhs.vs[i]!, rs, rhs.vs[j]!);
  }
  if (rhsMatched && fillL !== null) {
    for (let j = 0; j < rhs.n; j++) {
      if (rhsMatched[j]) continue;
      const rs = rhs.metrics[j]!;
      produce(ctx.sigs.matchLabels(rs), rhs.drop[j]!, fillL, rs, rhs.vs[j]!);
    }
  }
}

/** `and`, `or`, `unless` for one step. */
export function setBinop(
  op: 'and' | 'or' | 'unless',
  sigs: SignatureCache,
  lhs: Vec,
  rhs: Vec,
  emit: (metric: Labels, dropName: boolean, v: number) => void,
): void {
  if (op === 'or') {
    const leftSigs = new Set<string>();
    for (let i = 0; i < lhs.n; i++) {
      leftSigs.add(sigs.sig(lhs.metrics[i]!));
      emit(lhs.metrics[i]!, lhs.drop[i]!, lhs.vs[i]!);
    }
    for (let j = 0; j < rhs.n; j++) {
      if (!leftSigs.has(sigs.sig(rhs.metrics[j]!))) emit(rhs.metrics[j]!, rhs.drop[j]!, rhs.vs[j]!);
    }
    return;
  }
  const rightSigs = new Set<string>();
  for (let j = 0; j < rhs.n; j++) rightSigs.add(sigs.sig(rhs.metrics[j]!));
  const want = op === 'and';
  for (let i = 0; i < lhs.n; i++) {
    if (rightSigs.has(sigs.sig(lhs.metrics[i]!)) === want) emit(lhs.metrics[i]!, lhs.drop[i]!, lhs.vs[i]!);
  }
}

/** The empty label set, re-exported for callers building scalar results. */
export const NO_LABELS = Labels.EMPTY;
