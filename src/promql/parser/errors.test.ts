// Parse errors: message and position for each, as Prometheus reports them (cases and expected
// texts from Prometheus's parser tests and the grammar's error productions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr, type ParseOptions } from './parser.js';
import { ParseError, positionString } from './errors.js';

function errorOf(input: string, opts: ParseOptions = ALL_FEATURES): ParseError {
  try {
    parseExpr(input, opts);
  } catch (e) {
    assert.ok(e instanceof ParseError, `not a ParseError: ${String(e)}`);
    return e;
  }
  assert.fail(`parsed without error: ${input}`);
}

/** [input, first error as Prometheus prints it]. */
const CASES: [string, string][] = [
  // Lexer errors.
  ['', 'unknown position: parse error: no expression found in input'],
  ['# just a comment\n\n', '1:1: parse error: no expression found in input'],
  ['.', `1:1: parse error: unexpected character: '.'`],
  ['2.5.', '1:1: parse error: bad number or duration syntax: "2.5."'],
  ['100..4', '1:1: parse error: bad number or duration syntax: "100.."'],
  ['0deadbeef', '1:1: parse error: bad number or duration syntax: "0de"'],
  ['(1))', `1:5: parse error: unexpected right parenthesis ')'`],
  ['((1)', '1:5: parse error: unclosed left parenthesis'],
  ['(', '1:2: parse error: unclosed left parenthesis'],
  ['sum(', '1:5: parse error: unclosed left parenthesis'],
  ['1 !~ 1', `1:3: parse error: unexpected character after '!': '~'`],
  ['1 =~ 1', `1:3: parse error: unexpected character after '=': '~'`],
  ['{', '1:2: parse error: unexpected end of input inside braces'],
  ['}', `1:1: parse error: unexpected character: '}'`],
  ['some}', `1:5: parse error: unexpected character: '}'`],
  ['some_metric{a:b="b"}', `1:14: parse error: unexpected character inside braces: ':'`],
  ['foo{a*"b"}', `1:6: parse error: unexpected character inside braces: '*'`],
  ['foo{a>="b"}', `1:6: parse error: unexpected character inside braces: '>'`],
  ['foo{1}', `1:5: parse error: unexpected character inside braces: '1'`],
  ['foo[5mm]', '1:5: parse error: bad number or duration syntax: "5mm"'],
  ['foo[5m1]', '1:5: parse error: bad number or duration syntax: "5m1"'],
  ['foo[5m:1m1]', '1:8: parse error: bad number or duration syntax: "1m1"'],
  ['foo["5m"]', `1:5: parse error: unexpected character in duration expression: '"'`],
  ['foo{bar="baz"}[', '1:16: parse error: unexpected end of input in duration expression'],
  ['foo[5s x 5s]', `1:8: parse error: unexpected character: 'x', expected ':'`],
  ['foo[5s s 5s]', `1:8: parse error: unexpected character: 's', expected ':'`],
  ['some_metric[5m] OFFSET 1mm', '1:24: parse error: bad number or duration syntax: "1mm"'],
  ['sum by ("foo)(some_metric{})', '1:9: parse error: unterminated quoted string'],
  ['"\\', '1:1: parse error: escape sequence not terminated'],
  ['"\\c"', `1:1: parse error: unknown escape sequence U+0063 'c'`],
  ['"\\x."', `1:1: parse error: illegal character U+002E '.' in escape sequence`],
  ['"\\ud800"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['`\\``', '1:4: parse error: unterminated raw string'],
  ['"abc\n"', '1:1: parse error: unterminated quoted string'],
  ['foo é', `1:5: parse error: unexpected character: 'é'`],
  ['é', `1:1: parse error: unexpected character: 'é'`],
  // Syntax errors.
  ['1+', '1:3: parse error: unexpected end of input'],
  ['1 /', '1:4: parse error: unexpected end of input'],
  ['*1', '1:1: parse error: unexpected <op:*>'],
  ['@@', '1:1: parse error: unexpected <op:@>'],
  ['-=', '1:2: parse error: unexpected "="'],
  ['++-++-+-+-<', '1:11: parse error: unexpected <op:<>'],
  ['e-+=/(0)', '1:4: parse error: unexpected "="'],
  ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
  ['a - on(b) ignoring(c) d', '1:11: parse error: unexpected <ignoring>'],
  ['foo + group_left(baz) bar', '1:7: parse error: unexpected <group_left>'],
  ['some_metric{a=b}', '1:15: parse error: unexpected identifier "b" in label matching, expected string'],
  ['foo{gibberish}', '1:14: parse error: unexpected "}" in label matching, expected label matching operator'],
  ['foo{__name__= =}', '1:15: parse error: unexpected "=" in label matching, expected string'],
  ['foo{,}', '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'],
  ['foo{__name__ == "bar"}', '1:15: parse error: unexpected "=" in label matching, expected string'],
  [
    'foo{__name__="bar" lol}',
    '1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}"',
  ],
  ['foo{"a"=}', '1:9: parse error: unexpected "}" in label matching, expected string'],
  ['sum without(==)(some_metric)', '1:13: parse error: unexpected <op:==> in grouping opts, expected label'],
  ['sum without(,)(some_metric)', '1:13: parse error: unexpected "," in grouping opts, expected label'],
  ['sum without(foo,,)(some_metric)', '1:17: parse error: unexpected "," in grouping opts, expected label'],
  [
    'sum without(foo bar)(x)',
    '1:17: parse error: unexpected identifier "bar" in grouping opts, expected "," or ")"',
  ],
  ['sum some_metric by (test)', '1:5: parse error: unexpected identifier "some_metric"'],
  [
    'sum (some_metric) by test',
    '1:22: parse error: unexpected identifier "test" in grouping opts, expected "("',
  ],
  ['MIN keep_common (some_metric)', '1:5: parse error: unexpected identifier "keep_common"'],
  ['MIN (some_metric) keep_common', '1:19: parse error: unexpected identifier "keep_common"'],
  ['sum (some_metric) without (test) by (test)', '1:34: parse error: unexpected <by>'],
  ['sum without (test) (some_metric) by (test)', '1:34: parse error: unexpected <by>'],
  ['sum(foo bar)', '1:9: parse error: unexpected identifier "bar" in aggregation'],
  [
    'foo[]',
    '1:5: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()',
  ],
  [
    'foo[step]',
    '1:9: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()',
  ],
  ['foo[5m 5m]', '1:8: parse error: unexpected duration "5m" in subquery or range, expected ":" or "]"'],
  // After a number inside brackets the lexer is back in its statements state, so `@` is a token.
  [
    'foo[5m:@]',
    '1:8: parse error: unexpected <op:@> in subquery selector, expected number, duration, step(), range(), or "]"',
  ],
  ['foo[@]', `1:5: parse error: unexpected character in duration expression: '@'`],
  ['foo[5m:1m 1m]', '1:11: parse error: unexpected duration "1m" in subquery selector, expected "]"'],
  [
    'some_metric[5m] OFFSET',
    '1:23: parse error: unexpected end of input in offset, expected number, duration, step(), or range()',
  ],
  [
    'foo offset step',
    '1:16: parse error: unexpected end of input in offset, expected number, duration, step(), or range()',
  ],
  ['some_metric[5m] @', '1:18: parse error: unexpected end of input in @, expected timestamp'],
  // Semantic errors found while parsing.
  [
    '999' + '9'.repeat(306),
    '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "' +
      '9'.repeat(309) +
      '": value out of range',
  ],
  [
    '1 offset 1d',
    '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  ['foo offset 1s offset 2s', '1:1: parse error: offset may not be set multiple times'],
  ['foo @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  [
    'rate(some_metric[5m]) @ 1234',
    '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  ['foo @ +Inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
  ['foo @ -Inf', '1:1: parse error: timestamp out of bounds for @ modifier: -Inf'],
  ['foo @ NaN', '1:1: parse error: timestamp out of bounds for @ modifier: NaN'],
  [
    'foo @ 9223372036854775808',
    '1:1: parse error: timestamp out of bounds for @ modifier: 9223372036854775808.000000',
  ],
  ['foo[5y1hs]', '1:5: parse error: unknown unit "hs" in duration "5y1hs"'],
  ['foo[5m1h]', '1:5: parse error: not a valid duration string: "5m1h"'],
  ['foo[0m]', '1:5: parse error: duration must be greater than 0'],
  ['foo[-1]', '1:5: parse error: duration must be greater than 0'],
  ['foo[9.5e10]', '1:5: parse error: duration out of range'],
  ['foo offset 9.5e10', '1:12: parse error: duration out of range'],
  ['foo[step()/0d]', '1:11: parse error: division by zero'],
  ['foo[5s%0d]', '1:7: parse error: modulo by zero'],
  ['foo offset (4d/0)', '1:15: parse error: division by zero'],
  ['some_metric OFFSET 1m[5m]', '1:22: parse error: no offset modifiers allowed before range'],
  ['some_metric offset step()[5m]', '1:26: parse error: no offset modifiers allowed before range'],
  ['some_metric @ 1234 [5m]', '1:20: parse error: no @ modifiers allowed before range'],
  ['some_metric @ start() [5m]', '1:23: parse error: no @ modifiers allowed before range'],
  ['(foo + bar)[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
  ['rate(food[1m])[1h] offset 1h', '1:15: parse error: ranges only allowed for vector selectors'],
  ['1[5m] smoothed', '1:2: parse error: ranges only allowed for vector selectors'],
  ['sum () by (test)', '1:1: parse error: no arguments for aggregate expression provided'],
  [
    'topk(some_metric)',
    '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1',
  ],
  ['topk(some_metric,)', '1:17: parse error: trailing commas not allowed in function call args'],
  [
    'non_existent_function_far_bar()',
    '1:1: parse error: unknown function with name "non_existent_function_far_bar"',
  ],
  ['a>b()', '1:3: parse error: unknown function with name "b"'],
  ['sum by ("") (x)', '1:9: parse error: invalid label name for grouping: ""'],
  ['foo{a=~"(x"}', '1:5: parse error: error parsing regexp: missing closing ): `(x`'],
  // Type errors (checkAST).
  ['1 and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['1 == 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['foo + bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['foo and bool 10', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['1 or on(bar) foo', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo == on(bar) 10', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo and on(bar) group_left(baz) bar', '1:1: parse error: no grouping allowed for "and" operation'],
  [
    'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
    '1:35: parse error: label "instance" must not occur in ON and GROUP clause at once',
  ],
  [
    '-"string"',
    '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"',
  ],
  [
    '-test[5m]',
    '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
  ],
  ['foo[5m] + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x!~".+"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x!="a"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  [
    'topk(some_metric, other_metric)',
    '1:6: parse error: expected type scalar in aggregation parameter, got instant vector',
  ],
  [
    'count_values(5, other_metric)',
    '1:14: parse error: expected type string in aggregation parameter, got scalar',
  ],
  [
    'sum(foo[5m])',
    '1:5: parse error: expected type instant vector in aggregation expression, got range vector',
  ],
  ['floor()', '1:1: parse error: expected 1 argument(s) in call to "floor", got 0'],
  ['floor(some_metric, other_metric)', '1:1: parse error: expected 1 argument(s) in call to "floor", got 2'],
  ['floor(1)', '1:7: parse error: expected type instant vector in call to function "floor", got scalar'],
  [
    'hour(some_metric, some_metric, some_metric)',
    '1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3',
  ],
  ['label_join(a, "b")', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 2'],
  ['time(some_metric)', '1:1: parse error: expected 0 argument(s) in call to "time", got 1'],
  [
    'rate(some_metric)',
    '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
  ],
  [
    'rate(avg)',
    '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
  ],
  [
    'test[5d] OFFSET 10s [10m:5s]',
    '1:1: parse error: subquery is only allowed on instant vector, got matrix instead',
  ],
  [
    'info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"})',
    '1:46: parse error: expected label selectors only, got vector selector instead',
  ],
  [
    'info(http_request_counter_total{namespace="zzz"}, {foo="bar"} == 1)',
    '1:51: parse error: expected label selectors only',
  ],
  ['foo and fill(0) bar', '1:1: parse error: filling in missing series not allowed for set operators'],
  ['foo + fill(0) 1', '1:1: parse error: filling in missing series only allowed between instant vectors'],
  // Multi-line input: the line and the byte column.
  ['foo +\n  bar +\n  *', '3:3: parse error: unexpected <op:*>'],
  ['"é" + é', `1:8: parse error: unexpected character: 'é'`],
];

test('parse errors match Prometheus', () => {
  const mismatches: string[] = [];
  for (const [input, want] of CASES) {
    let got = '(parsed)';
    try {
      parseExpr(input, ALL_FEATURES);
    } catch (e) {
      got = (e as Error).message;
    }
    if (got !== want) mismatches.push(`${JSON.stringify(input)}\n  want ${want}\n  got  ${got}`);
  }
  assert.deepEqual(mismatches, []);
});

test('all errors are kept, in order; the message is the first', () => {
  const e = errorOf('1 or on(bar) foo');
  assert.deepEqual(
    e.errors.map((x) => x.message),
    [
      'vector matching only allowed between instant vectors',
      'set operator "or" not allowed in binary scalar expression',
    ],
  );
  const t = errorOf('topk(some_metric,)');
  assert.deepEqual(
    t.errors.map((x) => [x.message, x.positionRange.start, x.positionRange.end]),
    [
      ['trailing commas not allowed in function call args', 16, 17],
      ['wrong number of arguments for aggregate expression provided, expected 2, got 1', 0, 18],
    ],
  );
  assert.deepEqual(
    errorOf('foo[5y1hs]').errors.map((x) => x.message),
    ['unknown unit "hs" in duration "5y1hs"', 'duration must be greater than 0'],
  );
  assert.deepEqual(e.messages(2), [
    '3:1: parse error: vector matching only allowed between instant vectors',
    '3:1: parse error: set operator "or" not allowed in binary scalar expression',
  ]);
});

test('experimental features are errors unless enabled', () => {
  const off: ParseOptions = {};
  const cases: [string, string][] = [
    ['sort_by_label(foo, "a")', '1:1: parse error: function "sort_by_label" is not enabled'],
    [
      'limitk(1, foo)',
      '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    ],
    ['foo[5m+1m]', '1:5: parse error: experimental duration expression is not enabled'],
    ['foo offset step()', '1:12: parse error: experimental duration expression is not enabled'],
    ['foo offset (5m)', '1:13: parse error: experimental duration expression is not enabled'],
    ['foo anchored', '1:1: parse error: anchored modifier is experimental and not enabled'],
    ['rate(foo[5m] smoothed)', '1:6: parse error: smoothed modifier is experimental and not enabled'],
    ['a + fill(0) b', '1:1: parse error: binop fill modifiers are experimental and not enabled'],
  ];
  for (const [input, want] of cases) {
    assert.equal(errorOf(input, off).message, want, input);
    assert.doesNotThrow(() => parseExpr(input, ALL_FEATURES), input);
  }
  // Plain numbers and durations in ranges and offsets need no feature.
  for (const q of ['foo[300]', 'foo offset 5', 'foo offset -5m', 'foo[5m:1m] offset 1h']) parseExpr(q, off);
  assert.equal(
    errorOf('foo anchored smoothed').message,
    '1:1: parse error: anchored and smoothed modifiers cannot be used together',
  );
  assert.equal(
    errorOf('foo[5m:] anchored').message,
    '1:1: parse error: anchored modifier is not supported for subqueries',
  );
  assert.equal(errorOf('sum(foo) smoothed').message, '1:1: parse error: smoothed modifier not implemented');
});

test('nesting beyond the limit is an error, not a stack overflow', () => {
  const deep = '('.repeat(5000) + '1' + ')'.repeat(5000);
  assert.match(errorOf(deep).message, /expression nesting exceeds the maximum depth of 1000$/);
  assert.doesNotThrow(() => parseExpr('('.repeat(900) + '1' + ')'.repeat(900)));
  assert.match(errorOf('-'.repeat(5000) + '1').message, /maximum depth/);
  assert.match(errorOf('2' + '^2'.repeat(5000)).message, /maximum depth/);
  // Long left-associative chains are flat, not deep.
  const chain = Array.from({ length: 20000 }, (_, i) => `m${i}`).join(' + ');
  assert.equal(parseExpr(chain).kind, 'BinaryExpr');
});

test('positionString counts lines and UTF-8 bytes like Prometheus', () => {
  assert.equal(positionString('abc', 0), '1:1');
  assert.equal(positionString('a\nbc', 3), '2:2');
  assert.equal(positionString('é\nxé', 4), '2:4');
  assert.equal(positionString('😀x', 2), '1:5');
  assert.equal(positionString('', 0), 'unknown position');
  assert.equal(positionString('ab', 5), 'invalid position');
  assert.equal(positionString('a\nb', 2, 10), '12:1');
});
