// Parser tests: precedence and associativity, node shapes, positions, modifiers, keywords as
// names, UTF-8 names, duration expressions, and the static types of nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr, parseMetricSelector } from './parser.js';
import type { Expr, VectorSelector } from './ast.js';

/** A compact rendering of the tree, to compare shapes: `(+ a (* b c))`. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'BinaryExpr':
      return `(${e.op}${e.returnBool ? ' bool' : ''} ${sx(e.lhs)} ${sx(e.rhs)})`;
    case 'UnaryExpr':
      return `(u${e.op} ${sx(e.expr)})`;
    case 'ParenExpr':
      return `(paren ${sx(e.expr)})`;
    case 'NumberLiteral':
      return String(e.val);
    case 'StringLiteral':
      return JSON.stringify(e.val);
    case 'VectorSelector':
      return e.name || '{}';
    case 'Call':
      return `(${e.func.name}${e.args.map((a) => ' ' + sx(a)).join('')})`;
    case 'AggregateExpr':
      return `(${e.op}${e.param ? ' ' + sx(e.param) : ''} ${sx(e.expr)})`;
    case 'MatrixSelector':
      return `(range ${sx(e.vectorSelector)} ${e.range})`;
    case 'SubqueryExpr':
      return `(subquery ${sx(e.expr)} ${e.range} ${e.step})`;
    case 'DurationExpr':
      return `(d${e.op}${e.lhs ? ' ' + sx(e.lhs) : ''}${e.rhs ? ' ' + sx(e.rhs) : ''})`;
    case 'StepInvariantExpr':
      return `(invariant ${sx(e.expr)})`;
  }
}

const p = (q: string): Expr => parseExpr(q, ALL_FEATURES);

test('operator precedence and associativity', () => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['1 * 2 + 3', '(+ (* 1 2) 3)'],
    ['1 - 2 - 3', '(- (- 1 2) 3)'],
    ['2 ^ 3 ^ 2', '(^ 2 (^ 3 2))'],
    ['-2 ^ 2', '(u- (^ 2 2))'],
    ['-1^-2', '(u- (^ 1 -2))'],
    ['-1*2', '(* -1 2)'],
    ['-1+2', '(+ -1 2)'],
    ['+1 + -2 * 1', '(+ 1 (* -2 1))'],
    ['- -1', '1'],
    ['-a * b', '(* (u- a) b)'],
    ['-a ^ b', '(u- (^ a b))'],
    ['a * -b ^ c', '(* a (u- (^ b c)))'],
    ['a % b atan2 c / d', '(/ (atan2 (% a b) c) d)'],
    ['1 < bool 2 - 1 * 2', '(< bool 1 (- 2 (* 1 2)))'],
    ['a == b + c', '(== a (+ b c))'],
    ['a > b and c < d', '(and (> a b) (< c d))'],
    ['foo + bar or bla and blub', '(or (+ foo bar) (and bla blub))'],
    ['foo and bar unless baz or qux', '(or (unless (and foo bar) baz) qux)'],
    ['a or b or c', '(or (or a b) c)'],
    ['h >/ 1 + 2', '(>/ h (+ 1 2))'],
    ['h </ 1 == 2', '(== (</ h 1) 2)'],
    ['1 + 2/(3*1)', '(+ 1 (/ 2 (paren (* 3 1))))'],
    ['-rate(foo[5m])', '(u- (rate (range foo 300000)))'],
    ['-foo offset 5m', '(u- foo)'],
    ['a + b offset 5m', '(+ a b)'],
    ['x offset 100 + 2', '(+ x 2)'],
    ['x offset -2 ^ 2', '(^ x 2)'],
    ['x offset step() * 0', '(* x 0)'],
  ];
  for (const [q, want] of cases) assert.equal(sx(p(q)), want, q);
});

test('offset binds to the selector, not to a binary expression', () => {
  const e = p('a + b offset 5m');
  assert.equal(e.kind, 'BinaryExpr');
  if (e.kind !== 'BinaryExpr') return;
  assert.equal((e.rhs as VectorSelector).offset, 300_000);
  assert.equal((e.lhs as VectorSelector).offset, 0);
});

test('keywords are context-sensitive', () => {
  const cases: [string, string][] = [
    ['sum', 'sum'],
    ['min', 'min'],
    ['foo * sum', '(* foo sum)'],
    ['sum(sum)', '(sum sum)'],
    ['a + sum', '(+ a sum)'],
    ['by + without', '(+ by without)'],
    ['offset{step="1s"}[5m]', '(range offset 300000)'],
    ['step{offset="1s"}', 'step'],
    ['anchored{job="test"}', 'anchored'],
    ['start', 'start'],
    ['end{start="foo"}', 'end'],
    ['start()', '(start)'],
    ['and + or', '(+ and or)'],
    ['fill + fill(0) other', '(+ fill other)'],
    ['other + fill', '(+ other fill)'],
    ['other + fill(0) fill', '(+ other fill)'],
    ['other + fill_left(0) fill_left', '(+ other fill_left)'],
    ['SUM BY (a) (x)', '(sum x)'],
    ['sum without(and, by, avg, count, alert, annotations)(some_metric)', '(sum some_metric)'],
    ['foo unless on(start) bar', '(unless foo bar)'],
    ['count_values("v", x)', '(count_values "v" x)'],
    ['topk(5, x)', '(topk 5 x)'],
  ];
  for (const [q, want] of cases) assert.equal(sx(p(q)), want, q);
  const e = p('sum without(and, by, avg, count, alert, annotations)(some_metric)');
  assert.ok(e.kind === 'AggregateExpr');
  assert.deepEqual(e.grouping, ['and', 'by', 'avg', 'count', 'alert', 'annotations']);
  assert.equal(e.without, true);
});

test('aggregation modifiers before or after the arguments', () => {
  for (const q of ['sum by (a, b) (x)', 'sum(x) by (a, b)', 'sum by (a, b,) (x)']) {
    const e = p(q);
    assert.ok(e.kind === 'AggregateExpr', q);
    assert.deepEqual(e.grouping, ['a', 'b'], q);
    assert.equal(e.without, false);
  }
  const e = p('sum (some_metric) without (foo)');
  assert.ok(e.kind === 'AggregateExpr');
  assert.deepEqual([e.without, e.grouping, e.pos], [true, ['foo'], { start: 0, end: 31 }]);
  const u = p('sum by ("foo bar", "a.b", \'c\')({"some.metric"})');
  assert.ok(u.kind === 'AggregateExpr');
  assert.deepEqual(u.grouping, ['foo bar', 'a.b', 'c']);
});

test('vector matching modifiers', () => {
  const e = p('bar + on(foo) bla / on(baz, buz) group_right(test) blub');
  assert.ok(e.kind === 'BinaryExpr' && e.rhs.kind === 'BinaryExpr');
  assert.deepEqual(e.vectorMatching, {
    card: 'one-to-one',
    matchingLabels: ['foo'],
    on: true,
    include: [],
    fillValues: { lhs: null, rhs: null },
  });
  assert.deepEqual(e.rhs.vectorMatching, {
    card: 'one-to-many',
    matchingLabels: ['baz', 'buz'],
    on: true,
    include: ['test'],
    fillValues: { lhs: null, rhs: null },
  });
  const s = p('foo and ignoring() bar');
  assert.ok(s.kind === 'BinaryExpr');
  assert.equal(s.vectorMatching!.card, 'many-to-many');
  assert.equal(s.vectorMatching!.on, false);
  const g = p('foo * on(test,blub) group_left bar');
  assert.ok(g.kind === 'BinaryExpr');
  assert.deepEqual([g.vectorMatching!.card, g.vectorMatching!.include], ['many-to-one', []]);
  const sc = p('foo == bool 1');
  assert.ok(sc.kind === 'BinaryExpr');
  assert.equal(sc.returnBool, true);
  assert.equal(sc.vectorMatching, null, 'no vector matching with a scalar operand');
  const f = p('a + fill_left(-5) fill_right(1m) b');
  assert.ok(f.kind === 'BinaryExpr');
  assert.deepEqual(f.vectorMatching!.fillValues, { lhs: -5, rhs: 60 });
  const ff = p('a + on(x) group_left fill(NaN) b');
  assert.ok(ff.kind === 'BinaryExpr');
  assert.ok(
    Number.isNaN(ff.vectorMatching!.fillValues.lhs!) && Number.isNaN(ff.vectorMatching!.fillValues.rhs!),
  );
});

test('selectors, matchers and UTF-8 names', () => {
  const e = p('foo:bar{a="bc", b!="c", d=~"e", f!~"g",}');
  assert.ok(e.kind === 'VectorSelector');
  assert.equal(e.name, 'foo:bar');
  assert.deepEqual(
    e.matchers.map((m) => m.toString()),
    ['a="bc"', 'b!="c"', 'd=~"e"', 'f!~"g"', '__name__="foo:bar"'],
  );
  assert.deepEqual(e.pos, { start: 0, end: 40 });
  const u = p('{"my.metric", "le"="1", `a\\b`=\'c\'}');
  assert.ok(u.kind === 'VectorSelector');
  assert.equal(u.name, '');
  assert.deepEqual(
    u.matchers.map((m) => [m.name, m.type, m.value]),
    [
      ['__name__', '=', 'my.metric'],
      ['le', '=', '1'],
      ['a\\b', '=', 'c'],
    ],
  );
  // Specifying __name__ twice inside the braces is allowed.
  p('{__name__="bar", __name__="baz"}');
  p('{"bar", __name__="baz"}');
  assert.deepEqual(
    parseMetricSelector('up{job="api"}').map((m) => m.toString()),
    ['job="api"', '__name__="up"'],
  );
  assert.throws(() => parseMetricSelector('up + 1'), /1:4: parse error: unexpected <op:\+>/);
});

test('numbers, strings and durations', () => {
  const num = (q: string): number => {
    const e = p(q);
    assert.ok(e.kind === 'NumberLiteral', q);
    return e.val;
  };
  assert.equal(num('0xc'), 12);
  assert.equal(num('0755'), 493);
  assert.equal(num('-0755'), -493);
  assert.equal(num('08'), 8);
  assert.equal(num('1_000'), 1000);
  assert.equal(num('0x_1f'), 31);
  assert.equal(num('+5.5e-3'), 0.0055);
  assert.equal(num('.5'), 0.5);
  assert.equal(num('5.'), 5);
  assert.equal(num('Inf'), Infinity);
  assert.equal(num('-inf'), -Infinity);
  assert.ok(Number.isNaN(num('NaN')));
  assert.equal(num('9223372036854775808'), 9223372036854775808);
  assert.equal(num('1h30m'), 5400);
  assert.equal(num('-5m'), -300);
  const d = p('5m');
  assert.ok(d.kind === 'NumberLiteral' && d.duration);
  const s = p('"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \\xFF\\377\\u1234\\U00010111\\U0001011111☺"');
  assert.ok(s.kind === 'StringLiteral');
  assert.equal(s.val, '\x07\b\f\n\r\t\v\\" - \udcff\udcff\u1234\u{10111}\u{10111}11☺');
  const utf = p('"\\xc3\\xa9\\303\\251"');
  assert.ok(utf.kind === 'StringLiteral');
  assert.equal(utf.val, 'éé', 'escaped UTF-8 bytes decode to their character');
  const raw = p('`\\a\\b\\"`');
  assert.ok(raw.kind === 'StringLiteral');
  assert.equal(raw.val, '\\a\\b\\"');
});

test('ranges, subqueries, offset and @ in any order', () => {
  const m = p('test{a="b"}[5y] OFFSET 3d');
  assert.ok(m.kind === 'MatrixSelector' && m.vectorSelector.kind === 'VectorSelector');
  assert.equal(m.range, 5 * 365 * 86_400_000);
  assert.equal(m.vectorSelector.offset, 3 * 86_400_000);
  assert.deepEqual(m.pos, { start: 0, end: 25 });
  assert.equal((p('foo[4.018] @ 2.345') as { range: number }).range, 4018);
  const at = (q: string): VectorSelector => {
    const e = p(q);
    assert.ok(e.kind === 'VectorSelector', q);
    return e;
  };
  assert.equal(at('foo @ 3.3335').timestamp, 3334);
  assert.equal(at('foo @ -3.3e1').timestamp, -33000);
  assert.equal(at('foo @ 0xA').timestamp, 10000);
  assert.equal(at('foo @ 1m').timestamp, 60000);
  assert.equal(at('foo @ end()').startOrEnd, 'end');
  assert.deepEqual(at('foo @ 1603774568').pos, { start: 0, end: 16 });
  for (const q of ['some_metric @ 123 offset 1m [10m:5s]', 'some_metric offset 1m @ 123 [10m:5s]']) {
    const sq = p(q);
    assert.ok(sq.kind === 'SubqueryExpr' && sq.expr.kind === 'VectorSelector');
    assert.deepEqual([sq.expr.timestamp, sq.expr.offset, sq.range, sq.step], [123000, 60000, 600000, 5000]);
    assert.deepEqual(sq.pos, { start: 0, end: 36 });
  }
  const sq = p('some_metric[10m:5s] offset 1m @ 123');
  assert.ok(sq.kind === 'SubqueryExpr');
  assert.deepEqual([sq.timestamp, sq.offset, sq.pos.end], [123000, 60000, 35]);
  const nested = p('min_over_time(rate(foo{bar="baz"}[2s])[5m:])[4m:3s]');
  assert.equal(
    sx(nested),
    '(subquery (min_over_time (subquery (rate (range foo 2000)) 300000 0)) 240000 3000)',
  );
  assert.deepEqual(nested.pos, { start: 0, end: 51 });
  const a = p('rate(foo[5m] anchored)');
  assert.ok(a.kind === 'Call' && a.args[0]!.kind === 'MatrixSelector');
  assert.equal((a.args[0]!.vectorSelector as VectorSelector).anchored, true);
  const sm = p('foo smoothed');
  assert.ok(sm.kind === 'VectorSelector' && sm.smoothed);
});

test('duration expressions', () => {
  const cases: [string, string][] = [
    ['foo[11s+10s-5*2^2]', '(d- (d+ 11 10) (d* 5 (d^ 2 2)))'],
    ['foo[-(10s-5s)+20s]', '(d+ (d- (d- 10 5)) 20)'],
    ['foo[-10s+15s]', '(d+ -10 15)'],
    ['foo[step()]', '(dstep)'],
    ['foo[  -  step  (  )  ]', '(d- (dstep))'],
    ['foo[max_of(step(),5s)]', '(dmax (dstep) 5)'],
    ['foo[2m/range()]', '(d/ 120 (drange))'],
    ['foo[-2^2]', '(d- (d^ 2 2))'],
    ['foo[0+-2^2]', '(d+ 0 (d- (d^ 2 2)))'],
    ['foo[(5s)]', '(d+ 5)'],
    ['foo[1h30m % 1h]', '(d% 5400 3600)'],
  ];
  for (const [q, want] of cases) {
    const e = p(q);
    assert.ok(e.kind === 'MatrixSelector' && e.rangeExpr !== null, q);
    assert.equal(sx(e.rangeExpr), want, q);
  }
  const off = (q: string): string => {
    const e = p(q);
    assert.ok(e.kind === 'VectorSelector', q);
    return e.offsetExpr ? sx(e.offsetExpr) : String(e.offset);
  };
  assert.equal(off('foo offset step()'), '(dstep)');
  assert.equal(off('foo offset -step()'), '(d- (dstep))');
  assert.equal(off('foo offset +(5)'), '(d+ 5)');
  assert.equal(off('foo offset -(5)'), '(d- (d+ 5))');
  assert.equal(off('foo offset -(1^2)'), '(d- (d^ 1 2))');
  assert.equal(off('foo offset (-1^2)'), '(d- (d^ 1 2))');
  assert.equal(off('foo offset -min_of(5s,step()+8s)'), '(d- (dmin 5 (d+ (dstep) 8)))');
  assert.equal(off('foo offset MAX_OF(step(), 1s)'), '(dmax (dstep) 1)');
  assert.equal(off('foo offset (1m) + 2m'), '(d+ (d+ 60) 120)');
  assert.equal(off('foo offset 1h30m'), String(5_400_000));
  assert.equal(off('foo offset -7m'), String(-420_000));
  const sq = p('foo[4s+4s:1s*2] offset (5s-8)');
  assert.ok(sq.kind === 'SubqueryExpr');
  assert.deepEqual(
    [sx(sq.rangeExpr!), sx(sq.stepExpr!), sx(sq.offsetExpr!)],
    ['(d+ 4 4)', '(d* 1 2)', '(d- 5 8)'],
  );
  assert.equal(sq.offsetExpr!.wrapped, true);
});

test('static types and positions of nodes', () => {
  const types: [string, string][] = [
    ['1', 'scalar'],
    ['"a"', 'string'],
    ['foo', 'vector'],
    ['foo[5m]', 'matrix'],
    ['foo[5m:]', 'matrix'],
    ['1 + 2', 'scalar'],
    ['1 + foo', 'vector'],
    ['(1)', 'scalar'],
    ['-(foo)', 'vector'],
    ['time()', 'scalar'],
    ['rate(foo[1m])', 'vector'],
    ['sum(foo)', 'vector'],
    ['scalar(foo)', 'scalar'],
  ];
  for (const [q, t] of types) assert.equal(p(q).valueType, t, q);
  const e = p(' +some_metric');
  assert.ok(e.kind === 'UnaryExpr');
  assert.deepEqual(
    [e.pos, e.expr.pos],
    [
      { start: 1, end: 13 },
      { start: 2, end: 13 },
    ],
  );
  const agg = p('(sum(foo) by (bar))');
  assert.ok(agg.kind === 'ParenExpr');
  assert.deepEqual(
    [agg.pos, agg.expr.pos],
    [
      { start: 0, end: 19 },
      { start: 1, end: 18 },
    ],
  );
  const call = p('rate(some_metric[5m])');
  assert.ok(call.kind === 'Call');
  assert.deepEqual(
    [call.pos, call.args[0]!.pos],
    [
      { start: 0, end: 21 },
      { start: 5, end: 20 },
    ],
  );
  const info = p('info(http_request_counter_total{namespace="zzz"}, {foo="bar", bar="baz"})');
  assert.ok(info.kind === 'Call' && info.args[1]!.kind === 'VectorSelector');
  assert.equal(info.args[1]!.bypassEmptyMatcherCheck, true);
});
