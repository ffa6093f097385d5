import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LabelsBuilder } from '../../model/labels.js';
import { ParseError } from './errors.js';
import { Entry, type ParserOptions } from './parser.js';
import { PromParser } from './textparse.js';

type Seen =
  | { help: string; name: string }
  | { type: string; name: string }
  | { comment: string }
  | { series: string; labels: string; value: number; ts?: number; line: number };

/** Runs a parser to the end and describes every entry. */
function entries(input: string | Uint8Array, options: ParserOptions = {}): Seen[] {
  const p = new PromParser(input, options);
  const out: Seen[] = [];
  for (;;) {
    const e = p.next();
    if (e === Entry.EOF) return out;
    if (e === Entry.Help) out.push({ help: p.help(), name: p.metricName() });
    else if (e === Entry.Type) out.push({ type: p.type(), name: p.metricName() });
    else if (e === Entry.Comment) out.push({ comment: p.comment() });
    else if (e === Entry.Series) {
      const s: Seen = {
        series: p.seriesKey(),
        labels: p.labels().toString(),
        value: p.value(),
        line: p.line,
      };
      const ts = p.timestamp();
      if (ts !== undefined) s.ts = ts;
      out.push(s);
    } else assert.fail(`unexpected entry ${e}`);
  }
}

/** The error a parse ends with. */
function failure(input: string | Uint8Array, options: ParserOptions = {}): ParseError {
  try {
    entries(input, options);
  } catch (e) {
    assert.ok(e instanceof ParseError, `threw ${String(e)}`);
    return e;
  }
  assert.fail(`parsed without error: ${JSON.stringify(input)}`);
}

describe('PromParser: the format of the exposition formats document', () => {
  it('parses the full example, entry by entry', () => {
    const page = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# Escaping in label values:',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      '',
      '{"my.dotted.metric", "error.message"="Not Found"} 1',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf',
      '# TYPE rpc_duration_seconds summary',
      'rpc_duration_seconds{quantile="0.01"} 3102',
      'rpc_duration_seconds_sum 1.7560473e+07',
      '',
    ].join('\n');
    assert.deepEqual(entries(page), [
      { help: 'The total number of HTTP requests.', name: 'http_requests_total' },
      { type: 'counter', name: 'http_requests_total' },
      {
        series: 'http_requests_total{method="post",code="200"}',
        labels: '{__name__="http_requests_total", code="200", method="post"}',
        value: 1027,
        ts: 1395066363000,
        line: 3,
      },
      {
        series: 'http_requests_total{method="post",code="400"}',
        labels: '{__name__="http_requests_total", code="400", method="post"}',
        value: 3,
        ts: 1395066363000,
        line: 4,
      },
      { comment: '# Escaping in label values:' },
      {
        series:
          'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""}',
        labels:
          '{__name__="msdos_file_access_time_seconds", error="Cannot find file:\\n\\"FILE.TXT\\"", path="C:\\\\DIR\\\\FILE.TXT"}',
        value: 1.458255915e9,
        line: 7,
      },
      {
        series: '{"my.dotted.metric", "error.message"="Not Found"}',
        labels: '{__name__="my.dotted.metric", "error.message"="Not Found"}',
        value: 1,
        line: 9,
      },
      {
        series: 'metric_without_timestamp_and_labels',
        labels: '{__name__="metric_without_timestamp_and_labels"}',
        value: 12.47,
        line: 10,
      },
      {
        series: 'something_weird{problem="division by zero"}',
        labels: '{__name__="something_weird", problem="division by zero"}',
        value: Infinity,
        line: 11,
      },
      { type: 'summary', name: 'rpc_duration_seconds' },
      {
        series: 'rpc_duration_seconds{quantile="0.01"}',
        labels: '{__name__="rpc_duration_seconds", quantile="0.01"}',
        value: 3102,
        line: 13,
      },
      {
        series: 'rpc_duration_seconds_sum',
        labels: '{__name__="rpc_duration_seconds_sum"}',
        value: 1.7560473e7,
        line: 14,
      },
    ]);
  });

  it('refuses a negative timestamp, as Prometheus does despite the document', () => {
    const e = failure('something_weird{problem="division by zero"} +Inf -3982045\n');
    assert.equal(e.line, 1);
    assert.match(e.reason, /^expected timestamp or new record, got "-"/);
  });

  it('reads the special values and a final line without a newline', () => {
    const vals = entries('a Inf\nb +Inf\nc -Inf\nd NaN\ne nan\nf -0\ng 1e3 7').map((s) =>
      'value' in s ? s.value : 0,
    );
    assert.deepEqual(vals, [Infinity, Infinity, -Infinity, NaN, NaN, -0, 1000]);
    const last = entries('g 1e3 7');
    assert.equal((last[0] as { ts: number }).ts, 7);
  });

  it('maps TYPE untyped to unknown and reads the other four types', () => {
    const types = entries(
      '# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n# TYPE e untyped\n# TYPE f\tgauge\n',
    ).map((s) => ('type' in s ? s.type : ''));
    assert.deepEqual(types, ['counter', 'gauge', 'histogram', 'summary', 'unknown', 'gauge']);
  });
});

describe('PromParser accepts what Prometheus accepts', () => {
  it('blanks between all tokens, a missing comma and a trailing comma', () => {
    const [s] = entries('  a  { b = "c"  d="e" , }  1   123  \n');
    assert.deepEqual(s, {
      series: 'a  { b = "c"  d="e" , }',
      labels: '{__name__="a", b="c", d="e"}',
      value: 1,
      ts: 123,
      line: 1,
    });
  });

  it('a value glued to the closing brace, or to the name when it starts with a sign', () => {
    assert.deepEqual(entries('a{b="c"}1\n')[0], {
      series: 'a{b="c"}',
      labels: '{__name__="a", b="c"}',
      value: 1,
      line: 1,
    });
    // The lexer needs no blank between a name and a value that cannot continue the name.
    assert.deepEqual(entries('a-1 2\n')[0], {
      series: 'a',
      labels: '{__name__="a"}',
      value: -1,
      ts: 2,
      line: 1,
    });
  });

  it('blank lines, blank-only lines and indented comments', () => {
    const got = entries('\n   \n\t\n  # indented\na 1\n\n');
    assert.deepEqual(got, [
      { comment: '# indented' },
      { series: 'a', labels: '{__name__="a"}', value: 1, line: 5 },
    ]);
  });

  it('comments in every shape that is not HELP or TYPE, including "# EOF"', () => {
    const got = entries('#\n#HELP a b\n# HELP\n# HELPa b\n# random text\n# EOF\n');
    assert.deepEqual(
      got.map((s) => ('comment' in s ? s.comment : '?')),
      ['#', '#HELP a b', '# HELP', '# HELPa b', '# random text', '# EOF'],
    );
  });

  it('HELP: unescapes only \\\\ and \\n and drops one character after the name', () => {
    assert.deepEqual(entries('# HELP a he\\n\\\\l\\"p\\t\n')[0], { help: 'he\n\\l\\"p\\t', name: 'a' });
    assert.deepEqual(entries('#\t HELP\t a  two spaces\n')[0], { help: ' two spaces', name: 'a' });
    assert.deepEqual(entries('# HELP a\n')[0], { help: '', name: 'a' });
    assert.deepEqual(entries('# HELP "my.metric" dotted\n')[0], { help: 'dotted', name: 'my.metric' });
  });

  it('label values with escapes, NUL bytes, UTF-8 and raw newlines', () => {
    const got = entries('a{b="q\\"\\\\\\n\\z",c="\u0000x",d="ü☃"} 1\nb{v="one\ntwo"} 2\nc 3\n');
    assert.equal(
      (got[0] as { labels: string }).labels,
      '{__name__="a", b="q\\"\\\\\\n\\\\z", c="\\x00x", d="ü☃"}',
    );
    assert.equal((got[1] as { labels: string }).labels, '{__name__="b", v="one\\ntwo"}');
    // The raw newline inside the quotes moved the line count on.
    assert.equal((got[2] as { line: number }).line, 4);
  });

  it('quoted metric and label names, anywhere in the braces', () => {
    const got = entries('{"my.metric"} 1\na{"x.y"="1", "q\\"r"="2"} 2\n{b="c", "late.name"} 3\n');
    assert.deepEqual(
      got.map((s) => ('labels' in s ? s.labels : '')),
      ['{__name__="my.metric"}', '{__name__="a", "q\\"r"="2", "x.y"="1"}', '{__name__="late.name", b="c"}'],
    );
  });

  it("ends the input at a NUL that starts a line, as Prometheus's lexer does", () => {
    assert.deepEqual(entries('a 1\n\u0000garbage that is never read {{{\n').length, 1);
  });

  it('drops labels with empty values, as Prometheus stores them', () => {
    assert.equal((entries('a{b="",c="d"} 1')[0] as { labels: string }).labels, '{__name__="a", c="d"}');
  });

  it('normalizes le and quantile after a histogram or summary TYPE, as Prometheus 3 does', () => {
    const got = entries(
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+inf"} 1\n# TYPE s summary\ns{quantile="0"} 1\nu{le="1"} 2\n',
    );
    assert.deepEqual(
      got.filter((s) => 'labels' in s).map((s) => (s as { labels: string }).labels),
      [
        '{__name__="h_bucket", le="1.0"}',
        '{__name__="h_bucket", le="+Inf"}',
        '{__name__="s", quantile="0.0"}',
        // Prometheus keys this on the last TYPE line (summary), so a stray le stays as written.
        '{__name__="u", le="1"}',
      ],
    );
  });

  it('accepts invalid UTF-8 in a plain comment, where Prometheus never looks', () => {
    const body = Buffer.concat([
      Buffer.from('# comment '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\na 1\n'),
    ]);
    assert.equal(entries(body).length, 2);
  });

  it('fills a LabelsBuilder', () => {
    const p = new PromParser('a{z="1",b="2"} 1\n');
    assert.equal(p.next(), Entry.Series);
    const b = new LabelsBuilder();
    p.labelsInto(b);
    assert.equal(b.labels().toString(), '{__name__="a", b="2", z="1"}');
    assert.equal(p.exemplar(), undefined);
    assert.equal(p.createdTimestamp(), undefined);
  });

  it('sorts large label sets and still finds duplicates in them', () => {
    const pairs = Array.from({ length: 300 }, (_, i) => `l${(i * 7919) % 300}="v"`);
    const [s] = entries(`a{${pairs.join(',')}} 1\n`);
    const names = (s as { labels: string }).labels.match(/l\d+/g)!;
    assert.equal(names.length, 300);
    assert.deepEqual(names, [...names].sort());
    const e = failure(`a{${pairs.join(',')},l17="w"} 1\n`);
    assert.match(e.reason, /duplicate label name "l17"/);
  });

  it('takes a Buffer or a string alike', () => {
    const page = '# TYPE a gauge\na{b="ü"} 1 2\n';
    assert.deepEqual(entries(Buffer.from(page)), entries(page));
  });
});

describe('PromParser errors name the line, the column and the problem', () => {
  // [input, line, column (undefined when the error is about a whole line), reason pattern]
  const cases: [string, number, number | undefined, RegExp][] = [
    ['a', 1, 2, /^expected value after metric, got end of input in "a"$/],
    ["a 1\nb{c='d'} 1\n", 2, 5, /^expected label value, got "'" in "b\{c='"$/],
    ['a{b=\n', 1, 5, /^expected label value, got end of line/],
    ['a{,b="c"} 1\n', 1, 3, /^expected label name, got ","/],
    ['a{b="c",,d="e"} 1\n', 1, 9, /^expected label name, got ","/],
    ['empty_label_name{="x"} 0\n', 1, 18, /^expected label name, got "="/],
    ['a{b"c"} 1\n', 1, 4, /^expected equal, got "\\""/],
    ['a{b} 1\n', 1, 4, /^expected equal, got "}"/],
    ['something_weird{problem="\n', 2, 1, /^expected label value, got end of input/],
    ['a{b="c\\\n"} 1\n', 1, 8, /^expected label value, got end of line/],
    ['foo 1_2\n', 1, 5, /^unsupported character in float "1_2"$/],
    ['foo 0x1p-3\n', 1, 5, /^unsupported character in float "0x1p-3"$/],
    ['a true\n', 1, 3, /^invalid float "true"$/],
    ['a 1\r\n', 1, 3, /^invalid float "1\\r"$/],
    ['a 1e400\n', 1, 3, /^float "1e400" is out of range$/],
    ['foo 0 1_2\n', 1, 8, /^expected next entry after timestamp, got "_"/],
    ['a 1 2 3\n', 1, 7, /^expected next entry after timestamp, got "3"/],
    ['a 1 {\n', 1, 5, /^expected timestamp or new record, got "\{"/],
    ['a 1 99999999999999999999\n', 1, 5, /^timestamp "99999999999999999999" is out of range$/],
    ['{a="ok"} 1\n', 1, 1, /^metric name not set in "\{a=\\"ok\\"\}"$/],
    ['{"a","b"} 1\n', 1, 6, /^metric name already set$/],
    ['{""} 1\n', 1, 2, /^metric name must not be empty$/],
    ['a{""="x"} 1\n', 1, 3, /^label name must not be empty$/],
    ['9 1\n', 1, 1, /^expected a valid start token, got "9"/],
    ['"a" 1\n', 1, 1, /^expected a valid start token, got "\\""/],
    ['# TYPE a meter\n', 1, 10, /^invalid metric type "meter"$/],
    ['# TYPE a\n', 1, 9, /^invalid metric type ""$/],
    ['# TYPE a gauge \n', 1, 10, /^invalid metric type "gauge "$/],
    ['# TYPE a gaugehistogram\n', 1, 10, /^invalid metric type "gaugehistogram"$/],
    ['# TYPE #\n', 1, 8, /^expected metric name after TYPE, got "#"/],
    ['# HELP \n', 1, 8, /^expected metric name after HELP, got end of line/],
    ['# HELP "unterminated\n', 2, 1, /^expected metric name after HELP, got end of input/],
    ['a{b="c",b="d"} 1\n', 1, undefined, /^duplicate label name "b"$/],
    ['a{__name__="b"} 1\n', 1, undefined, /^duplicate label name "__name__"$/],
  ];
  for (const [input, line, column, reason] of cases) {
    it(JSON.stringify(input), () => {
      const e = failure(input);
      assert.equal(e.line, line, e.message);
      assert.equal(e.column, column, e.message);
      assert.match(e.reason, reason);
      assert.equal(
        e.message,
        column === undefined ? `line ${line}: ${e.reason}` : `line ${line}, column ${column}: ${e.reason}`,
      );
    });
  }

  it('invalid UTF-8 in a label value or HELP text is refused on its line', () => {
    const bad = (prefix: string): Buffer =>
      Buffer.concat([Buffer.from('ok 1\n' + prefix), Buffer.from([0xc3, 0x28]), Buffer.from('"} 1\n')]);
    const e = failure(bad('a{b="'));
    assert.equal(e.line, 2);
    assert.equal(e.reason, 'invalid UTF-8');
    const h = failure(Buffer.concat([Buffer.from('# HELP a x'), Buffer.from([0xff]), Buffer.from('\n')]));
    assert.equal(h.line, 1);
    assert.equal(failure('a{b="\uDC00"} 1\n').reason, 'invalid UTF-8');
  });

  it('keeps failing once failed', () => {
    const p = new PromParser('a{\nb 1\n');
    assert.throws(() => p.next(), ParseError);
    assert.throws(() => p.next(), /line 1, column 3: expected label name/);
  });

  it('cuts long lines in messages to their end', () => {
    const e = failure(`a{b="${'x'.repeat(10000)}",'c'} 1\n`);
    assert.ok(e.message.length < 300, e.message);
    assert.match(e.reason, /…x+\\",'"$/);
  });
});

describe('PromParser strict mode: the rules expfmt (promtool check metrics) enforces', () => {
  const strict: ParserOptions = { strictness: 'strict' };
  it('accepts a well-formed page, including a family split in two groups', () => {
    const page =
      '# HELP h help\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n' +
      'x 1\nh_bucket{le="+Inf",a="b"} 1\n# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count 1\n';
    assert.equal(entries(page, strict).length, 12);
  });

  const cases: [string, number, RegExp][] = [
    ['# HELP a x\n# HELP a y\n', 2, /^second HELP line for metric name "a"$/],
    [
      '# TYPE a gauge\n# TYPE a counter\n',
      2,
      /^second TYPE line for metric name "a", or TYPE reported after samples$/,
    ],
    ['a 1\n# TYPE a gauge\n', 2, /or TYPE reported after samples$/],
    ['# TYPE h histogram\nh_bucket 1\n', 2, /^histogram bucket without a "le" label$/],
    ['# TYPE h histogram\nh_bucket{le="x"} 1\n', 2, /^histogram bucket has "le" "x", not a float$/],
    ['# TYPE s summary\ns{quantile="q"} 1\n', 2, /^summary quantile has "quantile" "q", not a float$/],
    ['# TYPE s summary\ns_sum 1\ns 1\n', 3, /^summary quantile without a "quantile" label$/],
  ];
  for (const [input, line, reason] of cases) {
    it(JSON.stringify(input), () => {
      assert.doesNotThrow(() => entries(input));
      const e = failure(input, strict);
      assert.equal(e.line, line, e.message);
      assert.match(e.reason, reason);
    });
  }
});
