/**
 * The WAL, side by side with the real Prometheus: ignis replays a WAL Prometheus wrote while
 * scraping, and Prometheus replays a WAL ignis wrote; in both directions the samples must be
 * the ones the writer's side holds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { STALE_NAN } from '../../model/value.js';
import { ValueType } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { selfScrapeConfig, startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { peerBinary } from '../../util/testenv.js';
import { WAL } from '../wal/wal.js';
import { Head } from './head.js';
import { replayWAL } from './wal.js';

const prometheus = peerBinary('prometheus', 'WAL interop with Prometheus');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-wal-interop-'));
const running: RunningPrometheus[] = [];
after(() => {
  for (const p of running) p.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface MatrixEntry {
  metric: Record<string, string>;
  values: [number, string][];
}

async function launch(dataDir: string, config: string): Promise<RunningPrometheus> {
  const p = await startPrometheus({ binary: prometheus!, dataDir, config });
  running.push(p);
  return p;
}

async function queryMatrix(p: RunningPrometheus, query: string, time: number): Promise<MatrixEntry[]> {
  const data = await p.query<MatrixEntry[]>(query, time);
  assert.equal(data.resultType, 'matrix');
  return data.result;
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
    const p = await launch(dataDir, selfScrapeConfig('1s'));
    // The first scrape comes only after Prometheus's start-up jitter: wait for three.
    await p.waitFor(
      'three scrapes',
      async () => ((await queryMatrix(p, 'up[1h]', Date.now() / 1000))[0]?.values.length ?? 0) >= 3,
    );
    const now = Date.now() / 1000;
    const queries = [
      'up[1h]',
      'prometheus_tsdb_head_samples_appended_total[1h]',
      'scrape_samples_scraped[1h]',
    ];
    const want = new Map<string, string[]>();
    for (const q of queries) for (const [k, v] of apiSamples(await queryMatrix(p, q, now))) want.set(k, v);
    await p.stop();
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

    const p = await launch(dataDir, 'global: {scrape_interval: 1m}\n');
    try {
      const at = end / 1000;
      const want = headSamples(head, [Matcher.create('=~', '__name__', 'ignis_.*')], start, end);
      const got = new Map<string, string[]>();
      for (const q of ['ignis_gauge[11m]', 'ignis_counter_total[11m]']) {
        for (const [k, v] of apiSamples(await queryMatrix(p, q, at))) got.set(k, v);
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
      await p.stop();
    }
  });
});
