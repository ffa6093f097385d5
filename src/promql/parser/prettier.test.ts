// Prettifier tests: Prometheus's format_query layout, splitting only nodes longer than 100 bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr } from './parser.js';
import { prettify } from './prettier.js';
import { exprToString } from './printer.js';
import { normalize } from './testing.js';

const long = (n: number): string => 'metric_' + 'x'.repeat(n);

test('short expressions stay on one line, in canonical form', () => {
  for (const [q, want] of [
    ['up', 'up'],
    ['sum(x) by (job)', 'sum by (job) (x)'],
    ['a+b', 'a + b'],
    ['-a', '-a'],
  ]) {
    assert.equal(prettify(parseExpr(q!)), want);
  }
});

test('long expressions split by node, two spaces per level', () => {
  const a = long(50);
  const b = long(51);
  assert.equal(prettify(parseExpr(`${a} + ${b}`)), `  ${a}\n+\n  ${b}`);
  assert.equal(
    prettify(parseExpr(`sum by (job) (rate(${a}{job="api"}[5m]) / rate(${b}[5m]))`)),
    `sum by (job) (\n    rate(${a}{job="api"}[5m])\n  /\n    rate(${b}[5m])\n)`,
  );
  assert.equal(
    prettify(parseExpr(`topk(5, ${a} > on (job) group_left (team) ${b})`)),
    `topk(\n  5,\n    ${a}\n  > on (job) group_left (team)\n    ${b}\n)`,
  );
  assert.equal(
    prettify(parseExpr(`label_replace(${a}, "dst", "$1", "src", "${'y'.repeat(40)}")`)),
    `label_replace(\n  ${a},\n  "dst",\n  "$1",\n  "src",\n  "${'y'.repeat(40)}"\n)`,
  );
  assert.equal(prettify(parseExpr(`-(${a} + ${b})`)), `-(\n    ${a}\n  +\n    ${b}\n)`);
  assert.equal(
    prettify(parseExpr(`max_over_time((${a} + ${b})[5m:1m])`)),
    `max_over_time(\n  (\n      ${a}\n    +\n      ${b}\n  )[5m:1m]\n)`,
  );
});

test('prettified output parses back to the same tree', () => {
  const a = long(60);
  for (const q of [
    `sum by (job) (rate(${a}{job="api"}[5m])) / on (job) group_left sum by (job) (rate(${a}[5m] offset 1h))`,
    `histogram_quantile(0.9, sum by (le) (rate(${a}_bucket[5m]))) > bool 0.5`,
    `-${a} * 2 ^ -${a}`,
    `count_values("v", ${a}) or absent(${a}{a="${'b'.repeat(80)}"})`,
  ]) {
    const e = parseExpr(q, ALL_FEATURES);
    const again = parseExpr(prettify(e), ALL_FEATURES);
    assert.deepEqual(normalize(again), normalize(e), q);
    assert.equal(exprToString(again), exprToString(e));
  }
});
