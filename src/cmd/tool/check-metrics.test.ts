import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { checkMetrics } from './check-metrics.js';

const SHARED = fileURLToPath(new URL('../../../../shared/conformance/', import.meta.url));

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(
  input: string | Buffer,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await checkMetrics(args, { stdin: Readable.from([Buffer.from(input)]), stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const GOOD = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200"} 10
# HELP rpc_duration_seconds RPC latency.
# TYPE rpc_duration_seconds histogram
rpc_duration_seconds_bucket{le="0.1"} 1
rpc_duration_seconds_bucket{le="+Inf"} 2
rpc_duration_seconds_sum 0.3
rpc_duration_seconds_count 2
`;

describe('check metrics', () => {
  it('exits 0 and prints nothing for a valid, clean document', async () => {
    assert.deepEqual(await run(GOOD), { code: 0, stdout: '', stderr: '' });
  });

  it('accepts promtool testdata metrics-test.prom', async (t) => {
    const file = SHARED + 'promtool/testdata/metrics-test.prom';
    if (!existsSync(file)) {
      if (process.env['CI'] === 'true') assert.fail(`missing ${file}`);
      t.skip(`skipped: ${file} not present`);
      return;
    }
    assert.deepEqual(await run(readFileSync(file)), { code: 0, stdout: '', stderr: '' });
  });

  it('prints lint problems as promtool does and exits 3', async () => {
    const doc = `# TYPE requests counter
requests 1
# HELP latency_ms Latency.
# TYPE latency_ms gauge
latency_ms{statusCode="200"} 3
`;
    const r = await run(doc);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        "latency_ms label names should be written in 'snake_case' not 'camelCase'",
        'latency_ms metric names should not contain abbreviated units',
        'requests counter metrics should have "_total" suffix',
        'requests no help text',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 with the line of the problem for an invalid document', async () => {
    const r = await run('# TYPE a gauge\na{b="c"} x\n');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error while linting: line 2: \S.*\n$/);
  });

  it('rejects what only the strict parser rejects (a TYPE line after its samples)', async () => {
    // Prometheus's scraper accepts this page; expfmt's parser, which promtool runs, does not.
    const r = await run('# HELP a A.\na 1\n# TYPE a gauge\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error while linting: line 3: /);
  });

  it('reads a document ending in # EOF as OpenMetrics', async () => {
    const om = `# HELP jobs Jobs.
# TYPE jobs counter
jobs_total 5 # {trace_id="x"} 1.0
# EOF
`;
    assert.deepEqual(await run(om), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await run(om, '--format', 'openmetrics'), { code: 0, stdout: '', stderr: '' });
    // Read as text, the exemplar is a syntax error.
    const asText = await run(om, '--format=prometheus');
    assert.equal(asText.code, 1);
    assert.match(asText.stderr, /^error while linting: line 3: /);
  });

  it('falls back to text for a page whose # EOF is a plain comment', async () => {
    const doc = '# HELP up Up.\n# TYPE up untyped\nup 1\n# EOF\n';
    assert.deepEqual(await run(doc), { code: 0, stdout: '', stderr: '' });
    // Forced to OpenMetrics, `untyped` is not a type there.
    assert.equal((await run(doc, '--format', 'openmetrics')).code, 1);
  });

  it('requires # EOF with --format openmetrics', async () => {
    const r = await run('# HELP up Up.\n# TYPE up gauge\nup 1\n', '--format', 'openmetrics');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error while linting: line \d+: /);
  });

  it('prints the cardinality table with --extended', async () => {
    const r = await run(GOOD, '--extended');
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      'Metric                  Cardinality    Percentage    \n' +
        'rpc_duration_seconds    4              80.00%        \n' +
        'http_requests_total     1              20.00%        \n' +
        'Total                   5              100%          \n',
    );
  });

  it('still exits 3 for lint problems with --extended, and 0 with --lint=none', async () => {
    const doc = '# TYPE requests counter\nrequests 1\n';
    const extended = await run(doc, '--extended');
    assert.equal(extended.code, 3);
    assert.match(extended.stdout, /^Metric/);
    const noLint = await run(doc, '--extended', '--lint=none');
    assert.equal(noLint.code, 0);
    assert.equal(noLint.stderr, '');
  });

  it('refuses --lint=none without --extended, and unknown flags', async () => {
    const none = await run(GOOD, '--lint=none');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: at least one of --extended or linting must be enabled\n/);
    const bad = await run(GOOD, '--bogus');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "ignis-tool: error: unknown long flag '--bogus', try --help\n");
    const badFormat = await run(GOOD, '--format', 'json');
    assert.equal(badFormat.code, 1);
    assert.match(badFormat.stderr, /enum value must be one of openmetrics,prometheus, got 'json'/);
  });

  it('reports an empty document as valid', async () => {
    assert.deepEqual(await run(''), { code: 0, stdout: '', stderr: '' });
  });
});

/** promtool from PATH or from ../shared/tools/peers.sh's cache, or undefined. */
function findPromtool(): string | undefined {
  const inPath = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  if (inPath.status === 0) return 'promtool';
  const cache = process.env['XDG_CACHE_HOME'] ?? homedir() + '/.cache';
  const peer = cache + '/ignis-peers/root/usr/bin/promtool';
  return existsSync(peer) ? peer : undefined;
}

describe('check metrics against the real promtool', () => {
  const promtool = findPromtool();
  const docs: [string, string | Buffer][] = [
    [
      'lint problems of every kind',
      `# TYPE requests counter
requests 1
# HELP latency_ms Latency.
# TYPE latency_ms gauge
latency_ms{statusCode="200"} 3
latency_ms{statusCode="200"} 3
latency_ms{statusCode="200"} 3
# HELP x_s_ms X.
# TYPE x_s_ms summary
x_s_ms{quantile="0.5",le="1"} 1
x_s_ms_sum 1
x_s_ms_count 1
# HELP job:up:sum a
# TYPE job:up:sum gauge
job:up:sum 1
# HELP disk_kilobytes_minutes a
# TYPE disk_kilobytes_minutes histogram
disk_kilobytes_minutes_bucket{le="+Inf"} 1
disk_kilobytes_minutes_sum 1
disk_kilobytes_minutes_count 1
# HELP boot_timestamp_seconds a
# TYPE boot_timestamp_seconds counter
boot_timestamp_seconds 1
# HELP queue_gauge a
# TYPE queue_gauge gauge
queue_gauge 1
foo_sum 1
foo_bucket{le="1"} 1
foo_sum{a="b"} 2
`,
    ],
    ['a clean page', GOOD],
    ['an invalid page', '# TYPE a gauge\na{b="c"} x\n'],
    ['a TYPE after its samples', '# HELP a A.\na 1\n# TYPE a gauge\n'],
  ];
  for (const f of [
    'promtool/testdata/metrics-test.prom',
    'textparse/testdata/alltypes.237mfs.nometa.prom.txt',
  ]) {
    if (existsSync(SHARED + f)) docs.push([f, readFileSync(SHARED + f)]);
  }
  for (const [what, doc] of docs) {
    it(`agrees with promtool on ${what}`, async (t) => {
      if (promtool === undefined) {
        t.skip('skipped: promtool not found (run ../shared/tools/peers.sh)');
        return;
      }
      const want = spawnSync(promtool, ['check', 'metrics'], { input: doc });
      const got = await run(doc);
      assert.equal(got.code, want.status);
      // Parse errors are worded differently (promtool quotes expfmt's messages); lint output
      // must be byte for byte the same.
      if (want.status !== 1) assert.equal(got.stderr, want.stderr.toString());
    });
  }
});
