/**
 * `/api/v1/parse_query`: the syntax tree of a PromQL expression as JSON, in the shape
 * Prometheus's API gives it (its translateAST), keys in the order Go's encoder writes map
 * keys (sorted), so the bytes match too.
 */
import type { Matcher } from '../../model/matcher.js';
import { ALL_FEATURES, ParseError, formatFloatF, parseExpr, type Expr } from '../../promql/parser/index.js';
import type { WebServer } from '../server.js';
import { APIError, success } from './response.js';

/** An object with its keys sorted, as Go marshals a map. */
function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

function matchers(ms: readonly Matcher[]): unknown[] {
  return ms.map((m) => sorted({ name: m.name, type: m.type, value: m.value }));
}

/** The JSON tree Prometheus's parse_query returns for `e`. */
export function translateAST(e: Expr): unknown {
  switch (e.kind) {
    case 'AggregateExpr':
      return sorted({
        type: 'aggregation',
        op: e.op,
        expr: translateAST(e.expr),
        param: e.param ? translateAST(e.param) : null,
        grouping: e.grouping,
        without: e.without,
      });
    case 'BinaryExpr': {
      const m = e.vectorMatching;
      return sorted({
        type: 'binaryExpr',
        op: e.op,
        lhs: translateAST(e.lhs),
        rhs: translateAST(e.rhs),
        bool: e.returnBool,
        matching: m ? sorted({ card: m.card, labels: m.matchingLabels, on: m.on, include: m.include }) : null,
      });
    }
    case 'Call':
      return sorted({
        type: 'call',
        func: sorted({
          name: e.func.name,
          argTypes: e.func.argTypes,
          variadic: e.func.variadic,
          returnType: e.func.returnType,
        }),
        args: e.args.map(translateAST),
      });
    case 'MatrixSelector': {
      const vs = translateAST(e.vectorSelector) as Record<string, unknown>;
      return sorted({ ...vs, type: 'matrixSelector', range: e.range });
    }
    case 'SubqueryExpr':
      return sorted({
        type: 'subquery',
        expr: translateAST(e.expr),
        range: e.range,
        offset: e.offset,
        step: e.step,
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
      });
    case 'NumberLiteral':
      return sorted({ type: 'numberLiteral', val: formatFloatF(e.val) });
    case 'StringLiteral':
      return sorted({ type: 'stringLiteral', val: e.val });
    case 'ParenExpr':
      return sorted({ type: 'parenExpr', expr: translateAST(e.expr) });
    case 'UnaryExpr':
      return sorted({ type: 'unaryExpr', op: e.op, expr: translateAST(e.expr) });
    case 'VectorSelector':
      return sorted({
        type: 'vectorSelector',
        name: e.name,
        offset: e.offset,
        matchers: matchers(e.matchers),
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
      });
    case 'StepInvariantExpr':
      return translateAST(e.expr);
    case 'DurationExpr':
      return sorted({ type: 'durationExpr', op: e.op });
  }
}

/** Registers /api/v1/parse_query. */
export function registerParseQuery(web: WebServer): void {
  web.handle(['GET', 'POST'], '/api/v1/parse_query', (req) => {
    let e: Expr;
    try {
      e = parseExpr(req.form.get('query') ?? '', ALL_FEATURES);
    } catch (err) {
      if (err instanceof ParseError)
        throw new APIError('bad_data', `invalid parameter "query": ${err.message}`);
      throw err;
    }
    return { body: success(translateAST(e)) };
  });
}
