import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { MemoryStorage } from '../storage/memory.js';
import { Head } from '../tsdb/head/head.js';
import type { Appendable } from '../storage/interface.js';
import { ScrapeLoop } from './loop.js';
import { resolveScrapeOptions, type ScrapeOptions } from './target.js';
import {
  FixtureServer,
  OPENMETRICS_CONTENT_TYPE,
  key,
  readAll,
  type FixtureResponse,
  type StoredSample,
} from './testing.js';

const TARGET = Labels.fromStrings('job', 'j', 'instance', 'i:1');
const T0 = 1_700_000_000_000;

let srv: FixtureServer;
before(async () => {
  srv = await FixtureServer.start();
});
after(async () => {
  await srv.close();
});

let path = '';
let n = 0;
beforeEach(() => {
  // Each test gets its own path, so sequences never leak between tests.
  path = `/m${n++}`;
});

function loop(
  store: Appendable,
  o: Partial<ScrapeOptions> = {},
  target: Labels = TARGET,
  p = path,
): ScrapeLoop {
  return new ScrapeLoop(
    { url: srv.url(p), labels: target },
    resolveScrapeOptions({ interval: 100, timeout: 1000, ...o }),
    store,
    { skipOffset: true },
  );
}

function serve(...r: (FixtureResponse | string)[]): void {
  srv.serve(path, ...r);
}

const plain = (s: StoredSample[] | undefined): [number, number | 'stale'][] =>
  (s ?? []).map((x) => [x.t, x.stale ? 'stale' : x.v]);

function series(store: MemoryStorage, name: string, ...kv: string[]): [number, number | 'stale'][] {
  return plain(readAll(store).get(key('__name__', name, ...kv)));
}

const tl = ['instance', 'i:1', 'job', 'j'];

describe('scrape loop: appending', () => {
  it('stores samples with target labels and the five synthetic series', async () => {
    serve('# TYPE a counter\na_total 1\nb{x="y"} 2\n');
    const s = new MemoryStorage();
    const l = loop(s);
    await l.scrapeAndReport(T0);
    assert.deepEqual(series(s, 'a_total', ...tl), [[T0, 1]]);
    assert.deepEqual(series(s, 'b', ...tl, 'x', 'y'), [[T0, 2]]);
    assert.deepEqual(series(s, 'up', ...tl), [[T0, 1]]);
    assert.deepEqual(series(s, 'scrape_samples_scraped', ...tl), [[T0, 2]]);
    assert.deepEqual(series(s, 'scrape_samples_post_metric_relabeling', ...tl), [[T0, 2]]);
    assert.deepEqual(series(s, 'scrape_series_added', ...tl), [[T0, 2]]);
    const d = series(s, 'scrape_duration_seconds', ...tl);
    assert.equal(d.length, 1);
    assert.ok(typeof d[0]![1] === 'number' && d[0]![1] > 0 && d[0]![1] < 1);
    assert.equal(readAll(s).size, 7);
    assert.deepEqual(
      { ...l.health(), lastScrapeDuration: 0 },
      { health: 'up', lastError: '', lastScrape: T0, lastScrapeDuration: 0 },
    );
  });

  it("sends Prometheus's request headers", async () => {
    serve('a 1\n');
    await loop(new MemoryStorage(), { timeout: 1500 }).scrapeAndReport(T0);
    const h = srv.requests.at(-1)!.headers;
    assert.equal(
      h['accept'],
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    assert.match(String(h['user-agent']), /^ignis\/\d+\.\d+\.\d+/);
    assert.equal(h['x-prometheus-scrape-timeout-seconds'], '1.5');
    assert.equal(h['accept-encoding'], 'gzip');
    await loop(new MemoryStorage(), {
      enableCompression: false,
      authorization: 'Bearer abc',
    }).scrapeAndReport(T0);
    const h2 = srv.requests.at(-1)!.headers;
    assert.equal(h2['accept-encoding'], 'identity');
    assert.equal(h2['authorization'], 'Bearer abc');
  });

  it('resolves repeated series through the cache without label work', async () => {
    serve('a 1\nb 2\n', 'a 3\nb 4\nc 5\n');
    const s = new MemoryStorage();
    let relabelCalls = 0;
    const l = loop(s, {
      metricRelabel: (ls) => {
        relabelCalls++;
        return ls;
      },
    });
    await l.scrapeAndReport(T0);
    assert.equal(relabelCalls, 2);
    await l.scrapeAndReport(T0 + 100);
    assert.equal(relabelCalls, 3, 'only the new series c is relabeled');
    assert.deepEqual(series(s, 'scrape_series_added', ...tl), [
      [T0, 2],
      [T0 + 100, 1],
    ]);
    assert.deepEqual(series(s, 'a', ...tl), [
      [T0, 1],
      [T0 + 100, 3],
    ]);
    assert.equal(l.cache.series.size, 3);
  });

  it('honor_labels false: clashing scraped labels become exported_*, empty values do not clash', async () => {
    serve('m{job="x",instance="y",exported_job="z",other="o"} 1\nn{job=""} 2\n');
    const s = new MemoryStorage();
    await loop(s).scrapeAndReport(T0);
    const got = [...readAll(s).keys()].filter((k) => !/up|scrape_/.test(k));
    assert.deepEqual(
      got.sort(),
      [
        key(
          '__name__',
          'm',
          // Shorter names first: job is renamed before instance, and exported_job is taken.
          'exported_exported_job',
          'x',
          'exported_instance',
          'y',
          'exported_job',
          'z',
          'instance',
          'i:1',
          'job',
          'j',
          'other',
          'o',
        ),
        key('__name__', 'n', ...tl),
      ].sort(),
    );
  });

  it('honor_labels true: scraped labels win, an exposed empty value removes the target label', async () => {
    serve('m{job="x"} 1\nn{job=""} 2\n');
    const s = new MemoryStorage();
    await loop(s, { honorLabels: true }).scrapeAndReport(T0);
    const got = [...readAll(s).keys()].filter((k) => !/up|scrape_/.test(k));
    assert.deepEqual(
      got.sort(),
      [key('__name__', 'm', 'instance', 'i:1', 'job', 'x'), key('__name__', 'n', 'instance', 'i:1')].sort(),
    );
    // The synthetic series always carry the target labels.
    assert.deepEqual(series(s, 'up', ...tl), [[T0, 1]]);
  });

  it('honor_timestamps: explicit timestamps are kept, or replaced by the scrape time', async () => {
    serve('a 1 1000\nb 2\n');
    const s = new MemoryStorage();
    await loop(s).scrapeAndReport(T0);
    assert.deepEqual(series(s, 'a', ...tl), [[1000, 1]]);
    const s2 = new MemoryStorage();
    await loop(s2, { honorTimestamps: false }).scrapeAndReport(T0);
    assert.deepEqual(series(s2, 'a', ...tl), [[T0, 1]]);
  });

  it('metric relabeling drops series and changes labels; counts follow', async () => {
    serve('keep 1\ndrop{a="1"} 2\ndrop{a="2"} 3\n');
    const s = new MemoryStorage();
    const l = loop(s, {
      metricRelabel: (ls) =>
        ls.get('__name__') === 'drop' ? null : Labels.fromObject({ ...ls.toObject(), extra: 'e' }),
    });
    await l.scrapeAndReport(T0);
    await l.scrapeAndReport(T0 + 100);
    assert.deepEqual(series(s, 'keep', ...tl, 'extra', 'e'), [
      [T0, 1],
      [T0 + 100, 1],
    ]);
    assert.equal(readAll(s).size, 6);
    assert.deepEqual(series(s, 'scrape_samples_scraped', ...tl), [
      [T0, 3],
      [T0 + 100, 3],
    ]);
    assert.deepEqual(series(s, 'scrape_samples_post_metric_relabeling', ...tl), [
      [T0, 1],
      [T0 + 100, 1],
    ]);
    assert.equal(l.cache.dropped.size, 2);
  });

  it('a series twice in one scrape is a counted duplicate, not a failure', async () => {
    serve('a 1\na 2\nb 3\n');
    const s = new MemoryStorage();
    const l = loop(s);
    await l.scrapeAndReport(T0);
    await l.scrapeAndReport(T0 + 100);
    assert.deepEqual(series(s, 'a', ...tl), [
      [T0, 1],
      [T0 + 100, 1],
    ]);
    assert.deepEqual(series(s, 'up', ...tl), [
      [T0, 1],
      [T0 + 100, 1],
    ]);
    assert.deepEqual(series(s, 'scrape_samples_post_metric_relabeling', ...tl), [
      [T0, 3],
      [T0 + 100, 3],
    ]);
  });

  it('out-of-order samples are dropped and counted without failing the scrape (Head)', async () => {
    serve('a 1 5000\nb 2\n', 'a 1 4000\nb 3\n');
    const head = new Head();
    const l = loop(head);
    await l.scrapeAndReport(T0);
    await l.scrapeAndReport(T0 + 100);
    const all = readAll(head);
    assert.deepEqual(plain(all.get(key('__name__', 'a', ...tl))), [[5000, 1]]);
    assert.deepEqual(plain(all.get(key('__name__', 'b', ...tl))), [
      [T0, 2],
      [T0 + 100, 3],
    ]);
    assert.deepEqual(plain(all.get(key('__name__', 'up', ...tl))), [
      [T0, 1],
      [T0 + 100, 1],
    ]);
  });

  it('exemplars and metadata reach storage; metadata is kept per target', async () => {
    serve({
      contentType: OPENMETRICS_CONTENT_TYPE,
      body:
        '# TYPE req counter\n# HELP req Requests.\nreq_total 5 # {trace_id="abc"} 1.5 1700000000.5\n' +
        '# TYPE req_seconds gauge\n# UNIT req_seconds seconds\nreq_seconds 1\n# EOF\n',
    });
    const s = new MemoryStorage();
    const l = loop(s, { appendMetadata: true });
    await l.scrapeAndReport(T0);
    const ls = Labels.fromStrings('__name__', 'req_total', ...tl);
    assert.deepEqual(s.exemplarsOf(ls), [
      { labels: Labels.fromStrings('trace_id', 'abc'), value: 1.5, ts: 1700000000500, hasTs: true },
    ]);
    assert.deepEqual(s.metadataOf(ls), { type: 'counter', help: 'Requests.', unit: '' });
    const md = l.metadata().sort((a, b) => (a.metric < b.metric ? -1 : 1));
    assert.deepEqual(md, [
      { metric: 'req', type: 'counter', help: 'Requests.', unit: '' },
      { metric: 'req_seconds', type: 'gauge', help: '', unit: 'seconds' },
    ]);
    // Without the option nothing is written to storage, as Prometheus without metadata-wal-records.
    const s2 = new MemoryStorage();
    await loop(s2).scrapeAndReport(T0);
    assert.equal(s2.metadataOf(ls), undefined);
  });
});

describe('scrape loop: failures', () => {
  const cases: { name: string; o?: Partial<ScrapeOptions>; r: FixtureResponse; err: string | RegExp }[] = [
    {
      name: 'HTTP status',
      r: { body: 'oops', status: 500 },
      err: 'server returned HTTP status 500 Internal Server Error',
    },
    {
      name: 'missing Content-Type',
      r: { body: 'a 1\n', contentType: null },
      err: 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
    },
    {
      name: 'unknown Content-Type',
      r: { body: 'a 1\n', contentType: 'application/json' },
      err: 'received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target',
    },
    { name: 'parse error', r: { body: 'a 1\nb{ 2\n' }, err: /line 2/ },
    {
      name: 'sample_limit',
      o: { sampleLimit: 2 },
      r: { body: 'a 1\nb 2\nc 3\n' },
      err: 'sample limit exceeded',
    },
    {
      name: 'label_limit',
      o: { labelLimit: 3 },
      r: { body: 'a{x="1"} 1\n' },
      err: 'label_limit exceeded (metric: a, number of labels: 4, limit: 3)',
    },
    {
      name: 'label_name_length_limit',
      o: { labelNameLengthLimit: 8 },
      r: { body: 'a{longername="1"} 1\n' },
      err: 'label_name_length_limit exceeded (metric: a, label name: longername, length: 10, limit: 8)',
    },
    {
      name: 'label_value_length_limit',
      o: { labelValueLengthLimit: 3 },
      r: { body: 'a{x="long"} 1\n' },
      err: 'label_value_length_limit exceeded (metric: a, label name: x, value: "long", length: 4, limit: 3)',
    },
    {
      name: 'body_size_limit',
      o: { bodySizeLimit: 11 },
      r: { body: 'a 1\nb 2\nc 3\n' },
      err: 'body size limit exceeded',
    },
    {
      name: 'legacy name validation',
      o: { metricNameValidationScheme: 'legacy' },
      r: { body: '{"a.b"} 1\n' },
      err: 'invalid metric name or label names: {__name__="a.b", instance="i:1", job="j"}',
    },
    {
      name: 'timeout',
      o: { timeout: 50 },
      r: { body: 'a 1\n', delay: 300 },
      err: /context deadline exceeded$/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: up 0, the error, nothing of the scrape, stale markers for the last good one`, async () => {
      serve('a 1\nold 1\n', c.r, 'a 7\n');
      const s = new MemoryStorage();
      const l = loop(s, c.o);
      await l.scrapeAndReport(T0);
      await l.scrapeAndReport(T0 + 100);
      const h = l.health();
      assert.equal(h.health, 'down');
      if (typeof c.err === 'string') assert.equal(h.lastError, c.err);
      else assert.match(h.lastError, c.err);
      assert.deepEqual(series(s, 'up', ...tl), [
        [T0, 1],
        [T0 + 100, 0],
      ]);
      assert.deepEqual(series(s, 'old', ...tl), [
        [T0, 1],
        [T0 + 100, 'stale'],
      ]);
      // `a` is stale too, except when it was appended (then rolled back) before the body failed:
      // Prometheus's staleness set keeps what the failed append tracked, so no marker then.
      const a = series(s, 'a', ...tl);
      assert.deepEqual(a[0], [T0, 1]);
      if (c.name === 'sample_limit' || c.name === 'parse error') assert.equal(a.length, 1);
      else assert.deepEqual(a[1], [T0 + 100, 'stale']);
      // Nothing from the failed body.
      for (const k of readAll(s).keys()) assert.match(k, /"(a|old|up|scrape_[a-z_]+)"/);
      // Recovery.
      await l.scrapeAndReport(T0 + 200);
      assert.deepEqual(series(s, 'up', ...tl).at(-1), [T0 + 200, 1]);
      assert.deepEqual(series(s, 'a', ...tl).at(-1), [T0 + 200, 7]);
      assert.equal(l.health().lastError, '');
    });
  }

  it('scrape_samples_scraped counts the whole body when over sample_limit', async () => {
    serve('a 1\nb 2\nc 3\nd 4\n');
    const s = new MemoryStorage();
    await loop(s, { sampleLimit: 2 }).scrapeAndReport(T0);
    assert.deepEqual(series(s, 'scrape_samples_scraped', ...tl), [[T0, 4]]);
    assert.deepEqual(series(s, 'up', ...tl), [[T0, 0]]);
    assert.equal(readAll(s).size, 5);
  });

  it('a refused connection fails with Go’s wording', async () => {
    const s = new MemoryStorage();
    const l = new ScrapeLoop(
      { url: 'http://127.0.0.1:1/metrics', labels: TARGET },
      resolveScrapeOptions({ interval: 100, timeout: 1000 }),
      s,
      { skipOffset: true },
    );
    await l.scrapeAndReport(T0);
    assert.equal(
      l.health().lastError,
      'Get "http://127.0.0.1:1/metrics": dial tcp 127.0.0.1:1: connect: connection refused',
    );
    assert.deepEqual(series(s, 'up', ...tl), [[T0, 0]]);
  });

  it('a second failure writes no further stale markers', async () => {
    serve('a 1\n', { body: '', status: 503 });
    const s = new MemoryStorage();
    const l = loop(s);
    for (let i = 0; i < 3; i++) await l.scrapeAndReport(T0 + i * 100);
    assert.deepEqual(series(s, 'a', ...tl), [
      [T0, 1],
      [T0 + 100, 'stale'],
    ]);
    assert.deepEqual(series(s, 'up', ...tl), [
      [T0, 1],
      [T0 + 100, 0],
      [T0 + 200, 0],
    ]);
  });
});

describe('scrape loop: content types and encodings', () => {
  it('uses the fallback protocol for a missing Content-Type', async () => {
    serve({ body: 'a 1\n', contentType: null });
    const s = new MemoryStorage();
    await loop(s, { fallbackScrapeProtocol: 'PrometheusText0.0.4' }).scrapeAndReport(T0);
    assert.deepEqual(series(s, 'a', ...tl), [[T0, 1]]);
  });

  it('parses OpenMetrics and normalises le', async () => {
    serve({
      contentType: OPENMETRICS_CONTENT_TYPE,
      body: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum 3\n# EOF\n',
    });
    const s = new MemoryStorage();
    await loop(s).scrapeAndReport(T0);
    assert.deepEqual(series(s, 'h_bucket', ...tl, 'le', '1.0'), [[T0, 1]]);
    assert.deepEqual(series(s, 'h_bucket', ...tl, 'le', '+Inf'), [[T0, 2]]);
  });

  it('reads gzip bodies, and applies the size limit to the uncompressed body', async () => {
    const body = 'a 1\n' + '# padding\n'.repeat(1000);
    serve({ body });
    const s = new MemoryStorage();
    const l = loop(s);
    await l.scrapeAndReport(T0);
    assert.equal(srv.requests.at(-1)!.headers['accept-encoding'], 'gzip');
    assert.deepEqual(series(s, 'a', ...tl), [[T0, 1]]);
    const s2 = new MemoryStorage();
    const l2 = loop(s2, { bodySizeLimit: 5000 });
    await l2.scrapeAndReport(T0);
    assert.equal(l2.health().lastError, 'body size limit exceeded');
  });

  it('an empty body is a successful scrape that stale-marks everything', async () => {
    serve('a 1\n', { body: '' });
    const s = new MemoryStorage();
    const l = loop(s);
    await l.scrapeAndReport(T0);
    await l.scrapeAndReport(T0 + 100);
    assert.deepEqual(series(s, 'a', ...tl), [
      [T0, 1],
      [T0 + 100, 'stale'],
    ]);
    assert.deepEqual(series(s, 'up', ...tl).at(-1), [T0 + 100, 1]);
  });
});

describe('scrape loop: staleness', () => {
  it('marks series that disappear at the scrape that lost them, once', async () => {
    serve('a 1\nb 1\n', 'a 2\n', 'a 3\n', 'a 4\nb 4\n');
    const s = new MemoryStorage();
    const l = loop(s);
    for (let i = 0; i < 4; i++) await l.scrapeAndReport(T0 + i * 100);
    assert.deepEqual(series(s, 'b', ...tl), [
      [T0, 1],
      [T0 + 100, 'stale'],
      [T0 + 300, 4],
    ]);
    assert.deepEqual(series(s, 'a', ...tl).length, 4);
  });

  it('series with explicit timestamps are not stale-marked unless track_timestamps_staleness', async () => {
    for (const track of [false, true]) {
      const p = `${path}-${track}`;
      srv.serve(p, { body: 'a 1 1000\n' }, { body: 'b 1\n' });
      const s = new MemoryStorage();
      const l = loop(s, { trackTimestampsStaleness: track }, TARGET, p);
      await l.scrapeAndReport(T0);
      await l.scrapeAndReport(T0 + 100);
      assert.deepEqual(
        series(s, 'a', ...tl),
        track
          ? [
              [1000, 1],
              [T0 + 100, 'stale'],
            ]
          : [[1000, 1]],
      );
    }
  });

  it('stop: stale markers for every series and the synthetic ones at the next tick, after two intervals', async () => {
    serve('a 1\nb 2\n');
    const s = new MemoryStorage();
    const l = loop(s);
    l.start();
    while (srv.count(path) < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    const stoppedAt = Date.now();
    await l.stop();
    const before = readAll(s);
    for (const v of before.values()) assert.ok(!v.some((x) => x.stale));
    await l.stalenessDone();
    const writtenAt = Date.now();
    // Written after the next tick, one more interval and a tenth of one.
    assert.ok(writtenAt - stoppedAt >= 180, `stale markers written ${writtenAt - stoppedAt} ms after stop`);
    const all = readAll(s);
    assert.equal(all.size, 7);
    for (const [k, v] of all) {
      const last = v.at(-1)!;
      assert.ok(last.stale, `${k} ends with a stale marker`);
      const prev = v.at(-2)!;
      // Stamped at the tick after the last scrape: one interval later, give or take timer jitter.
      // (Late under load, never early, and before the tick after it.)
      assert.ok(last.t - prev.t >= 98 && last.t - prev.t < 200, `${k}: stale at +${last.t - prev.t} ms`);
    }
    assert.equal(srv.count(path), 2 + 0, 'no scrape after stop');
  });

  it('stop without staleness (shutdown) writes nothing', async () => {
    serve('a 1\n');
    const s = new MemoryStorage();
    const l = loop(s);
    l.start();
    while (srv.count(path) < 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 10));
    await l.stop(false);
    await new Promise((r) => setTimeout(r, 300));
    for (const v of readAll(s).values()) assert.ok(!v.some((x) => x.stale));
  });
});

describe('scrape loop: schedule', () => {
  it('scrapes on a fixed tick with aligned timestamps', async () => {
    serve('a 1\n');
    const s = new MemoryStorage();
    const l = loop(s);
    l.start();
    await new Promise((r) => setTimeout(r, 560));
    await l.stop(false);
    const ts = series(s, 'up', ...tl).map(([t]) => t);
    assert.ok(ts.length >= 3 && ts.length <= 7, `${ts.length} scrapes`);
    // Timer jitter within the tolerance (1% of the interval here) is snapped to the tick; more
    // is kept, as in Prometheus. So most gaps are exact and none drifts.
    let exact = 0;
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i]! - ts[i - 1]!;
      // Never early; a tick missed under load is skipped, as a Go ticker drops it.
      assert.ok(gap >= 98, `gap ${gap}: ${ts.join(',')}`);
      if ((ts[i]! - ts[0]!) % 100 === 0) exact++;
    }
    assert.ok(exact >= (ts.length - 1) / 2, `only ${exact} on the tick grid: ${ts.join(',')}`);
  });
});
