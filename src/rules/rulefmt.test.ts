import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { conformancePath } from '../util/testenv.js';
import { parseRuleFile, parseRuleFileFromPath } from './rulefmt.js';

/** The table of section 3 of the conformance README: file → text the first error contains. */
const BAD: [string, string, boolean?][] = [
  ['duplicate_grp.bad.yaml', 'groupname: "yolo" is repeated in the same file'],
  ['bad_expr.bad.yaml', 'parse error'],
  ['record_and_alert.bad.yaml', "only one of 'record' and 'alert' must be set"],
  ['no_rec_alert.bad.yaml', "one of 'record' or 'alert' must be set"],
  ['noexpr.bad.yaml', "field 'expr' must be set in rule"],
  [
    'invalid_record_name.bad.yaml',
    'braces present in the recording rule name; should it be in expr?: strawberry{flavor="sweet"}',
  ],
  ['bad_field.bad.yaml', 'field annotation not found'],
  ['invalid_label_name.bad.yaml', 'invalid label name'],
  ['record_and_for.bad.yaml', "invalid field 'for' in recording rule"],
  ['record_and_keep_firing_for.bad.yaml', "invalid field 'keep_firing_for' in recording rule"],
  ['legacy_validation_annotation.bad.yaml', 'invalid annotation name: ins-tance', true],
];
const GOOD: [string, boolean?][] = [
  ['test.yaml'],
  ['test_aliases.yaml'],
  ['utf-8_lname.good.yaml'],
  ['utf-8_annotation.good.yaml'],
  ['legacy_validation_annotation.good.yaml', true],
];

describe('rulefmt conformance fixtures', () => {
  const dir = conformancePath('rulefmt/testdata', 'rulefmt fixtures');
  if (dir === null) return;
  for (const [file, text, legacy] of BAD) {
    it(`${file} fails with ${JSON.stringify(text)}`, () => {
      const r = parseRuleFileFromPath(join(dir, file), { nameValidation: legacy ? 'legacy' : 'utf8' });
      assert.equal(r.groups.length, 0);
      assert.ok(r.errors.length > 0, 'expected an error');
      assert.ok(r.errors[0]!.includes(text), r.errors[0]);
      assert.ok(r.errors[0]!.startsWith(join(dir, file) + ': '), 'errors name the file');
    });
  }
  for (const [file, legacy] of GOOD) {
    it(`${file} parses`, () => {
      const r = parseRuleFileFromPath(join(dir, file), { nameValidation: legacy ? 'legacy' : 'utf8' });
      assert.deepEqual(r.errors, []);
      assert.ok(r.groups.length > 0);
    });
  }
  it('test_aliases.yaml resolves every alias to the same expression', () => {
    const r = parseRuleFileFromPath(join(dir, 'test_aliases.yaml'));
    const exprs = new Set(r.groups.flatMap((g) => g.rules.map((x) => x.expr)));
    assert.equal(exprs.size, 1);
    assert.ok([...exprs][0]!.includes('\n'));
  });
});

describe('rule file positions and options', () => {
  it('gives line:column of the value node, and both for record+alert', () => {
    const r = parseRuleFile(
      'groups:\n  - name: g\n    rules:\n      - record: Hi\n        alert: Hello\n        expr: 1\n',
    );
    assert.deepEqual(r.errors, [
      `4:17: 5:16: group "g", rule 1, "Hello": only one of 'record' and 'alert' must be set`,
    ]);
  });
  it('rejects unknown fields unless told to ignore them', () => {
    const text = 'groups:\n  - name: g\n    owner: x\n    rules:\n      - record: a\n        expr: 1\n';
    assert.deepEqual(parseRuleFile(text).errors, [
      'yaml: unmarshal errors:\n  line 3: field owner not found in type rulefmt.RuleGroup',
    ]);
    const ok = parseRuleFile(text, { ignoreUnknownFields: true });
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.groups[0]!.rules[0]!.record, 'a');
  });
  it('decodes interval, query_offset, limit, labels, for, keep_firing_for', () => {
    const r = parseRuleFile(
      'groups:\n  - name: g\n    interval: 30s\n    query_offset: 1m\n    limit: 3\n    labels: {team: a}\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        keep_firing_for: 2m\n',
    );
    assert.deepEqual(r.errors, []);
    const g = r.groups[0]!;
    assert.deepEqual([g.interval, g.queryOffset, g.limit, g.labels], [30_000, 60_000, 3, { team: 'a' }]);
    assert.deepEqual([g.rules[0]!.for, g.rules[0]!.keepFiringFor], [300_000, 120_000]);
  });
  it('checks alert templates for undefined variables', () => {
    const r = parseRuleFile(
      'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: 1\n        annotations:\n          s: "{{ $label.x }}"\n',
    );
    assert.deepEqual(r.errors, [
      'group "g", rule 1, "A": annotation "s": template: __alert_A:1: undefined variable "$label"',
    ]);
  });
  it('an empty file has no groups and no errors', () => {
    assert.deepEqual(parseRuleFile(''), { groups: [], errors: [] });
  });
});
