import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config/index.js';
import { Labels } from '../model/labels.js';
import { startAlertmanager, type RunningAlertmanager } from '../util/peer-alertmanager.js';
import { peerBinary } from '../util/testenv.js';
import { Notifier, postableAlerts, type Alert } from './notifier.js';

const L = (o: Record<string, string>) => Labels.fromObject(o);
const alert = (name: string, endsAt = 0): Alert => ({
  labels: L({ alertname: name, severity: 'page' }),
  annotations: L({ summary: `${name} fired` }),
  startsAt: Date.UTC(2026, 0, 1),
  endsAt,
  generatorURL: 'http://ignis:9090/graph?g0.expr=up',
});

function config(targets: string[], extra = ''): ReturnType<typeof loadConfig>['config'] {
  return loadConfig(
    `global:\n  external_labels: {region: eu}\nalerting:\n${extra}  alertmanagers:\n    - static_configs:\n        - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  ).config;
}

/** A fake Alertmanager that records what it is sent. */
async function fakeAM(status = 200): Promise<{ url: string; bodies: unknown[]; close: () => void }> {
  const bodies: unknown[] = [];
  const srv = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url, body: JSON.parse(b) as unknown });
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `127.0.0.1:${(srv.address() as AddressInfo).port}`, bodies, close: () => srv.close() };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Notifier', () => {
  it('posts alerts with external labels to every Alertmanager, applying alert relabeling', async () => {
    const a = await fakeAM();
    const b = await fakeAM();
    try {
      const n = new Notifier();
      n.applyConfig(
        config(
          [a.url, b.url],
          '  alert_relabel_configs:\n    - source_labels: [alertname]\n      regex: Dropped\n      action: drop\n',
        ),
      );
      n.setDiscovered('config-0', [{ __address__: a.url }, { __address__: b.url }]);
      n.send(alert('HighLatency'), alert('Dropped'));
      await until(() => a.bodies.length === 1 && b.bodies.length === 1);
      assert.deepEqual(a.bodies[0], {
        path: '/api/v2/alerts',
        body: [
          {
            labels: { alertname: 'HighLatency', region: 'eu', severity: 'page' },
            annotations: { summary: 'HighLatency fired' },
            startsAt: '2026-01-01T00:00:00.000Z',
            generatorURL: 'http://ignis:9090/graph?g0.expr=up',
          },
        ],
      });
      assert.equal(n.stats.sent.get(`http://${a.url}/api/v2/alerts`), 1);
      assert.deepEqual(
        n.alertmanagers().sort(),
        [`http://${a.url}/api/v2/alerts`, `http://${b.url}/api/v2/alerts`].sort(),
      );
      await n.stop();
    } finally {
      a.close();
      b.close();
    }
  });

  it('counts errors, never blocks the caller, and drops the oldest alerts beyond capacity', async () => {
    const bad = await fakeAM(500);
    try {
      const n = new Notifier({ queueCapacity: 2 });
      n.applyConfig(config([bad.url]));
      // No Alertmanager discovered yet: alerts wait in the queue, the oldest dropped beyond 2.
      n.send(alert('A'), alert('B'), alert('C'));
      assert.equal(n.queueLength(), 2);
      assert.equal(n.stats.dropped, 1);
      n.setDiscovered('config-0', [{ __address__: bad.url }]);
      n.send();
      await until(() => (n.stats.errors.get(`http://${bad.url}/api/v2/alerts`) ?? 0) === 2);
      assert.deepEqual(
        (bad.bodies[0] as { body: { labels: { alertname: string } }[] }).body.map((x) => x.labels.alertname),
        ['B', 'C'],
      );
      await n.stop();
    } finally {
      bad.close();
    }
  });

  it('encodes endsAt only when set', () => {
    assert.deepEqual(Object.keys(postableAlerts([alert('x', Date.UTC(2026, 0, 2))])[0] as object), [
      'labels',
      'annotations',
      'startsAt',
      'endsAt',
      'generatorURL',
    ]);
  });
});

const alertmanager = peerBinary('prometheus-alertmanager', 'notifier interop with Alertmanager');

describe('Notifier with the real Alertmanager', { skip: alertmanager === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-am-'));
  let am: RunningAlertmanager | null = null;
  after(() => {
    am?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an alert shows up in Alertmanager with its labels and annotations, and resolves', async () => {
    am = await startAlertmanager(alertmanager!, tmp);
    const n = new Notifier();
    n.applyConfig(config([am.address]));
    n.setDiscovered('config-0', [{ __address__: am.address }]);
    const firing: Alert = {
      ...alert('DiskFull'),
      startsAt: Date.now() - 60_000,
      endsAt: Date.now() + 3_600_000,
    };
    n.send(firing);
    type AMAlert = {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      status: { state: string };
    };
    const list = async (): Promise<AMAlert[]> =>
      (await (await fetch(`${am!.base}/api/v2/alerts`)).json()) as AMAlert[];
    await until(async () => (await list()).length === 1, 10_000);
    const [got] = await list();
    assert.deepEqual(got!.labels, { alertname: 'DiskFull', region: 'eu', severity: 'page' });
    assert.deepEqual(got!.annotations, { summary: 'DiskFull fired' });
    assert.equal(got!.status.state, 'active');
    // Resolved: endsAt in the past, and the alert leaves Alertmanager's active list.
    n.send({ ...firing, endsAt: Date.now() - 1000 });
    await until(async () => (await list()).length === 0, 10_000);
    await n.stop();
  });
});
