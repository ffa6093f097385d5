/**
 * The scrape loop beside the real Prometheus: both scrape the same fixture exporter (a sequence
 * of bodies in which series appear, disappear, clash with target labels and the target fails
 * once, then the target is removed), and the stored samples must match scrape by scrape,
 * stale markers included (read from Prometheus's WAL, since the HTTP API hides them). Both also
 * scrape the real node_exporter, and must store the same series.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Head } from '../tsdb/head/head.js';
import { replayWAL } from '../tsdb/head/wal.js';
import { freePort, startPrometheus, type RunningPrometheus } from '../util/peer-prometheus.js';
import { peerBinary } from '../util/testenv.js';
import { ScrapeLoop } from './loop.js';
import { ScrapeManager } from './manager.js';
import { resolveScrapeOptions } from './target.js';
import { FixtureServer, readAll, type FixtureResponse, type StoredSample } from './testing.js';

const prometheus = peerBinary('prometheus', 'scrape interop with Prometheus');
const nodeExporter =
  prometheus === null ? null : peerBinary('prometheus-node-exporter', 'scrape interop with node_exporter');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-scrape-interop-'));
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The fixture's bodies, one per scrape; the last repeats. */
const SEQUENCE: FixtureResponse[] = [
  { body: '# TYPE a gauge\na 1\nb{job="x",instance="y"} 1\nc{k="v"} 1\nd{k=""} 1\n' },
  { body: 'a 2\nb{job="x",instance="y"} 2\nd{k=""} 2\n' },
  { body: 'a 3\nc{k="v"} 3\n' },
  { body: 'broken', status: 500 },
  { body: 'a 5\ne 5\n' },
  { body: 'a 6\ne 6\n' },
];

/** A series' samples as `scrape index:value`, the index counted on the system's own `up` series. */
function byScrape(all: Map<string, StoredSample[]>, job: string): Map<string, string[]> {
  const upKey = [...all.keys()].find((k) => k.startsWith('{__name__="up"') && k.includes(`job="${job}"`));
  assert.ok(upKey, `no up series for ${job}`);
  const upTimes = all
    .get(upKey)!
    .filter((s) => !s.stale)
    .map((s) => s.t);
  const out = new Map<string, string[]>();
  for (const [k, samples] of all) {
    if (!k.includes(`job="${job}"`)) continue;
    const dur = k.startsWith('{__name__="scrape_duration_seconds"');
    out.set(
      k,
      samples.map((s) => {
        const i = upTimes.indexOf(s.t);
        const at = i >= 0 ? String(i) : s.t > upTimes.at(-1)! ? 'end' : `t${s.t}`;
        return `${at}:${s.stale ? 'stale' : dur ? 'd' : s.v}`;
      }),
    );
  }
  return out;
}

describe('scrape interop with Prometheus', { skip: prometheus === null }, () => {
  it('stores the same samples and stale markers as Prometheus, scrape by scrape', async () => {
    const srv = await FixtureServer.start();
    cleanup.push(() => srv.close());
    srv.serve('/prom', ...SEQUENCE);
    srv.serve('/ignis', ...SEQUENCE);
    const address = `127.0.0.1:${srv.port}`;
    const interval = 500;
    const job = (p: string): string =>
      `  - job_name: fixture\n    scrape_interval: ${interval}ms\n    scrape_timeout: 400ms\n    metrics_path: ${p}\n    static_configs: [{targets: ['${address}']}]\n`;
    const dataDir = path.join(tmp, 'fixture', 'data');
    const p = await startPrometheus({
      binary: prometheus!,
      dataDir,
      config: `scrape_configs:\n${job('/prom')}`,
      flags: ['--web.enable-lifecycle'],
    });
    cleanup.push(() => p.kill());

    const head = new Head();
    const m = new ScrapeManager(head);
    cleanup.push(() => m.shutdown());
    m.sync([
      {
        name: 'fixture',
        options: { interval, timeout: 400 },
        targets: [
          {
            url: srv.url('/ignis'),
            labels: Labels.fromStrings('job', 'fixture', 'instance', address),
          },
        ],
      },
    ]);

    const scrapes = SEQUENCE.length + 2;
    const deadline = Date.now() + 30_000;
    while (srv.count('/prom') < scrapes || srv.count('/ignis') < scrapes) {
      assert.ok(Date.now() < deadline, `scrapes: prom ${srv.count('/prom')}, ignis ${srv.count('/ignis')}`);
      await sleep(50);
    }
    // Remove the target (the job stays) on both sides; each writes end-of-run stale markers
    // ~2.1 intervals after its loop stopped. Prometheus applies the new target set after its
    // discovery debounce (5 s), so wait until it stops scraping, then for the markers.
    const cfgFile = path.join(path.dirname(dataDir), `prometheus-${new URL(p.base).port}.yml`);
    fs.writeFileSync(
      cfgFile,
      `scrape_configs:\n  - job_name: fixture\n    scrape_interval: ${interval}ms\n    scrape_timeout: 400ms\n    metrics_path: /prom\n    static_configs: [{targets: []}]\n`,
    );
    const res = await fetch(`${p.base}/-/reload`, { method: 'POST' });
    assert.equal(res.status, 200, await res.text());
    m.sync([{ name: 'fixture', options: { interval, timeout: 400 }, targets: [] }]);
    await m.stalenessSettled();
    for (let last = -1; srv.count('/prom') !== last;) {
      last = srv.count('/prom');
      await sleep(4 * interval);
    }
    await p.stop();

    const promHead = new Head();
    replayWAL(promHead, path.join(dataDir, 'wal'));
    const want = byScrape(readAll(promHead, Matcher.create('=', 'job', 'fixture')), 'fixture');
    const got = byScrape(readAll(head), 'fixture');
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'the same series');
    // Prometheus scraped the repeating last body for longer (its discovery debounce), so compare
    // the scrapes of the sequence plus one repeat, and the end-of-run markers.
    const cut = (xs: string[]): string[] =>
      xs.filter((s) => s.startsWith('end') || Number(s.split(':')[0]) < SEQUENCE.length + 1);
    for (const [k, v] of want) {
      const g = got.get(k)!;
      assert.deepEqual(cut(g), cut(v), `samples of ${k}`);
      assert.equal(
        g.at(-1) === 'end:stale',
        v.at(-1) === 'end:stale',
        `end of ${k}: ${g.at(-1)} vs ${v.at(-1)}`,
      );
    }
    // The comparison is not vacuous: Prometheus went through the whole sequence and wrote its
    // end-of-run markers.
    const promUp = [...want].find(([k]) => k.startsWith('{__name__="up"'))![1];
    assert.ok(cut(promUp).length >= SEQUENCE.length + 2, promUp.join(' '));
    assert.equal(promUp.at(-1), 'end:stale');
  });

  it('stores the same node_exporter series as Prometheus', { skip: nodeExporter === null }, async () => {
    const port = await freePort();
    const ne: ChildProcess = spawn(nodeExporter!, [`--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    cleanup.push(() => {
      if (ne.exitCode === null) ne.kill('SIGKILL');
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await fetch(url)).ok) break;
      } catch {
        // not listening yet
      }
      assert.ok(Date.now() < deadline, 'node_exporter did not start');
      await sleep(100);
    }
    const address = `127.0.0.1:${port}`;
    const p: RunningPrometheus = await startPrometheus({
      binary: prometheus!,
      dataDir: path.join(tmp, 'node', 'data'),
      config: `scrape_configs:\n  - job_name: node\n    scrape_interval: 1s\n    static_configs: [{targets: ['${address}']}]\n`,
    });
    cleanup.push(() => p.kill());
    await p.waitFor('a node scrape', async () => {
      const r = await p.query<{ value: [number, string] }[]>('up{job="node"}');
      return r.result[0]?.value[1] === '1';
    });
    const head = new Head();
    const loop = new ScrapeLoop(
      { url, labels: Labels.fromStrings('job', 'node', 'instance', address) },
      resolveScrapeOptions({ interval: 1000, timeout: 1000 }),
      head,
    );
    await loop.scrapeAndReport(Date.now());
    assert.equal(loop.health().health, 'up', loop.health().lastError);
    await sleep(1200);
    const end = Date.now() / 1000;
    const r = await fetch(
      `${p.base}/api/v1/series?${new URLSearchParams({ 'match[]': '{job="node"}', start: String(end - 60), end: String(end) })}`,
    );
    const body = (await r.json()) as { data: Record<string, string>[] };
    await p.stop();
    const want = new Set(body.data.map((o) => Labels.fromObject(o).toString()));
    const got = new Set(readAll(head).keys());
    // Series whose label values change from scrape to scrape (none expected by default) would
    // show up here; the comparison is on the full label sets.
    const missing = [...want].filter((k) => !got.has(k));
    const extra = [...got].filter((k) => !want.has(k));
    assert.ok(want.size > 100, `Prometheus stored ${want.size} series`);
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  });
});
