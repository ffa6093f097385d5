import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../model/labels.js';
import type { FamilySample, MetricFamily } from './family.js';
import { formatLintProblem, lintFamilies } from './lint.js';

const L = Labels.fromStrings;

function s(name: string, labels: Labels = L(), value = 1): FamilySample {
  return { name, labels, value };
}

/** A family with help text 'Help.', or none when `help` is null. */
function fam(
  name: string,
  type: MetricFamily['type'],
  samples: FamilySample[],
  help: string | null = 'Help.',
): MetricFamily {
  return help === null ? { name, type, samples } : { name, type, help, samples };
}

function lint(...families: MetricFamily[]): string[] {
  return lintFamilies(families).map(formatLintProblem);
}

describe('lintFamilies (promlint)', () => {
  it('finds nothing wrong with well-named metrics', () => {
    assert.deepEqual(
      lint(
        fam('http_requests_total', 'counter', [s('http_requests_total', L('code', '200'))]),
        fam('process_resident_memory_bytes', 'gauge', [s('process_resident_memory_bytes')]),
        fam('rpc_duration_seconds', 'histogram', [
          s('rpc_duration_seconds_bucket', L('le', '1')),
          s('rpc_duration_seconds_bucket', L('le', '+Inf')),
          s('rpc_duration_seconds_sum'),
          s('rpc_duration_seconds_count'),
        ]),
        fam('gc_seconds', 'summary', [
          s('gc_seconds', L('quantile', '0.5')),
          s('gc_seconds_sum'),
          s('gc_seconds_count'),
        ]),
        fam('last_run_timestamp_seconds', 'gauge', [s('last_run_timestamp_seconds')]),
      ),
      [],
    );
  });

  it('reports missing help', () => {
    assert.deepEqual(lint(fam('up', 'gauge', [s('up')], null)), ['up no help text']);
    // An empty HELP line is help.
    assert.deepEqual(lint(fam('up', 'gauge', [s('up')], '')), []);
  });

  it('reports counters without _total and non-counters with it', () => {
    assert.deepEqual(lint(fam('requests', 'counter', [s('requests')])), [
      'requests counter metrics should have "_total" suffix',
    ]);
    assert.deepEqual(lint(fam('requests_total', 'gauge', [s('requests_total')])), [
      'requests_total non-counter metrics should not have "_total" suffix',
    ]);
    assert.deepEqual(lint(fam('requests_total', 'unknown', [s('requests_total')])), []);
  });

  it('reports non-base units, taking the first unit word of the name', () => {
    assert.deepEqual(
      lint(fam('request_duration_milliseconds', 'gauge', [s('request_duration_milliseconds')])),
      ['request_duration_milliseconds use base unit "seconds" instead of "milliseconds"'],
    );
    assert.deepEqual(lint(fam('disk_kilobytes_minutes', 'gauge', [s('disk_kilobytes_minutes')])), [
      'disk_kilobytes_minutes use base unit "bytes" instead of "kilobytes"',
    ]);
    assert.deepEqual(lint(fam('temp_fahrenheit', 'gauge', [s('temp_fahrenheit')])), [
      'temp_fahrenheit use base unit "celsius" instead of "fahrenheit"',
    ]);
    // "thermometers" is not "meters" with a prefix.
    assert.deepEqual(lint(fam('thermometers', 'gauge', [s('thermometers')])), []);
  });

  it('reports abbreviated units once per abbreviation found', () => {
    assert.deepEqual(lint(fam('latency_ms', 'gauge', [s('latency_ms')])), [
      'latency_ms metric names should not contain abbreviated units',
    ]);
    assert.deepEqual(lint(fam('x_s_ms', 'gauge', [s('x_s_ms')])), [
      'x_s_ms metric names should not contain abbreviated units',
      'x_s_ms metric names should not contain abbreviated units',
    ]);
    assert.deepEqual(lint(fam('Disk_MB_used', 'gauge', [s('Disk_MB_used')])), [
      'Disk_MB_used metric names should not contain abbreviated units',
    ]);
  });

  it('reports histogram and summary suffixes and labels on other types', () => {
    assert.deepEqual(
      lint(
        fam('a_bucket', 'gauge', [s('a_bucket', L('le', '1'))]),
        fam('b_count', 'summary', [s('b_count_count')]),
        fam('c_sum', 'counter', [s('c_sum', L('quantile', '0.5'))]),
        fam('d_count', 'gauge', [s('d_count')]),
      ),
      [
        'a_bucket non-histogram metrics should not have "_bucket" suffix',
        'a_bucket non-histogram metrics should not have "le" label',
        'c_sum counter metrics should have "_total" suffix',
        'c_sum non-histogram and non-summary metrics should not have "_sum" suffix',
        'c_sum non-summary metrics should not have "quantile" label',
        'd_count non-histogram and non-summary metrics should not have "_count" suffix',
      ],
    );
  });

  it('does not count le and quantile as labels of histograms and summaries', () => {
    assert.deepEqual(
      lint(
        fam('h_seconds', 'histogram', [
          s('h_seconds_bucket', L('le', '1')),
          s('h_seconds_sum'),
          s('h_seconds_count'),
        ]),
        fam('q_seconds', 'summary', [
          s('q_seconds', L('quantile', '0.9')),
          s('q_seconds_sum'),
          s('q_seconds_count'),
        ]),
      ),
      [],
    );
    // But a histogram's quantile label is one.
    assert.deepEqual(
      lint(fam('h_seconds', 'histogram', [s('h_seconds_bucket', L('le', '1', 'quantile', 'x'))])),
      ['h_seconds non-summary metrics should not have "quantile" label'],
    );
  });

  it('reports the type in the name, for the family’s own type only', () => {
    assert.deepEqual(lint(fam('queue_gauge', 'gauge', [s('queue_gauge')])), [
      "queue_gauge metric name should not include type 'gauge'",
    ]);
    assert.deepEqual(lint(fam('my_counter_total', 'counter', [s('my_counter_total')])), [
      "my_counter_total metric name should not include type 'counter'",
    ]);
    assert.deepEqual(lint(fam('x_histogram', 'gauge', [s('x_histogram')])), []);
    assert.deepEqual(lint(fam('x_gauge', 'unknown', [s('x_gauge')])), []);
  });

  it('reports colons, camelCase names and camelCase labels once per metric', () => {
    assert.deepEqual(lint(fam('job:up:sum', 'gauge', [s('job:up:sum')])), [
      "job:up:sum metric names should not contain ':'",
    ]);
    assert.deepEqual(
      lint(
        fam('requestCount_total', 'counter', [
          s('requestCount_total', L('statusCode', '200')),
          s('requestCount_total', L('statusCode', '500')),
        ]),
      ),
      [
        "requestCount_total label names should be written in 'snake_case' not 'camelCase'",
        "requestCount_total label names should be written in 'snake_case' not 'camelCase'",
        "requestCount_total metric names should be written in 'snake_case' not 'camelCase'",
      ],
    );
  });

  it('does not report _timestamp_seconds on non-gauges (promtool 3.5 does not)', () => {
    assert.deepEqual(lint(fam('boot_timestamp_seconds', 'summary', [s('boot_timestamp_seconds_sum')])), []);
  });

  it('lints the groups of a name as one family, as expfmt merges them', () => {
    assert.deepEqual(
      lint(
        fam('x', 'unknown', [s('x', L('a', '1'))], null),
        fam('x_sum', 'unknown', [s('x_sum', L('a', '1'))], null),
        fam('x', 'unknown', [s('x', L('a', '1'))], null),
      ),
      ['x metric not unique', 'x no help text', 'x_sum no help text'],
    );
  });

  it('reports duplicate series, once per series with a later duplicate', () => {
    assert.deepEqual(
      lint(
        fam('up', 'gauge', [
          s('up', L('a', '1')),
          s('up', L('a', '1')),
          s('up', L('a', '1')),
          s('up', L('a', '2')),
        ]),
      ),
      ['up metric not unique', 'up metric not unique'],
    );
    // A histogram's lines that share labels are one metric, not duplicates.
    assert.deepEqual(
      lint(
        fam('h_seconds', 'histogram', [
          s('h_seconds_bucket', L('le', '1')),
          s('h_seconds_bucket', L('le', '+Inf')),
        ]),
      ),
      [],
    );
  });

  it('sees OpenMetrics families as the text format exposes them', () => {
    assert.deepEqual(
      lint(
        fam('jobs', 'counter', [s('jobs_total'), s('jobs_created')]),
        fam('build', 'info', [s('build_info', L('version', '1'))]),
        fam('door', 'stateset', [s('door', L('door', 'open'))]),
      ),
      [],
    );
  });

  it('treats samples under another name in an untyped family as families of their own', () => {
    assert.deepEqual(lint(fam('foo', 'unknown', [s('foo'), s('foo_sum')])), ['foo_sum no help text']);
    assert.deepEqual(lint(fam('foo', 'unknown', [s('foo_sum')], null)), [
      'foo no help text',
      'foo_sum no help text',
    ]);
  });

  it('sorts by metric name, then text, in byte order', () => {
    assert.deepEqual(
      lint(
        fam('zeta_milliseconds', 'counter', [s('zeta_milliseconds')], null),
        fam('Alpha', 'gauge', [s('Alpha')], null),
      ),
      [
        'Alpha no help text',
        'zeta_milliseconds counter metrics should have "_total" suffix',
        'zeta_milliseconds no help text',
        'zeta_milliseconds use base unit "seconds" instead of "milliseconds"',
      ],
    );
  });
});
