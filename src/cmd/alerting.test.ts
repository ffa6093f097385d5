/**
 * Rules and alerting end to end: ignis and the real Prometheus load the same rule file over
 * the same scraped fixture and must record the same series and fire the same alerts; ignis's
 * alerts reach the real Alertmanager with their labels and expanded annotations.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAlertmanager, type RunningAlertmanager } from '../util/peer-alertmanager.js';
import { startPrometheus, type RunningPrometheus } from '../util/peer-prometheus.js';
import { peerBinary } from '../util/testenv.js';
import type { RunningServer } from './ignis.js';
import { queryNumber, startFixtureExporter, startTestServer } from './testing.js';

const BODY = `# TYPE fixture_requests_total counter
fixture_requests_total{code="200",path="/"} 12
fixture_requests_total{code="500",path="/api"} 3
fixture_requests_total{code="500",path="/"} 0
`;

const RULES = `groups:
  - name: fixture
    rules:
      - record: job:fixture_requests:sum
        expr: sum by (job) (fixture_requests_total)
      - alert: FixtureErrors
        expr: fixture_requests_total{code="500"} > 0
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.path }} has {{ $value }} errors'
          description: 'instance {{ $labels.instance }}, {{ printf "%.1f" $value }}'
          total: '{{ with query "sum(fixture_requests_total)" }}{{ . | first | value }}{{ end }}'
`;

const prometheus = peerBinary('prometheus', 'rules side by side with Prometheus');
const alertmanager = peerBinary('prometheus-alertmanager', 'rules side by side with Prometheus');

describe(
  'rules and alerts side by side with Prometheus',
  { skip: prometheus === null || alertmanager === null },
  () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-rules-e2e-'));
    let fixture: http.Server;
    let prom: RunningPrometheus | null = null;
    let am: RunningAlertmanager | null = null;
    let ours: RunningServer | null = null;
    let oursBase = '';

    before(async () => {
      const f = await startFixtureExporter(BODY);
      fixture = f.server;
      const port = f.port;
      fs.writeFileSync(path.join(tmp, 'rules.yml'), RULES);
      const base = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['${path.join(tmp, 'rules.yml')}']\nscrape_configs:\n  - job_name: fixture\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`;
      am = await startAlertmanager(alertmanager!, fs.mkdtempSync(path.join(tmp, 'am-')));
      const oursCfg = path.join(tmp, 'ignis.yml');
      fs.writeFileSync(
        oursCfg,
        base + `alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['${am.address}']}]\n`,
      );
      prom = await startPrometheus({ binary: prometheus!, dataDir: path.join(tmp, 'prom'), config: base });
      const started = await startTestServer(oursCfg, path.join(tmp, 'ignis'));
      ours = started.server;
      oursBase = started.base;
      const firing = (b: string) => queryNumber(b, 'count(ALERTS{alertstate="firing"})');
      await prom.waitFor(
        'alerts firing on both',
        async () => (await firing(prom!.base)) === 1 && (await firing(oursBase)) === 1,
      );
    });

    after(async () => {
      prom?.kill();
      am?.kill();
      if (ours) {
        ours.shutdown('test');
        await ours.done;
      }
      fixture?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    const json = async (base: string, p: string): Promise<unknown> =>
      (await (await fetch(base + p)).json()) as unknown;
    type Vec = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const latest = async (base: string, q: string) => {
      const b = (await json(base, `/api/v1/query?query=${encodeURIComponent(q)}`)) as Vec;
      return b.data.result
        .map((r) => [r.metric, r.value[1]])
        .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    };

    it('records the same series', async () => {
      assert.deepEqual(
        await latest(oursBase, 'job:fixture_requests:sum'),
        await latest(prom!.base, 'job:fixture_requests:sum'),
      );
    });

    it('writes the same ALERTS series', async () => {
      assert.deepEqual(await latest(oursBase, 'ALERTS'), await latest(prom!.base, 'ALERTS'));
    });

    it('reports the same alerts, annotations expanded', async () => {
      type A = { data: { alerts: Record<string, unknown>[] } };
      const norm = (b: A) => b.data.alerts.map((a) => ({ ...a, activeAt: '<time>' }));
      assert.deepEqual(
        norm((await json(oursBase, '/api/v1/alerts')) as A),
        norm((await json(prom!.base, '/api/v1/alerts')) as A),
      );
    });

    it('describes the rules the same way', async () => {
      type G = { data: { groups: { rules: Record<string, unknown>[] }[] } & Record<string, unknown> };
      const strip = (b: G) =>
        b.data.groups.map((g) => ({
          ...g,
          file: '<file>',
          lastEvaluation: '<time>',
          evaluationTime: '<duration>',
          rules: g.rules.map((r) => ({
            ...r,
            lastEvaluation: '<time>',
            evaluationTime: '<duration>',
            alerts: (r.alerts as Record<string, unknown>[] | undefined)?.map((a) => ({
              ...a,
              activeAt: '<time>',
            })),
          })),
        }));
      assert.deepEqual(
        strip((await json(oursBase, '/api/v1/rules')) as G),
        strip((await json(prom!.base, '/api/v1/rules')) as G),
      );
    });

    it("counts template expansions under Prometheus's metric names", async () => {
      const text = await (await fetch(`${oursBase}/metrics`)).text();
      const m = /^prometheus_template_text_expansions_total (\d+)$/m.exec(text);
      assert.ok(m && Number(m[1]) > 0, 'expansions counted');
      assert.match(text, /^prometheus_template_text_expansion_failures_total 0$/m);
    });

    it('delivers the firing alert to the real Alertmanager', async () => {
      type AMAlert = { labels: Record<string, string>; annotations: Record<string, string> };
      let got: AMAlert[] = [];
      await prom!.waitFor('the alert in Alertmanager', async () => {
        got = (await json(am!.base, '/api/v2/alerts')) as AMAlert[];
        return got.length === 1;
      });
      assert.deepEqual(got[0]!.labels, {
        alertname: 'FixtureErrors',
        code: '500',
        instance: `127.0.0.1:${(fixture.address() as AddressInfo).port}`,
        job: 'fixture',
        path: '/api',
        severity: 'page',
      });
      assert.deepEqual(got[0]!.annotations, {
        summary: '/api has 3 errors',
        description: `instance 127.0.0.1:${(fixture.address() as AddressInfo).port}, 3.0`,
        total: '15',
      });
    });
  },
);
