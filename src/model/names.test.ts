import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC_NAME,
  isValidLabelName,
  isValidLabelValue,
  isValidLegacyLabelName,
  isValidLegacyMetricName,
  isValidMetricName,
  isWellFormedUtf8,
} from './names.js';

// [name, legacy metric name?, legacy label name?]
const LEGACY: [string, boolean, boolean][] = [
  ['up', true, true],
  ['http_requests_total', true, true],
  ['_', true, true],
  ['__name__', true, true],
  ['A9_z', true, true],
  ['a:b', true, false], // colons: metric names only
  [':a', true, false],
  ['job:rate5m', true, false],
  ['9a', false, false],
  ['0', false, false],
  ['', false, false],
  ['a-b', false, false],
  ['a.b', false, false],
  ['a b', false, false],
  ['é', false, false],
  ['a\n', false, false],
  ['ab😀', false, false],
  ['[', false, false],
  ['`', false, false],
  ['{', false, false],
  ['@', false, false],
  ['/', false, false],
];

test('legacy names follow [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*', () => {
  for (const [name, metric, label] of LEGACY) {
    assert.equal(isValidLegacyMetricName(name), metric, `metric ${JSON.stringify(name)}`);
    assert.equal(isValidLegacyLabelName(name), label, `label ${JSON.stringify(name)}`);
    assert.equal(isValidMetricName(name, 'legacy'), metric);
    assert.equal(isValidLabelName(name, 'legacy'), label);
  }
  // Every ASCII character, against the regular expressions themselves.
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, 'a' + ch]) {
      assert.equal(isValidLegacyMetricName(s), /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s), JSON.stringify(s));
      assert.equal(isValidLegacyLabelName(s), /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(s), JSON.stringify(s));
    }
  }
});

test('UTF-8 names (the Prometheus 3 default) are any non-empty valid UTF-8', () => {
  for (const name of ['up', 'a.b', 'a-b', '9a', 'é', 'ab😀', 'a b', 'a\nb', '{}', '"']) {
    assert.ok(isValidMetricName(name), name);
    assert.ok(isValidLabelName(name), name);
    assert.ok(isValidMetricName(name, 'utf8'));
  }
  for (const name of ['', '\ud800', 'a\udc00', 'a\ud83d', '\ude00\ud83d']) {
    assert.ok(!isValidMetricName(name), JSON.stringify(name));
    assert.ok(!isValidLabelName(name), JSON.stringify(name));
  }
});

test('well-formed UTF-16 is exactly what encodes to valid UTF-8', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['abc', true],
    ['😀', true],
    ['\u{10ffff}', true],
    ['\ud7ff\ue000\uffff', true],
    ['\ud800', false],
    ['\udbff', false],
    ['\udc00', false],
    ['\udfff\ud800', false], // a low then a high surrogate: not a pair
    ['a\ud83d', false],
    ['\ud83d\ude00\ude00', false],
    ['\ud83d\ud83d\ude00', false],
  ];
  for (const [s, want] of cases) {
    assert.equal(isWellFormedUtf8(s), want, JSON.stringify(s));
    // Cross-check: a round trip through UTF-8 changes exactly the ill-formed strings.
    assert.equal(Buffer.from(s, 'utf8').toString('utf8') === s, want);
    assert.equal(isValidLabelValue(s), want);
  }
});

test('the metric name label', () => {
  assert.equal(METRIC_NAME, '__name__');
});
