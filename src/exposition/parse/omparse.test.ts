import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from './errors.js';
import { OpenMetricsParser } from './omparse.js';
import { Entry, type ParserOptions } from './parser.js';

const STRICT: ParserOptions = { strictness: 'strict' };

type Seen =
  | { help: string; name: string }
  | { type: string; name: string }
  | { unit: string; name: string }
  | { series: string; labels: string; value: number; ts?: number; ex?: string; line: number };

function entries(input: string | Uint8Array, options: ParserOptions = {}): Seen[] {
  const p = new OpenMetricsParser(input, options);
  const out: Seen[] = [];
  for (;;) {
    const e = p.next();
    if (e === Entry.EOF) {
      assert.equal(p.next(), Entry.EOF, 'EOF repeats');
      return out;
    }
    if (e === Entry.Help) out.push({ help: p.help(), name: p.metricName() });
    else if (e === Entry.Type) out.push({ type: p.type(), name: p.metricName() });
    else if (e === Entry.Unit) out.push({ unit: p.unit(), name: p.metricName() });
    else if (e === Entry.Series) {
      const s: Seen = {
        series: p.seriesKey(),
        labels: p.labels().toString(),
        value: p.value(),
        line: p.line,
      };
      const ts = p.timestamp();
      if (ts !== undefined) s.ts = ts;
      const ex = p.exemplar();
      if (ex !== undefined)
        s.ex = `${ex.labels.toString()} ${ex.value}${ex.timestamp === undefined ? '' : ' @' + ex.timestamp}`;
      out.push(s);
    } else assert.fail(`unexpected entry ${e}`);
  }
}

function failure(input: string | Uint8Array, options: ParserOptions = {}): ParseError {
  try {
    entries(input, options);
  } catch (e) {
    assert.ok(e instanceof ParseError, `threw ${String(e)}`);
    return e;
  }
  assert.fail(`parsed without error: ${JSON.stringify(input)}`);
}

const both = (f: (o: ParserOptions) => void): void => {
  f({});
  f(STRICT);
};

describe('OpenMetricsParser reads OpenMetrics 1.0', () => {
  it('parses the specification example, entry by entry, in both modes', () => {
    const page = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.",
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
      '# TYPE process_cpu_seconds counter',
      '# UNIT process_cpu_seconds seconds',
      '# HELP process_cpu_seconds Total user and system CPU time spent in seconds.',
      'process_cpu_seconds_total 4.20072246e+06',
      '# EOF',
      '',
    ].join('\n');
    both((o) =>
      assert.deepEqual(entries(page, o), [
        { type: 'summary', name: 'acme_http_router_request_seconds' },
        { unit: 'seconds', name: 'acme_http_router_request_seconds' },
        {
          help: "Latency though all of ACME's HTTP request router.",
          name: 'acme_http_router_request_seconds',
        },
        {
          series: 'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"}',
          labels: '{__name__="acme_http_router_request_seconds_sum", method="GET", path="/api/v1"}',
          value: 9036.32,
          line: 4,
        },
        {
          series: 'acme_http_router_request_seconds_count{path="/api/v1",method="GET"}',
          labels: '{__name__="acme_http_router_request_seconds_count", method="GET", path="/api/v1"}',
          value: 807283,
          line: 5,
        },
        {
          series: 'acme_http_router_request_seconds_created{path="/api/v1",method="GET"}',
          labels: '{__name__="acme_http_router_request_seconds_created", method="GET", path="/api/v1"}',
          value: 1605281325,
          line: 6,
        },
        { type: 'counter', name: 'process_cpu_seconds' },
        { unit: 'seconds', name: 'process_cpu_seconds' },
        { help: 'Total user and system CPU time spent in seconds.', name: 'process_cpu_seconds' },
        {
          series: 'process_cpu_seconds_total',
          labels: '{__name__="process_cpu_seconds_total"}',
          value: 4.20072246e6,
          line: 10,
        },
      ]),
    );
  });

  it('reads timestamps as float seconds into integer milliseconds', () => {
    const p = new OpenMetricsParser('a 1 1520879607.789\nb 2 -1.5\nc 3 12345678901234567890.1\n# EOF');
    assert.equal(p.next(), Entry.Series);
    assert.equal(p.timestamp(), Math.trunc(1520879607.789 * 1000));
    assert.equal(p.rawTimestamp(), 1520879607.789);
    p.next();
    assert.equal(p.timestamp(), -1500);
    p.next();
    assert.equal(p.timestamp(), Math.trunc(Number('12345678901234567890.1') * 1000)); // beyond int64: passed through
    assert.equal(p.next(), Entry.EOF);
  });

  it('reads exemplars with and without timestamps, and with # inside label values', () => {
    const page =
      '# TYPE foo histogram\n' +
      'foo_bucket{le="0.1",x="a # {b}"} 8 # {} 0.054\n' +
      'foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67\n' +
      'foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0",q="x # y"} 9.8 1520879607.789\n' +
      'foo_bucket{le="+Inf"} 17\n' +
      '# EOF\n';
    const ex = entries(page).map((s) => ('ex' in s ? s.ex : undefined));
    assert.deepEqual(ex, [
      undefined,
      '{} 0.054',
      '{trace_id="KOO5S4vxi0o"} 0.67',
      `{q="x # y", trace_id="oHg5SJYRHA0"} 9.8 @${Math.trunc(1520879607.789 * 1000)}`,
      undefined,
    ]);
  });

  it('unescapes HELP like a label value and keeps NUL bytes', () => {
    assert.deepEqual(entries('# HELP a he\\n\\\\l\\"p\\t\u0000\n# EOF\n')[0], {
      help: 'he\n\\l"p\\t\u0000',
      name: 'a',
    });
  });

  it('reads quoted UTF-8 names, in metadata and samples', () => {
    const page = '# TYPE "my.metric" gauge\n{"my.metric","a.b"="1"} 1\n# EOF\n';
    both((o) =>
      assert.deepEqual(entries(page, o), [
        { type: 'gauge', name: 'my.metric' },
        { series: '{"my.metric","a.b"="1"}', labels: '{__name__="my.metric", "a.b"="1"}', value: 1, line: 2 },
      ]),
    );
  });

  it('accepts # EOF without a final newline and an empty exposition', () => {
    assert.deepEqual(entries('a 1\n# EOF'), [{ series: 'a', labels: '{__name__="a"}', value: 1, line: 1 }]);
    assert.deepEqual(entries('# EOF\n'), []);
  });

  it('normalizes le and quantile as Prometheus 3 does', () => {
    const got = entries('# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\n# EOF\n');
    assert.deepEqual(
      got.filter((s) => 'labels' in s).map((s) => (s as { labels: string }).labels),
      ['{__name__="h_bucket", le="1.0"}', '{__name__="h_bucket", le="+Inf"}'],
    );
  });
});

describe('OpenMetricsParser: lenient (Prometheus) and strict differ', () => {
  it('a trailing comma in a label set', () => {
    assert.equal(entries('a{b="c",} 1\n# EOF\n').length, 1);
    assert.equal(entries('{"a",} 1\n# EOF\n').length, 1);
    const e = failure('a{b="c",} 1\n# EOF\n', STRICT);
    assert.equal(e.column, 8);
    assert.equal(e.reason, 'trailing comma in label set');
  });

  it('an exemplar over 128 characters: dropped, or refused', () => {
    const long = 'x'.repeat(128); // with the name "a", 129 characters
    const page = `# TYPE c counter\nc_total 1 # {a="${long}"} 1\n# EOF\n`;
    const [s] = entries(page);
    assert.equal((s as { ex?: string }).ex, undefined);
    assert.match(failure(page, STRICT).reason, /have 129 characters, more than 128/);
    // Exactly 128 code points is fine, however many bytes they take.
    const wide = `# TYPE c counter\nc_total 1 # {a="${'☃'.repeat(127)}"} 1\n# EOF\n`;
    both((o) => assert.ok((entries(wide, o)[1] as { ex?: string }).ex !== undefined));
  });

  it('an exemplar with a duplicate label name: dropped, or refused', () => {
    const page = '# TYPE c counter\nc_total 1 # {a="1",a="2"} 1\n# EOF\n';
    assert.equal((entries(page)[1] as { ex?: string }).ex, undefined);
    assert.match(failure(page, STRICT).reason, /^duplicate exemplar label name "a"$/);
  });

  it('rules across lines: only strict checks them', () => {
    const pages: [string, RegExp][] = [
      ['# TYPE a counter\na_total 1\na_total 0.5 1\n# EOF\n', /several points, so each needs a timestamp/],
      ['# TYPE a counter\na_created 1\n# EOF\n', /counter "a" has a point without a _total sample/],
      [
        '# TYPE a histogram\na_bucket{le="1"} 0 # {} 2\na_bucket{le="+Inf"} 1\n# EOF\n',
        /exemplar value 2 .* above the bucket's le/,
      ],
      ['a{x="1"} 1\na{x="2"} 1\na{x="1"} 1\n# EOF\n', /metric "a\{x=\\"1\\"\}" is interleaved/],
      [
        '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n',
        /metric family "a" appears again/,
      ],
      ['# TYPE a_total gauge\n# TYPE a counter\n# EOF\n', /clash: both may expose samples named "a_total"/],
      ['# TYPE s_s stateset\n# UNIT s_s s\n# EOF\n', /stateset metric family "s_s" must not have a unit/],
      ['# TYPE i info\ni_info{a="b"} 1\ni_info{a="b"} 1\n# EOF\n', /several points/],
    ];
    for (const [page, reason] of pages) {
      assert.doesNotThrow(() => entries(page), page);
      assert.match(failure(page, STRICT).reason, reason, page);
    }
  });

  it('strict ordering compares timestamps as written, below the millisecond', () => {
    const page = '# TYPE a gauge\na 1 0.0000000002\na 2 0.0000000001\n# EOF\n';
    assert.match(failure(page, STRICT).reason, /go backwards/);
    // Equal timestamps are a repeated point, which OpenMetrics allows.
    assert.equal(entries('a 1 5\na 2 5\n# EOF\n', STRICT).length, 2);
  });
});

describe('OpenMetricsParser.createdTimestamp looks ahead for _created as Prometheus does', () => {
  function cts(page: string): (number | undefined)[] {
    const p = new OpenMetricsParser(page);
    const out: (number | undefined)[] = [];
    for (let e = p.next(); e !== Entry.EOF; e = p.next())
      if (e === Entry.Series) out.push(p.createdTimestamp());
    return out;
  }

  it("finds a counter's _created among its series", () => {
    const page =
      '# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 2\na_created{x="1"} 10.5\na_created{x="2"} 20\n# EOF\n';
    // The look-ahead for x="2" meets x="1"'s _created first and gives up, exactly like
    // Prometheus; the _created sample of x="1" gets the remembered answer.
    assert.deepEqual(cts(page), [10500, undefined, 10500, undefined]);
  });

  it('ignores le and quantile when matching histograms and summaries', () => {
    const h =
      '# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\nh_created 3\n# EOF\n';
    assert.deepEqual(cts(h), [3000, 3000, 3000, 3000, 3000]);
    const s = '# TYPE s summary\ns{quantile="0.5"} 1\ns_count 1\ns_created 4\n# EOF\n';
    assert.deepEqual(cts(s), [4000, 4000, 4000]);
  });

  it('has none for other types, without a _created line, or across families', () => {
    assert.deepEqual(cts('# TYPE g gauge\ng 1\ng_created 2\n# EOF\n'), [undefined, undefined]);
    assert.deepEqual(cts('# TYPE a counter\na_total 1\n# TYPE b counter\nb_created 2\n# EOF\n'), [
      undefined,
      undefined,
    ]);
    assert.deepEqual(cts('# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 1\n# EOF\n'), [
      undefined,
      undefined,
    ]);
  });

  it('does not disturb the parser it looks ahead for', () => {
    const p = new OpenMetricsParser(
      '# TYPE a counter\na_total{x="1"} 7 # {t="1"} 1\na_created{x="1"} 1\n# EOF\n',
    );
    p.next();
    assert.equal(p.next(), Entry.Series);
    assert.equal(p.createdTimestamp(), 1000);
    assert.equal(p.value(), 7);
    assert.equal(p.seriesKey(), 'a_total{x="1"}');
    assert.equal(p.exemplar()?.value, 1);
    assert.equal(p.next(), Entry.Series);
    assert.equal(p.metricName(), 'a_created');
    assert.equal(p.next(), Entry.EOF);
  });
});

describe('OpenMetricsParser errors name the line, the column and the problem', () => {
  // [input, line, column (undefined for whole-line problems), reason]
  const cases: [string, number, number | undefined, RegExp][] = [
    ['', 1, 1, /^data does not end with # EOF$/],
    ['a 1\n', 2, 1, /^data does not end with # EOF$/],
    ['a 1', 1, 4, /^data does not end with # EOF$/],
    ['a 1\n\n# EOF\n', 2, 1, /^expected a valid start token, got end of line/],
    [' a 1\n# EOF\n', 1, 1, /^expected a valid start token, got " "/],
    ['# EOF\na 1\n', 2, 1, /^unexpected data after # EOF$/],
    ['# EOF\n\n', 2, 1, /^unexpected data after # EOF$/],
    ['# EOFa 1', 1, 6, /^unexpected data after # EOF$/],
    ['#EOF\n', 1, 2, /^expected a valid start token, got "E"/],
    ['# FOO a x\n# EOF\n', 1, 3, /^expected a valid start token, got "F"/],
    ['# TYPE \n# EOF\n', 1, 8, /^expected metric name after TYPE, got end of line/],
    ['# HELP m\n# EOF\n', 1, 9, /^expected text in HELP, got end of line/],
    ['# UNIT m_s s', 1, 13, /^expected text in UNIT, got end of input/],
    ['# TYPE c  counter\n# EOF\n', 1, 10, /^invalid metric type " counter"$/],
    ['# TYPE u untyped\n# EOF\n', 1, 10, /^invalid metric type "untyped"$/],
    [
      '# UNIT metricsuffix suffix\n# EOF\n',
      1,
      21,
      /^unit "suffix" is not a suffix of metric "metricsuffix"$/,
    ],
    ['a\t1\n# EOF\n', 1, 2, /^expected value after metric, got "\\t"/],
    ['a  1\n# EOF\n', 1, 3, /^expected value after metric, got " "/],
    ['a{b="c", d="e"} 1\n# EOF\n', 1, 9, /^expected label name, got " "/],
    ['a{b="c"d="e"} 1\n# EOF\n', 1, 8, /^expected comma or brace close, got "d"/],
    ["a{b='c'} 1\n# EOF\n", 1, 5, /^expected label value, got "'"/],
    ['a{b="c\nd"} 1\n# EOF\n', 1, 7, /^expected label value, got end of line/],
    ['a{b} 1\n# EOF\n', 1, 4, /^expected equal, got "}"/],
    ['{b="c"} 1\n# EOF\n', 1, 1, /^metric name not set/],
    ['{"a","b"} 1\n# EOF\n', 1, 6, /^metric name already set$/],
    ['a 1 2 \n# EOF\n', 1, 6, /^expected next entry after timestamp, got " "/],
    ['a 1 \n# EOF\n', 1, 5, /^expected timestamp or exemplar, got end of line/],
    ['a 1 NaN\n# EOF\n', 1, 5, /^invalid timestamp "NaN"$/],
    ['a 1 1z\n# EOF\n', 1, 5, /^invalid float "1z"$/],
    ['a 0x1\n# EOF\n', 1, 3, /^invalid float "0x1"$/],
    ['a 1_2\n# EOF\n', 1, 3, /^unsupported character in float "1_2"$/],
    ['c_total 1 # {a="b"}\n# EOF\n', 1, 20, /^expected value after exemplar labels, got end of line/],
    ['c_total 1 # {a=b} 1\n# EOF\n', 1, 16, /^expected label value, got "b"/],
    ['c_total 1 # {"a"} 1\n# EOF\n', 1, 17, /^expected equal, got "}"/],
    ['c_total 1 # {a="b"} 1 Inf\n# EOF\n', 1, 23, /^invalid exemplar timestamp "Inf"$/],
    ['c_total 1 # {a="b"} 1 2 3\n# EOF\n', 1, 24, /^expected next entry after exemplar, got " "/],
    ['c_total 1 # {a="b"} 1', 1, 22, /^data does not end with # EOF$/],
    ['a{a="1",a="2"} 1\n# EOF\n', 1, undefined, /^duplicate label name "a"$/],
  ];
  for (const [input, line, column, reason] of cases) {
    it(JSON.stringify(input), () => {
      both((o) => {
        const e = failure(input, o);
        assert.equal(e.line, line, e.message);
        assert.equal(e.column, column, e.message);
        assert.match(e.reason, reason);
      });
    });
  }

  it('invalid UTF-8 anywhere is refused on its line', () => {
    const body = Buffer.concat([
      Buffer.from('a 1\nb{c="'),
      Buffer.from([0xe2, 0x28, 0xa1]),
      Buffer.from('"} 1\n# EOF\n'),
    ]);
    const e = failure(body);
    assert.equal(e.line, 2);
    assert.equal(e.reason, 'invalid UTF-8');
  });

  it('refuses a byte order mark, which OpenMetrics forbids', () => {
    assert.match(failure(Buffer.from('\uFEFFa 1\n# EOF\n')).reason, /^expected a valid start token/);
  });
});
