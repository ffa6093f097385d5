// Exposition benchmark: writer and parser throughput for the Prometheus text format and
// OpenMetrics, on a node_exporter-sized page (~1,000 series) and a large one (100,000 series).
//
// Run after a build: `node bench/exposition.mjs` (add `--quick` for a short run). One core,
// median of several timed runs after warm-up. Target: >= 1,000,000 samples/s parsing text.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Labels } from '../dist/model/labels.js';
import { encodeText } from '../dist/exposition/write-text.js';
import { encodeOpenMetrics } from '../dist/exposition/write-openmetrics.js';
import { Entry, newParser } from '../dist/exposition/parse/index.js';

const quick = process.argv.includes('--quick');
const WARMUP = quick ? 1 : 3;
const RUNS = quick ? 3 : 7;

/** A deterministic pseudo-random generator, so every run measures the same pages. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const QUANTILES = ['0', '0.25', '0.5', '0.75', '1'];

/**
 * Builds a page shaped like node_exporter's: mostly counters and gauges with a few labels, some
 * histograms and summaries, HELP on everything, values of realistic magnitude.
 */
function buildPage(targetSeries, seed) {
  const rand = rng(seed);
  const families = [];
  let series = 0;
  let f = 0;
  while (series < targetSeries) {
    const kind = f % 10;
    const name = `node_subsystem${f}_metric`;
    const width = Math.max(1, Math.min(targetSeries - series, Math.round(targetSeries / 120)));
    if (kind === 7) {
      // A histogram with 12 buckets per label set.
      const samples = [];
      const sets = Math.max(1, Math.round(width / 14));
      for (let i = 0; i < sets; i++) {
        const base = ['handler', `/api/v1/endpoint${i}`, 'method', i % 2 ? 'GET' : 'POST'];
        let cum = 0;
        for (const le of BUCKETS) {
          cum += Math.floor(rand() * 1000);
          samples.push({
            name: `${name}_seconds_bucket`,
            labels: Labels.fromStrings(...base, 'le', le),
            value: cum,
          });
        }
        samples.push({
          name: `${name}_seconds_sum`,
          labels: Labels.fromStrings(...base),
          value: rand() * 1e4,
        });
        samples.push({ name: `${name}_seconds_count`, labels: Labels.fromStrings(...base), value: cum });
      }
      families.push({ name: `${name}_seconds`, type: 'histogram', help: `Histogram of ${name}.`, samples });
      series += samples.length;
    } else if (kind === 8) {
      const samples = [];
      const sets = Math.max(1, Math.round(width / 7));
      for (let i = 0; i < sets; i++) {
        const base = ['worker', `w${i}`];
        for (const q of QUANTILES) {
          samples.push({
            name: `${name}_seconds`,
            labels: Labels.fromStrings(...base, 'quantile', q),
            value: rand() * 1e-3,
          });
        }
        samples.push({
          name: `${name}_seconds_sum`,
          labels: Labels.fromStrings(...base),
          value: rand() * 100,
        });
        samples.push({
          name: `${name}_seconds_count`,
          labels: Labels.fromStrings(...base),
          value: Math.floor(rand() * 1e6),
        });
      }
      families.push({ name: `${name}_seconds`, type: 'summary', help: `Summary of ${name}.`, samples });
      series += samples.length;
    } else {
      const counter = kind < 5;
      const samples = [];
      for (let i = 0; i < width; i++) {
        const labels = Labels.fromStrings(
          'cpu',
          String(i % 64),
          'mode',
          ['idle', 'user', 'system', 'iowait'][(i >> 6) % 4],
          'device',
          `dev${i >> 8}`,
        );
        const value = counter ? Math.floor(rand() * 1e9) / 100 : rand() * 1e6;
        samples.push({ name: counter ? `${name}_total` : name, labels, value });
      }
      families.push(
        counter
          ? { name: `${name}_total`, type: 'counter', help: `Total of ${name}.`, samples }
          : { name, type: 'gauge', help: `Current ${name}.`, samples },
      );
      series += samples.length;
    }
    f++;
  }
  return { families, series };
}

/**
 * The parser under test for a format and mode, as `(buf) => number of samples read`. Per
 * sample it reads what the scrape loop reads with a warm series cache (`seriesKey()`,
 * `value()`, `timestamp()`); the `labels` mode also builds each sample's label set, as a first
 * scrape (cold cache) does.
 */
function parserFor(format, mode) {
  const strictness = mode === 'strict' ? 'strict' : 'lenient';
  const withLabels = mode === 'lenient+labels';
  return (buf) => {
    const p = newParser(buf, format, { strictness });
    let n = 0;
    let sink = 0;
    for (;;) {
      const e = p.next();
      if (e === Entry.EOF) break;
      if (e !== Entry.Series) continue;
      sink += p.seriesKey().length + p.value() + (p.timestamp() ?? 0);
      if (withLabels) sink += p.labels().size;
      n++;
    }
    if (sink === -1) console.log('');
    return n;
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Shortest timed run: small pages repeat the operation until a run lasts this long. */
const MIN_RUN_MS = 20;

/**
 * Times `fn` (returning a checksum so the work is not optimised away): the median time per
 * call, over RUNS timed runs of enough calls each to last MIN_RUN_MS, after WARMUP runs.
 */
function time(fn) {
  let sink = 0;
  const t0 = performance.now();
  sink += fn();
  const once = Math.max(performance.now() - t0, 0.001);
  const reps = Math.max(1, Math.ceil(MIN_RUN_MS / once));
  const run = () => {
    const start = performance.now();
    for (let r = 0; r < reps; r++) sink += fn();
    return (performance.now() - start) / reps;
  };
  for (let i = 0; i < WARMUP; i++) run();
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(run());
  if (sink === -1) console.log('');
  return median(times);
}

const rows = [];
function row(page, format, op, bytes, samples, ms) {
  rows.push({
    page,
    format,
    op,
    'size (MB)': (bytes / 1e6).toFixed(2),
    samples,
    'median ms': ms.toFixed(2),
    'MB/s': (bytes / 1e6 / (ms / 1000)).toFixed(1),
    'samples/s': Math.round(samples / (ms / 1000)).toLocaleString('en-US'),
  });
}

const pages = [
  ['node_exporter-sized', buildPage(1_000, 1)],
  ['large', buildPage(100_000, 2)],
];

for (const [label, { families, series }] of pages) {
  for (const format of ['text', 'openmetrics']) {
    // The writers' HTTP path: families to UTF-8 bytes.
    const write = format === 'text' ? () => encodeText(families) : () => encodeOpenMetrics(families);
    const buf = Buffer.from(write());
    const bytes = buf.length;
    row(
      label,
      format,
      'write',
      bytes,
      series,
      time(() => write().length),
    );
    for (const mode of ['lenient', 'lenient+labels', 'strict']) {
      const parse = parserFor(format, mode);
      if (parse === undefined) continue;
      const n = parse(buf);
      if (n !== series) throw new Error(`${format} ${mode} parser read ${n} samples, want ${series}`);
      row(
        label,
        format,
        `parse (${mode})`,
        bytes,
        series,
        time(() => parse(buf)),
      );
    }
  }
}

console.log(
  `exposition benchmark: node ${process.version}, one core, median of ${RUNS} runs after ${WARMUP} warm-up`,
);
console.table(rows);
const textLenient = rows.find((r) => r.page === 'large' && r.format === 'text' && r.op === 'parse (lenient)');
if (textLenient !== undefined) {
  const rate = Number(textLenient['samples/s'].replace(/,/g, ''));
  console.log(
    `text parse (lenient, large page): ${textLenient['samples/s']} samples/s — target 1,000,000: ${rate >= 1e6 ? 'met' : 'NOT met'}`,
  );
}
