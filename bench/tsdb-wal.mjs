#!/usr/bin/env node
// bench/tsdb-wal.mjs — WAL throughput for sample records: encode, encode + write (through
// pages, CRC32-C, segment cuts and fsync), read (fragments, CRC), read + decode (replay).
//
//   npm run build && node bench/tsdb-wal.mjs [--quick] [--samples=N]
//
// Workload: N samples (default 10,000,000; --quick 1,000,000) in records of 1,000 samples, as
// scrapes of 10,000 series every 15 s write them: consecutive refs, one timestamp per scrape,
// counter-like values. One core, median of several runs after a warm-up. Target: replay
// (read + decode) >= 2,000,000 samples/s. Prometheus has no in-process equivalent to time, so
// no ratio is printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dist = new URL('../dist/', import.meta.url);
const { WAL } = await import(new URL('tsdb/wal/wal.js', dist).href);
const { Reader } = await import(new URL('tsdb/wal/reader.js', dist).href);
const { Encbuf } = await import(new URL('tsdb/record/encbuf.js', dist).href);
const { SampleBatch, encodeSamples, decodeSamples } = await import(
  new URL('tsdb/record/samples.js', dist).href
);
const { encodeSeries } = await import(new URL('tsdb/record/encode.js', dist).href);
const { decodeSeries } = await import(new URL('tsdb/record/decode.js', dist).href);
const { Labels } = await import(new URL('model/labels.js', dist).href);

const quick = process.argv.includes('--quick');
const samplesArg = process.argv.find((a) => a.startsWith('--samples='));
const TOTAL = samplesArg ? Number(samplesArg.slice(10)) : quick ? 1_000_000 : 10_000_000;
const PER_RECORD = 1000;
const SERIES = 10_000;
const RUNS = quick ? 3 : 5;
const TARGET_REPLAY = 2_000_000;

/** One scrape's samples: every series once, at one timestamp, with counter-like values. */
function buildBatch() {
  const b = new SampleBatch(TOTAL);
  let x = 12345;
  for (let i = 0; i < TOTAL; i++) {
    const ref = (i % SERIES) + 1;
    const scrape = Math.floor(i / SERIES);
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    // Mostly integers that grow (counters), some fractional gauges.
    const v = ref % 4 === 0 ? (x / 4294967296) * 100 : scrape * 17 + (x & 0xff);
    b.push(ref, 1_700_000_000_000 + scrape * 15_000, v);
  }
  return b;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const batch = buildBatch();
const records = Math.ceil(TOTAL / PER_RECORD);

function encodeAll(enc) {
  let bytes = 0;
  for (let from = 0; from < TOTAL; from += PER_RECORD) {
    enc.reset();
    bytes += encodeSamples(batch, enc, from, Math.min(from + PER_RECORD, TOTAL)).length;
  }
  return bytes;
}

async function writeAll(dir) {
  const w = await WAL.open(dir);
  const enc = new Encbuf(64 * 1024);
  for (let from = 0; from < TOTAL; from += PER_RECORD) {
    enc.reset();
    w.log(encodeSamples(batch, enc, from, Math.min(from + PER_RECORD, TOTAL)));
  }
  await w.close();
}

function readAll(dir, decode) {
  const r = Reader.open(dir);
  const out = new SampleBatch(PER_RECORD);
  let n = 0;
  let bytes = 0;
  let check = 0;
  while (r.next()) {
    const rec = r.record();
    bytes += rec.length;
    if (decode) {
      decodeSamples(rec, out);
      n += out.length;
      check += out.ts[out.length - 1];
    }
  }
  r.close();
  if (r.err() !== null) throw r.err();
  return { n, bytes, check };
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-wal-'));
try {
  const rows = [];
  const rate = (n, ms) => Math.round((n / ms) * 1000);

  // Encode only.
  const enc = new Encbuf(64 * 1024);
  encodeAll(enc);
  const encodeRuns = [];
  let recordBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const { ms, r } = time(() => encodeAll(enc));
    encodeRuns.push(ms);
    recordBytes = r;
  }
  const encMs = median(encodeRuns);
  rows.push({
    phase: 'encode',
    'samples/s': rate(TOTAL, encMs),
    'MB/s': +(recordBytes / 1e6 / (encMs / 1000)).toFixed(1),
    ms: +encMs.toFixed(1),
  });

  // Encode + write, through a fresh WAL each run (close fsyncs).
  const writeRuns = [];
  let dir = '';
  for (let i = 0; i <= RUNS; i++) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = fs.mkdtempSync(path.join(tmpRoot, 'w'));
    const { ms } = await timeAsync(() => writeAll(dir));
    if (i > 0) writeRuns.push(ms); // the first run is the warm-up
  }
  const writeMs = median(writeRuns);
  const walBytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  rows.push({
    phase: 'encode + write',
    'samples/s': rate(TOTAL, writeMs),
    'MB/s': +(walBytes / 1e6 / (writeMs / 1000)).toFixed(1),
    ms: +writeMs.toFixed(1),
  });

  // Read (fragments, CRC, reassembly) with and without decoding, from the page cache.
  readAll(dir, true);
  const readRuns = [];
  const replayRuns = [];
  let replayed = 0;
  for (let i = 0; i < RUNS; i++) {
    readRuns.push(time(() => readAll(dir, false)).ms);
    const { ms, r } = time(() => readAll(dir, true));
    replayRuns.push(ms);
    replayed = r.n;
  }
  if (replayed !== TOTAL) throw new Error(`replayed ${replayed} samples, wrote ${TOTAL}`);
  const readMs = median(readRuns);
  const replayMs = median(replayRuns);
  rows.push({
    phase: 'read',
    'samples/s': rate(TOTAL, readMs),
    'MB/s': +(walBytes / 1e6 / (readMs / 1000)).toFixed(1),
    ms: +readMs.toFixed(1),
  });
  rows.push({
    phase: 'read + decode (replay)',
    'samples/s': rate(TOTAL, replayMs),
    'MB/s': +(walBytes / 1e6 / (replayMs / 1000)).toFixed(1),
    ms: +replayMs.toFixed(1),
  });

  // Series records: 100,000 series with node_exporter-like labels, in records of 1,000.
  const series = [];
  for (let i = 0; i < 100_000; i++) {
    series.push({
      ref: i + 1,
      labels: Labels.fromStrings(
        '__name__',
        `node_metric_${i % 500}`,
        'instance',
        `host-${(i / 500) | 0}:9100`,
        'job',
        'node',
        'mode',
        i % 3 ? 'user' : 'system',
      ),
    });
  }
  const senc = new Encbuf();
  let seriesRecs = [];
  const encodeSeriesAll = () => {
    seriesRecs = [];
    for (let i = 0; i < series.length; i += 1000) {
      senc.reset();
      seriesRecs.push(encodeSeries(series.slice(i, i + 1000), senc).slice());
    }
  };
  const decodeSeriesAll = () => {
    const out = [];
    let n = 0;
    for (const rec of seriesRecs) n += decodeSeries(rec, out).length;
    if (n !== series.length) throw new Error(`decoded ${n} series`);
  };
  const sEncRuns = [];
  const sDecRuns = [];
  for (let i = 0; i <= RUNS; i++) {
    const e = time(encodeSeriesAll).ms;
    const d = time(decodeSeriesAll).ms;
    if (i > 0) {
      sEncRuns.push(e);
      sDecRuns.push(d);
    }
  }
  const sEncMs = median(sEncRuns);
  const sDecMs = median(sDecRuns);
  rows.push({
    phase: 'series encode',
    'samples/s': `${rate(series.length, sEncMs)} series/s`,
    'MB/s': '',
    ms: +sEncMs.toFixed(1),
  });
  rows.push({
    phase: 'series decode',
    'samples/s': `${rate(series.length, sDecMs)} series/s`,
    'MB/s': '',
    ms: +sDecMs.toFixed(1),
  });

  console.log(
    `WAL sample records: ${TOTAL.toLocaleString('en')} samples in ${records.toLocaleString('en')} records of ${PER_RECORD}, ` +
      `${(walBytes / TOTAL).toFixed(2)} bytes/sample on disk, ${(walBytes / 1e6).toFixed(1)} MB, Node ${process.version}, median of ${RUNS}`,
  );
  console.table(rows);
  const replayRate = rate(TOTAL, replayMs);
  console.log(
    `replay: ${replayRate.toLocaleString('en')} samples/s (target >= ${TARGET_REPLAY.toLocaleString('en')}): ${replayRate >= TARGET_REPLAY ? 'met' : 'MISSED'}`,
  );
} finally {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}
