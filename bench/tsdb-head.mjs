#!/usr/bin/env node
// bench/tsdb-head.mjs — head append throughput, memory per active series, WAL replay speed.
//
//   npm run build && node --expose-gc bench/tsdb-head.mjs [--quick]
//
// Each workload runs in a child process of its own so heap figures are not polluted by the
// previous one. Prometheus has no way to run the same in-process work, so no ratio is printed
// here; the end-to-end comparison lives in issue 9's suite.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const self = fileURLToPath(import.meta.url);
const dist = new URL('../dist/', import.meta.url);
const { Labels } = await import(new URL('model/labels.js', dist).href);
const { Head } = await import(new URL('tsdb/head/head.js', dist).href);
const { replayWAL } = await import(new URL('tsdb/head/wal.js', dist).href);
const { WAL } = await import(new URL('tsdb/wal/wal.js', dist).href);

function makeLabels(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Labels.fromStrings(
      '__name__',
      `metric_${i % 1000}`,
      'instance',
      `host-${(i / 1000) | 0}.example.com:9100`,
      'job',
      'node',
      'mode',
      ['idle', 'user', 'system', 'iowait'][i % 4],
    );
  }
  return out;
}

/** Appends `samples` rounds over `series` series, `perCommit` samples per transaction. */
async function appendWorkload(series, samples, withWal) {
  const labels = makeLabels(series);
  const dir = withWal ? fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-head-')) : null;
  const wal = dir ? await WAL.open(dir) : null;
  const head = new Head({ wal });
  const refs = new Float64Array(series);
  const perCommit = 5000;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let n = 0;
  for (let k = 0; k < samples; k++) {
    const t = k * 15_000;
    let app = head.appender();
    for (let i = 0; i < series; i++) {
      refs[i] = app.append(refs[i], labels[i], t, k * 1.5 + (i & 7));
      if (++n % perCommit === 0) {
        app.commit();
        app = head.appender();
      }
    }
    app.commit();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (wal) await wal.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  return { samples: n, secs, cpuSecs: (cpu.user + cpu.system) / 1e6 };
}

async function child(kind) {
  if (kind.startsWith('append:')) {
    const [, series, samples, wal] = kind.split(':');
    const r = await appendWorkload(Number(series), Number(samples), wal === 'wal');
    return { rate: r.samples / r.secs, secs: r.secs, samples: r.samples };
  }
  if (kind.startsWith('memory:')) {
    const [, seriesArg, samplesArg] = kind.split(':');
    const series = Number(seriesArg);
    const samples = Number(samplesArg);
    globalThis.gc();
    globalThis.gc();
    const heap0 = process.memoryUsage().heapUsed;
    const ab0 = process.memoryUsage().arrayBuffers;
    const rss0 = process.memoryUsage().rss;
    // The label sets count: a scraper hands them to the head, which keeps them.
    const labels = makeLabels(series);
    const head = new Head();
    const refs = new Float64Array(series);
    for (let k = 0; k < samples; k++) {
      const app = head.appender();
      for (let i = 0; i < series; i++) refs[i] = app.append(refs[i], labels[i], k * 15_000, k);
      app.commit();
    }
    labels.length = 0;
    globalThis.gc();
    globalThis.gc();
    const mu = process.memoryUsage();
    return {
      heapPerSeries: (mu.heapUsed - heap0 + mu.arrayBuffers - ab0) / series,
      rssPerSeries: (mu.rss - rss0) / series,
      series: head.numSeries(),
    };
  }
  if (kind.startsWith('replay:')) {
    const [, series, samples] = kind.split(':').map(Number);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-replay-'));
    const wal = await WAL.open(dir);
    const head = new Head({ wal });
    const labels = makeLabels(series);
    const refs = new Float64Array(series);
    for (let k = 0; k < samples; k++) {
      const app = head.appender();
      for (let i = 0; i < series; i++) refs[i] = app.append(refs[i], labels[i], k * 15_000, k + i);
      app.commit();
    }
    await wal.close();
    const bytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
    const t0 = process.hrtime.bigint();
    const replayed = new Head();
    const stats = replayWAL(replayed, dir);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    fs.rmSync(dir, { recursive: true, force: true });
    return { rate: stats.samples / secs, secs, samples: stats.samples, walMiB: bytes / 1048576 };
  }
  throw new Error(`unknown workload ${kind}`);
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await child(process.argv[3])));
  process.exit(0);
}

function run(kind) {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', self, '--child', kind],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out);
}

const big = quick ? 200_000 : 1_000_000;
const rows = [];
const fmt = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
for (const [series, samples] of [
  [big, 10],
  [10_000, quick ? 200 : 1000],
]) {
  for (const wal of ['nowal', 'wal']) {
    const r = run(`append:${series}:${samples}:${wal}`);
    rows.push([
      `append ${fmt(series)} series × ${samples}${wal === 'wal' ? ' (with WAL)' : ''}`,
      `${fmt(r.rate)} samples/s`,
      '≥ 1.5 M/s',
    ]);
  }
}
for (const [samples, what] of [
  [60, 'one open chunk'],
  [500, '4 closed chunks + 1 open'],
]) {
  const mem = run(`memory:${big}:${samples}`);
  const target = samples === 60 ? '≤ 1024 B' : '(report)';
  rows.push([
    `memory per series, ${what} (${fmt(big)} series), heap + buffers`,
    `${mem.heapPerSeries.toFixed(0)} B`,
    target,
  ]);
  rows.push([
    `memory per series, ${what} (${fmt(big)} series), RSS`,
    `${mem.rssPerSeries.toFixed(0)} B`,
    '(report)',
  ]);
}
const rep = run(`replay:${quick ? 20_000 : 100_000}:100`);
rows.push([
  `WAL replay (${fmt(rep.samples)} samples, ${rep.walMiB.toFixed(0)} MiB)`,
  `${fmt(rep.rate)} samples/s`,
  '≥ 2 M/s',
]);

const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`bench/tsdb-head${quick ? ' --quick' : ''} (node ${process.versions.node}, one core)`);
for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}   target ${c}`);
