/**
 * promtool's query commands against ignis and against the real Prometheus over the same data
 * must print the same thing: `promtool query instant|range|series|labels`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
import { loadFixture } from '../testing.js';
import { registerQueryAPI } from './query.js';
import { registerV1 } from './v1.js';

const prometheus = peerBinary('prometheus', 'promtool query interop');
const promtool = peerBinary('promtool', 'promtool query interop');

describe(
  'promtool query against ignis and Prometheus',
  { skip: prometheus === null || promtool === null },
  () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-promtool-query-'));
    const now = Math.floor(Date.now() / 1000) * 1000;
    const T = now / 1000;
    let prom: RunningPrometheus | null = null;
    let web: WebServer;
    let ours = '';
    before(async () => {
      const dataDir = path.join(tmp, 'data');
      const wal = await WAL.open(path.join(dataDir, 'wal'));
      const head = new Head({ wal });
      loadFixture(head, now);
      await wal.close();
      prom = await startPrometheus({ binary: prometheus!, dataDir, config: 'global: {}\n' });
      const engine = new Engine();
      web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
      registerV1(web, { storage: head, head: () => head });
      registerQueryAPI(web, {
        engine: {
          instantQuery: (s, q, t) => engine.instantQuery(s, q, t),
          rangeQuery: (s, q, a, b, st) => engine.rangeQuery(s, q, a, b, st),
        },
        storage: head,
        maxConcurrency: 4,
      });
      ours = `http://${(await web.start())[0]}`;
    });
    after(async () => {
      prom?.kill();
      await web.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    const cases: [string, (base: string) => string[]][] = [
      ['query instant', (b) => ['query', 'instant', `--time=${T}`, b, 'sum by (job) (up)']],
      ['query instant (json)', (b) => ['query', 'instant', '-o', 'json', `--time=${T}`, b, 'up']],
      [
        'query range',
        (b) => [
          'query',
          'range',
          `--start=${T - 120}`,
          `--end=${T}`,
          '--step=30s',
          b,
          'rate(http_requests_total[1m])',
        ],
      ],
      ['query series', (b) => ['query', 'series', '--match=up', b]],
      ['query labels', (b) => ['query', 'labels', b, 'job']],
      ['query instant (error)', (b) => ['query', 'instant', `--time=${T}`, b, 'sum(']],
    ];
    for (const [name, args] of cases) {
      it(name, async () => {
        // promtool runs asynchronously: ignis answers its requests from this very process.
        const want = await runAsync(promtool!, args(prom!.base));
        const got = await runAsync(promtool!, args(ours));
        assert.deepEqual(got, want);
      });
    }
  },
);

/** Runs a command without blocking the event loop (ignis serves the request from this process). */
async function runAsync(
  cmd: string,
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}
