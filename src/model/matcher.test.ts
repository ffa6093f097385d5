import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from './labels.js';
import { Matcher, MatchType, RegexError, isMatchType, matchLabels } from './matcher.js';

test('each operator matches as Prometheus does, "" standing for a missing label', () => {
  const cases: [MatchType, string, string, boolean][] = [
    ['=', 'foo', 'foo', true],
    ['=', 'foo', 'Foo', false],
    ['=', 'foo', 'foo ', false],
    ['=', '', '', true],
    ['=', '', 'x', false],
    ['!=', 'foo', 'foo', false],
    ['!=', 'foo', 'bar', true],
    ['!=', 'foo', '', true],
    ['!=', '', '', false],
    ['=~', 'foo', 'foo', true],
    ['=~', 'fo+', 'foooo', true],
    ['=~', 'foo', 'xfoox', false], // anchored
    ['=~', 'foo.*', 'foo\nbar', true], // . matches newline
    ['=~', '', '', true],
    ['=~', '', 'x', false],
    ['=~', '.*', '', true],
    ['=~', '.+', '', false],
    ['=~', 'a|', '', true],
    ['=~', '(?i)FOO', 'foo', true],
    ['!~', 'foo', 'foo', false],
    ['!~', 'foo', 'bar', true],
    ['!~', '.+', '', true],
    ['!~', '.*', 'anything', false],
    ['!~', 'foo.*', 'foo\nbar', false],
    ['!~', '[0-9]+', '123', false],
    ['!~', '[0-9]+', '12a', true],
  ];
  for (const [type, value, input, want] of cases) {
    const m = new Matcher(type, 'l', value);
    assert.equal(m.matches(input), want, `l${type}${JSON.stringify(value)} on ${JSON.stringify(input)}`);
  }
});

test('matchLabels needs every matcher, and reads a missing label as ""', () => {
  const ls = Labels.fromStrings('__name__', 'up', 'job', 'node', 'instance', 'a:9100');
  const sel = (...ms: [MatchType, string, string][]): boolean =>
    matchLabels(
      ms.map(([t, n, v]) => Matcher.create(t, n, v)),
      ls,
    );
  assert.equal(sel(), true);
  assert.equal(sel(['=', '__name__', 'up'], ['=', 'job', 'node']), true);
  assert.equal(sel(['=', '__name__', 'up'], ['=', 'job', 'prom']), false);
  assert.equal(sel(['=', 'missing', '']), true);
  assert.equal(sel(['!=', 'missing', '']), false);
  assert.equal(sel(['=~', 'missing', '']), true);
  assert.equal(sel(['=~', 'missing', '.*']), true);
  assert.equal(sel(['=~', 'missing', '.+']), false);
  assert.equal(sel(['!~', 'missing', '.+']), true);
  assert.equal(sel(['!=', 'job', '']), true);
  assert.equal(sel(['=~', 'instance', '.*:9100'], ['!~', 'job', 'prom|graf']), true);
  assert.equal(sel(['=~', 'instance', '.*:9100'], ['!~', 'job', 'node|graf']), false);
});

test('toString prints the matcher as Prometheus does', () => {
  // Expected strings are what Prometheus 3.5.3's /api/v1/format_query printed for these matchers.
  const cases: [MatchType, string, string, string][] = [
    ['=', 'job', 'a', 'job="a"'],
    ['!=', 'job', 'a', 'job!="a"'],
    ['=~', 'job', 'a.*', 'job=~"a.*"'],
    ['!~', 'job', '(?i)x\\d', 'job!~"(?i)x\\\\d"'],
    ['=', 'job', 'tab\there', 'job="tab\\there"'],
    ['=', 'job', 'say "hi"', 'job="say \\"hi\\""'],
    ['=', 'job', '\x07\b\f\v\r\0\x7f\x80\x9f', 'job="\\a\\b\\f\\v\\r\\x00\\x7f\\u0080\\u009f"'],
    [
      '=',
      'job',
      '\u2028\u2029\u00ad\ufeff\ue000\u{f0000}\u{10ffff}\u{e0001}\u0378',
      'job="\\u2028\\u2029\\u00ad\\ufeff\\ue000\\U000f0000\\U0010ffff\\U000e0001\\u0378"',
    ],
    ['=', 'job', 'ünï 😀 日本', 'job="ünï 😀 日本"'],
    ['=', 'job', '\u00a0', 'job="\\u00a0"'],
    ['=~', 'a.b', 'x', '"a.b"=~"x"'],
    ['=', '9a', 'x', '"9a"="x"'],
    ['=', 'ü', 'x', '"ü"="x"'],
    ['=', 'a-b', 'x', '"a-b"="x"'],
    ['=', 'a b', 'x', '"a b"="x"'],
    ['=', 'a"b', 'x', '"a\\"b"="x"'],
    ['=', 'a\nb', 'x', '"a\\nb"="x"'],
    ['=', '😀', 'x', '"😀"="x"'],
    ['=', '__name__x', 'x', '__name__x="x"'],
    ['=', 'A9', 'x', 'A9="x"'],
    ['=', '_', 'x', '_="x"'],
    ['=', '', 'x', '""="x"'],
  ];
  for (const [type, name, value, want] of cases) assert.equal(String(new Matcher(type, name, value)), want);
});

test("a bad regex fails at construction with Go's message", () => {
  assert.throws(
    () => Matcher.create('=~', 'job', '(foo'),
    (e: unknown) =>
      e instanceof RegexError && e.message === 'error parsing regexp: missing closing ): `(foo`',
  );
  assert.throws(() => new Matcher('!~', 'job', 'a{1001}'), /invalid repeat count: `\{1001\}`/);
  // Equality matchers take any value: it is not a regex.
  assert.equal(new Matcher('=', 'job', '(foo').matches('(foo'), true);
  assert.equal(new Matcher('!=', 'job', '(foo').matches('(foo'), false);
});

test('an unknown operator is refused', () => {
  for (const t of ['==', '~', '=!', '', '!']) {
    assert.throws(() => new Matcher(t as MatchType, 'a', 'b'), /invalid match type/);
  }
});

test('operator names and the type guard', () => {
  assert.deepEqual(Object.values(MatchType), ['=', '!=', '=~', '!~']);
  for (const t of ['=', '!=', '=~', '!~']) assert.ok(isMatchType(t), t);
  for (const t of ['==', '~=', '!', '', '=~ ']) assert.ok(!isMatchType(t), t);
  const m = Matcher.create(MatchType.NotRegexp, 'a', 'b');
  assert.equal(m.type, '!~');
  assert.equal(m.name, 'a');
  assert.equal(m.value, 'b');
});

test('index helpers: set matches, prefix, whether the regex is optimized', () => {
  const eq = new Matcher('=', 'a', 'x');
  assert.equal(eq.setMatches(), null);
  assert.equal(eq.prefix(), '');
  assert.equal(eq.isRegexOptimized(), false);

  const set = new Matcher('=~', 'a', 'foo|bar');
  assert.deepEqual([...(set.setMatches() ?? [])].sort(), ['bar', 'foo']);
  assert.equal(set.isRegexOptimized(), true);
  // The set is the regex's, whatever the operator: the caller applies the negation.
  assert.deepEqual([...(new Matcher('!~', 'a', 'foo|bar').setMatches() ?? [])].sort(), ['bar', 'foo']);

  const prefix = new Matcher('=~', 'a', 'api_.*');
  assert.equal(prefix.setMatches(), null);
  assert.equal(prefix.prefix(), 'api_');
  assert.equal(prefix.isRegexOptimized(), true);

  const engine = new Matcher('=~', 'a', 'api_[0-9]+');
  assert.equal(engine.isRegexOptimized(), false);
  assert.equal(engine.setMatches(), null);
});
