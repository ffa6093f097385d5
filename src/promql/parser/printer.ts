/**
 * AST → PromQL text, as Prometheus's Expr.String() writes it: `sum by (job) (rate(x[5m]))`,
 * `a > bool on (b) group_left (c) d`, durations in canonical form (`90s` → `1m30s`), `@ 100.000`,
 * strings and quoted names with Go's quoting.
 */
import { isValidLegacyLabelName } from '../../model/names.js';
import { compareStrings } from '../../model/strings.js';
import type {
  BinaryExpr,
  DurationExpr,
  Expr,
  MatrixSelector,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { formatDuration, formatFloatF, formatFloatG } from './format.js';
import { quoteString } from './quote.js';

/** The canonical PromQL text of an expression (Prometheus's String()). */
export function exprToString(e: Expr): string {
  switch (e.kind) {
    case 'AggregateExpr': {
      let s = aggregateHead(e.op, e.grouping, e.without) + '(';
      if (e.param !== null) s += exprToString(e.param) + ', ';
      return s + exprToString(e.expr) + ')';
    }
    case 'BinaryExpr': {
      // The left spine is walked iteratively so that long operator chains cost no stack.
      const spine: BinaryExpr[] = [e];
      let base = e.lhs;
      while (base.kind === 'BinaryExpr') {
        spine.push(base);
        base = base.lhs;
      }
      let s = exprToString(base);
      for (let i = spine.length - 1; i >= 0; i--) {
        const n = spine[i]!;
        s +=
          ' ' +
          n.op +
          (n.returnBool ? ' bool' : '') +
          matchingString(n.vectorMatching) +
          ' ' +
          exprToString(n.rhs);
      }
      return s;
    }
    case 'Call':
      return e.func.name + '(' + e.args.map(exprToString).join(', ') + ')';
    case 'MatrixSelector':
      return matrixString(e);
    case 'SubqueryExpr':
      return exprToString(e.expr) + subqueryTimeSuffix(e);
    case 'NumberLiteral':
      if (e.duration) return e.val < 0 ? '-' + formatDuration(-e.val * 1000) : formatDuration(e.val * 1000);
      return formatFloatF(e.val);
    case 'StringLiteral':
      return quoteString(e.val);
    case 'ParenExpr':
      return '(' + exprToString(e.expr) + ')';
    case 'UnaryExpr':
      return e.op + exprToString(e.expr);
    case 'VectorSelector':
      return vectorSelectorString(e, true);
    case 'StepInvariantExpr':
      return exprToString(e.expr);
    case 'DurationExpr':
      return durationExprString(e);
  }
}

/** A label name as written in grouping lists: bare when legacy-valid, else Go-quoted. */
export function labelNameString(name: string): string {
  return isValidLegacyLabelName(name) ? name : quoteString(name);
}

function labelList(names: readonly string[]): string {
  return names.map(labelNameString).join(', ');
}

/** `sum`, `sum by (a, b) `, `sum without () ` — the part of an aggregation before its arguments. */
export function aggregateHead(op: string, grouping: readonly string[], without: boolean): string {
  if (without) return `${op} without (${labelList(grouping)}) `;
  if (grouping.length > 0) return `${op} by (${labelList(grouping)}) `;
  return op;
}

/** The ` on (…) group_left (…) fill (…)` part of a binary expression. */
export function matchingString(vm: VectorMatching | null): string {
  if (vm === null) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? 'on' : 'ignoring'} (${labelList(vm.matchingLabels)})`;
  }
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${labelList(vm.include)})`;
  const { lhs, rhs } = vm.fillValues;
  if (lhs !== null || rhs !== null) {
    // Prometheus prints `fill (v)` when both sides share one fill value (written as fill(v)).
    if (lhs !== null && rhs !== null && Object.is(lhs, rhs)) s += ` fill (${formatFloatG(lhs)})`;
    else {
      if (lhs !== null) s += ` fill_left (${formatFloatG(lhs)})`;
      if (rhs !== null) s += ` fill_right (${formatFloatG(rhs)})`;
    }
  }
  return s;
}

function atString(timestamp: number | null, startOrEnd: 'start' | 'end' | null): string {
  if (timestamp !== null) return ' @ ' + (timestamp / 1000).toFixed(3);
  if (startOrEnd !== null) return ` @ ${startOrEnd}()`;
  return '';
}

function offsetString(offset: number, offsetExpr: DurationExpr | null): string {
  if (offsetExpr !== null) return ' offset ' + durationExprString(offsetExpr);
  if (offset > 0) return ' offset ' + formatDuration(offset);
  if (offset < 0) return ' offset -' + formatDuration(-offset);
  return '';
}

function vectorSelectorString(vs: VectorSelector, withModifiers: boolean): string {
  const labelStrings: string[] = [];
  for (const m of vs.matchers) {
    // The name written before the braces is printed there, not as a matcher.
    if (m.name === '__name__' && m.type === '=' && m.value === vs.name && m.value !== '') continue;
    // As Matcher.toString, but raw bytes in values print as \xNN (see quoteString).
    labelStrings.push(labelNameString(m.name) + m.type + quoteString(m.value));
  }
  let s = vs.name;
  if (labelStrings.length > 0) s += '{' + labelStrings.sort(compareStrings).join(',') + '}';
  if (!withModifiers) return s;
  s += atString(vs.timestamp, vs.startOrEnd);
  if (vs.anchored) s += ' anchored';
  else if (vs.smoothed) s += ' smoothed';
  return s + offsetString(vs.offset, vs.offsetExpr);
}

function matrixString(m: MatrixSelector): string {
  const range = m.rangeExpr !== null ? durationExprString(m.rangeExpr) : formatDuration(m.range);
  const inner = m.vectorSelector;
  if (inner.kind !== 'VectorSelector') return `${exprToString(inner)}[${range}]`;
  let s = `${vectorSelectorString(inner, false)}[${range}]`;
  if (inner.anchored) s += ' anchored';
  else if (inner.smoothed) s += ' smoothed';
  return s + atString(inner.timestamp, inner.startOrEnd) + offsetString(inner.offset, inner.offsetExpr);
}

/** The `[range:step] @ t offset d` suffix of a subquery. */
export function subqueryTimeSuffix(e: SubqueryExpr): string {
  const range = e.rangeExpr !== null ? durationExprString(e.rangeExpr) : formatDuration(e.range);
  const step =
    e.step !== 0 ? formatDuration(e.step) : e.stepExpr !== null ? durationExprString(e.stepExpr) : '';
  return `[${range}:${step}]` + atString(e.timestamp, e.startOrEnd) + offsetString(e.offset, e.offsetExpr);
}

/** A duration expression as written, e.g. `5m + 1m`, `-step()`, `min_of(step(), 1h)`, `(2 * 1m)`. */
export function durationExprString(e: Expr): string {
  if (e.kind !== 'DurationExpr') return exprToString(e);
  let s: string;
  switch (e.op) {
    case 'step':
    case 'range':
      s = e.op + '()';
      break;
    case 'min':
    case 'max':
      s = `${e.op}_of(${durationExprString(e.lhs!)}, ${durationExprString(e.rhs!)})`;
      break;
    default:
      if (e.lhs === null) s = (e.op === '-' ? '-' : '') + durationExprString(e.rhs!);
      else s = `${durationExprString(e.lhs)} ${e.op} ${durationExprString(e.rhs!)}`;
  }
  return e.wrapped ? '(' + s + ')' : s;
}
