/**
 * Scraping end to end: the ignis server and the real Prometheus load the same prometheus.yml,
 * scrape the same fixture exporter, and must store the same series and describe the same
 * targets and metadata through the API.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPrometheus, type RunningPrometheus } from '../util/peer-prometheus.js';
import { peerBinary } from '../util/testenv.js';
import type { RunningServer } from './ignis.js';
import { queryNumber, startFixtureExporter, startTestServer } from './testing.js';

const BODY = `# HELP fixture_requests_total Requests served.
# TYPE fixture_requests_total counter
fixture_requests_total{code="200",path="/"} 12
fixture_requests_total{code="500",path="/"} 1
# HELP fixture_temperature_celsius Temperature.
# TYPE fixture_temperature_celsius gauge
fixture_temperature_celsius{room="a"} 21.5
fixture_dropped_metric 1
# HELP fixture_latency_seconds Latency.
# TYPE fixture_latency_seconds histogram
fixture_latency_seconds_bucket{le="0.1"} 3
fixture_latency_seconds_bucket{le="1"} 5
fixture_latency_seconds_bucket{le="+Inf"} 6
fixture_latency_seconds_sum 2.5
fixture_latency_seconds_count 6
`;

const CONFIG = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fixture
    static_configs:
      - targets: ['127.0.0.1:$FIXTURE', '127.0.0.1:1']
        labels: {team: a}
    relabel_configs:
      - source_labels: [__address__]
        regex: '.*:1'
        action: drop
      - target_label: env
        replacement: test
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: fixture_dropped_metric
        action: drop
`;

const prometheus = peerBinary('prometheus', 'scraping side by side with Prometheus');

describe('scraping side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-scrape-e2e-'));
  let fixture: http.Server;
  let prom: RunningPrometheus | null = null;
  let ours: RunningServer | null = null;
  let oursBase = '';

  before(async () => {
    const f = await startFixtureExporter(BODY);
    fixture = f.server;
    const config = CONFIG.replace('$FIXTURE', String(f.port));
    const cfgFile = path.join(tmp, 'prometheus.yml');
    fs.writeFileSync(cfgFile, config);
    prom = await startPrometheus({ binary: prometheus!, dataDir: path.join(tmp, 'prom'), config });
    const started = await startTestServer(cfgFile, path.join(tmp, 'ignis'));
    ours = started.server;
    oursBase = started.base;
    // Wait until both have scraped the fixture at least twice.
    const scrapes = (base: string) => queryNumber(base, 'count_over_time(up{job="fixture"}[1m])');
    await prom.waitFor(
      'two scrapes',
      async () => (await scrapes(prom!.base)) >= 2 && (await scrapes(oursBase)) >= 2,
    );
  });

  after(async () => {
    prom?.kill();
    if (ours) {
      ours.shutdown('test');
      await ours.done;
    }
    fixture?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const json = async (base: string, p: string): Promise<unknown> =>
    (await (await fetch(base + p)).json()) as unknown;

  it('stores the same series', async () => {
    const q = `/api/v1/series?match[]=${encodeURIComponent('{job="fixture"}')}`;
    assert.deepEqual(await json(oursBase, q), await json(prom!.base, q));
  });

  it('holds the same latest values', async () => {
    const q = `/api/v1/query?query=${encodeURIComponent('sort_desc({job="fixture",__name__!~"scrape_.*"})')}&time=${Date.now() / 1000}`;
    type V = { data: { result: { metric: unknown; value: [number, string] }[] } };
    const strip = (b: V) => b.data.result.map((r) => [r.metric, r.value[1]]);
    assert.deepEqual(strip((await json(oursBase, q)) as V), strip((await json(prom!.base, q)) as V));
  });

  it('describes the targets the same way, dropped ones too', async () => {
    type T = { data: { activeTargets: Record<string, unknown>[] } };
    const norm = (b: T) => ({
      ...b.data,
      activeTargets: b.data.activeTargets.map((t) => ({
        ...t,
        lastScrape: '<time>',
        lastScrapeDuration: '<duration>',
      })),
    });
    for (const q of ['/api/v1/targets', '/api/v1/targets?state=dropped', '/api/v1/targets?state=active']) {
      assert.deepEqual(norm((await json(oursBase, q)) as T), norm((await json(prom!.base, q)) as T), q);
    }
  });

  it('serves the same metadata', async () => {
    assert.deepEqual(await json(oursBase, '/api/v1/metadata'), await json(prom!.base, '/api/v1/metadata'));
    const tm = `/api/v1/targets/metadata?match_target=${encodeURIComponent('{job="fixture"}')}`;
    type M = { data: { metric: string }[] };
    const sorted = (b: M) => [...b.data].sort((x, y) => (x.metric < y.metric ? -1 : 1));
    assert.deepEqual(sorted((await json(oursBase, tm)) as M), sorted((await json(prom!.base, tm)) as M));
  });
});
