#!/usr/bin/env node
// bench/promql.mjs — PromQL query latency, ignis beside the real Prometheus over the same data.
//
//   npm run build && node bench/promql.mjs [--quick] [--runs N]
//
// Generates 10,000 series × 6h at 15s (counters, a classic histogram, gauges; --quick: 1,000
// series) through ignis's WAL. Prometheus (from ../shared/tools/peers.sh) replays that WAL (with
// 6h of data it compacts on start; the bench waits until its head has settled), and ignis serves
// the same head through registerQueryAPI on 127.0.0.1, so both answer over HTTP. Each query runs
// as an instant query at the end of the data and as a range query over the last hour at a 15s
// step; the table shows the median time per query on each side and the ratio ignis ÷ Prometheus.
/* global fetch, performance, setTimeout, URLSearchParams */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 3 : 5;

const dist = new URL('../dist/', import.meta.url);
const { Labels } = await import(new URL('model/labels.js', dist).href);
const { Head } = await import(new URL('tsdb/head/head.js', dist).href);
const { WAL } = await import(new URL('tsdb/wal/wal.js', dist).href);
const { Engine } = await import(new URL('promql/engine/engine.js', dist).href);
const { registerQueryAPI } = await import(new URL('web/api/query.js', dist).href);
const { Registry } = await import(new URL('web/metrics/registry.js', dist).href);
const { WebServer } = await import(new URL('web/server.js', dist).href);
const { startPrometheus } = await import(new URL('util/peer-prometheus.js', dist).href);
const { peerBinary } = await import(new URL('util/testenv.js', dist).href);

// Instances per job; each instance has 4 request counters, 12 histogram buckets and 4 gauges,
// so 5 jobs × 500 instances × 20 = 10,000 series (50 instances per job with --quick).
const JOBS = 5;
const INSTANCES = quick ? 10 : 100;
const CODES = ['200', '404', '500', '503'];
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '5.0', '10.0', '+Inf'];
const TYPES = ['used', 'cached', 'buffers', 'free'];
const HOURS = 6;
const STEP = 15_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-promql-'));
let prom = null;
let web = null;
const cleanup = () => {
  prom?.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Data ----------------------------------------------------------------------------------------
const end = Math.floor(Date.now() / STEP) * STEP;
const steps = (HOURS * 3600_000) / STEP;
const start = end - (steps - 1) * STEP;
const dataDir = path.join(tmp, 'data');
const head = await (async () => {
  const t0 = performance.now();
  const wal = await WAL.open(path.join(dataDir, 'wal'));
  const h = new Head({ wal });
  /** kind: 0 counter, 1 bucket (with its index), 2 gauge. */
  const series = [];
  for (let j = 0; j < JOBS; j++) {
    for (let i = 0; i < INSTANCES; i++) {
      const base = ['job', `job-${j}`, 'instance', `host-${i}.example.com:9100`];
      for (const code of CODES)
        series.push({
          kind: 0,
          ls: Labels.fromStrings('__name__', 'http_requests_total', ...base, 'code', code),
        });
      LES.forEach((le, b) =>
        series.push({
          kind: 1,
          b,
          ls: Labels.fromStrings('__name__', 'http_request_duration_seconds_bucket', ...base, 'le', le),
        }),
      );
      for (const type of TYPES)
        series.push({ kind: 2, ls: Labels.fromStrings('__name__', 'memory_bytes', ...base, 'type', type) });
    }
  }
  const n = series.length;
  const refs = new Float64Array(n);
  const vals = new Float64Array(n);
  const r = rng(42);
  const obs = new Float64Array(LES.length);
  for (let k = 0; k < steps; k++) {
    const t = start + k * STEP;
    const app = h.appender();
    for (let s = 0; s < n; s++) {
      const x = series[s];
      if (x.kind === 0) vals[s] += Math.floor(r() * 40);
      else if (x.kind === 1) {
        // One set of observations per instance, spread cumulatively over its buckets.
        if (x.b === 0) {
          let c = 0;
          for (let b = 0; b < LES.length; b++) obs[b] = c += Math.floor(r() * 8);
        }
        vals[s] += obs[x.b];
      } else vals[s] = Math.round(1e9 + 5e8 * Math.sin((k + s) / 50) + r() * 1e6);
      refs[s] = app.append(refs[s], x.ls, t, vals[s]);
    }
    app.commit();
  }
  await wal.close();
  console.log(
    `data: ${n} series × ${HOURS}h at ${STEP / 1000}s = ${((n * steps) / 1e6).toFixed(1)}M samples, ` +
      `written in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return h;
})();

// ---- Servers -------------------------------------------------------------------------------------
const engine = new Engine();
web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
registerQueryAPI(web, {
  engine: {
    instantQuery: (s, q, t) => engine.instantQuery(s, q, t),
    rangeQuery: (s, q, a, b, st) => engine.rangeQuery(s, q, a, b, st),
  },
  storage: head,
  maxConcurrency: 4,
});
const ignisBase = `http://${(await web.start())[0]}`;

const prometheus = peerBinary('prometheus', 'bench/promql: Prometheus column');
if (prometheus) {
  const t0 = performance.now();
  prom = await startPrometheus({ binary: prometheus, dataDir, config: 'global: {}\n' });
  await settle(prom.base);
  console.log(`prometheus: ready and settled in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

/** Waits until Prometheus's head compaction after start is over (head bounds stable for 3s). */
async function settle(base) {
  let last = '';
  let stableSince = performance.now();
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const pick = (name) => (text.match(new RegExp(`^${name} (\\S+)$`, 'm')) ?? [])[1] ?? '';
    const cur = [
      pick('prometheus_tsdb_head_min_time'),
      pick('prometheus_tsdb_compactions_total'),
      pick('prometheus_tsdb_blocks_loaded'),
    ].join(' ');
    if (cur !== last) {
      last = cur;
      stableSince = performance.now();
    } else if (performance.now() - stableSince > 3000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- Queries -------------------------------------------------------------------------------------
const QUERIES = [
  ['rate', 'rate(http_requests_total[5m])'],
  ['sum by job of rate', 'sum by (job) (rate(http_requests_total[5m]))'],
  [
    'histogram_quantile',
    'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  ],
  ['subquery', 'max_over_time(sum by (job) (rate(http_requests_total[1m]))[30m:1m])'],
  ['binary join', 'rate(http_requests_total[5m]) * on (job, instance) group_left memory_bytes{type="used"}'],
];

/** Runs one query over HTTP; returns elapsed ms and the number of result series. */
async function run(base, q, range) {
  const form = new URLSearchParams({ query: q });
  if (range) {
    form.set('start', String((end - 3600_000) / 1000));
    form.set('end', String(end / 1000));
    form.set('step', '15');
  } else form.set('time', String(end / 1000));
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/${range ? 'query_range' : 'query'}`, {
    method: 'POST',
    body: form,
  });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${base}: ${q}: ${body.error}`);
  return { ms, series: body.data.result.length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const range of [false, true]) {
  for (const [name, q] of QUERIES) {
    const a = [];
    const b = [];
    let sa = 0;
    let sb = 0;
    // One warm-up each, then alternate so that neither side profits from a quieter moment.
    await run(ignisBase, q, range);
    if (prom) await run(prom.base, q, range);
    for (let k = 0; k < RUNS; k++) {
      const x = await run(ignisBase, q, range);
      a.push(x.ms);
      sa = x.series;
      if (prom) {
        const y = await run(prom.base, q, range);
        b.push(y.ms);
        sb = y.series;
      }
    }
    if (prom && sa !== sb) console.log(`warning: ${name}: ${sa} series from ignis, ${sb} from Prometheus`);
    rows.push({
      name: `${name} (${range ? 'range 1h/15s' : 'instant'})`,
      a: median(a),
      b: prom ? median(b) : null,
      n: sa,
    });
  }
}

await prom?.stop();
await web.close();

console.log(
  `bench/promql: ${JOBS * INSTANCES * 20} series × ${HOURS}h at 15s, median of ${RUNS} runs (node ${process.versions.node})`,
);
const f = (x) => (x === null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  'query'.padEnd(36) +
    'series'.padStart(8) +
    'ignis ms'.padStart(11) +
    'prom ms'.padStart(11) +
    '  ignis/prom',
);
for (const r of rows) {
  console.log(
    r.name.padEnd(36) +
      String(r.n).padStart(8) +
      f(r.a).padStart(11) +
      f(r.b).padStart(11) +
      (r.b === null ? '-' : (r.a / r.b).toFixed(2)).padStart(13),
  );
}
console.log('Queries:');
for (const [name, q] of QUERIES) console.log(`  ${name}: ${q}`);
process.exit(0);
