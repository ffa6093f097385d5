import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTargetGroupsJSON, parseTargetGroupsYAML } from './target-group.js';
import { staticGroups } from './static.js';

describe('target group documents', () => {
  it('decodes JSON and YAML lists into __address__ targets and labels', () => {
    const want = [
      { targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }], labels: { env: 'prod' } },
      { targets: [], labels: {} },
    ];
    assert.deepEqual(
      parseTargetGroupsJSON('[{"targets":["a:1","b:2"],"labels":{"env":"prod"}},{"targets":[]}]'),
      want,
    );
    assert.deepEqual(
      parseTargetGroupsYAML('- targets: [a:1, b:2]\n  labels:\n    env: prod\n- targets: []\n'),
      want,
    );
  });

  it('treats an empty document or null as no groups', () => {
    assert.deepEqual(parseTargetGroupsJSON('null'), []);
    assert.deepEqual(parseTargetGroupsYAML(''), []);
  });

  const bad: [string, string, RegExp][] = [
    ['json', '[null]', /^nil target group item found$/],
    ['yaml', '- null\n', /^nil target group item found$/],
    ['json', '[{"targets":["a:1"],"lables":{}}]', /unknown field "lables"/],
    ['yaml', '- targets: [a:1]\n  lables: {}\n', /line 2: field lables not found/],
    ['json', '[{"targets":[1]}]', /cannot unmarshal number into Go struct field \.targets of type string/],
    ['json', '[{"targets":["a:1"],"labels":{"":"x"}}]', /^"" is not a valid label name$/],
    ['yaml', '- targets: [a:1]\n  labels: {"": x}\n', /"" is not a valid label name/],
    ['json', '{"targets":[]}', /cannot unmarshal object into Go value of type \[\]\*targetgroup\.Group/],
    ['json', '[{"targets":["a:1"]}', /JSON/],
    ['yaml', 'targets: [a]\n', /cannot unmarshal !!map/],
    ['yaml', '- targets: [a:1\n', /^yaml: line/],
  ];
  for (const [kind, text, re] of bad)
    it(`rejects ${kind} ${JSON.stringify(text)}`, () => {
      const parse = kind === 'json' ? parseTargetGroupsJSON : parseTargetGroupsYAML;
      assert.throws(() => parse(text), { message: re });
    });

  it('names static groups by their index', () => {
    assert.deepEqual(
      staticGroups([
        { targets: ['a:1'], labels: { x: 'y' } },
        { targets: ['b:2', 'c:3'], labels: {} },
      ]),
      [
        { source: '0', targets: [{ __address__: 'a:1' }], labels: { x: 'y' } },
        { source: '1', targets: [{ __address__: 'b:2' }, { __address__: 'c:3' }], labels: {} },
      ],
    );
  });
});
