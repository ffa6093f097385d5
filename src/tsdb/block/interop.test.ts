/**
 * Blocks, side by side with the real promtool: for one generated OpenMetrics input (counters,
 * gauges, gaps, NaN and infinities, UTF-8 label values), `promtool tsdb create-blocks-from
 * openmetrics` writes blocks and ignis writes blocks the way promtool does (a head per 2h window,
 * chunk range 4h, persisted over [head min, head max + 1)). Then:
 * - ignis reads promtool's blocks and gets the input's samples back;
 * - promtool's `tsdb analyze` accepts ignis's blocks and `tsdb dump` prints the input's samples,
 *   the same text as for its own blocks;
 * - ignis's chunk segments and index files equal promtool's byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { ValueType } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { peerBinary } from '../../util/testenv.js';
import { Head } from '../head/head.js';
import { Block } from './block.js';
import { readMeta, type BlockMeta } from './meta.js';
import { headSource } from './source.js';
import { writeBlock } from './writer.js';

const promtool = peerBinary('promtool', 'block interop with promtool');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-block-interop-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** promtool's default block duration for create-blocks-from. */
const BLOCK_DURATION = 2 * 3600_000;

interface GenSeries {
  readonly family: string;
  readonly type: 'counter' | 'gauge';
  readonly labels: Labels;
  /** Timestamps in ms and values. */
  readonly ts: number[];
  readonly vs: number[];
}

/**
 * Go's `math.NaN()` (bits 0x7ff8000000000001), what Prometheus's parsers store for "NaN"; the
 * chunks only compare equal if ignis appends the same bits.
 */
const GO_NAN = (() => {
  const f = new Float64Array(1);
  new DataView(f.buffer).setBigUint64(0, 0x7ff8000000000001n, true);
  return f[0]!;
})();

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** About 5.5 hours of data for 30 series, starting off a block boundary. */
function generate(): GenSeries[] {
  const r = rng(11);
  const start = 1_700_000_000_000; // Not a multiple of 2h: the first block is short.
  const end = start + 5.5 * 3600_000;
  const out: GenSeries[] = [];
  const add = (family: string, type: 'counter' | 'gauge', sample: string, kv: string[]): GenSeries => {
    const s = { family, type, labels: Labels.fromStrings('__name__', sample, ...kv), ts: [], vs: [] };
    out.push(s);
    return s;
  };
  for (let i = 0; i < 12; i++) {
    const s = add('http_requests', 'counter', 'http_requests_total', [
      'code',
      ['200', '404', '500', '503'][i % 4]!,
      'path',
      `/api/v${i >> 2}`,
    ]);
    let c = 0;
    for (let t = start; t < end; t += 15_000) {
      c = r() < 0.002 ? 0 : c + Math.floor(r() * 50); // Occasional resets.
      s.ts.push(t);
      s.vs.push(c);
    }
  }
  for (let i = 0; i < 10; i++) {
    const s = add('temperature', 'gauge', 'temperature', [
      'city',
      ['Zürich', 'Ōsaka', 'Paris', 'Zagreb', 'ñandú'][i % 5]!,
      'sensor',
      String(i),
    ]);
    for (let t = start + i * 250; t < end; t += 30_000) {
      s.ts.push(t);
      const x = r();
      // "+ 0" turns -0 into 0: OpenMetrics text has no way to write -0.
      s.vs.push(
        i === 9 && x < 0.05
          ? [GO_NAN, Infinity, -Infinity][Math.floor(x * 60)]!
          : Math.round(x * 800 - 300) / 8 + 0,
      );
    }
  }
  for (let i = 0; i < 8; i++) {
    // Gaps: each series is absent for a stretch; some start late or stop early.
    const s = add('queue_depth', 'gauge', 'queue_depth', ['queue', `q${i}`]);
    const gapFrom = start + (i + 1) * 1800_000;
    const gapTo = gapFrom + i * 900_000;
    for (let t = start + (i % 3) * 3600_000; t < end - (i % 2) * 3600_000; t += 10_000) {
      if (t >= gapFrom && t < gapTo) continue;
      s.ts.push(t);
      s.vs.push(Math.floor(r() * 1000));
    }
  }
  return out;
}

/** Formats a value for OpenMetrics (JavaScript's shortest round-trip form is valid there). */
function omValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function openMetrics(series: GenSeries[]): string {
  let out = '';
  let family = '';
  for (const s of series) {
    if (s.family !== family) {
      family = s.family;
      out += `# TYPE ${family} ${s.type}\n`;
    }
    const name = s.labels.get('__name__');
    const ls = s.labels
      .without('__name__')
      .flat()
      .reduce<string[]>((acc, x, i, a) => (i % 2 === 0 ? [...acc, `${x}="${a[i + 1]}"`] : acc), [])
      .join(',');
    for (let i = 0; i < s.ts.length; i++) out += `${name}{${ls}} ${omValue(s.vs[i]!)} ${s.ts[i]! / 1000}\n`;
  }
  return out + '# EOF\n';
}

/** Writes blocks as promtool's backfill does: one head (chunk range 2 × block) per block window. */
function ignisCreateBlocks(series: GenSeries[], outDir: string): BlockMeta[] {
  let mint = Infinity;
  let maxt = -Infinity;
  for (const s of series) {
    mint = Math.min(mint, s.ts[0]!);
    maxt = Math.max(maxt, s.ts[s.ts.length - 1]!);
  }
  const metas: BlockMeta[] = [];
  for (let t = Math.floor(mint / BLOCK_DURATION) * BLOCK_DURATION; t <= maxt; t += BLOCK_DURATION) {
    const head = new Head({ chunkRange: 2 * BLOCK_DURATION });
    let app = head.appender();
    let n = 0;
    for (const s of series) {
      for (let i = 0; i < s.ts.length; i++) {
        const ts = s.ts[i]!;
        if (ts < t || ts >= t + BLOCK_DURATION) continue;
        app.append(0, s.labels, ts, s.vs[i]!);
        if (++n % 5000 === 0) {
          app.commit();
          app = head.appender();
        }
      }
    }
    app.commit();
    if (head.numSeries() === 0) continue;
    const lo = head.minTime();
    const hi = head.maxTime() + 1;
    const meta = writeBlock(outDir, headSource(head, lo, hi), lo, hi);
    if (meta !== null) metas.push(meta);
  }
  return metas;
}

function blockDirs(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => fs.existsSync(path.join(dir, n, 'meta.json')))
    .sort()
    .map((n) => path.join(dir, n));
}

function run(args: string[]): string {
  return execFileSync(promtool!, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Parses Go's `%g` rendering of a float. */
function goFloat(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** `labels → [t, v][]` of the input, over all series. */
function expected(series: GenSeries[]): Map<string, [number, number][]> {
  const m = new Map<string, [number, number][]>();
  for (const s of series)
    m.set(
      s.labels.toString(),
      s.ts.map((t, i) => [t, s.vs[i]!]),
    );
  return m;
}

function sameSamples(got: Map<string, [number, number][]>, want: Map<string, [number, number][]>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.equal(g.length, w.length, k);
    for (let i = 0; i < w.length; i++) {
      assert.equal(g[i]![0], w[i]![0], `${k} sample ${i}`);
      assert.ok(Object.is(g[i]![1], w[i]![1]), `${k} at ${w[i]![0]}: got ${g[i]![1]}, want ${w[i]![1]}`);
    }
  }
}

describe('block interop with promtool', { skip: promtool === null }, () => {
  const series = generate();
  const want = expected(series);
  const promDir = path.join(tmp, 'promtool');
  const ignisDir = path.join(tmp, 'ignis');
  let ignisMetas: BlockMeta[] = [];

  before(() => {
    const input = path.join(tmp, 'input.om');
    fs.writeFileSync(input, openMetrics(series));
    fs.mkdirSync(promDir);
    run(['tsdb', 'create-blocks-from', 'openmetrics', input, promDir]);
    fs.mkdirSync(ignisDir);
    ignisMetas = ignisCreateBlocks(series, ignisDir);
    // promtool's dump opens the directory as a database, which needs a WAL folder.
    fs.mkdirSync(path.join(promDir, 'wal'));
    fs.mkdirSync(path.join(ignisDir, 'wal'));
  });

  it('ignis reads the blocks promtool wrote and gets the input back', () => {
    const got = new Map<string, [number, number][]>();
    const dirs = blockDirs(promDir);
    assert.ok(dirs.length >= 3, `promtool wrote ${dirs.length} blocks`);
    for (const d of dirs) {
      const b = Block.open(d, { verifyChecksums: true });
      assert.equal(b.index.version, 2);
      const q = b.querier(b.minTime(), b.maxTime() - 1);
      for (const s of collectSeries(q.select(true, undefined, Matcher.create('=~', '__name__', '.+')))) {
        const list = got.get(s.labels.toString()) ?? [];
        const it = s.iterator();
        while (it.next() !== ValueType.None) list.push([it.t, it.v]);
        got.set(s.labels.toString(), list);
      }
      b.close();
    }
    sameSamples(got, want);
  });

  it('promtool tsdb analyze accepts every block ignis wrote', () => {
    assert.equal(ignisMetas.length, blockDirs(promDir).length);
    for (const m of ignisMetas) {
      const out = run(['tsdb', 'analyze', ignisDir, m.ulid]);
      assert.match(out, new RegExp(`Block ID: ${m.ulid}`));
      assert.match(out, new RegExp(`Total Series: ${m.stats.numSeries}\\b`));
    }
    const list = run(['tsdb', 'list', ignisDir]);
    for (const m of ignisMetas) assert.match(list, new RegExp(m.ulid));
  });

  it('promtool tsdb dump prints the input from ignis blocks, as it does from its own', () => {
    const dumpIgnis = run(['tsdb', 'dump', ignisDir]);
    const dumpProm = run(['tsdb', 'dump', promDir]);
    assert.equal(dumpIgnis, dumpProm);
    const got = new Map<string, [number, number][]>();
    for (const line of dumpIgnis.split('\n')) {
      if (line === '') continue;
      const j = line.lastIndexOf(' ');
      const i = line.lastIndexOf(' ', j - 1);
      const k = line.slice(0, i);
      const list = got.get(k) ?? [];
      list.push([Number(line.slice(j + 1)), goFloat(line.slice(i + 1, j))]);
      got.set(k, list);
    }
    sameSamples(got, want);
  });

  it('writes the same chunk segments, index and stats as promtool, byte for byte', () => {
    const prom = blockDirs(promDir).map((d) => ({ dir: d, meta: readMeta(d) }));
    for (const m of ignisMetas) {
      const p = prom.find((x) => x.meta.minTime === m.minTime);
      assert.ok(p, `no promtool block starting at ${m.minTime}`);
      assert.equal(p.meta.maxTime, m.maxTime);
      assert.deepEqual(p.meta.stats, m.stats);
      const mine = path.join(ignisDir, m.ulid);
      const segs = fs.readdirSync(path.join(p.dir, 'chunks')).sort();
      assert.deepEqual(fs.readdirSync(path.join(mine, 'chunks')).sort(), segs);
      for (const f of segs) {
        const a = fs.readFileSync(path.join(mine, 'chunks', f));
        const b = fs.readFileSync(path.join(p.dir, 'chunks', f));
        assert.ok(a.equals(b), `chunks/${f} of the block at ${m.minTime} differs`);
      }
      const ia = fs.readFileSync(path.join(mine, 'index'));
      const ib = fs.readFileSync(path.join(p.dir, 'index'));
      assert.ok(ia.equals(ib), `index of the block at ${m.minTime} differs`);
      assert.ok(
        fs
          .readFileSync(path.join(mine, 'tombstones'))
          .equals(fs.readFileSync(path.join(p.dir, 'tombstones'))),
      );
    }
  });
});
