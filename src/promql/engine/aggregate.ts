/**
 * Aggregation operators for one step (`sum`, `avg`, …, `topk`, `quantile`, `count_values`,
 * `limitk`). Groups are found through a per-query cache from input label set to group, so the
 * grouping labels are computed once per series, not once per step.
 */
import { Labels, LabelsBuilder } from '../../model/labels.js';
import type { AggregateExpr } from '../parser/ast.js';
import { formatFloatF } from '../parser/format.js';
import { kahanSumInc, quantileOfSorted } from './mathutil.js';
import { sortNaNFirst } from './range-functions.js';
import { METRIC_NAME, type Vec } from './vector.js';

/** A group's identity: its output labels and a dense index. */
interface GroupKey {
  labels: Labels;
  index: number;
}

/** Maps input label sets to groups for one aggregation over a whole query. */
export class Grouper {
  private readonly byInput = new Map<Labels, GroupKey>();
  private readonly byKey = new Map<string, GroupKey>();
  private readonly lb = new LabelsBuilder();
  /** All groups by index. */
  readonly groups: GroupKey[] = [];

  constructor(
    private readonly grouping: readonly string[],
    private readonly without: boolean,
  ) {}

  /** The group of an input series. */
  group(m: Labels): GroupKey {
    let g = this.byInput.get(m);
    if (g) return g;
    let labels: Labels;
    if (this.without) {
      labels = m.without(METRIC_NAME, ...this.grouping);
    } else {
      this.lb.reset(Labels.EMPTY);
      for (const n of this.grouping) {
        const v = m.get(n);
        if (v !== '') this.lb.set(n, v);
      }
      labels = this.lb.labels();
    }
    const key = labels.flat().join('\xff');
    g = this.byKey.get(key);
    if (!g) {
      g = { labels, index: this.groups.length };
      this.groups.push(g);
      this.byKey.set(key, g);
    }
    this.byInput.set(m, g);
    return g;
  }
}

/** Emits one output sample of an aggregation. */
export type AggEmit = (metric: Labels, dropName: boolean, v: number) => void;

/** Per-group running state, reused across steps. */
class GroupState {
  seen = false;
  drop = false;
  count = 0;
  value = 0;
  kahanC = 0;
  mean = 0;
  incrementalMean = false;
  values: number[] = [];
  idx: number[] = [];
}

/** Evaluates one aggregation step by step. */
export class Aggregator {
  private readonly grouper: Grouper;
  /** count_values' grouping, which includes the value label; made at the first step. */
  private valueGrouper: Grouper | null = null;
  private states: GroupState[] = [];
  private readonly order: number[] = [];

  constructor(private readonly e: AggregateExpr) {
    this.grouper = new Grouper(e.grouping, e.without);
  }

  private state(i: number): GroupState {
    let s = this.states[i];
    if (!s) {
      s = new GroupState();
      this.states[i] = s;
    }
    return s;
  }

  /** Aggregates one step's vector; `param` is the numeric parameter (k, φ) and `label` count_values' label. */
  step(vec: Vec, param: number, label: string, emit: AggEmit): void {
    const op = this.e.op;
    if (op === 'count_values') return this.countValues(vec, label, emit);
    if (op === 'topk' || op === 'bottomk' || op === 'limitk') return this.topk(vec, param, emit);
    const order = this.order;
    order.length = 0;
    for (let i = 0; i < vec.n; i++) {
      const g = this.grouper.group(vec.metrics[i]!);
      const s = this.state(g.index);
      const f = vec.vs[i]!;
      if (!s.seen) {
        s.seen = true;
        s.drop = vec.drop[i]!;
        order.push(g.index);
        s.count = 1;
        s.value = f;
        s.kahanC = 0;
        s.mean = f;
        s.incrementalMean = false;
        s.values.length = 0;
        switch (op) {
          case 'stddev':
          case 'stdvar': {
            // Welford's update from an empty state, so that a lone NaN or Inf yields NaN.
            s.value = 0;
            s.mean = 0;
            const delta = f;
            [s.mean, s.kahanC] = kahanSumInc(delta, 0, 0);
            s.value = delta * (f - (s.mean + s.kahanC));
            break;
          }
          case 'quantile':
            s.values.push(f);
            break;
          case 'group':
            s.value = 1;
            break;
          default:
            break;
        }
        continue;
      }
      s.count++;
      if (vec.drop[i]) s.drop = true;
      switch (op) {
        case 'sum':
          [s.value, s.kahanC] = kahanSumInc(f, s.value, s.kahanC);
          break;
        case 'avg':
          this.avgStep(s, f);
          break;
        case 'max':
          if (s.value < f || Number.isNaN(s.value)) s.value = f;
          break;
        case 'min':
          if (s.value > f || Number.isNaN(s.value)) s.value = f;
          break;
        case 'count':
        case 'group':
          break;
        case 'stddev':
        case 'stdvar': {
          const delta = f - (s.mean + s.kahanC);
          [s.mean, s.kahanC] = kahanSumInc(delta / s.count, s.mean, s.kahanC);
          s.value += delta * (f - (s.mean + s.kahanC));
          break;
        }
        case 'quantile':
          s.values.push(f);
          break;
        default:
          break;
      }
    }
    for (const gi of order) {
      const s = this.states[gi]!;
      s.seen = false;
      let v: number;
      switch (op) {
        case 'sum':
          v = s.value + s.kahanC;
          break;
        case 'avg':
          v = s.incrementalMean ? s.mean + s.kahanC : (s.value + s.kahanC) / s.count;
          break;
        case 'count':
          v = s.count;
          break;
        case 'group':
          v = 1;
          break;
        case 'stdvar':
          v = s.value / s.count;
          break;
        case 'stddev':
          v = Math.sqrt(s.value / s.count);
          break;
        case 'quantile': {
          const arr = Float64Array.from(s.values);
          sortNaNFirst(arr);
          v = quantileOfSorted(param, arr);
          break;
        }
        default:
          v = s.value;
      }
      // A group keeps `__name__` only through `by (__name__)`; whether it is dropped at the end
      // follows its inputs (delayed name removal).
      emit(this.grouper.groups[gi]!.labels, s.drop, v);
    }
  }

  private avgStep(s: GroupState, f: number): void {
    if (!s.incrementalMean) {
      const [newV, newC] = kahanSumInc(f, s.value, s.kahanC);
      if (newV !== Infinity && newV !== -Infinity) {
        s.value = newV;
        s.kahanC = newC;
        return;
      }
      // The sum would overflow: continue with an incremental mean from here on.
      s.incrementalMean = true;
      s.mean = s.value / (s.count - 1);
      s.kahanC /= s.count - 1;
    }
    if (s.mean === Infinity || s.mean === -Infinity) {
      if ((f === Infinity || f === -Infinity) && s.mean > 0 === f > 0) return;
      if (Number.isFinite(f)) return;
    }
    const currentMean = s.mean + s.kahanC;
    [s.mean, s.kahanC] = kahanSumInc(f / s.count - currentMean / s.count, s.mean, s.kahanC);
  }

  private topk(vec: Vec, param: number, emit: AggEmit): void {
    const op = this.e.op;
    const order = this.order;
    order.length = 0;
    let k = Math.trunc(param);
    if (k > vec.n) k = vec.n;
    if (k < 1) return;
    for (let i = 0; i < vec.n; i++) {
      const g = this.grouper.group(vec.metrics[i]!);
      const s = this.state(g.index);
      if (!s.seen) {
        s.seen = true;
        order.push(g.index);
        s.idx.length = 0;
      }
      s.idx.push(i);
    }
    const vs = vec.vs;
    // topk orders larger first and NaN last; bottomk smaller first and NaN last.
    const cmp =
      op === 'topk'
        ? (a: number, b: number): number => {
            const x = vs[a]!;
            const y = vs[b]!;
            if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
            if (Number.isNaN(y)) return -1;
            return y - x;
          }
        : (a: number, b: number): number => {
            const x = vs[a]!;
            const y = vs[b]!;
            if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
            if (Number.isNaN(y)) return -1;
            return x - y;
          };
    for (const gi of order) {
      const s = this.states[gi]!;
      s.seen = false;
      let idx = s.idx;
      if (op !== 'limitk') idx = idx.slice().sort(cmp);
      const n = Math.min(k, idx.length);
      for (let j = 0; j < n; j++) {
        const i = idx[j]!;
        emit(vec.metrics[i]!, vec.drop[i]!, vs[i]!);
      }
    }
  }

  private countValues(vec: Vec, label: string, emit: AggEmit): void {
    // As in Prometheus, `by` groups on the value label too (a plain `count_values` is `by ()`);
    // `without` keeps it anyway. The label is a string literal, the same at every step.
    this.valueGrouper ??= this.e.without ? this.grouper : new Grouper([...this.e.grouping, label], false);
    const counts = new Map<string, { labels: Labels; n: number }>();
    const lb = new LabelsBuilder();
    for (let i = 0; i < vec.n; i++) {
      const m = vec.metrics[i]!;
      lb.reset(m);
      lb.set(label, formatFloatF(vec.vs[i]!));
      const withValue = lb.labels();
      const g = this.valueGrouper.group(withValue);
      const key = g.labels.flat().join('\xff');
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { labels: g.labels, n: 1 });
    }
    for (const c of counts.values()) emit(c.labels, false, c.n);
  }
}
