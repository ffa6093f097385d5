#!/usr/bin/env node
// bench/tsdb-blocks.mjs — writing a block from a head and reading it back.
//
//   npm run build && node bench/tsdb-blocks.mjs [--quick]
//
// Fills a head with N series × 6 h at 15 s (counters with varying increments, gauges), persists
// it as one block (the head compaction path), then reports write throughput, bytes per sample on
// disk split into chunks and index, and the time to read all samples of one series and of
// 10,000 series from the block. With promtool installed (../shared/tools/peers.sh), the same
// data set goes through `promtool tsdb create-blocks-from openmetrics` for a bytes-per-sample
// comparison (its 2h blocks against ignis's 2h blocks from the same samples). Last, a DB is
// filled with 14 h of half as many series and compacted as the server does (DB.compact(): six 2h
// blocks cut from the head, a WAL checkpoint in a worker, three 2h blocks merged into a 6h one),
// reporting compaction throughput and the longest event-loop stall, with and without yielding.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const quick = process.argv.includes('--quick');
const dist = new URL('../dist/', import.meta.url);
const { Labels } = await import(new URL('model/labels.js', dist).href);
const { Matcher } = await import(new URL('model/matcher.js', dist).href);
const { Head } = await import(new URL('tsdb/head/head.js', dist).href);
const { Block } = await import(new URL('tsdb/block/block.js', dist).href);
const { headSource } = await import(new URL('tsdb/block/source.js', dist).href);
const { writeBlock } = await import(new URL('tsdb/block/writer.js', dist).href);
const { peerBinary } = await import(new URL('util/testenv.js', dist).href);
const { DB } = await import(new URL('tsdb/db.js', dist).href);

const SERIES = quick ? 2000 : 10_000;
/** Series of the compaction run (14 h each). */
const CSERIES = SERIES / 2;
const HOURS = 6;
const STEP = 15_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (2 * 3600_000));

function labelsOf(i) {
  return Labels.fromStrings(
    '__name__',
    i % 2 === 0 ? `requests_total_${i % 50}` : `temperature_${i % 50}`,
    'instance',
    `host-${(i / 50) | 0}.example.com:9100`,
    'job',
    'node',
  );
}

/** Value of series i at step k: counters grow by varying increments, gauges wander. */
function valueOf(i, k, prev) {
  if (i % 2 === 0) return prev + ((k * 7 + i) % 13);
  return Math.round(Math.sin((k + i) / 40) * 1000) / 10;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-bench-blocks-'));
const mb = (n) => (n / 1048576).toFixed(1);
const rows = [];
const row = (what, value) => rows.push([what, value]);

try {
  // ---- Fill a head ------------------------------------------------------------------------------
  const labels = Array.from({ length: SERIES }, (_, i) => labelsOf(i));
  const head = new Head({ chunkRange: 2 * 3600_000 * 4 });
  const refs = new Float64Array(SERIES);
  const last = new Float64Array(SERIES);
  const steps = (HOURS * 3600_000) / STEP;
  let t1 = process.hrtime.bigint();
  for (let k = 0; k < steps; k++) {
    const app = head.appender();
    const t = T0 + k * STEP;
    for (let i = 0; i < SERIES; i++) {
      const v = valueOf(i, k, last[i]);
      last[i] = v;
      refs[i] = app.append(refs[i], labels[i], t, v);
    }
    app.commit();
  }
  const samples = SERIES * steps;
  const fillS = Number(process.hrtime.bigint() - t1) / 1e9;
  row('series × samples', `${SERIES} × ${steps} = ${samples.toLocaleString('en')}`);
  row('head fill (not the block path)', `${(samples / fillS / 1e6).toFixed(2)} M samples/s`);

  // ---- Write the block --------------------------------------------------------------------------
  const mint = head.minTime();
  const maxt = head.maxTime() + 1;
  t1 = process.hrtime.bigint();
  const meta = writeBlock(dir, headSource(head, mint, maxt), mint, maxt);
  const writeS = Number(process.hrtime.bigint() - t1) / 1e9;
  const bdir = path.join(dir, meta.ulid);
  const chunkBytes = fs
    .readdirSync(path.join(bdir, 'chunks'))
    .reduce((n, f) => n + fs.statSync(path.join(bdir, 'chunks', f)).size, 0);
  const indexBytes = fs.statSync(path.join(bdir, 'index')).size;
  row('block write', `${writeS.toFixed(2)} s, ${(samples / writeS / 1e6).toFixed(2)} M samples/s`);
  row('chunks on disk', `${mb(chunkBytes)} MiB, ${(chunkBytes / samples).toFixed(3)} bytes/sample`);
  row(
    'index on disk',
    `${mb(indexBytes)} MiB, ${(indexBytes / samples).toFixed(3)} bytes/sample (${(indexBytes / SERIES).toFixed(0)} bytes/series)`,
  );
  row('total bytes/sample', ((chunkBytes + indexBytes) / samples).toFixed(3));
  row('chunks / series', (meta.stats.numChunks / SERIES).toFixed(1));

  // ---- Read it back -----------------------------------------------------------------------------
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  t1 = process.hrtime.bigint();
  const block = Block.open(bdir);
  const openMs = Number(process.hrtime.bigint() - t1) / 1e6;
  row('block open', `${openMs.toFixed(1)} ms`);
  const readAll = (ms) => {
    const q = block.querier(mint, maxt);
    const set = q.select(true, undefined, ...ms);
    let n = 0;
    let series = 0;
    let sum = 0;
    while (set.next()) {
      const it = set.at().iterator();
      series++;
      while (it.next() !== 0) {
        n++;
        sum += it.t;
      }
    }
    return { n, series, sum };
  };
  // One series: warm once (JIT), then time the median of several runs.
  const one = [
    Matcher.create('=', '__name__', 'requests_total_0'),
    Matcher.create('=', 'instance', 'host-7.example.com:9100'),
  ];
  readAll(one);
  const times = [];
  let res;
  for (let r = 0; r < 21; r++) {
    t1 = process.hrtime.bigint();
    res = readAll(one);
    times.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  times.sort((a, b) => a - b);
  row('read 1 series (select + all samples)', `${times[10].toFixed(3)} ms (${res.n} samples, median of 21)`);
  const all = [Matcher.create('=', 'job', 'node')];
  t1 = process.hrtime.bigint();
  res = readAll(all);
  const allS = Number(process.hrtime.bigint() - t1) / 1e9;
  row(
    `read ${res.series} series (all samples)`,
    `${(allS * 1000).toFixed(0)} ms, ${(res.n / allS / 1e6).toFixed(1)} M samples/s`,
  );
  const heap1 = process.memoryUsage().heapUsed;
  row(
    'heap growth while reading the block',
    `${mb(Math.max(0, heap1 - heap0))} MiB (block on disk ${mb(chunkBytes + indexBytes)} MiB)`,
  );
  row(
    'bytes read from disk by the full read',
    `${mb(block.chunks.bytesRead() + block.index.bytesRead())} MiB`,
  );
  block.close();

  // ---- Compaction through the DB ---------------------------------------------------------------
  const compactRun = async (yieldMs) => {
    const ddir = path.join(dir, `db-${yieldMs}`);
    const db = await DB.open(ddir, { retentionDuration: 0, compactionYieldMs: yieldMs, noLockfile: true });
    const T6 = T0 - (T0 % (6 * 3600_000));
    const steps14 = (14 * 3600_000) / STEP;
    const cur = new Float64Array(CSERIES);
    const crefs = new Float64Array(CSERIES);
    for (let k = 0; k < steps14; k++) {
      const app = db.appender();
      const t = T6 + k * STEP;
      for (let i = 0; i < CSERIES; i++) {
        cur[i] = valueOf(i, k, cur[i]);
        crefs[i] = app.append(crefs[i], labels[i], t, cur[i]);
      }
      app.commit();
    }
    const t0 = process.hrtime.bigint();
    await db.compact();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const st = db.compactionStats;
    await db.close();
    fs.rmSync(ddir, { recursive: true, force: true });
    return { s, st };
  };
  {
    const { s, st } = await compactRun(10);
    row(
      `DB.compact() of ${CSERIES} series × 14 h (${st.headCompactions} head blocks + ${st.blockCompactions} merge)`,
      `${s.toFixed(2)} s, ${(st.samplesWritten / s / 1e6).toFixed(2)} M samples/s written`,
    );
    row('longest event-loop stall during compact() (yield every 10 ms)', `${st.maxStallMs.toFixed(1)} ms`);
    const noYield = await compactRun(1e9);
    row(
      'longest event-loop stall with the yield budget off (for comparison)',
      `${noYield.st.maxStallMs.toFixed(1)} ms`,
    );
  }

  // ---- promtool on the same data ----------------------------------------------------------------
  const promtool = peerBinary('promtool', 'bytes per sample beside promtool');
  if (promtool !== null && !quick) {
    const om = path.join(dir, 'in.om');
    const fd = fs.openSync(om, 'w');
    let buf = '';
    for (let i = 0; i < SERIES; i++) {
      const ls = labels[i];
      const name = ls.get('__name__');
      const sel = `{instance="${ls.get('instance')}",job="node"}`;
      buf += `# TYPE ${name}_${i} unknown\n`;
      let p = 0;
      for (let k = 0; k < steps; k++) {
        p = valueOf(i, k, p);
        buf += `${name}${sel} ${p} ${(T0 + k * STEP) / 1000}\n`;
      }
      if (buf.length > 1 << 24) {
        fs.writeSync(fd, buf);
        buf = '';
      }
    }
    fs.writeSync(fd, buf + '# EOF\n');
    fs.closeSync(fd);
    const pdir = path.join(dir, 'promtool');
    fs.mkdirSync(pdir);
    t1 = process.hrtime.bigint();
    execFileSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', om, pdir], { stdio: 'ignore' });
    const promS = Number(process.hrtime.bigint() - t1) / 1e9;
    let pc = 0;
    let pi = 0;
    for (const b of fs.readdirSync(pdir)) {
      for (const f of fs.readdirSync(path.join(pdir, b, 'chunks')))
        pc += fs.statSync(path.join(pdir, b, 'chunks', f)).size;
      pi += fs.statSync(path.join(pdir, b, 'index')).size;
    }
    row(
      'promtool create-blocks-from (2h blocks, incl. parsing)',
      `${promS.toFixed(1)} s, ${(samples / promS / 1e6).toFixed(2)} M samples/s`,
    );
    row(
      'promtool chunks / index bytes per sample',
      `${(pc / samples).toFixed(3)} / ${(pi / samples).toFixed(3)}`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const w = Math.max(...rows.map(([a]) => a.length));
console.log(`\nbench/tsdb-blocks (${quick ? 'quick' : 'full'}; node ${process.version})\n`);
for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
