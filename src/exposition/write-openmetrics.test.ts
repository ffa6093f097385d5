import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../model/labels.js';
import type { FamilySample, MetricFamily } from './family.js';
import { formatOpenMetricsFloat, formatOpenMetricsTimestamp, writeOpenMetrics } from './write-openmetrics.js';

const L = Labels.fromStrings;

function s(name: string, labels: Labels, value: number, timestamp?: number): FamilySample {
  return timestamp === undefined ? { name, labels, value } : { name, labels, value, timestamp };
}

describe('formatOpenMetricsFloat (expfmt writeOpenMetricsFloat)', () => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [-0, '0.0'],
    [1, '1.0'],
    [-1, '-1.0'],
    [42, '42.0'],
    [0.5, '0.5'],
    [1e6, '1e+06'],
    [1e-5, '1e-05'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ];
  for (const [v, want] of cases) {
    it(`${Object.is(v, -0) ? '-0' : String(v)} → ${want}`, () =>
      assert.equal(formatOpenMetricsFloat(v), want));
  }
  it('writes timestamps as seconds the way float64(ms)/1000 prints in Go', () => {
    assert.equal(formatOpenMetricsTimestamp(1000), '1.0');
    assert.equal(formatOpenMetricsTimestamp(1500), '1.5');
    assert.equal(formatOpenMetricsTimestamp(123456), '123.456');
    assert.equal(formatOpenMetricsTimestamp(1520879607789), '1.520879607789e+09');
    assert.equal(formatOpenMetricsTimestamp(-1), '-0.001');
    assert.equal(formatOpenMetricsTimestamp(0), '0.0');
  });
  it('writes timestamps that read back exactly when the reader truncates (Prometheus) or rounds', () => {
    // expfmt writes 1.001, which Prometheus reads as int64(1.001 * 1000) = 1000.
    assert.equal(formatOpenMetricsTimestamp(1001), '1.0010000000000001');
    assert.equal(formatOpenMetricsTimestamp(-1001), '-1.0010000000000001');
    for (let ms = -5000; ms <= 5000; ms++) {
      const back = Number(formatOpenMetricsTimestamp(ms)) * 1000;
      assert.equal(Math.trunc(back) + 0, ms, `trunc ${ms}`);
      assert.equal(Math.round(back), ms, `round ${ms}`);
    }
    for (const ms of [1520879607789, 1700000000001, -3982045, 9007199254740, 4e12 - 1]) {
      const back = Number(formatOpenMetricsTimestamp(ms)) * 1000;
      assert.equal(Math.trunc(back), ms, `trunc ${ms}`);
      assert.equal(Math.round(back), ms, `round ${ms}`);
    }
  });
});

const golden: MetricFamily[] = [
  {
    name: 'acme_http_router_request_seconds',
    type: 'summary',
    help: "Latency though all of ACME's HTTP request router.",
    unit: 'seconds',
    samples: [
      s('acme_http_router_request_seconds_sum', L('path', '/api/v1', 'method', 'GET'), 9036.32),
      s('acme_http_router_request_seconds_count', L('path', '/api/v1', 'method', 'GET'), 807283),
      s('acme_http_router_request_seconds_created', L('path', '/api/v1', 'method', 'GET'), 1605281325),
    ],
  },
  {
    name: 'go_goroutines',
    type: 'gauge',
    help: 'Number of goroutines that currently exist.',
    samples: [s('go_goroutines', L(), 69)],
  },
  {
    name: 'process_cpu_seconds',
    type: 'counter',
    help: 'Total user and system CPU time spent in seconds.',
    unit: 'seconds',
    samples: [
      {
        name: 'process_cpu_seconds_total',
        labels: L(),
        value: 4.2,
        timestamp: 1520879607789,
        exemplar: { labels: L('trace_id', 'KOO5S4vxi0o'), value: 0.67, timestamp: 1520879607789 },
      },
    ],
  },
  {
    name: 'rpc_seconds',
    type: 'histogram',
    help: 'Help with "quotes", \\ and\nnewline.',
    samples: [
      {
        name: 'rpc_seconds_bucket',
        labels: L('le', '0.1', 'x', 'y'),
        value: 3,
        exemplar: { labels: L(), value: 0.05 },
      },
      s('rpc_seconds_bucket', L('le', '+Inf', 'x', 'y'), 5),
      s('rpc_seconds_sum', L('x', 'y'), 1),
      s('rpc_seconds_count', L('x', 'y'), 5),
    ],
  },
  {
    name: 'queue',
    type: 'gaugehistogram',
    samples: [s('queue_bucket', L('le', '+Inf'), 4), s('queue_gcount', L(), 4), s('queue_gsum', L(), 2)],
  },
  { name: 'build', type: 'info', samples: [s('build_info', L('version', '1.0'), 1)] },
  {
    name: 'door',
    type: 'stateset',
    samples: [s('door', L('door', 'open'), 1), s('door', L('door', 'shut'), 0)],
  },
  { name: 'mystery', type: 'unknown', samples: [s('mystery', L('a', 'b'), NaN)] },
  {
    name: 'my.dotted.metric',
    type: 'gauge',
    samples: [s('my.dotted.metric', L('error.message', 'Not "Found"'), -2.5)],
  },
];

const goldenOM = `# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
acme_http_router_request_seconds_sum{method="GET",path="/api/v1"} 9036.32
acme_http_router_request_seconds_count{method="GET",path="/api/v1"} 807283
acme_http_router_request_seconds_created{method="GET",path="/api/v1"} 1.605281325e+09
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 69.0
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
process_cpu_seconds_total 4.2 1.520879607789e+09 # {trace_id="KOO5S4vxi0o"} 0.67 1.520879607789e+09
# HELP rpc_seconds Help with \\"quotes\\", \\\\ and\\nnewline.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{x="y",le="0.1"} 3 # {} 0.05
rpc_seconds_bucket{x="y",le="+Inf"} 5
rpc_seconds_sum{x="y"} 1.0
rpc_seconds_count{x="y"} 5
# TYPE queue gaugehistogram
queue_bucket{le="+Inf"} 4
queue_gcount 4
queue_gsum 2.0
# TYPE build info
build_info{version="1.0"} 1.0
# TYPE door stateset
door{door="open"} 1.0
door{door="shut"} 0.0
# TYPE mystery unknown
mystery{a="b"} NaN
# TYPE "my.dotted.metric" gauge
{"my.dotted.metric","error.message"="Not \\"Found\\""} -2.5
# EOF
`;

describe('writeOpenMetrics', () => {
  it('writes the golden page', () => assert.equal(writeOpenMetrics(golden), goldenOM));

  it('writes only # EOF for no families', () => assert.equal(writeOpenMetrics([]), '# EOF\n'));

  it('names a text-style counter family without _total on its metadata lines', () => {
    const out = writeOpenMetrics([
      { name: 'jobs_total', type: 'counter', help: 'Jobs.', samples: [s('jobs_total', L(), 5)] },
    ]);
    assert.equal(out, '# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 5.0\n# EOF\n');
  });

  it('writes a counter whose samples lack _total as unknown, as expfmt does', () => {
    const out = writeOpenMetrics([{ name: 'requests', type: 'counter', samples: [s('requests', L(), 5)] }]);
    assert.equal(out, '# TYPE requests unknown\nrequests 5.0\n# EOF\n');
  });

  it('names a text-style info family without _info', () => {
    const out = writeOpenMetrics([
      { name: 'build_info', type: 'info', samples: [s('build_info', L('v', '1'), 1)] },
    ]);
    assert.equal(out, '# TYPE build info\nbuild_info{v="1"} 1.0\n# EOF\n');
  });

  it('writes exemplars only on counter totals and buckets', () => {
    const ex = { labels: L('trace_id', 't'), value: 1 };
    const out = writeOpenMetrics([
      { name: 'g', type: 'gauge', samples: [{ name: 'g', labels: L(), value: 1, exemplar: ex }] },
      {
        name: 'h',
        type: 'histogram',
        samples: [
          { name: 'h_bucket', labels: L('le', '+Inf'), value: 1, exemplar: ex },
          { name: 'h_count', labels: L(), value: 1, exemplar: ex },
          s('h_sum', L(), 1),
        ],
      },
    ]);
    assert.equal(
      out,
      '# TYPE g gauge\ng 1.0\n# TYPE h histogram\nh_bucket{le="+Inf"} 1 # {trace_id="t"} 1.0\nh_count 1\nh_sum 1.0\n# EOF\n',
    );
  });

  it('writes non-integral or negative counts as floats rather than truncating them', () => {
    const out = writeOpenMetrics([
      {
        name: 'h',
        type: 'histogram',
        samples: [s('h_bucket', L('le', '+Inf'), 2.5), s('h_count', L(), -1), s('h_sum', L(), 0)],
      },
    ]);
    assert.equal(out, '# TYPE h histogram\nh_bucket{le="+Inf"} 2.5\nh_count -1.0\nh_sum 0.0\n# EOF\n');
  });

  it('writes big integral counts without an exponent, and counts past uint64 as floats', () => {
    const out = writeOpenMetrics([
      { name: 'h', type: 'histogram', samples: [s('h_count', L(), 1e19), s('h_count', L(), 1e20)] },
    ]);
    assert.equal(out, '# TYPE h histogram\nh_count 10000000000000000000\nh_count 1e+20\n# EOF\n');
  });

  it("derives a counter's metadata name from its escaped name, as expfmt does", () => {
    // expfmt escapes the whole `my.c_total` (doubling the suffix's underscore under `dots` and
    // `values`) and then drops `_total`; samples and metadata stay consistent either way.
    const fam: MetricFamily[] = [{ name: 'my.c', type: 'counter', samples: [s('my.c_total', L(), 1)] }];
    assert.equal(
      writeOpenMetrics(fam, { escaping: 'dots' }),
      '# TYPE my_dot_c_ counter\nmy_dot_c__total 1.0\n# EOF\n',
    );
    assert.equal(
      writeOpenMetrics(fam, { escaping: 'values' }),
      '# TYPE U__my_2e_c_ counter\nU__my_2e_c__total 1.0\n# EOF\n',
    );
    assert.equal(
      writeOpenMetrics(fam, { escaping: 'underscores' }),
      '# TYPE my_c counter\nmy_c_total 1.0\n# EOF\n',
    );
    assert.equal(writeOpenMetrics(fam), '# TYPE "my.c" counter\n{"my.c_total"} 1.0\n# EOF\n');
  });

  it('escapes names under the escaping schemes', () => {
    const fam: MetricFamily[] = [
      { name: 'a.b', type: 'counter', samples: [s('a.b_total', L('c.d', 'x'), 1)] },
    ];
    assert.equal(writeOpenMetrics(fam), '# TYPE "a.b" counter\n{"a.b_total","c.d"="x"} 1.0\n# EOF\n');
    assert.equal(
      writeOpenMetrics(fam, { escaping: 'underscores' }),
      '# TYPE a_b counter\na_b_total{c_d="x"} 1.0\n# EOF\n',
    );
  });
});
