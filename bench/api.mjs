#!/usr/bin/env node
// bench/api.mjs — HTTP API throughput and latency, ignis beside the real Prometheus.
//
//   npm run build && node bench/api.mjs [--quick] [--seconds N] [--clients N]
//
// The same data (10,000 series × 1 h at 15 s, written once through ignis's WAL) is served by
// an ignis server process and a Prometheus process, each over its own copy of the data
// directory. A client in this process runs N concurrent keep-alive loops per endpoint for a
// fixed time against each server in turn and prints requests/s and p50/p99 latency, with the
// ratio ignis ÷ Prometheus.
/* global fetch */
import { spawn } from 'node:child_process';
import { setTimeout } from 'node:timers/promises';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const num = (flag, def) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const seconds = num('--seconds', quick ? 3 : 10);
const clients = num('--clients', 32);
const SERIES = quick ? 2000 : 10_000;

const dist = new URL('../dist/', import.meta.url);
const { Labels } = await import(new URL('model/labels.js', dist).href);
const { Head } = await import(new URL('tsdb/head/head.js', dist).href);
const { WAL } = await import(new URL('tsdb/wal/wal.js', dist).href);
const { startPrometheus, freePort } = await import(new URL('util/peer-prometheus.js', dist).href);
const { peerBinary } = await import(new URL('util/testenv.js', dist).href);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-api-'));
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup);

// The data: 10k series × 1h at 15s, through ignis's WAL.
const now = Math.floor(Date.now() / 1000) * 1000;
const base = path.join(tmp, 'ignis-data');
{
  const wal = await WAL.open(path.join(base, 'wal'));
  const head = new Head({ wal });
  const labels = Array.from({ length: SERIES }, (_, i) =>
    Labels.fromStrings(
      '__name__',
      `bench_metric_${i % 100}`,
      'job',
      `job${i % 10}`,
      'instance',
      `host-${(i / 100) | 0}:9100`,
    ),
  );
  const refs = new Float64Array(SERIES);
  for (let t = now - 3_600_000; t <= now; t += 15_000) {
    const app = head.appender();
    for (let i = 0; i < SERIES; i++) refs[i] = app.append(refs[i], labels[i], t, ((t / 1000) % 1000) + i);
    app.commit();
  }
  await wal.close();
}
fs.cpSync(base, path.join(tmp, 'prom-data'), { recursive: true });

async function startIgnis() {
  const port = await freePort();
  const bin = fileURLToPath(new URL('cmd/ignis.js', dist));
  const p = spawn(
    process.execPath,
    [
      bin,
      `--storage.tsdb.path=${base}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      `--config.file=${path.join(tmp, 'none.yml')}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  fs.writeFileSync(path.join(tmp, 'none.yml'), 'global: {}\n');
  children.push(p);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return url;
    } catch {
      // not yet
    }
    await setTimeout(100);
  }
  throw new Error('ignis did not become ready');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

/** Runs `clients` loops against `url` for `seconds`; returns rps and latency percentiles. */
async function load(url) {
  const lat = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        await get(url);
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return {
    rps: lat.length / seconds,
    p50: lat[Math.floor(lat.length * 0.5)],
    p99: lat[Math.floor(lat.length * 0.99)],
  };
}

const endpoints = [
  ['instant query 1+1', `/api/v1/query?query=${encodeURIComponent('1+1')}`],
  [
    'instant query bench_metric_7{job="job7"}',
    `/api/v1/query?query=${encodeURIComponent('bench_metric_7{job="job7"}')}&time=${now / 1000}`,
  ],
  ['labels', '/api/v1/labels'],
  ['label values (instance)', '/api/v1/label/instance/values'],
];

const ignis = await startIgnis();
const prometheus = peerBinary('prometheus', 'bench/api');
let prom = null;
if (prometheus) {
  prom = await startPrometheus({
    binary: prometheus,
    dataDir: path.join(tmp, 'prom-data'),
    config: 'global: {}\n',
  });
  children.push(prom.proc);
}

const rows = [];
for (const [name, ep] of endpoints) {
  await load(ignis + ep); // warm-up
  const a = await load(ignis + ep);
  const b = prom ? await load(prom.base + ep) : null;
  rows.push({ name, a, b });
}
if (prom) await prom.stop();

console.log(
  `bench/api: ${clients} clients × ${seconds}s per endpoint, ${SERIES} series × 1h at 15s (node ${process.versions.node})`,
);
const f = (x) => (x === undefined ? '-' : x.toFixed(1));
console.log(
  'endpoint'.padEnd(44) +
    'ignis rps'.padStart(11) +
    'prom rps'.padStart(11) +
    ' ratio(↑)' +
    '  ignis p50/p99 ms'.padStart(19) +
    '  prom p50/p99 ms'.padStart(18),
);
for (const { name, a, b } of rows) {
  console.log(
    name.padEnd(44) +
      f(a.rps).padStart(11) +
      (b ? f(b.rps) : '-').padStart(11) +
      (b ? (a.rps / b.rps).toFixed(2) : '-').padStart(9) +
      `${f(a.p50)}/${f(a.p99)}`.padStart(19) +
      (b ? `${f(b.p50)}/${f(b.p99)}` : '-').padStart(18),
  );
}
agent.destroy();
process.exit(0);
