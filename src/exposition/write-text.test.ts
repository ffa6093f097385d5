import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import type { FamilySample, MetricFamily } from './family.js';
import { escapeName, formatFloat, writeText } from './write-text.js';

const L = Labels.fromStrings;

function s(name: string, labels: Labels, value: number, timestamp?: number): FamilySample {
  return timestamp === undefined ? { name, labels, value } : { name, labels, value, timestamp };
}

describe('formatFloat (Go strconv.FormatFloat(v, g, -1, 64) as expfmt writes it)', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '0'], // expfmt's `f == 0` case catches negative zero too
    [1, '1'],
    [-1, '-1'],
    [0.1, '0.1'],
    [123456, '123456'],
    [999999, '999999'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [3886707, '3.886707e+06'],
    [1458255915, '1.458255915e+09'],
    [0.0001, '0.0001'],
    [0.00012345, '0.00012345'],
    [0.00001, '1e-05'],
    [2.391e-5, '2.391e-05'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [-1.5e-10, '-1.5e-10'],
    [5e-324, '5e-324'], // smallest subnormal
    [2.2250738585072014e-308, '2.2250738585072014e-308'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.30000000000000004, '0.30000000000000004'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [STALE_NAN, 'NaN'],
  ];
  for (const [v, want] of cases) {
    it(`${Object.is(v, -0) ? '-0' : String(v)} → ${want}`, () => assert.equal(formatFloat(v), want));
  }
  it('reads back to the same float', () => {
    for (const v of [Math.PI * 1e7, 1 / 3, 2 ** 53 + 2, 123.456e-300, 9.999999999999999e22]) {
      assert.equal(Number(formatFloat(v)), v);
    }
  });
});

describe('escapeName (model.EscapeName)', () => {
  const cases: [string, 'underscores' | 'dots' | 'values' | 'allow-utf-8', string][] = [
    ['my.metric', 'allow-utf-8', 'my.metric'],
    ['http_requests_total', 'underscores', 'http_requests_total'],
    ['my.metric', 'underscores', 'my_metric'],
    ['0abc', 'underscores', '_abc'],
    ['a:b', 'underscores', 'a:b'],
    ['my.dotted_metric', 'dots', 'my_dot_dotted__metric'],
    ['legacy_name', 'dots', 'legacy__name'],
    ['a-b', 'dots', 'a__b'],
    ['legacy_name', 'values', 'legacy_name'],
    ['my.metric_x', 'values', 'U__my_2e_metric__x'],
    ['é', 'values', 'U___e9_'],
    ['a😀', 'values', 'U__a_1f600_'],
    ['', 'values', ''],
  ];
  for (const [name, scheme, want] of cases) {
    it(`${scheme}: ${name} → ${want}`, () => assert.equal(escapeName(name, scheme), want));
  }
});

const golden: MetricFamily[] = [
  {
    name: 'http_requests_total',
    type: 'counter',
    help: 'The total number of HTTP requests.',
    samples: [
      s('http_requests_total', L('method', 'post', 'code', '200'), 1027, 1395066363000),
      s('http_requests_total', L('method', 'post', 'code', '400'), 3, 1395066363000),
    ],
  },
  {
    name: 'msdos_file_access_time_seconds',
    type: 'unknown',
    samples: [
      s(
        'msdos_file_access_time_seconds',
        L('path', 'C:\\DIR\\FILE.TXT', 'error', 'Cannot find file:\n"FILE.TXT"'),
        1.458255915e9,
      ),
    ],
  },
  {
    name: 'metric_without_timestamp_and_labels',
    type: 'unknown',
    samples: [s('metric_without_timestamp_and_labels', L(), 12.47)],
  },
  {
    name: 'something_weird',
    type: 'unknown',
    samples: [s('something_weird', L('problem', 'division by zero'), Infinity, -3982045)],
  },
  {
    name: 'http_request_duration_seconds',
    type: 'histogram',
    help: 'A histogram of the request duration.',
    samples: [
      s('http_request_duration_seconds_bucket', L('le', '0.05'), 24054),
      s('http_request_duration_seconds_bucket', L('le', '+Inf'), 144320),
      s('http_request_duration_seconds_sum', L(), 53423),
      s('http_request_duration_seconds_count', L(), 144320),
    ],
  },
  {
    name: 'rpc_duration_seconds',
    type: 'summary',
    help: 'A summary of the RPC duration in seconds.',
    samples: [
      s('rpc_duration_seconds', L('quantile', '0.01', 'service', 'a'), 3102),
      s('rpc_duration_seconds', L('quantile', '0.5', 'service', 'a'), 4773),
      s('rpc_duration_seconds_sum', L('service', 'a'), 1.7560473e7),
      s('rpc_duration_seconds_count', L('service', 'a'), 2693),
    ],
  },
  {
    name: 'my.dotted.metric',
    type: 'gauge',
    help: 'Help with "quotes", \\ and\nnewline',
    samples: [s('my.dotted.metric', L('error.message', 'Not Found'), -0)],
  },
  { name: 'empty_family', type: 'gauge', help: '', samples: [] },
];

const goldenText = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{code="200",method="post"} 1027 1395066363000
http_requests_total{code="400",method="post"} 3 1395066363000
# TYPE msdos_file_access_time_seconds untyped
msdos_file_access_time_seconds{error="Cannot find file:\\n\\"FILE.TXT\\"",path="C:\\\\DIR\\\\FILE.TXT"} 1.458255915e+09
# TYPE metric_without_timestamp_and_labels untyped
metric_without_timestamp_and_labels 12.47
# TYPE something_weird untyped
something_weird{problem="division by zero"} +Inf -3982045
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{service="a",quantile="0.01"} 3102
rpc_duration_seconds{service="a",quantile="0.5"} 4773
rpc_duration_seconds_sum{service="a"} 1.7560473e+07
rpc_duration_seconds_count{service="a"} 2693
# HELP "my.dotted.metric" Help with "quotes", \\\\ and\\nnewline
# TYPE "my.dotted.metric" gauge
{"my.dotted.metric","error.message"="Not Found"} 0
# HELP empty_family 
# TYPE empty_family gauge
`;

describe('writeText', () => {
  it('writes the golden page', () => assert.equal(writeText(golden), goldenText));

  it('writes nothing for no families', () => assert.equal(writeText([]), ''));

  it('puts OpenMetrics-style counters and infos under their sample names', () => {
    const out = writeText([
      {
        name: 'jobs',
        type: 'counter',
        help: 'Jobs.',
        samples: [s('jobs_total', L(), 5), s('jobs_created', L(), 1.5e9)],
      },
      { name: 'build', type: 'info', samples: [s('build_info', L('version', '1.2'), 1)] },
    ]);
    assert.equal(
      out,
      '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 5\njobs_created 1.5e+09\n' +
        '# TYPE build_info gauge\nbuild_info{version="1.2"} 1\n',
    );
  });

  it('writes the types the text format lacks as their nearest text type', () => {
    const out = writeText([
      {
        name: 'door',
        type: 'stateset',
        samples: [s('door', L('door', 'open'), 1), s('door', L('door', 'shut'), 0)],
      },
      {
        name: 'queue',
        type: 'gaugehistogram',
        samples: [s('queue_bucket', L('le', '+Inf'), 3), s('queue_gcount', L(), 3), s('queue_gsum', L(), 7)],
      },
      { name: 'mystery', type: 'unknown', unit: 'bytes', samples: [s('mystery', L(), 1)] },
    ]);
    assert.equal(
      out,
      '# TYPE door gauge\ndoor{door="open"} 1\ndoor{door="shut"} 0\n' +
        '# TYPE queue untyped\nqueue_bucket{le="+Inf"} 3\nqueue_gcount 3\nqueue_gsum 7\n' +
        '# TYPE mystery untyped\nmystery 1\n',
    );
  });

  it('drops exemplars, which the text format cannot carry', () => {
    const out = writeText([
      {
        name: 'c_total',
        type: 'counter',
        samples: [
          { name: 'c_total', labels: L(), value: 1, exemplar: { labels: L('trace_id', 'x'), value: 1 } },
        ],
      },
    ]);
    assert.equal(out, '# TYPE c_total counter\nc_total 1\n');
  });

  it('quotes label names that are not legacy label names, including those with a colon', () => {
    const out = writeText([
      { name: 'm', type: 'gauge', samples: [s('m', L('a:b', '1', 'ü', '2', 'ok_1', '3'), 1)] },
    ]);
    assert.equal(out, '# TYPE m gauge\nm{"a:b"="1",ok_1="3","ü"="2"} 1\n');
  });

  it('escapes names instead of quoting them under the escaping schemes', () => {
    const fam: MetricFamily[] = [
      {
        name: 'my.metric',
        type: 'gauge',
        help: 'h',
        samples: [s('my.metric', L('label.name', 'v', 'plain', 'w'), 2)],
      },
    ];
    assert.equal(
      writeText(fam, { escaping: 'underscores' }),
      '# HELP my_metric h\n# TYPE my_metric gauge\nmy_metric{label_name="v",plain="w"} 2\n',
    );
    assert.equal(
      writeText(fam, { escaping: 'values' }),
      '# HELP U__my_2e_metric h\n# TYPE U__my_2e_metric gauge\nU__my_2e_metric{U__label_2e_name="v",plain="w"} 2\n',
    );
    assert.equal(
      writeText(fam, { escaping: 'dots' }),
      '# HELP my_dot_metric h\n# TYPE my_dot_metric gauge\nmy_dot_metric{label_dot_name="v",plain="w"} 2\n',
    );
  });

  it('announces a name once when its samples come in several groups', () => {
    const out = writeText([
      { name: 'x', type: 'unknown', samples: [s('x', L('a', '1'), 1)] },
      { name: 'x_sum', type: 'unknown', samples: [s('x_sum', L('a', '1'), 2)] },
      { name: 'x', type: 'unknown', samples: [s('x', L('a', '2'), 3)] },
    ]);
    assert.equal(out, '# TYPE x untyped\nx{a="1"} 1\n# TYPE x_sum untyped\nx_sum{a="1"} 2\nx{a="2"} 3\n');
  });

  it('escapes a family name before appending sample suffixes, and never touches legacy names', () => {
    const fams: MetricFamily[] = [
      {
        name: 'my.hist',
        type: 'histogram',
        samples: [
          s('my.hist_bucket', L('le', '+Inf'), 1),
          s('my.hist_sum', L(), 2),
          s('my.hist_count', L(), 1),
        ],
      },
      {
        name: 'http_requests_total',
        type: 'counter',
        samples: [s('http_requests_total', L('status_code', '200'), 3)],
      },
    ];
    assert.equal(
      writeText(fams, { escaping: 'dots' }),
      '# TYPE my_dot_hist histogram\nmy_dot_hist_bucket{le="+Inf"} 1\nmy_dot_hist_sum 2\nmy_dot_hist_count 1\n' +
        '# TYPE http_requests_total counter\nhttp_requests_total{status_code="200"} 3\n',
    );
    assert.equal(
      writeText(fams.slice(0, 1), { escaping: 'values' }),
      '# TYPE U__my_2e_hist histogram\nU__my_2e_hist_bucket{le="+Inf"} 1\nU__my_2e_hist_sum 2\nU__my_2e_hist_count 1\n',
    );
  });

  it('writes a quoted name without labels inside braces', () => {
    assert.equal(
      writeText([{ name: 'a b', type: 'gauge', samples: [s('a b', L(), 1)] }]),
      '# TYPE "a b" gauge\n{"a b"} 1\n',
    );
  });

  it('escapes backslashes, quotes and newlines inside quoted names', () => {
    const out = writeText([{ name: 'a"b\\c\nd', type: 'gauge', samples: [s('a"b\\c\nd', L(), 1)] }]);
    assert.equal(out, '# TYPE "a\\"b\\\\c\\nd" gauge\n{"a\\"b\\\\c\\nd"} 1\n');
  });

  it('writes every line of a 100k-series page (speed is measured in bench/exposition.mjs)', () => {
    const samples: FamilySample[] = [];
    for (let i = 0; i < 100_000; i++)
      samples.push(s('node_series', L('instance', 'host-' + i, 'job', 'node'), i * 1.5, 1700000000000));
    const out = writeText([{ name: 'node_series', type: 'gauge', help: 'x', samples }]);
    const lines = out.split('\n');
    assert.equal(lines.length, 100_003);
    assert.equal(lines[100_001], 'node_series{instance="host-99999",job="node"} 149998.5 1700000000000');
  });

  it('writes extra labels after the sorted ones, in order and even when empty (federation)', () => {
    const sample: FamilySample = {
      ...s('up', L('job', 'x'), 1),
      extraLabels: ['instance', '', 'region', 'eu'],
    };
    assert.equal(
      writeText([{ name: 'up', type: 'unknown', samples: [sample] }]),
      '# TYPE up untyped\nup{job="x",instance="",region="eu"} 1\n',
    );
    const bare: FamilySample = { ...s('up', L(), 1), extraLabels: ['instance', ''] };
    assert.equal(
      writeText([{ name: 'up', type: 'unknown', samples: [bare] }]),
      '# TYPE up untyped\nup{instance=""} 1\n',
    );
  });
});
