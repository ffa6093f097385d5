#!/usr/bin/env node
// XOR chunk throughput: appending and iterating realistic series, and bytes per sample.
// Run after `npm run build`: node bench/tsdb-chunks.mjs [--samples N]
//
// Each series is cut into chunks of 120 samples, as the head does for a steady series
// (src/tsdb/chunkenc/chunk.ts, "Chunk cutting"). Figures are the best of several rounds, so a
// garbage collection or a compilation in one round does not decide the result.
import { XORChunk } from '../dist/tsdb/chunkenc/xor.js';

const SAMPLES_PER_CHUNK = 120;
const ROUNDS = 7;
const argN = process.argv.indexOf('--samples');
const TOTAL = argN > 0 ? Number(process.argv[argN + 1]) : 1_200_000;

/** A small seeded PRNG (mulberry32), so runs are comparable. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Scrape timestamps: a 15s interval with a few milliseconds of jitter on some scrapes. */
function scrapeTimes(n, rnd) {
  const ts = new Float64Array(n);
  let t = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    ts[i] = t;
    t += 15_000 + (rnd() < 0.2 ? Math.floor((rnd() - 0.5) * 10) : 0);
  }
  return ts;
}

// Values live in Float64Arrays (not JS arrays, which may quiet signalling NaNs).
const series = {
  'counter (requests_total)': (n, rnd) => {
    const v = new Float64Array(n);
    let c = 0;
    for (let i = 0; i < n; i++) v[i] = c += Math.floor(rnd() * 50);
    return v;
  },
  'gauge (memory bytes)': (n, rnd) => {
    const v = new Float64Array(n);
    let g = 512 * 1024 * 1024;
    for (let i = 0; i < n; i++) v[i] = g += Math.floor((rnd() - 0.5) * 4096) * 4096;
    return v;
  },
  'gauge (ratio, 2 decimals)': (n, rnd) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.round(rnd() * 10000) / 100;
    return v;
  },
  'constant (up)': (n) => new Float64Array(n).fill(1),
  'random float64': (n, rnd) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = (rnd() - 0.5) * 1e6;
    return v;
  },
};

function appendAll(ts, vs) {
  const chunks = [];
  for (let i = 0; i < ts.length; i += SAMPLES_PER_CHUNK) {
    const c = new XORChunk();
    const app = c.appender();
    const end = Math.min(i + SAMPLES_PER_CHUNK, ts.length);
    for (let j = i; j < end; j++) app.append(ts[j], vs[j]);
    chunks.push(c);
  }
  return chunks;
}

function iterateAll(chunks) {
  let sum = 0;
  let n = 0;
  let it;
  for (const c of chunks) {
    it = c.iterator(it);
    while (it.next() !== 0) {
      sum += it.v;
      n += it.t > 0 ? 1 : 0;
    }
  }
  return sum + n;
}

function best(fn) {
  let min = Infinity;
  let result;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < min) min = dt;
  }
  return [min, result];
}

const fmt = (x) => (x / 1e6).toFixed(1).padStart(7) + ' M/s';
const rows = [];
for (const [name, gen] of Object.entries(series)) {
  const rnd = prng(1);
  const ts = scrapeTimes(TOTAL, rnd);
  const vs = gen(TOTAL, rnd);
  const [tAppend, chunks] = best(() => appendAll(ts, vs));
  const [tIter] = best(() => iterateAll(chunks));
  let bytes = 0;
  for (const c of chunks) bytes += c.bytes().length;
  rows.push([name, fmt(TOTAL / tAppend), fmt(TOTAL / tIter), (bytes / TOTAL).toFixed(2).padStart(6)]);
}

console.log(
  `XOR chunks: ${TOTAL} samples per series, ${SAMPLES_PER_CHUNK} per chunk, node ${process.version}`,
);
const head = ['series', 'append', 'iterate', 'B/sample'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
