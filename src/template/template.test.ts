/**
 * Unit tests of the template language, Go's fmt, Prometheus's functions, query helpers and the
 * execution limits. Outputs that promtool can confirm live in golden.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GoMap,
  MAX_EXEC_STEPS,
  expandTemplate,
  expandTemplateAsync,
  expandText,
  formatFloat,
  humanize,
  humanizeDuration,
  sprintf,
  type GoValue,
  type QuerySample,
} from './index.js';

const run = (text: string, data: GoValue = null): string => expandText('t', text, data);

test('language constructs', () => {
  const data: GoValue = {
    name: 'x',
    list: ['a', 'b', 'c'],
    empty: [],
    m: { b: 2n, a: 1n, c: 3n },
    labels: GoMap.fromLabels({ job: 'api' }),
    n: 0n,
  };
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ['{{ .name }}', 'x'],
    ['{{ .missing }}', '<no value>'],
    ['{{ .labels.missing }}|', '|'],
    ['{{ if .name }}y{{ end }}', 'y'],
    ['{{ if .n }}y{{ else }}n{{ end }}', 'n'],
    ['{{ if .n }}1{{ else if .empty }}2{{ else if .list }}3{{ end }}', '3'],
    ['{{ with .name }}<{{ . }}>{{ end }}', '<x>'],
    ['{{ with .missing }}a{{ else }}b{{ end }}', 'b'],
    ['{{ range .list }}{{ . }}{{ end }}', 'abc'],
    ['{{ range $i, $e := .list }}{{ $i }}{{ $e }}{{ end }}', '0a1b2c'],
    ['{{ range .m }}{{ . }}{{ end }}', '123'],
    ['{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', 'a=1;b=2;c=3;'],
    ['{{ range .empty }}x{{ else }}empty{{ end }}', 'empty'],
    ['{{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', 'a'],
    ['{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', 'ac'],
    ['{{ range $i := 4 }}{{ $i }}{{ end }}', '0123'],
    ['{{ $x := 1 }}{{ range .list }}{{ $x = . }}{{ end }}{{ $x }}', 'c'],
    ['{{ $x := "o" }}{{ with 1 }}{{ $x := "i" }}{{ $x }}{{ end }}{{ $x }}', 'io'],
    ['{{ range .list }}{{ $.name }}{{ end }}', 'xxx'],
    ['{{ define "t2" }}({{ . }}){{ end }}{{ template "t2" .name }}', '(x)'],
    ['{{ block "b" .list }}{{ len . }}{{ end }}', '3'],
    ['a  {{- " b " -}}  c', 'a b c'],
    ['a\n{{- /* gone */ -}}\nb', 'ab'],
    ['{{ "a" | printf "%s-%s" "b" }}', 'b-a'],
    ['{{ (len .list) }} {{ (index .list 1) }}', '3 b'],
    ['{{ "\\t\\x41\\u00e9" }}{{ `\\n` }}', '\tAé\\n'],
    ["{{ 1 }} {{ 1.0 }} {{ 1.5 }} {{ 0x10 }} {{ true }} {{ 'a' }}", '1 1 1.5 16 true 97'],
    ['{{ and 1 "" 2 }}|{{ or "" 0 "z" }}|{{ not "" }}', '|z|true'],
    ['{{ slice .list 1 }} {{ slice "hello" 1 3 }}', '[b c] el'],
    ['{{ index .m "b" }} {{ index .m "zz" }}', '2 <no value>'],
  ];
  for (const [tmpl, want] of cases) assert.equal(run(tmpl, data), want, tmpl);
});

test('comparison follows Go kinds', () => {
  assert.equal(
    run('{{ eq 1 1 }} {{ lt 1.5 2.5 }} {{ gt "b" "a" }} {{ ne "a" "a" }}'),
    'true true true false',
  );
  assert.throws(() => run('{{ eq 1 1.5 }}'), /incompatible types for comparison: int and float64/);
  assert.throws(() => run('{{ lt true false }}'), /invalid type for comparison/);
});

test('formatFloat matches strconv', () => {
  const cases: [number, 'e' | 'f' | 'g', number, string][] = [
    [1234567, 'g', -1, '1.234567e+06'],
    [123456, 'g', -1, '123456'],
    [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'],
    [1e21, 'g', -1, '1e+21'],
    [0.1 + 0.2, 'g', -1, '0.30000000000000004'],
    [2.5, 'f', 0, '2'],
    [3.5, 'f', 0, '4'],
    [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'],
    [1.005, 'f', 2, '1.00'],
    [1234.5678, 'e', 3, '1.235e+03'],
    [999.95, 'g', 4, '1000'],
    [999.94, 'g', 4, '999.9'],
    [9999.5, 'g', 4, '1e+04'],
    [-0, 'g', -1, '-0'],
    [Infinity, 'g', -1, '+Inf'],
    [NaN, 'f', 2, 'NaN'],
    [5e-324, 'g', -1, '5e-324'],
    [1.7976931348623157e308, 'g', -1, '1.7976931348623157e+308'],
  ];
  for (const [v, f, p, want] of cases) assert.equal(formatFloat(v, f, p), want, `${v} ${f} ${p}`);
});

test('printf verbs', () => {
  const cases: [string, GoValue[], string][] = [
    ['%v|%s|%d', ['a', 'b', 3n], 'a|b|3'],
    ['%.2f%%', [99.555], '99.56%'],
    ['%5.1f|%-6s|%6s', [3.14159, 'ab', 'cd'], '  3.1|ab    |    cd'],
    ['%e %g %G', [123456789, 1e-7, 1e-7], '1.234568e+08 1e-07 1E-07'],
    ['%x %X %#x %o %b', [255n, 255n, 255n, 8n, 5n], 'ff FF 0xff 10 101'],
    ['%q %q', ['a"b\n', 65n], '"a\\"b\\n" \'A\''],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%s', [3n], '%!s(int=3)'],
    ['%d %d', [1n], '1 %!d(MISSING)'],
    ['%d', [1n, 'x'], '1%!(EXTRA string=x)'],
    ['%v %v', [null, true], '<nil> true'],
    ['%[2]d %[1]d', [1n, 2n], '2 1'],
    ['%*d', [5n, 1n], '    1'],
    ['%v', [-Infinity], '-Inf'],
    ['%6.2f', [NaN], '   NaN'],
    ['%+d % d', [5n, 5n], '+5  5'],
    ['%T %T', [new GoMap(new Map(), 'string'), [1n]], 'map[string]string []interface {}'],
  ];
  for (const [f, args, want] of cases) assert.equal(sprintf(f, args), want, f);
});

test('humanize functions', () => {
  assert.equal(humanize(1234567), '1.235M');
  assert.equal(humanize(0.001234), '1.234m');
  assert.equal(humanize(-0.5), '-500m');
  assert.equal(humanizeDuration(90), '1m 30s');
  assert.equal(humanizeDuration(1e-7), '100ns');
  assert.equal(humanizeDuration(3 * 86400 + 7), '3d 0h 0m 7s');
});

const QUERY_RESULT: QuerySample[] = [
  { labels: { __name__: 'up', instance: 'b:9100', job: 'node' }, value: 1 },
  { labels: { __name__: 'up', instance: 'a:9100', job: 'node' }, value: 0 },
];

test('query, first, label, value, sortByLabel', () => {
  const opts = { query: (q: string) => (q === 'up' ? QUERY_RESULT.map((s) => ({ ...s })) : []) };
  const data = { labels: { job: 'node' }, value: 1 };
  const cases: [string, string][] = [
    ['{{ query "up" | first | value }}', '1'],
    ['{{ with query "up" }}{{ . | first | label "instance" }}{{ end }}', 'b:9100'],
    [
      '{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ end }}',
      'a:9100=0 b:9100=1 ',
    ],
    ['{{ len (query "up") }}', '2'],
    ['{{ with query "none" }}x{{ else }}no data{{ end }}', 'no data'],
    ['{{ (query "up" | first).Labels.job }}', 'node'],
  ];
  for (const [tmpl, want] of cases) assert.equal(expandTemplate('__alert_X', tmpl, data, opts), want, tmpl);
  assert.match(
    expandTemplate('__alert_X', '{{ query "none" | first }}', data, opts),
    /error calling first: first\(\) called on vector with no elements>$/,
  );
});

test('asynchronous query functions', async () => {
  let calls = 0;
  const opts = {
    query: async (q: string): Promise<QuerySample[]> => {
      calls++;
      await new Promise((r) => setTimeout(r, 1));
      return q === 'up' ? QUERY_RESULT : [{ labels: {}, value: 42 }];
    },
  };
  const data = { labels: {}, value: 1 };
  const out = await expandTemplateAsync(
    '__alert_X',
    '{{ query "up" | len }} {{ query "x" | first | value }} {{ query "up" | len }}',
    data,
    opts,
  );
  assert.equal(out, '2 42 2');
  assert.equal(calls, 2);
  const failing = { query: () => Promise.reject(new Error('boom')) };
  assert.match(
    await expandTemplateAsync('__alert_X', '{{ query "up" }}', data, failing),
    /error calling query: boom>$/,
  );
  // The synchronous variant reports an asynchronous query function instead of hanging.
  assert.match(expandTemplate('__alert_X', '{{ query "up" }}', data, opts), /^<error expanding template: /);
});

test('execution is bounded', () => {
  const data = { labels: {}, value: 1 };
  const t0 = Date.now();
  const runaway = expandTemplate('__alert_X', '{{ range 1000000000 }}x{{ end }}', data);
  assert.match(runaway, /^<error expanding template: .*exceeded the maximum of/);
  assert.match(runaway, new RegExp(String(MAX_EXEC_STEPS)));
  const recursion = expandTemplate(
    '__alert_X',
    '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}',
    data,
  );
  assert.match(recursion, /exceeded maximum template depth/);
  const doubling = expandTemplate(
    '__alert_X',
    '{{ $s := "xx" }}{{ range 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}',
    data,
  );
  assert.match(doubling, /exceeds \d+ characters/);
  assert.ok(Date.now() - t0 < 10_000);
  assert.equal(sprintf('%20000000d', [1n]), '%!(NOVERB)%!(EXTRA int=1)');
  assert.equal(sprintf('%*d', [20000000n, 1n]), '%!(BADWIDTH)1');
});

test('real-world alert annotations', () => {
  const data = {
    labels: { instance: 'db1.example.com:9187', job: 'postgres', severity: 'critical', device: '/dev/sda1' },
    externalLabels: { cluster: 'prod' },
    externalURL: 'https://prom.example.com/prometheus',
    value: 93.456789,
  };
  const cases: [string, string][] = [
    [
      '{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes.',
      'db1.example.com:9187 of job postgres has been down for more than 5 minutes.',
    ],
    [
      'Disk is almost full (< 10% left)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}',
      'Disk is almost full (< 10% left)\n  VALUE = 93.456789\n  LABELS = map[device:/dev/sda1 instance:db1.example.com:9187 job:postgres severity:critical]',
    ],
    ['CPU load is {{ printf "%.2f" $value }}%', 'CPU load is 93.46%'],
    ['{{ humanize $value }} connections', '93.46 connections'],
    ['{{ $value | humanizePercentage }}', '9346%'],
    ['{{ if gt $value 90.0 }}critical{{ else }}warning{{ end }}', 'critical'],
    ['{{ $labels.instance | stripPort }} in {{ $externalLabels.cluster }}', 'db1.example.com in prod'],
    ['{{ reReplaceAll "\\\\..*" "" $labels.instance }}', 'db1'],
    [
      'See {{ $externalURL }}{{ graphLink "up == 0" }}',
      'See https://prom.example.com/prometheus/graph?g0.expr=up+%3D%3D+0&g0.tab=0',
    ],
    ['{{ pathPrefix }}', '/prometheus'],
    ['{{ toUpper $labels.severity }}: {{ title $labels.job }}', 'CRITICAL: Postgres'],
    ['{{ humanizeDuration 3725 }} ago', '1h 2m 5s ago'],
  ];
  for (const [tmpl, want] of cases) assert.equal(expandTemplate('__alert_DiskFull', tmpl, data), want, tmpl);
});
