import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricFamily } from '../family.js';
import { ParseError } from './errors.js';
import { newParser, parseFamilies } from './families.js';
import { OpenMetricsParser } from './omparse.js';
import { PromParser } from './textparse.js';

/** Families as plain data: name, type, help, unit, and samples as `name{labels} value [@ts] [# exemplar]`. */
function plain(fams: MetricFamily[]): unknown[] {
  return fams.map((f) => ({
    name: f.name,
    type: f.type,
    ...(f.help === undefined ? {} : { help: f.help }),
    ...(f.unit === undefined ? {} : { unit: f.unit }),
    samples: f.samples.map(
      (s) =>
        `${s.name}${s.labels.isEmpty() ? '' : s.labels.toString()} ${s.value}` +
        (s.timestamp === undefined ? '' : ` @${s.timestamp}`) +
        (s.exemplar === undefined ? '' : ` # ${s.exemplar.labels.toString()} ${s.exemplar.value}`),
    ),
  }));
}

describe('parseFamilies: text format', () => {
  it('puts _bucket, _sum, _count and quantile lines into the family named by TYPE', () => {
    const page = [
      '# HELP req_seconds Request latency.',
      '# TYPE req_seconds histogram',
      'req_seconds_bucket{le="0.5"} 1',
      'req_seconds_bucket{le="+Inf"} 2',
      'req_seconds_sum 0.7',
      'req_seconds_count 2',
      '# TYPE rpc summary',
      'rpc{quantile="0.5"} 3',
      'rpc_sum 4',
      'rpc_count 5 1000',
      '# TYPE http_requests_total counter',
      'http_requests_total{code="200"} 7',
      'loose 8',
      '# HELP only_help has no samples',
      '',
    ].join('\n');
    assert.deepEqual(plain(parseFamilies(page, 'text')), [
      {
        name: 'req_seconds',
        type: 'histogram',
        help: 'Request latency.',
        samples: [
          'req_seconds_bucket{le="0.5"} 1',
          'req_seconds_bucket{le="+Inf"} 2',
          'req_seconds_sum 0.7',
          'req_seconds_count 2',
        ],
      },
      { name: 'rpc', type: 'summary', samples: ['rpc{quantile="0.5"} 3', 'rpc_sum 4', 'rpc_count 5 @1000'] },
      { name: 'http_requests_total', type: 'counter', samples: ['http_requests_total{code="200"} 7'] },
      { name: 'loose', type: 'unknown', samples: ['loose 8'] },
      { name: 'only_help', type: 'unknown', help: 'has no samples', samples: [] },
    ]);
  });

  it('starts a new family for a name that does not fit the current one', () => {
    const page = '# TYPE a counter\na_total 1\n# TYPE g gauge\ng_sum 2\n';
    assert.deepEqual(
      plain(parseFamilies(page, 'text')).map(
        (f) => (f as { name: string; type: string }).name + ':' + (f as { type: string }).type,
      ),
      ['a:counter', 'a_total:unknown', 'g:gauge', 'g_sum:unknown'],
    );
  });

  it('keeps an empty text-format HELP as written', () => {
    assert.equal(parseFamilies('# HELP a \na 1\n', 'text')[0]!.help, '');
  });

  it('repeats a family whose metadata comes back after its samples (lenient)', () => {
    const fams = parseFamilies('a 1\n# TYPE a gauge\na 2\n', 'text');
    assert.deepEqual(
      fams.map((f) => [f.name, f.type, f.samples.length]),
      [
        ['a', 'unknown', 1],
        ['a', 'gauge', 1],
      ],
    );
    assert.throws(
      () => parseFamilies('a 1\n# TYPE a gauge\na 2\n', 'text', { strictness: 'strict' }),
      ParseError,
    );
  });
});

describe('parseFamilies: OpenMetrics', () => {
  it('names counters without _total and keeps every sample kind', () => {
    const page = [
      '# TYPE cc_seconds counter',
      '# UNIT cc_seconds seconds',
      '# HELP cc_seconds A counter',
      'cc_seconds_total{a="x"} 1.0 1.5 # {trace="t"} 0.5',
      'cc_seconds_created{a="x"} 123.456 1.5',
      '# TYPE build info',
      'build_info{version="1"} 1',
      '# TYPE st stateset',
      'st{st="a"} 1',
      'st{st="b"} 0',
      '# TYPE gh gaugehistogram',
      'gh_bucket{le="+Inf"} 3',
      'gh_gcount 3',
      'gh_gsum 2',
      '# HELP empty ',
      '# UNIT empty ',
      'plain 5',
      '# EOF',
    ].join('\n');
    for (const strictness of ['lenient', 'strict'] as const) {
      assert.deepEqual(plain(parseFamilies(page, 'openmetrics', { strictness })), [
        {
          name: 'cc_seconds',
          type: 'counter',
          help: 'A counter',
          unit: 'seconds',
          samples: [
            'cc_seconds_total{a="x"} 1 @1500 # {trace="t"} 0.5',
            'cc_seconds_created{a="x"} 123.456 @1500',
          ],
        },
        { name: 'build', type: 'info', samples: ['build_info{version="1"} 1'] },
        { name: 'st', type: 'stateset', samples: ['st{st="a"} 1', 'st{st="b"} 0'] },
        {
          name: 'gh',
          type: 'gaugehistogram',
          samples: ['gh_bucket{le="+Inf"} 3', 'gh_gcount 3', 'gh_gsum 2'],
        },
        // "The value of a UNIT or HELP line MAY be empty. This MUST be treated as if no metadata line existed."
        { name: 'empty', type: 'unknown', samples: [] },
        { name: 'plain', type: 'unknown', samples: ['plain 5'] },
      ]);
    }
  });

  it('keeps labels without __name__, sorted', () => {
    const [f] = parseFamilies('a{z="1",b="2"} 1\n# EOF\n', 'openmetrics');
    assert.equal(f!.samples[0]!.labels.toString(), '{b="2", z="1"}');
  });

  it('throws ParseError for malformed input in either mode', () => {
    assert.throws(
      () => parseFamilies('a 1\n', 'openmetrics'),
      /line 2, column 1: data does not end with # EOF/,
    );
    assert.throws(
      () => parseFamilies('# TYPE a counter\na_total -1\n# EOF\n', 'openmetrics', { strictness: 'strict' }),
      /line 2: counter "a_total" has value -1/,
    );
  });
});

describe('newParser', () => {
  it('picks the parser for the format', () => {
    assert.ok(newParser('a 1\n', 'text') instanceof PromParser);
    assert.ok(newParser('a 1\n# EOF\n', 'openmetrics') instanceof OpenMetricsParser);
  });
});
