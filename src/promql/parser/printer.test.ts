// Printer tests: Prometheus's canonical String() form, and parse → print → parse round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr } from './parser.js';
import { exprToString } from './printer.js';
import { normalize } from './testing.js';
import { formatDuration, formatFloatF, formatFloatG, parseDuration } from './format.js';

const print = (q: string): string => exprToString(parseExpr(q, ALL_FEATURES));

test('canonical strings', () => {
  // [input, output]; an empty output means the input is already canonical.
  const cases: [string, string][] = [
    ['sum by() (task:errors:rate10s{job="s"})', 'sum(task:errors:rate10s{job="s"})'],
    ['sum by(code) (task:errors:rate10s{job="s"})', 'sum by (code) (task:errors:rate10s{job="s"})'],
    ['sum without() (task:errors:rate10s{job="s"})', 'sum without () (task:errors:rate10s{job="s"})'],
    [
      'sum without(instance) (task:errors:rate10s{job="s"})',
      'sum without (instance) (task:errors:rate10s{job="s"})',
    ],
    ['sum(x) by (job)', 'sum by (job) (x)'],
    ['SUM BY (job) (x)', 'sum by (job) (x)'],
    ['sum by ("a.b", c) (x)', ''],
    ['topk(5, task:errors:rate10s{job="s"})', ''],
    ['count_values("value", task:errors:rate10s{job="s"})', ''],
    ['a - on() c', 'a - on () c'],
    ['a - on(b) c', 'a - on (b) c'],
    ['a - on(b) group_left(x) c', 'a - on (b) group_left (x) c'],
    ['a - on(b) group_left(x, y) c', 'a - on (b) group_left (x, y) c'],
    ['a - on(b) group_left c', 'a - on (b) group_left () c'],
    ['a - on(b) group_left() (c)', 'a - on (b) group_left () (c)'],
    ['a - ignoring(b) c', 'a - ignoring (b) c'],
    ['a - ignoring() c', 'a - c'],
    ['a - ignoring() group_left c', 'a - ignoring () group_left () c'],
    ['a AND on(b) c', 'a and on (b) c'],
    ['up > bool 0', ''],
    ['a + fill(0) b', 'a + fill (0) b'],
    ['a + fill_left(1) fill_right(-2) b', 'a + fill_left (1) fill_right (-2) b'],
    ['a + fill_right(1e21) b', 'a + fill_right (1e+21) b'],
    ['a offset 1m', ''],
    ['a offset -7m', ''],
    ['a OFFSET 90s', 'a offset 1m30s'],
    ['a{c="d"}[5m] offset 1m', ''],
    ['a[5m] offset 1m', ''],
    ['a[12m] offset -3m', ''],
    ['a[1h:5m] offset 1m', ''],
    ['a[300]', 'a[5m]'],
    ['a[1.5]', 'a[1s500ms]'],
    ['a[7d]', 'a[1w]'],
    ['a[14d]', 'a[2w]'],
    ['a[90d]', 'a[90d]'],
    ['a[365d]', 'a[1y]'],
    ['{__name__="a"}', ''],
    ['{"a.b"}', '{__name__="a.b"}'],
    ['{"a.b", "c.d"="e"}', '{"c.d"="e",__name__="a.b"}'],
    ['a{b!="c"}[1m]', ''],
    ['a{b=~"c"}[1m]', ''],
    ['a{b!~"c"}[1m]', ''],
    ['a{z="1", b="2"}', 'a{b="2",z="1"}'],
    ["a{b='it\\'s'}", 'a{b="it\'s"}'],
    ['a{b=`\\d+`}', 'a{b="\\\\d+"}'],
    ['a @ 10', 'a @ 10.000'],
    ['a[1m] @ 10', 'a[1m] @ 10.000'],
    ['a @ -1.5', 'a @ -1.500'],
    ['a @ start()', ''],
    ['a @ end()', ''],
    ['a[1m] @ start()', ''],
    ['a[1m] @ end()', ''],
    ['a offset 5m @ 100', 'a @ 100.000 offset 5m'],
    ['a[5m] offset 5m @ 100', 'a[5m] @ 100.000 offset 5m'],
    ['a[5m:] offset 5m @ 100', 'a[5m:] @ 100.000 offset 5m'],
    ['rate(a[5m] anchored)', ''],
    ['a smoothed offset 1m', ''],
    ['a[5m] smoothed @ 1 offset 1m', 'a[5m] smoothed @ 1.000 offset 1m'],
    ['1', ''],
    ['1e21', '1000000000000000000000'],
    ['1.5e-7', '0.00000015'],
    ['0x1f', '31'],
    ['-Inf', ''],
    ['+Inf', '+Inf'],
    ['NaN', ''],
    ['5m', ''],
    ['-90s', '-1m30s'],
    ['time() - 1h', ''],
    ['"a\\nb\\u00e9\\x00"', '"a\\nbé\\x00"'],
    ["'single'", '"single"'],
    ['`raw`', '"raw"'],
    ['-2^2', '-2 ^ 2'],
    ['-(2^2)', '-(2 ^ 2)'],
    ['-a', ''],
    ['+a', ''],
    ['(a + b) * c', ''],
    ['rate(a[5m])[1h:]', ''],
    ['a[5m+1m]', 'a[5m + 1m]'],
    ['a[(5m+1m)*2:step()]', 'a[(5m + 1m) * 2:step()]'],
    ['a offset -step()', ''],
    ['a offset +step()', 'a offset step()'],
    ['a offset (1h * 2)', ''],
    ['a[min_of(step(), 1h):MAX_OF(range(),1m)]', 'a[min_of(step(), 1h):max_of(range(), 1m)]'],
    ['a[(5s)]', ''],
    ['a offset -(5)', ''],
    ['histogram_quantiles(a, "q", 0.5, 0.9)', ''],
    ['h >/ -Inf', ''],
    ['label_replace(a, "dst", "\\xff", "src", "(.*)")', ''],
  ];
  const mismatches: string[] = [];
  for (const [input, out] of cases) {
    const want = out === '' ? input : out;
    const got = print(input);
    if (got !== want) mismatches.push(`${input}: want ${want} got ${got}`);
  }
  assert.deepEqual(mismatches, []);
});

test('printed queries parse back to the same tree', () => {
  const queries = [
    'sum by (job) (rate(http_requests_total{job="api"}[5m]))',
    'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > bool on (job) group_left (team) y',
    '-2 ^ -2 ^ 2',
    '1 - -1',
    '- -a',
    'a - (b - c)',
    'a / (b * c)',
    '(a or b) and c',
    'topk(3, -a) unless on () b',
    'quantile_over_time(0.5, a[1h:5m] offset -1d @ 1700000000.123)',
    'foo[-(10s-5s)+20s]',
    'foo offset -min_of(5s,step()+8s)',
    'x offset (1m) + 2m',
    'absent_over_time({"weird \\"name\\"", "a b"=~"c|d"}[5m])',
    'count_values("a\\xc5z", version)',
    'a + fill_left(5) fill_right(7) b',
    'vector(1) + fill(NaN) vector(2)',
  ];
  for (const q of queries) {
    const e = parseExpr(q, ALL_FEATURES);
    const s = exprToString(e);
    const again = parseExpr(s, ALL_FEATURES);
    assert.deepEqual(normalize(again), normalize(e), q);
    assert.equal(exprToString(again), s, q);
  }
});

test('durations: parse and canonical format', () => {
  const parsed: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['1ms', 1],
    ['1s', 1000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['20s500ms', 20_500],
    ['1111111s', 1_111_111_000],
  ];
  for (const [s, ms] of parsed) assert.equal(parseDuration(s), ms, s);
  assert.throws(() => parseDuration(''), /^Error: empty duration string$/);
  assert.throws(() => parseDuration('1.5m'), /unknown unit "\." in duration "1\.5m"/);
  assert.throws(() => parseDuration('5m1h'), /not a valid duration string: "5m1h"/);
  assert.throws(() => parseDuration('1hs'), /unknown unit "hs" in duration "1hs"/);
  assert.throws(() => parseDuration('300y'), /duration out of range/);
  const formatted: [number, string][] = [
    [0, '0s'],
    [1, '1ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [86_400_000 * 7, '1w'],
    [86_400_000 * 8, '8d'],
    [86_400_000 * 365, '1y'],
    [86_400_000 * 366, '366d'],
    [3_601_001, '1h1s1ms'],
  ];
  for (const [ms, s] of formatted) assert.equal(formatDuration(ms), s, String(ms));
});

test('floats: Go formats', () => {
  const f: [number, string][] = [
    [1, '1'],
    [-0.5, '-0.5'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [123456789.125, '123456789.125'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ];
  for (const [v, s] of f) assert.equal(formatFloatF(v), s, String(v));
  const g: [number, string][] = [
    [0, '0'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [-2.5e300, '-2.5e+300'],
  ];
  for (const [v, s] of g) assert.equal(formatFloatG(v), s, String(v));
});
