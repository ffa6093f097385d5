/**
 * Data directories, side by side with the real Prometheus:
 * - Prometheus started over a directory ignis wrote (blocks cut and compacted by ignis, a WAL
 *   truncated through a checkpoint, the head's rest in WAL segments) serves the same samples;
 * - ignis opens a directory Prometheus wrote while scraping (blocks of its head compactions, a
 *   checkpoint, WAL segments, chunks_head) and returns the same samples as Prometheus did.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/value.js';
import { ValueType } from '../storage/interface.js';
import { collectSeries } from '../storage/series.js';
import { startPrometheus, type RunningPrometheus } from '../util/peer-prometheus.js';
import { peerBinary } from '../util/testenv.js';
import { DB } from './db.js';

const prometheus = peerBinary('prometheus', 'data directory interop with Prometheus');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-db-interop-'));
const running: RunningPrometheus[] = [];
const servers: http.Server[] = [];
after(() => {
  for (const p of running) p.kill();
  for (const s of servers) s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const HOUR = 3600_000;
type Samples = Map<string, [number, number][]>;

interface MatrixEntry {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Prometheus's answer to `selector[range]` at `at` (ms), as `labels → [t, v][]`. */
async function promSamples(
  p: RunningPrometheus,
  selector: string,
  rangeMs: number,
  at: number,
): Promise<Samples> {
  const data = await p.query<MatrixEntry[]>(`${selector}[${Math.ceil(rangeMs / 1000)}s]`, at / 1000);
  const out: Samples = new Map();
  for (const e of data.result) {
    out.set(
      Labels.fromObject(e.metric).toString(),
      e.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]),
    );
  }
  return out;
}

/** ignis's samples of `name` over `[mint, maxt]`. */
function ignisSamples(db: DB, name: string, mint: number, maxt: number): Samples {
  const out: Samples = new Map();
  const q = db.querier(mint, maxt);
  for (const s of collectSeries(q.select(true, undefined, Matcher.create('=', '__name__', name)))) {
    const list: [number, number][] = [];
    const it = s.iterator();
    // Range vectors in Prometheus's API leave stale markers out (a scrape that fails after the
    // fixture closed writes some), so they are left out here too.
    while (it.next() !== ValueType.None) if (!isStaleNaN(it.v)) list.push([it.t, it.v]);
    out.set(s.labels.toString(), list);
  }
  q.close();
  return out;
}

function assertSame(got: Samples, want: Samples): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, w] of want) assert.deepEqual(got.get(k), w, k);
}

const EMPTY_CONFIG = 'global: {scrape_interval: 1h}\nscrape_configs: []\n';

describe('data directory interop with Prometheus', { skip: prometheus === null }, () => {
  it('Prometheus serves the samples of a directory ignis wrote (blocks, checkpoint, WAL)', async () => {
    const dir = path.join(tmp, 'ignis');
    const now = Date.now();
    const start = Math.floor((now - 9 * HOUR) / (2 * HOUR)) * 2 * HOUR;
    const end = now - 5 * 60_000;
    const db = await DB.open(dir, { walSegmentSize: 64 * 1024 });
    const want: Samples = new Map();
    const labels = Array.from({ length: 20 }, (_, i) => Labels.fromStrings('__name__', 'ig', 'i', String(i)));
    for (const l of labels) want.set(l.toString(), []);
    for (let t = start; t < end; t += 30_000) {
      const app = db.appender();
      labels.forEach((l, i) => {
        // Some series pause for an hour: gaps across block boundaries.
        if (i % 5 === 0 && t >= start + 3 * HOUR && t < start + 4 * HOUR) return;
        const v = i % 2 === 0 ? Math.floor((t - start) / 1000) * (i + 1) : Math.sin(t / 1e6) * i;
        app.append(0, l, t, v);
        want.get(l.toString())!.push([t, v]);
      });
      app.commit();
    }
    await db.compact();
    assert.ok(db.blocks().length >= 2, `ignis wrote ${db.blocks().length} blocks`);
    assert.ok(
      fs.readdirSync(path.join(dir, 'wal')).some((f) => f.startsWith('checkpoint.')),
      'the WAL was truncated through a checkpoint',
    );
    assertSame(ignisSamples(db, 'ig', start, end), want);
    await db.close();

    const p = await startPrometheus({ binary: prometheus!, dataDir: dir, config: EMPTY_CONFIG });
    running.push(p);
    assertSame(await promSamples(p, 'ig', end - start + 60_000, end), want);
    await p.stop();
  });

  it('ignis returns the samples of a directory Prometheus wrote (blocks, checkpoint, WAL)', async () => {
    // Prometheus scrapes a target every 100 ms with 5-second blocks: within half a minute it has
    // cut several blocks and folded WAL segments into a checkpoint. (Sample timestamps are the
    // scrape times: Prometheus rejects samples from far ahead and drops a scrape whose `up`
    // falls out of bounds, so simulated time cannot speed this up.)
    let scrapes = 0;
    const srv = http.createServer((_req, res) => {
      scrapes++;
      let body = '# TYPE gen gauge\n';
      for (let i = 0; i < 10; i++) body += `gen{i="${i}"} ${scrapes + i / 8}\n`;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const dir = path.join(tmp, 'prom');
    const config =
      'global: {scrape_interval: 100ms, scrape_timeout: 100ms}\n' +
      `scrape_configs:\n  - job_name: gen\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`;
    const p = await startPrometheus({
      binary: prometheus!,
      dataDir: dir,
      config,
      flags: ['--storage.tsdb.min-block-duration=5s', '--storage.tsdb.max-block-duration=5s'],
    });
    running.push(p);
    await p.waitFor(
      'blocks and a checkpoint',
      async () =>
        fs.readdirSync(dir).filter((f) => /^[0-9A-Z]{26}$/.test(f)).length >= 2 &&
        fs.readdirSync(path.join(dir, 'wal')).some((f) => f.startsWith('checkpoint.')),
      90_000,
    );
    srv.close();
    const at = Date.now();
    const want = await promSamples(p, 'gen', 10 * 60_000, at);
    await p.stop();
    assert.equal(want.size, 10);
    for (const [k, v] of want) assert.ok(v.length > 100, `${k}: ${v.length} samples`);

    const db = await DB.open(dir, { minBlockDuration: 5000 });
    try {
      assert.ok(db.blocks().length >= 2, `Prometheus wrote ${db.blocks().length} blocks`);
      assertSame(ignisSamples(db, 'gen', at - 10 * 60_000 + 1, at), want);
    } finally {
      await db.close();
    }
  });
});
