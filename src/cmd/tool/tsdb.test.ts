import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { readMeta } from '../../tsdb/block/meta.js';
import { conformancePath, peerBinary } from '../../util/testenv.js';
import { base2Bytes, tsdbCommand } from './tsdb.js';
import { compatibleBlockDuration } from './tsdb-backfill.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-tool-tsdb-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => {
  const d = path.join(tmp, `d${n++}`);
  fs.mkdirSync(d);
  return d;
};

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await tsdbCommand(args, { stdout, stderr });
  return { code, out, err };
}

/** The OpenMetrics input the upstream dump fixtures were made from (1m interval from 0). */
function fixtureInput(): string {
  const lines: string[] = [];
  const add = (series: string, vals: number[]): void =>
    vals.forEach((v, i) => lines.push(`${series} ${v} ${i * 60}`));
  add('metric{foo="bar",baz="abc"}', [1, 2, 3, 4, 5]);
  add('heavy_metric{foo="bar"}', [5, 4, 3, 2, 1]);
  add('heavy_metric{foo="foo"}', [5, 4, 3, 2, 1]);
  // Reverse the lines: the backfill takes samples in any order.
  return lines.reverse().join('\n') + '\n# EOF\n';
}

function blockDirs(dir: string): string[] {
  return fs.readdirSync(dir).filter((x) => /^[0-9A-Z]{26}$/.test(x));
}

describe('tsdb tool helpers', () => {
  it('formats sizes as units.Base2Bytes and picks promtool block durations', () => {
    assert.equal(base2Bytes(622), '622B');
    assert.equal(base2Bytes(1536), '1KiB512B');
    assert.equal(base2Bytes(3 << 20), '3MiB');
    assert.equal(base2Bytes(0), '0B');
    const h = 3600_000;
    assert.equal(compatibleBlockDuration(0), 2 * h);
    assert.equal(compatibleBlockDuration(h), 2 * h);
    assert.equal(compatibleBlockDuration(7 * h), 6 * h);
    assert.equal(compatibleBlockDuration(24 * h), 18 * h);
  });
});

const testdata = conformancePath('promtool/testdata', 'promtool tsdb dump fixtures');

describe('tsdb dump against the upstream fixtures', { skip: testdata === null }, () => {
  const fixture = (f: string): string => fs.readFileSync(path.join(testdata!, f), 'utf8');
  let dir = '';

  it('create-blocks-from openmetrics writes the input into blocks', async () => {
    dir = newDir();
    const input = path.join(dir, '..', `in${n}.om`);
    fs.writeFileSync(input, fixtureInput());
    const r = await run('create-blocks-from', 'openmetrics', input, dir);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^BLOCK ULID {18}MIN TIME {5}MAX TIME {5}DURATION {5}NUM SAMPLES {2}NUM CHUNKS {3}NUM SERIES {3}SIZE\n/,
    );
    assert.match(r.out, /\n[0-9A-Z]{26} {2}0 {12}240001 {7}4m0.001s {5}15 {11}3 {12}3 {12}\d+\n$/);
    assert.equal(blockDirs(dir).length, 1);
  });

  it('dump prints dump-test-1/2/3', async () => {
    assert.equal((await run('dump', dir)).out, fixture('dump-test-1.prom'));
    const two = await run(
      'dump',
      dir,
      "--match={__name__='heavy_metric',foo='foo'}",
      '--match',
      "{__name__='metric'}",
    );
    assert.equal(two.out, fixture('dump-test-2.prom'));
    const three = await run(
      'dump',
      dir,
      '--match',
      "{__name__='metric'}",
      '--min-time=60000',
      '--max-time',
      '120000',
    );
    assert.equal(three.out, fixture('dump-test-3.prom'));
  });

  it('dump --format seriesjson prints dump-series-1/2/3', async () => {
    assert.equal((await run('dump', dir, '--format=seriesjson')).out, fixture('dump-series-1.prom'));
    const two = await run(
      'dump',
      dir,
      '--format=seriesjson',
      "--match={__name__='heavy_metric',foo='foo'}",
      "--match={__name__='metric'}",
    );
    assert.equal(two.out, fixture('dump-series-2.prom'));
    const three = await run(
      'dump',
      dir,
      '--format=seriesjson',
      "--match={__name__='metric'}",
      '--min-time=60000',
      '--max-time=120000',
    );
    assert.equal(three.out, fixture('dump-series-3.prom'));
  });

  it('dump-openmetrics prints dump-openmetrics-test', async () => {
    const d = newDir();
    const input = path.join(d, '..', `om${n}.om`);
    const lines: string[] = [];
    [1, 2, 3, 4, 5].forEach((v, i) => lines.push(`my_counter{foo="bar",baz="abc"} ${v} ${i * 60}`));
    [9, 8, 0, 4, 7].forEach((v, i) => lines.push(`my_gauge{bar="foo",abc="baz"} ${v} ${i * 60}`));
    fs.writeFileSync(input, lines.join('\n') + '\n# EOF\n');
    assert.equal((await run('create-blocks-from', 'openmetrics', input, d)).code, 0);
    const sorted = (s: string): string[] => s.split('\n').filter(Boolean).sort();
    assert.deepEqual(
      sorted((await run('dump-openmetrics', d)).out),
      sorted(fixture('dump-openmetrics-test.prom')),
    );
  });

  it('dump-openmetrics-roundtrip-test survives import and dump unchanged', async () => {
    const d = newDir();
    const r = await run(
      'create-blocks-from',
      'openmetrics',
      path.join(testdata!, 'dump-openmetrics-roundtrip-test.prom'),
      d,
      '--quiet',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal((await run('dump-openmetrics', d)).out, fixture('dump-openmetrics-roundtrip-test.prom'));
  });
});

describe('tsdb create-blocks-from: validation', () => {
  const cases: [string, string, RegExp][] = [
    ['no # EOF', 'a{x="1"} 1 10\n', /^getting min and max timestamp: next: .*EOF/],
    ['no timestamp', 'a{x="1"} 1 10\nb 1\n# EOF\n', /expected timestamp for series got none \(line 2\)/],
    ['bad labels', 'a{x="1"} 1 10\na{x="1" 2 11\n# EOF\n', /^getting min and max timestamp: next: line 2/],
    ['duplicate', 'a 1 10\na 2 10\n# EOF\n', /duplicate sample for timestamp 10000 .*lines 1 and 2/],
  ];
  for (const [name, text, re] of cases) {
    it(`rejects input with ${name}, leaving the output directory untouched`, async () => {
      const d = newDir();
      fs.writeFileSync(path.join(d, 'keep'), 'x');
      const input = path.join(tmp, `bad${n++}.om`);
      fs.writeFileSync(input, text);
      const r = await run('create-blocks-from', 'openmetrics', input, d);
      assert.equal(r.code, 1);
      assert.match(r.err, re);
      assert.deepEqual(fs.readdirSync(d), ['keep']);
    });
  }

  it('attaches --label labels to every series', async () => {
    const d = newDir();
    const input = path.join(tmp, `lbl${n++}.om`);
    fs.writeFileSync(input, 'a{x="1"} 1 10\nb 2 11\n# EOF\n');
    const r = await run(
      'create-blocks-from',
      'openmetrics',
      '--label=env=prod',
      '--label',
      'x=9',
      input,
      d,
      '-q',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(
      (await run('dump', d)).out,
      '{__name__="a", env="prod", x="9"} 1 10000\n{__name__="b", env="prod", x="9"} 2 11000\n',
    );
  });

  it('splits into block windows, honouring --max-block-duration', async () => {
    const d = newDir();
    const input = path.join(tmp, `long${n++}.om`);
    const lines: string[] = [];
    for (let t = 0; t < 13 * 3600; t += 600) lines.push(`g ${t} ${t}`);
    fs.writeFileSync(input, lines.join('\n') + '\n# EOF\n');
    assert.equal((await run('create-blocks-from', 'openmetrics', input, d, '-q')).code, 0);
    assert.equal(blockDirs(d).length, 7);
    const d2 = newDir();
    assert.equal(
      (await run('create-blocks-from', 'openmetrics', '--max-block-duration=6h', input, d2, '-q')).code,
      0,
    );
    const metas = blockDirs(d2).map((b) => readMeta(path.join(d2, b)));
    assert.equal(metas.length, 3);
    const list = await run('list', d2, '-r');
    assert.match(list.out, /1970-01-01 00:00:00 \+0000 UTC {2}1970-01-01 05:50:00 \+0000 UTC {2}5h50m0.001s/);
  });
});

const promtool = peerBinary('promtool', 'tsdb tool interop with promtool');

describe('tsdb tool beside promtool', { skip: promtool === null }, () => {
  const pt = (...args: string[]): string =>
    execFileSync(promtool!, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  /** Counters, gauges, a classic histogram and gaps over 7 hours, lines shuffled per series. */
  function generated(): string {
    let s = 7;
    const r = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const out: string[] = ['# TYPE req counter'];
    const start = 1_700_000_123;
    for (let i = 0; i < 6; i++) {
      let c = 0;
      for (let t = start; t < start + 7 * 3600; t += 15) {
        c += Math.floor(r() * 10);
        out.push(`req_total{code="${200 + i}"} ${c} ${t}`);
      }
    }
    out.push('# TYPE temp gauge');
    for (let i = 0; i < 4; i++) {
      for (let t = start + i; t < start + 7 * 3600; t += 30) {
        if (t % 7200 < 1800 && i === 2) continue; // Gaps.
        out.push(`temp{room="r${i}"} ${Math.round(r() * 4000) / 100} ${t}`);
      }
    }
    out.push('# TYPE lat histogram');
    for (let t = start; t < start + 7 * 3600; t += 60) {
      let acc = 0;
      for (const le of ['0.1', '1', '+Inf']) {
        acc += Math.floor(r() * 5);
        out.push(`lat_bucket{le="${le}"} ${acc} ${t}`);
      }
      out.push(`lat_count ${acc} ${t}`, `lat_sum ${acc * 0.3} ${t}`);
    }
    return out.join('\n') + '\n# EOF\n';
  }

  it('writes blocks whose promtool dump equals that of promtool blocks; analyze and list agree', async () => {
    const input = path.join(tmp, 'gen.om');
    fs.writeFileSync(input, generated());
    const mine = newDir();
    const theirs = newDir();
    const r = await run('create-blocks-from', 'openmetrics', input, mine);
    assert.equal(r.code, 0, r.err);
    const theirOut = pt('tsdb', 'create-blocks-from', 'openmetrics', input, theirs);
    const strip = (s: string): string => s.replace(/[0-9A-Z]{26}/g, 'ULID');
    assert.equal(strip(r.out), strip(theirOut));
    fs.mkdirSync(path.join(mine, 'wal'));
    fs.mkdirSync(path.join(theirs, 'wal'));
    const dumpMine = pt('tsdb', 'dump', mine);
    assert.equal(dumpMine, pt('tsdb', 'dump', theirs));
    assert.ok(dumpMine.length > 100_000);
    assert.equal((await run('dump', mine)).out, dumpMine);
    assert.equal((await run('dump', theirs)).out, dumpMine);
    assert.equal((await run('dump-openmetrics', theirs)).out, pt('tsdb', 'dump-openmetrics', theirs));
    assert.equal(strip((await run('list', theirs)).out), strip(pt('tsdb', 'list', theirs)));
    assert.equal(strip((await run('list', '-r', theirs)).out), strip(pt('tsdb', 'list', '-r', theirs)));
    // analyze: ties are printed in map order by promtool, so compare each section as a set.
    const sections = (s: string): string[][] =>
      s.split('\n\n').map((x) => x.split('\n').filter(Boolean).sort());
    for (const b of blockDirs(theirs)) {
      assert.deepEqual(
        sections((await run('analyze', theirs, b)).out),
        sections(pt('tsdb', 'analyze', theirs, b)),
      );
    }
    assert.deepEqual(
      sections((await run('analyze', mine)).out).slice(1),
      sections(pt('tsdb', 'analyze', mine)).slice(1),
    );
    // --extended adds the chunk histograms, which have no ties: compare them byte for byte.
    const tail = (x: string): string => x.slice(x.indexOf('\nCompaction analysis:'));
    const ext = (await run('analyze', '--extended', theirs)).out;
    assert.match(ext, /\nCompaction analysis:\n\nsamples per float chunk \(min\/avg\/max\)/);
    assert.equal(tail(ext), tail(pt('tsdb', 'analyze', '--extended', theirs)));
    assert.equal(
      tail((await run('analyze', '--extended', mine)).out),
      tail(pt('tsdb', 'analyze', '--extended', mine)),
    );
  });
});
