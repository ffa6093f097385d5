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
/* global fetch */

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

  // The same targets scraped by the real Prometheus (it also writes its WAL), for the ratio.
  const prom = await prometheusRun(port, targets, interval, seconds);
  if (prom) {
    const ours = { cpuPerM: (cpu / samples) * 1e6, p99: pct(99) * 1000, rssMiB: mem.rss / 2 ** 20 };
    console.log('\nbeside Prometheus (same targets, same interval; lower is better):');
    console.log(
      `  ${'figure'.padEnd(24)}${'ignis'.padStart(10)}${'prometheus'.padStart(12)}${'ratio'.padStart(8)}`,
    );
    for (const [name, a, b] of [
      ['CPU s per 1M samples', ours.cpuPerM, prom.cpuPerM],
      ['scrape duration p99 ms', ours.p99, prom.p99],
      ['RSS MiB', ours.rssMiB, prom.rssMiB],
    ]) {
      console.log(
        `  ${name.padEnd(24)}${a.toFixed(2).padStart(10)}${b.toFixed(2).padStart(12)}${(a / b).toFixed(2).padStart(8)}`,
      );
    }
  }
  child.disconnect();
  child.kill();
}

/** Runs Prometheus against the fixture targets; returns its figures, or null when it is not installed. */
async function prometheusRun(port, targets, interval, seconds) {
  const { peerBinary } = await import('../dist/util/testenv.js');
  const { startPrometheus } = await import('../dist/util/peer-prometheus.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const bin = peerBinary('prometheus', 'bench/scrape ratio');
  if (!bin) return null;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-scrape-'));
  let cfg = `global:\n  scrape_interval: ${interval}ms\n  scrape_timeout: ${Math.min(interval, 10_000)}ms\nscrape_configs:\n  - job_name: bench\n    static_configs:\n`;
  for (let i = 0; i < targets; i++) {
    cfg += `      - targets: ['127.0.0.1:${port}']\n        labels: {instance: t${i}, __param_t: '${i}'}\n`;
  }
  const p = await startPrometheus({ binary: bin, dataDir: path.join(tmp, 'data'), config: cfg });
  const stat = () => {
    const f = fs.readFileSync(`/proc/${p.proc.pid}/stat`, 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100; // utime + stime in clock ticks (USER_HZ 100)
  };
  // Prometheus does not scrape itself here: read its own /metrics page for the counter.
  const appended = async () => {
    const text = await (await fetch(`${p.base}/metrics`)).text();
    return Number(
      /^prometheus_tsdb_head_samples_appended_total\{type="float"\} (\S+)$/m.exec(text)?.[1] ?? NaN,
    );
  };
  // Prometheus hands discovered targets to its scrape loops after 5s: wait for the first
  // appends, then for every target to have been scraped once.
  await p.waitFor('first scrapes', async () => !Number.isNaN(await appended()), 60_000);
  await sleep(interval * 1.5);
  const c0 = stat();
  const a0 = await appended();
  const start = Date.now();
  await sleep(seconds * 1000);
  const c1 = stat();
  const a1 = await appended();
  const end = Date.now();
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p.proc.pid}/status`, 'utf8'))[1]) / 1024;
  const win = Math.ceil((end - start) / 1000);
  const data = await p.query(`scrape_duration_seconds{job="bench"}[${win}s]`, end / 1000);
  const durations = data.result.flatMap((r) => r.values.map(([, v]) => Number(v))).sort((x, y) => x - y);
  await p.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  const samples = a1 - a0;
  return {
    cpuPerM: ((c1 - c0) / samples) * 1e6,
    p99: durations[Math.min(durations.length - 1, Math.floor(0.99 * durations.length))] * 1000,
    rssMiB: rss,
  };
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
