#!/usr/bin/env node
// bench/rules.mjs — rule evaluation: 1,000 recording rules over 10,000 series, ignis beside
// the real Prometheus.
//
//   npm run build && node bench/rules.mjs [--quick]
//
// The same data (10,000 series × 1h at 15s, written through ignis's WAL) is loaded into an
// ignis head and replayed by Prometheus. One rule group of 1,000 recording rules is evaluated
// at the data's last timestamp: ignis in-process (median of several iterations), Prometheus
// through its own prometheus_rule_group_last_duration_seconds after a few evaluations.
/* global fetch, performance */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const quick = process.argv.includes('--quick');
const SERIES = quick ? 2000 : 10_000;
const RULES = quick ? 200 : 1000;
const dist = new URL('../dist/', import.meta.url);
const { Labels } = await import(new URL('model/labels.js', dist).href);
const { Head } = await import(new URL('tsdb/head/head.js', dist).href);
const { WAL } = await import(new URL('tsdb/wal/wal.js', dist).href);
const { Engine } = await import(new URL('promql/engine/engine.js', dist).href);
const { RuleManager } = await import(new URL('rules/manager.js', dist).href);
const { MemoryStorage } = await import(new URL('storage/memory.js', dist).href);
const { startPrometheus } = await import(new URL('util/peer-prometheus.js', dist).href);
const { peerBinary } = await import(new URL('util/testenv.js', dist).href);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-rules-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// Data: bench_metric_<k> for k in 0..99, 100 instances each, counters.
const now = Math.floor(Date.now() / 15_000) * 15_000;
const dataDir = path.join(tmp, 'data');
const wal = await WAL.open(path.join(dataDir, 'wal'));
const head = new Head({ wal });
const labels = Array.from({ length: SERIES }, (_, i) =>
  Labels.fromStrings(
    '__name__',
    `bench_metric_${i % 100}`,
    'job',
    `job${i % 10}`,
    'instance',
    `host-${(i / 100) | 0}`,
  ),
);
const refs = new Float64Array(SERIES);
for (let t = now - 3_600_000; t <= now; t += 15_000) {
  const app = head.appender();
  for (let i = 0; i < SERIES; i++)
    refs[i] = app.append(refs[i], labels[i], t, (t - now + 3_600_000) / 1000 + i);
  app.commit();
}
await wal.close();

// 1,000 recording rules cycling over ten shapes.
const shapes = [
  (k) => `sum by (job) (rate(bench_metric_${k}[5m]))`,
  (k) => `avg by (instance) (bench_metric_${k})`,
  (k) => `max(bench_metric_${k}) - min(bench_metric_${k})`,
  (k) => `count by (job) (bench_metric_${k} > 100)`,
  (k) => `sum(increase(bench_metric_${k}[10m]))`,
  (k) => `topk(3, bench_metric_${k})`,
  (k) => `bench_metric_${k} / on(instance, job) group_left bench_metric_${(k + 1) % 100}`,
  (k) => `histogram_quantile(0.9, sum by (le) (rate(bench_metric_${k}[5m])))`,
  (k) => `quantile(0.5, bench_metric_${k})`,
  (k) => `sum by (job) (irate(bench_metric_${k}[1m]))`,
];
let rules = 'groups:\n  - name: bench\n    rules:\n';
for (let i = 0; i < RULES; i++)
  rules += `      - record: bench:rule${i}\n        expr: '${shapes[i % 10](i % 100)}'\n`;
const ruleFile = path.join(tmp, 'rules.yml');
fs.writeFileSync(ruleFile, rules);

// ignis: evaluate the group in-process; recorded output goes to a throwaway storage.
const manager = new RuleManager({ appendable: new MemoryStorage(), queryable: head, engine: new Engine() });
const { groups, errors } = manager.loadGroups({ interval: 15_000, files: [ruleFile] });
if (errors.length > 0) throw new Error(errors.join('\n'));
const group = [...groups.values()][0];
const times = [];
for (let i = 0; i < (quick ? 3 : 5); i++) {
  const t0 = performance.now();
  group.evaluate(now);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const ours = times[Math.floor(times.length / 2)];

// Prometheus: the same rules over the same data; its own metric says how long an evaluation took.
let theirs = NaN;
const bin = peerBinary('prometheus', 'bench/rules');
if (bin) {
  const p = await startPrometheus({
    binary: bin,
    dataDir,
    config: `global: {evaluation_interval: 5s}\nrule_files: ['${ruleFile}']\n`,
  });
  const last = async () => {
    const text = await (await fetch(`${p.base}/metrics`)).text();
    const m = /^prometheus_rule_group_last_duration_seconds\{rule_group="[^"]*;bench"\} (\S+)$/m.exec(text);
    return m ? Number(m[1]) * 1000 : NaN;
  };
  const samples = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    await sleep(5200);
    samples.push(await last());
  }
  await p.stop();
  const ok = samples.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  theirs = ok[Math.floor(ok.length / 2)];
}

console.log(
  `bench/rules: ${RULES} recording rules over ${SERIES} series × 1h at 15s (node ${process.versions.node})`,
);
console.log(
  `  one group iteration   ignis ${ours.toFixed(1)} ms   prometheus ${Number.isNaN(theirs) ? '-' : theirs.toFixed(1) + ' ms'}   ratio ${Number.isNaN(theirs) ? '-' : (ours / theirs).toFixed(2)} (lower is better)`,
);
