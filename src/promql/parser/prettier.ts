/**
 * The prettified form of an expression, as Prometheus's Prettify (and so the API's
 * `/api/v1/format_query`) writes it: a node whose one-line form is longer than 100 bytes is split
 * over several lines, its children indented two spaces per level; shorter nodes stay on one line.
 */
import type { Expr } from './ast.js';
import { aggregateHead, exprToString, matchingString, subqueryTimeSuffix } from './printer.js';

/** Prometheus's maxCharactersPerLine: the longest one-line form (in UTF-8 bytes) left unsplit. */
export const MAX_CHARACTERS_PER_LINE = 100;

const INDENT = '  ';

function indent(level: number): string {
  return INDENT.repeat(level);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The multi-line form of an expression (Prometheus's Prettify). */
export function prettify(e: Expr): string {
  return pretty(e, 0);
}

function pretty(e: Expr, level: number): string {
  const one = exprToString(e);
  const split = utf8Length(one) > MAX_CHARACTERS_PER_LINE;
  switch (e.kind) {
    case 'AggregateExpr': {
      if (!split) return indent(level) + one;
      let s = indent(level) + aggregateHead(e.op, e.grouping, e.without) + '(\n';
      if (e.param !== null) s += pretty(e.param, level + 1) + ',\n';
      return s + pretty(e.expr, level + 1) + '\n' + indent(level) + ')';
    }
    case 'BinaryExpr':
      if (!split) return indent(level) + one;
      return (
        pretty(e.lhs, level + 1) +
        '\n' +
        indent(level) +
        e.op +
        (e.returnBool ? ' bool' : '') +
        matchingString(e.vectorMatching) +
        '\n' +
        pretty(e.rhs, level + 1)
      );
    case 'Call':
      if (!split) return indent(level) + one;
      return (
        indent(level) +
        e.func.name +
        '(\n' +
        e.args.map((a) => pretty(a, level + 1)).join(',\n') +
        '\n' +
        indent(level) +
        ')'
      );
    case 'ParenExpr':
      if (!split) return indent(level) + one;
      return indent(level) + '(\n' + pretty(e.expr, level + 1) + '\n' + indent(level) + ')';
    case 'SubqueryExpr':
      // As in Prometheus, an unsplit subquery is not indented.
      if (!split) return one;
      return pretty(e.expr, level) + subqueryTimeSuffix(e);
    case 'UnaryExpr':
      // The operand's own indentation goes before the sign instead.
      return indent(level) + e.op + pretty(e.expr, level).trim();
    case 'StepInvariantExpr':
      return pretty(e.expr, level);
    default:
      return indent(level) + one;
  }
}
