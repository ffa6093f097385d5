import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { Head } from '../tsdb/head/head.js';
import { WAL } from '../tsdb/wal/wal.js';
import { startPrometheus, type RunningPrometheus } from '../util/peer-prometheus.js';
import { peerBinary } from '../util/testenv.js';
import { registerFederate } from './federate.js';
import { Registry } from './metrics/registry.js';
import { WebServer } from './server.js';
import { loadFixture } from './testing.js';

const EXTERNAL = Labels.fromStrings('region', 'eu', 'job', 'overridden-only-if-missing');

async function serve(head: Head, now: () => number): Promise<{ web: WebServer; base: string }> {
  const web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
  registerFederate(web, { storage: head, lookbackDelta: 5 * 60_000, externalLabels: () => EXTERNAL, now });
  return { web, base: `http://${(await web.start())[0]}` };
}

const fetchText = async (base: string, q: string) => {
  const res = await fetch(
    base + q.replaceAll('+', '%2B').replaceAll('{', '%7B').replaceAll('}', '%7D').replaceAll('"', '%22'),
  );
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('/federate', () => {
  it('serves the newest sample per series within the lookback, skipping stale series, with external labels', async () => {
    const now = 10_000_000;
    const head = new Head();
    const app = head.appender();
    app.append(0, Labels.fromStrings('__name__', 'b_metric', 'job', 'x'), now - 60_000, 1);
    app.append(0, Labels.fromStrings('__name__', 'b_metric', 'job', 'x'), now - 30_000, 2);
    app.append(0, Labels.fromStrings('__name__', 'a_metric', 'instance', 'i'), now - 10_000, 3);
    app.append(0, Labels.fromStrings('__name__', 'old_metric'), now - 6 * 60_000, 4);
    app.append(0, Labels.fromStrings('__name__', 'gone_metric'), now - 20_000, 5);
    app.append(0, Labels.fromStrings('__name__', 'gone_metric'), now - 10_000, STALE_NAN);
    app.commit();
    const { web, base } = await serve(head, () => now);
    try {
      const r = await fetchText(base, '/federate?match[]={__name__=~".+"}');
      assert.equal(r.status, 200);
      assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
      assert.equal(
        r.body,
        [
          '# TYPE a_metric untyped',
          `a_metric{instance="i",job="overridden-only-if-missing",region="eu"} 3 ${now - 10_000}`,
          '# TYPE b_metric untyped',
          `b_metric{job="x",instance="",region="eu"} 2 ${now - 30_000}`,
          '',
        ].join('\n'),
      );
      assert.equal((await fetchText(base, '/federate')).body, '');
      const bad = await fetchText(base, '/federate?match[]=up{');
      assert.equal(bad.status, 400);
      assert.equal(bad.body, '1:4: parse error: unexpected end of input inside braces\n');
    } finally {
      await web.close();
    }
  });
});

const prometheus = peerBinary('prometheus', '/federate interop with Prometheus');

describe('/federate side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-federate-'));
  let prom: RunningPrometheus | null = null;
  let ours: { web: WebServer; base: string };
  before(async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const dataDir = path.join(tmp, 'data');
    const wal = await WAL.open(path.join(dataDir, 'wal'));
    const head = new Head({ wal });
    loadFixture(head, now);
    await wal.close();
    prom = await startPrometheus({
      binary: prometheus!,
      dataDir,
      config: 'global:\n  external_labels: {region: eu, job: overridden-only-if-missing}\n',
    });
    ours = await serve(head, Date.now);
  });
  after(async () => {
    prom?.kill();
    await ours.web.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const q of [
    '/federate?match[]=up',
    '/federate?match[]={job="api"}&match[]=up',
    '/federate?match[]={__name__=~"http.*"}',
    '/federate',
  ]) {
    it(`GET ${q}`, async () => {
      const want = await fetchText(prom!.base, q);
      const got = await fetchText(ours.base, q);
      assert.deepEqual(got, want);
    });
  }
});
