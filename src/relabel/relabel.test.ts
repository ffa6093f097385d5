import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Labels } from '../model/index.js';
import { DEFAULT_RELABEL_CONFIG } from '../config/relabel.js';
import type { RelabelConfig } from '../config/relabel.js';
import { loadConfig } from '../config/config.js';
import { hashMod, relabel } from './relabel.js';
import { parseTemplate, expand } from './expand.js';

function rc(over: Partial<RelabelConfig>): RelabelConfig {
  return { ...DEFAULT_RELABEL_CONFIG, ...over };
}

interface Case {
  name: string;
  input: Record<string, string>;
  cfgs: Partial<RelabelConfig>[];
  /** null: dropped. */
  output: Record<string, string> | null;
}

// Cases follow Prometheus's documented behaviour and model/relabel's tests.
const CASES: Case[] = [
  {
    name: 'replace with a capture group',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: 'f(.*)', targetLabel: 'd', replacement: 'ch${1}-ch${1}' }],
    output: { a: 'foo', d: 'choo-choo' },
  },
  {
    name: 'replace joins source labels with the separator',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    cfgs: [{ sourceLabels: ['a', 'b'], regex: 'f(.*);(.*)r', targetLabel: 'a', replacement: 'b${1}${2}m' }],
    output: { a: 'boobam', b: 'bar', c: 'baz' },
  },
  {
    name: 'replace with a custom separator and a missing source label',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a', 'missing'], separator: '|', targetLabel: 'd' }],
    output: { a: 'foo', d: 'foo|' },
  },
  {
    name: 'replace: no match leaves the labels alone',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: 'x(.*)', targetLabel: 'd' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: the regex is anchored at both ends',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: 'o', targetLabel: 'd', replacement: 'x' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: `.` matches a newline',
    input: { a: 'f\no' },
    cfgs: [{ sourceLabels: ['a'], regex: 'f.o', targetLabel: 'd', replacement: 'x' }],
    output: { a: 'f\no', d: 'x' },
  },
  {
    name: 'replace: an empty result deletes the target label',
    input: { a: 'foo', d: 'old' },
    cfgs: [{ sourceLabels: ['a'], regex: 'foo()', targetLabel: 'd' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: $1x names a group "1x", which does not exist',
    input: { a: 'foo', d: 'old' },
    cfgs: [{ sourceLabels: ['a'], regex: '(.*)', targetLabel: 'd', replacement: '$1x' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: ${1}x and $$',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: 'd', replacement: '${1}x$$' }],
    output: { a: 'foo', d: 'foox$' },
  },
  {
    name: 'replace: named groups',
    input: { a: 'foo:9090' },
    cfgs: [
      {
        sourceLabels: ['a'],
        regex: '(?P<host>[^:]+):(?P<port>\\d+)',
        targetLabel: 'd',
        replacement: '$port/${host}',
      },
    ],
    output: { a: 'foo:9090', d: '9090/foo' },
  },
  {
    name: 'replace: references in target_label',
    input: { a: 'some-name', b: 'v' },
    cfgs: [{ sourceLabels: ['a'], regex: 'some-([^-]+)', targetLabel: '${1}_label', replacement: 'x' }],
    output: { a: 'some-name', b: 'v', name_label: 'x' },
  },
  {
    name: 'replace: a target name that is invalid (legacy scheme) writes nothing',
    input: { a: '0foo' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: '${1}', replacement: 'x', nameValidationScheme: 'legacy' }],
    output: { a: '0foo' },
  },
  {
    name: 'replace: a target name that is empty writes nothing',
    input: { b: 'x' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: '${1}', replacement: 'x' }],
    output: { b: 'x' },
  },
  {
    name: 'replace: fast path sets a constant when nothing is read',
    input: { a: 'foo' },
    cfgs: [{ targetLabel: 'env', replacement: 'prod' }],
    output: { a: 'foo', env: 'prod' },
  },
  {
    name: 'keep: match keeps',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: 'f.*', action: 'keep' }],
    output: { a: 'foo' },
  },
  {
    name: 'keep: no match drops',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: 'b.*', action: 'keep' }],
    output: null,
  },
  {
    name: 'keep: an absent label is the empty string',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['missing'], regex: '', action: 'keep' }],
    output: { a: 'foo' },
  },
  {
    name: 'drop: match drops',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['a'], regex: '.*o.*', action: 'drop' }],
    output: null,
  },
  {
    name: 'drop: steps after a drop do not run',
    input: { a: 'foo' },
    cfgs: [
      { sourceLabels: ['a'], regex: 'foo', action: 'drop' },
      { targetLabel: 'x', replacement: 'y' },
    ],
    output: null,
  },
  {
    name: 'drop: alternation of literals',
    input: { a: 'bar' },
    cfgs: [{ sourceLabels: ['a'], regex: 'foo|bar', action: 'drop' }],
    output: null,
  },
  {
    name: 'keepequal: equal keeps',
    input: { a: 'foo', b: 'foo' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: 'b', action: 'keepequal' }],
    output: { a: 'foo', b: 'foo' },
  },
  {
    name: 'keepequal: different drops',
    input: { a: 'foo', b: 'bar' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: 'b', action: 'keepequal' }],
    output: null,
  },
  {
    name: 'dropequal: equal drops',
    input: { a: 'foo', b: 'foo' },
    cfgs: [{ sourceLabels: ['a'], targetLabel: 'b', action: 'dropequal' }],
    output: null,
  },
  {
    name: 'dropequal: both absent are equal',
    input: { a: 'foo' },
    cfgs: [{ sourceLabels: ['x'], targetLabel: 'y', action: 'dropequal' }],
    output: null,
  },
  {
    name: 'hashmod (Prometheus: baz mod 1000 is 976)',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    cfgs: [{ sourceLabels: ['c'], targetLabel: 'd', modulus: 1000, action: 'hashmod' }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'labelmap',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb' },
    cfgs: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'labelmap with a literal part in the replacement',
    input: { __meta_x: 'v' },
    cfgs: [{ regex: '__meta_(.*)', replacement: 'k8s_$1', action: 'labelmap' }],
    output: { __meta_x: 'v', k8s_x: 'v' },
  },
  {
    name: 'labeldrop',
    input: { a: '1', ab: '2', b: '3' },
    cfgs: [{ regex: 'a.*', action: 'labeldrop' }],
    output: { b: '3' },
  },
  {
    name: 'labelkeep',
    input: { a: '1', ab: '2', b: '3' },
    cfgs: [{ regex: 'a.*', action: 'labelkeep' }],
    output: { a: '1', ab: '2' },
  },
  {
    name: 'lowercase and uppercase',
    input: { a: 'FoO', b: 'bAr' },
    cfgs: [
      { sourceLabels: ['a'], targetLabel: 'a_low', action: 'lowercase' },
      { sourceLabels: ['b'], targetLabel: 'b_up', action: 'uppercase' },
    ],
    output: { a: 'FoO', a_low: 'foo', b: 'bAr', b_up: 'BAR' },
  },
  {
    name: 'steps see earlier steps',
    input: { a: 'foo' },
    cfgs: [
      { sourceLabels: ['a'], targetLabel: 'b' },
      { sourceLabels: ['b'], regex: 'foo', action: 'drop' },
    ],
    output: null,
  },
];

describe('relabel', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const out = relabel(Labels.fromObject(c.input), c.cfgs.map(rc));
      assert.deepEqual(out === null ? null : out.toObject(), c.output);
    });
  }

  it('returns the input for no steps', () => {
    const l = Labels.fromObject({ a: 'b' });
    assert.equal(relabel(l, []), l);
  });

  it('hashmod matches the BigInt computation of md5[8:16] mod m', () => {
    for (const m of [1, 2, 7, 1000, (1 << 26) - 1, 1 << 26, 2 ** 40 + 3, 2 ** 53 - 1]) {
      for (const v of ['', 'baz', 'host-1:9100', 'ü']) {
        const h = createHash('md5').update(v).digest();
        const want = Number(h.readBigUInt64BE(8) % BigInt(m));
        assert.equal(hashMod(v, m), want, `${v} mod ${m}`);
      }
    }
  });

  it('runs relabel configs loaded from YAML', () => {
    const { config } = loadConfig(`
scrape_configs:
  - job_name: j
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'go_.*'
        action: drop
      - regex: 'instance'
        action: labeldrop
`);
    const cfgs = config.scrapeConfigs[0]!.metricRelabelConfigs;
    assert.equal(relabel(Labels.fromObject({ __name__: 'go_goroutines' }), cfgs), null);
    assert.deepEqual(relabel(Labels.fromObject({ __name__: 'up', instance: 'x' }), cfgs)?.toObject(), {
      __name__: 'up',
    });
  });
});

describe('expand (Go regexp.Expand)', () => {
  const groups = ['whole', 'one', null];
  const g = (i: number): string | null => groups[i] ?? null;
  const cases: [string, string][] = [
    ['$1', 'one'],
    ['${1}', 'one'],
    ['$0', 'whole'],
    ['$2', ''],
    ['$9', ''],
    ['$1x', ''],
    ['${1}x', 'onex'],
    ['$$1', '$1'],
    ['${1', '${1'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
    ['$name', 'one'],
    ['${name}!', 'one!'],
  ];
  for (const [t, want] of cases)
    it(JSON.stringify(t), () => assert.equal(expand(parseTemplate(t), g, 2, { name: 1 }), want));
});
