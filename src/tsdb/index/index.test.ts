import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { compareStrings } from '../../model/strings.js';
import type { ChunkMeta } from '../chunks/chunks.js';
import { FORMAT_V2, SERIES_BYTE_ALIGN } from './format.js';
import { postingsForMatchers } from './postings-for-matchers.js';
import { IndexReader } from './reader.js';
import { IndexWriter } from './writer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-index-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const meta = (ref: number, minT: number, maxT: number): ChunkMeta => ({ ref, minT, maxT, chunk: null });

/**
 * The index `promtool tsdb create-blocks-from openmetrics` (Prometheus 3.5.3) wrote for three
 * series with one chunk each: http_requests_total{code="200",method="get"} and code="500" with
 * one sample at 1000000, temp{room="a"} with samples at 1000000 and 1015000.
 */
const PROMTOOL_INDEX = Buffer.from(
  'uqrXAAIAAABGAAAACwADMjAwAzUwMAhfX25hbWVfXwFhBGNvZGUDZ2V0E2h0dHBfcmVxdWVzdHNfdG90YWwGbWV0aG9kBHJvb20E' +
    'dGVtcOj5V5IAAAAAAAAAAAAAAAAADQMDBwUBCAYBgIl6AAgsUQHaAAAAAAAAAAAAAAAAAAANAwMHBQIIBgGAiXoAGzbwOWgAAAAA' +
    'AAAAAAAAAAAAAAwCAwoJBAGAiXqYdS7bTAcYAAAAAAAAEAAAAAEAAAACAAAABwAAAApcp16SAAAAEAAAAAEAAAACAAAAAQAAAAJG' +
    'GWe1AAAADAAAAAEAAAABAAAABsHu61EAAAAMAAAAAQAAAAEAAAAEINWbpgAAABAAAAADAAAABgAAAAgAAAAKjt3pvgAAAAwAAAAC' +
    'AAAABgAAAAjcT1YbAAAACAAAAAEAAAAK39v1HgAAAAgAAAABAAAABpKYOs4AAAAIAAAAAQAAAAg+4IXpAAAADAAAAAIAAAAGAAAA' +
    'CNxPVhsAAAAIAAAAAQAAAArf2/UeAAAAKgAAAAQBCF9fbmFtZV9ftAEBBGNvZGXMAQEGbWV0aG9k5AEBBHJvb234AbYg0rwAAABq' +
    'AAAABwIAAIwCAghfX25hbWVfXxNodHRwX3JlcXVlc3RzX3RvdGFspAICCF9fbmFtZV9fBHRlbXC4AgIEY29kZQMyMDDIAgIEY29k' +
    'ZQM1MDDYAgIGbWV0aG9kA2dldOgCAgRyb29tAWH8AsG1uo0AAAAAAAAABQAAAAAAAABTAAAAAAAAALEAAAAAAAABjAAAAAAAAAEM' +
    'AAAAAAAAAb758ueP',
  'base64',
);

const PROMTOOL_SERIES: [Labels, ChunkMeta[]][] = [
  [
    Labels.fromStrings('__name__', 'http_requests_total', 'code', '200', 'method', 'get'),
    [meta(8, 1000000, 1000000)],
  ],
  [
    Labels.fromStrings('__name__', 'http_requests_total', 'code', '500', 'method', 'get'),
    [meta(27, 1000000, 1000000)],
  ],
  [Labels.fromStrings('__name__', 'temp', 'room', 'a'), [meta(46, 1000000, 1015000)]],
];

function writeIndex(file: string, series: [Labels, ChunkMeta[]][], extraSymbols: string[] = ['']): number[] {
  const syms = new Set(extraSymbols);
  for (const [ls] of series) for (const s of ls.flat()) syms.add(s);
  const w = new IndexWriter(file);
  for (const s of [...syms].sort(compareStrings)) w.addSymbol(s);
  const refs = series.map(([ls, chks]) => w.addSeries(ls, chks));
  w.close();
  return refs;
}

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('index writer', () => {
  it('writes the bytes promtool writes for the same symbols and series', () => {
    const file = path.join(tmp, 'golden');
    const refs = writeIndex(file, PROMTOOL_SERIES);
    assert.deepEqual(refs, [6, 8, 10]);
    assert.equal(Buffer.compare(fs.readFileSync(file), PROMTOOL_INDEX), 0);
  });

  it('aligns series to 16 bytes and writes version 2', () => {
    const file = path.join(tmp, 'align');
    const refs = writeIndex(file, PROMTOOL_SERIES);
    const b = fs.readFileSync(file);
    assert.equal(b[4], FORMAT_V2);
    for (const r of refs) assert.ok(b[r * SERIES_BYTE_ALIGN]! > 0);
  });

  it('rejects out-of-order series, symbols and chunks', () => {
    const w = new IndexWriter(path.join(tmp, 'bad'));
    w.addSymbol('a');
    assert.throws(() => w.addSymbol('a'), /out-of-order/);
    w.addSymbol('b');
    w.addSeries(Labels.fromStrings('a', 'b'), [meta(8, 0, 10)]);
    assert.throws(() => w.addSeries(Labels.fromStrings('a', 'a'), []), /out-of-order series/);
    assert.throws(
      () => w.addSeries(Labels.fromStrings('b', 'b'), [meta(4, 0, 10)]),
      /unsorted chunk reference/,
    );
    assert.throws(
      () => w.addSeries(Labels.fromStrings('b', 'b'), [meta(20, 0, 10), meta(30, 10, 20)]),
      /not after the previous/,
    );
    assert.throws(() => w.addSeries(Labels.fromStrings('b', 'c'), []), /symbol "c" not found/);
    assert.throws(() => w.addSymbol('c'), /after series/);
    w.abandon();
  });
});

describe('index reader', () => {
  it('reads the promtool index: labels, chunk metas, postings, label values', () => {
    const file = path.join(tmp, 'promtool');
    fs.writeFileSync(file, PROMTOOL_INDEX);
    const r = IndexReader.open(file);
    assert.equal(r.version, 2);
    assert.deepEqual(Array.from(r.allPostings()), [6, 8, 10]);
    assert.deepEqual(r.labelNames(), ['__name__', 'code', 'method', 'room']);
    assert.deepEqual(r.labelValues('__name__'), ['http_requests_total', 'temp']);
    assert.deepEqual(Array.from(r.get('method', 'get')), [6, 8]);
    assert.deepEqual(Array.from(r.get('method', 'post')), []);
    for (let i = 0; i < 3; i++) {
      const s = r.series([6, 8, 10][i]!);
      assert.equal(s.labels.toString(), PROMTOOL_SERIES[i]![0].toString());
      assert.deepEqual(s.chunks, PROMTOOL_SERIES[i]![1]);
    }
    assert.deepEqual([...r.symbols()][0], '');
    r.close();
  });

  it('round-trips many series, with label values past the sampling interval', () => {
    const r0 = rng(7);
    const series: [Labels, ChunkMeta[]][] = [];
    const seen = new Set<string>();
    while (series.length < 2000) {
      const ls = Labels.fromStrings(
        '__name__',
        `metric_${Math.floor(r0() * 7)}`,
        'instance',
        `host-${Math.floor(r0() * 300)}`,
        'zone',
        ['a', 'b', 'Zürich', 'ñ', ''][Math.floor(r0() * 5)]!,
      );
      if (seen.has(ls.toString())) continue;
      seen.add(ls.toString());
      series.push([ls, []]);
    }
    series.sort((a, b) => Labels.compare(a[0], b[0]));
    let ref = 8;
    let t = -5_000_000;
    for (const s of series) {
      const n = Math.floor(r0() * 4);
      for (let i = 0; i < n; i++) {
        const minT = t + Math.floor(r0() * 1000);
        const maxT = minT + Math.floor(r0() * 100000);
        s[1].push(meta(ref, minT, maxT));
        ref += 1 + Math.floor(r0() * 2 ** 33);
        t = maxT + 1;
      }
    }
    const file = path.join(tmp, 'many');
    const refs = writeIndex(file, series);
    const r = IndexReader.open(file);
    assert.deepEqual(Array.from(r.allPostings()), refs);
    for (let i = 0; i < series.length; i += 7) {
      const s = r.series(refs[i]!);
      assert.ok(s.labels.equals(series[i]![0]));
      assert.deepEqual(s.chunks, series[i]![1]);
    }
    // Every label pair, and values absent between, before and after the present ones.
    const byPair = new Map<string, number[]>();
    series.forEach(([ls], i) =>
      ls.forEach((n, v) => {
        const k = `${n}\u0000${v}`;
        byPair.set(k, [...(byPair.get(k) ?? []), refs[i]!]);
      }),
    );
    for (const [k, want] of byPair) {
      const [n, v] = k.split('\u0000') as [string, string];
      assert.deepEqual(Array.from(r.get(n, v)), want, k);
    }
    for (const v of ['', 'host-', 'host-0a', 'host-99999', 'zzz', 'host-150x']) {
      assert.deepEqual(Array.from(r.get('instance', v)), [], v);
    }
    assert.deepEqual(Array.from(r.get('nope', 'x')), []);
    const values = [...new Set(series.map(([ls]) => ls.get('instance')))].sort(compareStrings);
    assert.deepEqual(r.labelValues('instance'), values);
    assert.deepEqual(r.labelValues('zone'), ['Zürich', 'a', 'b', 'ñ']);
    // The same matcher logic as the head's.
    const ms = [Matcher.create('=~', 'instance', 'host-1.*'), Matcher.create('!=', 'zone', 'a')];
    const want = refs.filter((_, i) => ms.every((m) => m.matches(series[i]![0].get(m.name))));
    assert.deepEqual(postingsForMatchers(r, ms), want);
    r.close();
  });

  it('detects corruption in the TOC, series and postings', () => {
    const file = path.join(tmp, 'corrupt');
    const good = Buffer.from(PROMTOOL_INDEX);
    const corrupt = (at: number): IndexReader => {
      const b = Buffer.from(good);
      b[at]! ^= 0x01;
      fs.writeFileSync(file, b);
      return IndexReader.open(file);
    };
    assert.throws(() => corrupt(good.length - 10), /read TOC: checksum mismatch/);
    assert.throws(() => corrupt(20), /read symbols: checksum mismatch/);
    assert.throws(() => corrupt(0x1c8), /postings offset table: checksum mismatch/);
    assert.throws(() => corrupt(0), /invalid magic number/);
    const r = corrupt(0x65);
    assert.throws(() => r.series(6), /series 6: checksum mismatch/);
    assert.ok(r.series(8).labels.size > 0);
    r.close();
    const r2 = corrupt(0x118);
    assert.throws(() => r2.allPostings(), /postings at 268: checksum mismatch/);
    r2.close();
  });
});
