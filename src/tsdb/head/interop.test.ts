/**
 * The WAL, side by side with the real Prometheus: ignis replays a WAL Prometheus wrote while
 * scraping, and Prometheus replays a WAL ignis wrote; in both directions the samples must be
 * the ones the writer's side holds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { STALE_NAN } from '../../model/value.js';
import { ValueType } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { peerBinary } from '../../util/testenv.js';
import { WAL } from '../wal/wal.js';
import { Head } from './head.js';
import { replayWAL } from './wal.js';

const prometheus = peerBinary('prometheus', 'WAL interop with Prometheus');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-wal-interop-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Running {
  proc: ChildProcess;
  base: string;
  log: () => string;
}

/** Starts Prometheus on 127.0.0.1 over `dataDir` with `config`, and waits until it is ready. */
async function startPrometheus(dataDir: string, config: string): Promise<Running> {
  const port = await freePort();
  const cfg = path.join(tmp, `prometheus-${port}.yml`);
  fs.writeFileSync(cfg, config.replaceAll('$PORT', String(port)));
  let out = '';
  const proc = spawn(
    prometheus!,
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(proc);
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited early:\n${out}`);
    try {
      if ((await fetch(`${base}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 30s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, base, log: () => out };
}

async function stop(p: Running): Promise<void> {
  if (p.proc.exitCode !== null) return;
  const exited = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill('SIGTERM');
  await exited;
}

interface MatrixEntry {
  metric: Record<string, string>;
  values: [number, string][];
}

async function queryMatrix(base: string, query: string, time: number): Promise<MatrixEntry[]> {
  const res = await fetch(`${base}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query, time: String(time) }),
  });
  const body = (await res.json()) as { status: string; data: { resultType: string; result: MatrixEntry[] } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  assert.equal(body.data.resultType, 'matrix');
  return body.data.result;
}

/** A head's samples of the matching series as `labels → ["t_seconds v", ...]` in the API's notation. */
function headSamples(head: Head, matchers: Matcher[], mint: number, maxt: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of collectSeries(head.querier(mint, maxt).select(true, undefined, ...matchers))) {
    const it = s.iterator();
    const vals: string[] = [];
    while (it.next() !== ValueType.None) vals.push(`${it.t / 1000} ${apiValue(it.v)}`);
    out.set(s.labels.toString(), vals);
  }
  return out;
}

/** Formats a value as Prometheus's API does (strconv 'f', -1 for ordinary numbers). */
function apiValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function apiSamples(result: MatrixEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of result) {
    out.set(
      Labels.fromObject(r.metric).toString(),
      r.values.map(([t, v]) => `${t} ${apiValue(Number(v))}`),
    );
  }
  return out;
}

describe('WAL interop with Prometheus', { skip: prometheus === null }, () => {
  it('ignis replays the WAL Prometheus wrote while scraping itself', async () => {
    const dataDir = path.join(tmp, 'prom-wrote');
    const p = await startPrometheus(
      dataDir,
      `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:$PORT']}]\n`,
    );
    // The first scrape comes only after Prometheus's start-up jitter: wait for three.
    const deadline = Date.now() + 30_000;
    const scrapes = async (): Promise<number> =>
      (await queryMatrix(p.base, 'up[1h]', Date.now() / 1000))[0]?.values.length ?? 0;
    while ((await scrapes()) < 3) {
      if (Date.now() > deadline) throw new Error(`Prometheus did not scrape itself three times:\n${p.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const now = Date.now() / 1000;
    const queries = [
      'up[1h]',
      'prometheus_tsdb_head_samples_appended_total[1h]',
      'scrape_samples_scraped[1h]',
    ];
    const want = new Map<string, string[]>();
    for (const q of queries)
      for (const [k, v] of apiSamples(await queryMatrix(p.base, q, now))) want.set(k, v);
    await stop(p);
    assert.ok(want.size >= 3, `expected series from Prometheus, got ${want.size}`);
    for (const v of want.values()) assert.ok(v.length >= 2, 'at least two scrapes before stopping');

    const head = new Head();
    const stats = replayWAL(head, path.join(dataDir, 'wal'));
    assert.equal(stats.unknownRefSamples, 0);
    const names = ['up', 'prometheus_tsdb_head_samples_appended_total', 'scrape_samples_scraped'];
    const got = headSamples(
      head,
      [Matcher.create('=~', '__name__', names.join('|'))],
      0,
      Math.ceil(now * 1000),
    );
    for (const [series, samples] of want) {
      assert.deepEqual(got.get(series), samples, `samples of ${series}`);
    }
    // Every series Prometheus created while scraping is in the replayed head.
    assert.ok(head.numSeries() > 100, `replayed ${head.numSeries()} series`);
  });

  it('Prometheus replays the WAL ignis wrote', async () => {
    const dataDir = path.join(tmp, 'ignis-wrote');
    const wal = await WAL.open(path.join(dataDir, 'wal'));
    const head = new Head({ wal });
    // Recent, second-aligned timestamps so Prometheus keeps them in its head.
    const end = Math.floor(Date.now() / 1000) * 1000;
    const start = end - 10 * 60 * 1000;
    const series = Array.from({ length: 30 }, (_, i) =>
      Labels.fromStrings(
        '__name__',
        i % 2 ? 'ignis_gauge' : 'ignis_counter_total',
        'job',
        'j',
        'instance',
        `i${i}`,
      ),
    );
    for (let t = start, k = 0; t <= end; t += 15_000, k++) {
      const app = head.appender();
      series.forEach((ls, i) => {
        const v = i % 2 ? Math.sin(k + i) * 1e6 : k * (i + 1) + 0.25;
        app.append(0, ls, t, i === 3 && k === 7 ? STALE_NAN : v);
      });
      app.commit();
    }
    await wal.close();

    const p = await startPrometheus(dataDir, 'global: {scrape_interval: 1m}\n');
    try {
      const at = end / 1000;
      const want = headSamples(head, [Matcher.create('=~', '__name__', 'ignis_.*')], start, end);
      const got = new Map<string, string[]>();
      for (const q of ['ignis_gauge[11m]', 'ignis_counter_total[11m]']) {
        for (const [k, v] of apiSamples(await queryMatrix(p.base, q, at))) got.set(k, v);
      }
      // The API leaves stale markers out of range vectors, so they are dropped on our side too.
      const staleT = `${(start + 7 * 15_000) / 1000} NaN`;
      const key3 = series[3]!.toString();
      want.set(
        key3,
        want.get(key3)!.filter((s) => s !== staleT),
      );
      assert.deepEqual(got, want);
    } finally {
      await stop(p);
    }
  });
});
