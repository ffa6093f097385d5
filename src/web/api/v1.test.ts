import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WAL } from '../../tsdb/wal/wal.js';
import { Head } from '../../tsdb/head/head.js';
import { selfScrapeConfig, startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { peerBinary } from '../../util/testenv.js';
import { Registry } from '../metrics/registry.js';
import { WebServer } from '../server.js';
import { getJSON, loadFixture as load } from '../testing.js';
import { registerV1, unescapeLabelName } from './v1.js';

const QUERIES = [
  '/api/v1/series?match[]=up',
  '/api/v1/series?match[]=up&match[]={job="api"}',
  '/api/v1/series?match[]={__name__=~".+"}&limit=2',
  '/api/v1/labels',
  '/api/v1/labels?match[]=up',
  '/api/v1/label/job/values',
  '/api/v1/label/__name__/values',
  '/api/v1/label/instance/values?match[]=up{job="api"}',
  '/api/v1/label/U__service_2e_name/values',
  '/api/v1/labels?limit=2',
  '/api/v1/series',
  '/api/v1/series?match[]=up{',
  '/api/v1/label/job/values?start=abc',
  '/api/v1/format_query?query=sum(rate(x[5m]))by(job)',
  '/api/v1/format_query?query=sum(',
];

describe('API v1 storage endpoints', () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  let web: WebServer;
  let base: string;
  before(async () => {
    const head = new Head({ maxExemplars: 10 });
    load(head, now);
    web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
    registerV1(web, { storage: head, head: () => head });
    base = `http://${(await web.start())[0]}`;
  });
  after(() => web.close());

  it('answers series, labels and values with Prometheus shapes', async () => {
    const series = await getJSON(base, '/api/v1/series?match[]=up{job="db"}');
    assert.deepEqual(series, {
      status: 200,
      body: { status: 'success', data: [{ __name__: 'up', instance: 'c:9090', job: 'db' }] },
    });
    const values = await getJSON(base, '/api/v1/label/U__service_2e_name/values');
    assert.deepEqual((values.body as { data: string[] }).data, ['checkout']);
    const limited = await getJSON(base, '/api/v1/labels?limit=2');
    assert.deepEqual(limited.body, {
      status: 'success',
      data: ['__name__', 'code'],
      warnings: ['results truncated due to limit'],
    });
  });

  it('reports bad parameters as bad_data with status 400', async () => {
    assert.deepEqual(await getJSON(base, '/api/v1/series'), {
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' },
    });
    const bad = await getJSON(base, '/api/v1/label/job/values?start=abc');
    assert.equal(bad.status, 400);
    assert.equal(
      (bad.body as { error: string }).error,
      `invalid parameter "start": invalid time value for 'start': cannot parse "abc" to a valid timestamp`,
    );
  });

  it('serves exemplars', async () => {
    const ex = await getJSON(
      base,
      `/api/v1/query_exemplars?query=http_requests_total&start=0&end=${now / 1000}`,
    );
    assert.deepEqual((ex.body as { data: unknown }).data, [
      {
        seriesLabels: {
          __name__: 'http_requests_total',
          code: '200',
          job: 'api',
          'service.name': 'checkout',
        },
        exemplars: [{ labels: { trace_id: 'abc' }, value: '1', timestamp: (now - 15 * 15_000) / 1000 }],
      },
    ]);
  });

  it('decodes U__ label names', () => {
    assert.equal(unescapeLabelName('U__service_2e_name'), 'service.name');
    assert.equal(unescapeLabelName('U__a__b'), 'a_b');
    assert.equal(unescapeLabelName('plain_name'), 'plain_name');
  });
});

const prometheus = peerBinary('prometheus', 'API v1 interop with Prometheus');

describe('API v1 storage endpoints side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-api-interop-'));
  let prom: RunningPrometheus | null = null;
  let web: WebServer;
  let base: string;
  before(async () => {
    // The same data on both sides: ignis writes a WAL, Prometheus replays it, ignis serves its head.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const dataDir = path.join(tmp, 'data');
    const wal = await WAL.open(path.join(dataDir, 'wal'));
    const head = new Head({ wal });
    load(head, now);
    await wal.close();
    prom = await startPrometheus({
      binary: prometheus!,
      dataDir,
      config: selfScrapeConfig('1h').replace(/scrape_configs[\s\S]*/, ''),
    });
    web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
    registerV1(web, { storage: head, head: () => head });
    base = `http://${(await web.start())[0]}`;
  });
  after(async () => {
    prom?.kill();
    await web.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const q of QUERIES) {
    it(`GET ${q}`, async () => {
      const want = await getJSON(prom!.base, q);
      const got = await getJSON(base, q);
      assert.equal(got.status, want.status, JSON.stringify(want.body));
      const strip = (b: unknown) => {
        // Parse error texts are compared separately by the parser's tests.
        const o = { ...(b as Record<string, unknown>) };
        if (o.errorType === 'bad_data' && typeof o.error === 'string' && /parse error/.test(o.error))
          o.error = '<parse error>';
        return o;
      };
      assert.deepEqual(strip(got.body), strip(want.body));
    });
  }
});
