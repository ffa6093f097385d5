import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../promql/engine/engine.js';
import { Head } from '../../tsdb/head/head.js';
import { WAL } from '../../tsdb/wal/wal.js';
import { startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { peerBinary } from '../../util/testenv.js';
import { Registry } from '../metrics/registry.js';
import { WebServer } from '../server.js';
import { getJSON, loadFixture } from '../testing.js';
import { Labels } from '../../model/labels.js';
import { encodeQueryResponse, encodeValue, registerQueryAPI } from './query.js';
import { registerParseQuery } from './parse-query.js';
import { success } from './response.js';

const now = Math.floor(Date.now() / 1000) * 1000;
const T = now / 1000;

async function serve(head: Head, maxConcurrency = 4): Promise<{ web: WebServer; base: string }> {
  const engine = new Engine();
  const web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
  registerQueryAPI(web, {
    engine: {
      instantQuery: (s, q, t) => engine.instantQuery(s, q, t),
      rangeQuery: (s, q, a, b, st) => engine.rangeQuery(s, q, a, b, st),
    },
    storage: head,
    maxConcurrency,
    now: () => now,
  });
  registerParseQuery(web);
  return { web, base: `http://${(await web.start())[0]}` };
}

const enc = (q: string) => encodeURIComponent(q);

const REQUESTS = [
  `/api/v1/query?query=${enc('up')}&time=${T}`,
  `/api/v1/query?query=${enc('sum by (job) (up)')}&time=${T}`,
  `/api/v1/query?query=${enc('rate(http_requests_total[1m])')}&time=${T}`,
  `/api/v1/query?query=${enc('1+1')}&time=${T}`,
  `/api/v1/query?query=${enc('"hello"')}&time=${T}`,
  `/api/v1/query?query=${enc('scalar(count(up))')}&time=${T}`,
  `/api/v1/query?query=${enc('up == bool 19')}&time=${T}`,
  `/api/v1/query?query=${enc('up[1m]')}&time=${T}`,
  `/api/v1/query?query=${enc('up{')}&time=${T}`,
  `/api/v1/query?query=${enc('rate(up)')}&time=${T}`,
  `/api/v1/query?query=${enc('up + on(job) up')}&time=${T}`,
  `/api/v1/query?query=${enc('up')}&time=abc`,
  `/api/v1/query?time=${T}`,
  `/api/v1/query_range?query=${enc('up')}&start=${T - 240}&end=${T}&step=30`,
  `/api/v1/query_range?query=${enc('sum(rate(http_requests_total[1m]))')}&start=${T - 240}&end=${T}&step=1m`,
  `/api/v1/query_range?query=${enc('up')}&start=${T}&end=${T - 10}&step=30`,
  `/api/v1/query_range?query=${enc('up')}&start=${T - 240}&end=${T}&step=0`,
  `/api/v1/query_range?query=${enc('up')}&start=0&end=${T}&step=1`,
  `/api/v1/parse_query?query=${enc('up{job="x"}')}`,
  `/api/v1/parse_query?query=${enc('sum by (job) (rate(x[5m] offset 1m))')}`,
  `/api/v1/parse_query?query=${enc('1 + -2 * foo @ 100')}`,
  `/api/v1/parse_query?query=${enc('a / on(b) group_left(c) d')}`,
  `/api/v1/parse_query?query=${enc('x[5m:1m] @ end()')}`,
  `/api/v1/parse_query?query=${enc('topk(3, x) or -(y)')}`,
  `/api/v1/parse_query?query=${enc('"s"')}`,
  `/api/v1/parse_query?query=${enc('a + b')}`,
  `/api/v1/parse_query?query=${enc('foo and bool bar')}`,
];

describe('encodeQueryResponse', () => {
  it('writes exactly what JSON.stringify of the response objects gives, for awkward values too', () => {
    const values = [
      0,
      -0,
      1,
      -1.5,
      0.1 + 0.2,
      1e21,
      1e-7,
      123456789012345680000,
      5e-324,
      NaN,
      Infinity,
      -Infinity,
      1 / 3,
    ];
    const ts = new Float64Array(
      values.map((_, i) => [1_700_000_000_123, -1500, 0, 1000, 1_700_000_000_010][i % 5]! + i * 15_000),
    );
    const vs = new Float64Array(values);
    const metric = Labels.fromStrings('__name__', 'x', 'q', 'a"b\\c');
    const cases = [
      {
        value: { type: 'matrix' as const, series: [{ metric, ts, vs }] },
        warnings: ['PromQL warning: w'],
        infos: [],
      },
      {
        value: { type: 'vector' as const, samples: values.map((v, i) => ({ metric, t: ts[i]!, v })) },
        warnings: [],
        infos: ['PromQL info: i'],
      },
      { value: { type: 'scalar' as const, t: 1000, v: -0 }, warnings: [], infos: [] },
    ];
    for (const r of cases) {
      assert.equal(
        encodeQueryResponse(r).toString(),
        JSON.stringify(success(encodeValue(r.value), r.warnings, r.infos)),
      );
    }
  });
});

describe('query API', () => {
  let head: Head;
  let srv: { web: WebServer; base: string };
  before(async () => {
    head = new Head();
    loadFixture(head, now);
    srv = await serve(head);
  });
  after(() => srv.web.close());

  it('encodes vectors, scalars and strings as Prometheus does', async () => {
    const r = await getJSON(srv.base, `/api/v1/query?query=${enc('count(up)')}&time=${T}`);
    assert.deepEqual(r, {
      status: 200,
      body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [T, '3'] }] } },
    });
    const s = await getJSON(srv.base, `/api/v1/query?query=${enc('"x"')}&time=${T}`);
    assert.deepEqual(s.body, { status: 'success', data: { resultType: 'string', result: [T, 'x'] } });
  });

  it('maps errors to errorType and status', async () => {
    const parse = await getJSON(srv.base, `/api/v1/query?query=${enc('sum(')}`);
    assert.equal(parse.status, 400);
    assert.equal((parse.body as { errorType: string }).errorType, 'bad_data');
    const exec = await getJSON(srv.base, `/api/v1/query?query=${enc('up + on(job) up')}&time=${T}`);
    assert.equal(exec.status, 422);
    assert.equal((exec.body as { errorType: string }).errorType, 'execution');
  });
});

const prometheus = peerBinary('prometheus', 'query API interop with Prometheus');

describe('query API side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-query-api-'));
  let prom: RunningPrometheus | null = null;
  let ours: { web: WebServer; base: string };
  before(async () => {
    const dataDir = path.join(tmp, 'data');
    const wal = await WAL.open(path.join(dataDir, 'wal'));
    const head = new Head({ wal });
    loadFixture(head, now);
    await wal.close();
    prom = await startPrometheus({ binary: prometheus!, dataDir, config: 'global: {}\n' });
    ours = await serve(head);
  });
  after(async () => {
    prom?.kill();
    await ours.web.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const q of REQUESTS) {
    it(`GET ${decodeURIComponent(q)}`, async () => {
      const want = await getJSON(prom!.base, q);
      const got = await getJSON(ours.base, q);
      assert.deepEqual(got, want);
    });
  }
});
