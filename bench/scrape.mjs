#!/usr/bin/env node
// Scrape benchmark: N fixture targets × M series, served by one local HTTP server in a child
// process (so its CPU is not counted), scraped by ignis's ScrapeManager into an in-memory Head.
// Prints CPU seconds per million samples ingested, scrape duration p50/p99 and memory.
//
//   node bench/scrape.mjs [targets=200] [series=1000] [interval_ms=2000] [seconds=20]
//
// Run `npm run build` first: it imports ../dist.
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--server') {
  // The fixture exporter: a few pre-built bodies per series count, cycled per request so values change.
  const series = Number(process.argv[3]);
  const bodies = [];
  for (let v = 0; v < 8; v++) {
    let s = '# HELP bench_metric A benchmark gauge.\n# TYPE bench_metric gauge\n';
    for (let i = 0; i < series; i++) s += `bench_metric{idx="${i}",kind="k${i % 10}"} ${i * 10 + v}\n`;
    bodies.push(Buffer.from(s));
  }
  let n = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(bodies[n++ % bodies.length]);
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const [targets = 200, series = 1000, interval = 2000, seconds = 20] = process.argv.slice(2).map(Number);
  const { ScrapeManager } = await import('../dist/scrape/index.js');
  const { Head } = await import('../dist/tsdb/head/head.js');
  const { Labels } = await import('../dist/model/labels.js');
  const { Matcher } = await import('../dist/model/matcher.js');

  const child = fork(fileURLToPath(import.meta.url), ['--server', String(series)], { stdio: 'inherit' });
  const port = await new Promise((resolve) => child.once('message', resolve));

  const head = new Head();
  const m = new ScrapeManager(head);
  const list = [];
  for (let i = 0; i < targets; i++) {
    // Distinct URLs (the query string is ignored by the server) so each target is its own loop.
    list.push({
      url: `http://127.0.0.1:${port}/metrics?t=${i}`,
      labels: Labels.fromStrings('job', 'bench', 'instance', `t${i}`),
    });
  }
  m.sync([{ name: 'bench', options: { interval, timeout: Math.min(interval, 10_000) }, targets: list }]);

  // Warm up for one and a half intervals: every target scraped once (series created, caches filled).
  await sleep(interval * 1.5);
  const s0 = head.stats.samplesAppended;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const wallStart = Date.now();
  let heapMax = 0;
  const heapTimer = setInterval(() => (heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)), 200);
  await sleep(seconds * 1000);
  const c1 = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const samples = head.stats.samplesAppended - s0;
  clearInterval(heapTimer);
  await m.shutdown();

  const durations = [];
  const q = head.querier(0, Date.now() + 1e6);
  const set = q.select(false, undefined, Matcher.create('=', '__name__', 'scrape_duration_seconds'));
  const up = { ok: 0, down: 0 };
  while (set.next()) {
    const it = set.at().iterator();
    // Only scrapes of the measured window: the first scrape of each target creates its series.
    while (it.next() !== 0) if (it.t >= wallStart) durations.push(it.v);
  }
  const upSet = q.select(false, undefined, Matcher.create('=', '__name__', 'up'));
  while (upSet.next()) {
    const it = upSet.at().iterator();
    while (it.next() !== 0) {
      if (it.v === 1) up.ok++;
      else up.down++;
    }
  }
  durations.sort((a, b) => a - b);
  const pct = (p) =>
    durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? NaN;
  const cpu = (c1.user + c1.system) / 1e6;
  const mem = process.memoryUsage();
  const rows = [
    ['targets × series', `${targets} × ${series}`],
    ['interval', `${interval} ms`],
    ['measured', `${wall.toFixed(1)} s`],
    ['samples ingested', String(samples)],
    ['samples/s', (samples / wall).toFixed(0)],
    ['CPU s (user+sys)', cpu.toFixed(2)],
    ['CPU s per 1M samples', ((cpu / samples) * 1e6).toFixed(2)],
    ['CPU utilisation', `${((cpu / wall) * 100).toFixed(0)} % of one core`],
    ['scrapes up/down', `${up.ok}/${up.down}`],
    ['scrape duration p50', `${(pct(50) * 1000).toFixed(1)} ms`],
    ['scrape duration p99', `${(pct(99) * 1000).toFixed(1)} ms`],
    ['heap used (max)', `${(heapMax / 2 ** 20).toFixed(0)} MiB`],
    ['rss', `${(mem.rss / 2 ** 20).toFixed(0)} MiB`],
    ['head series', String(head.numSeries())],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('bench/scrape: ignis scrape loops into an in-memory head');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  child.disconnect();
  child.kill();
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
