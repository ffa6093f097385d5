import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../model/value.js';
import { ValueType, type Appender, type Querier, type Storage } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { runStorageSuite } from '../../storage/testing/querier-suite.js';
import { Head } from '../head/head.js';
import { Tombstones, writeTombstones } from '../tombstones/tombstones.js';
import { Block } from './block.js';
import { decodeMeta, encodeMeta, type BlockMeta } from './meta.js';
import { headSource, querierSource } from './source.js';
import { ULIDGenerator, encodeULID, isULID, newULID, ulidTime } from './ulid.js';
import { TMP_FOR_CREATION_SUFFIX, writeBlock } from './writer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-block-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const newDir = (): string => {
  const d = path.join(tmp, `d${dirs++}`);
  fs.mkdirSync(d);
  return d;
};

/** Writes the whole head as one block and opens it. */
function persist(head: Head, dir = newDir()): Block | null {
  const mint = head.minTime();
  const maxt = head.maxTime() + 1;
  const meta = writeBlock(dir, headSource(head, mint, maxt), mint, maxt);
  return meta === null ? null : Block.open(path.join(dir, meta.ulid), { verifyChecksums: true });
}

/**
 * A storage that appends to a head and answers queries from a block: each querier after a
 * commit persists the head into a new block and queries that block only.
 */
class PersistedHeadStorage implements Storage {
  private readonly head = new Head();
  private block: Block | null = null;
  private dirty = false;

  appender(): Appender {
    const app = this.head.appender();
    return {
      append: (ref, ls, t, v) => app.append(ref, ls, t, v),
      appendExemplar: (ref, ls, e) => app.appendExemplar(ref, ls, e),
      updateMetadata: (ref, ls, m) => app.updateMetadata(ref, ls, m),
      commit: () => {
        app.commit();
        this.dirty = true;
      },
      rollback: () => app.rollback(),
    };
  }

  querier(mint: number, maxt: number): Querier {
    if (this.dirty) {
      this.block?.close();
      this.block = persist(this.head);
      this.dirty = false;
    }
    return this.block !== null ? this.block.querier(mint, maxt) : this.head.querier(mint, maxt);
  }

  close(): void {
    this.block?.close();
  }
}

runStorageSuite('block persisted from a head', {
  open: () => new PersistedHeadStorage(),
  close: (s) => (s as PersistedHeadStorage).close(),
});

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Every sample of every selected series, as text (NaN payloads told apart). */
function dump(q: Querier, ...ms: Matcher[]): string[] {
  const out: string[] = [];
  for (const s of collectSeries(q.select(true, undefined, ...ms))) {
    const it = s.iterator();
    let line = s.labels.toString();
    while (it.next() !== ValueType.None) line += ` ${it.t}=${isStaleNaN(it.v) ? 'stale' : it.v}`;
    const err = it.err();
    if (err) throw err;
    out.push(line);
  }
  return out;
}

/** A head with 60 series over ~5 hours: counters, gauges, gaps, stale markers. */
function randomHead(seed: number): Head {
  const r = rng(seed);
  const head = new Head({ chunkRange: 6 * 3600_000 });
  const series = Array.from({ length: 60 }, (_, i) =>
    Labels.fromStrings(
      '__name__',
      ['up', 'requests_total', 'temp'][i % 3]!,
      'instance',
      `h${i % 7}`,
      'shard',
      String(Math.floor(i / 21)),
    ),
  );
  const counters = new Float64Array(series.length);
  for (let t = 1_000_000; t < 1_000_000 + 5 * 3600_000; t += 15_000) {
    const app = head.appender();
    series.forEach((ls, i) => {
      // Gaps: series i skips a stretch of about i minutes every hour.
      if ((t / 60_000) % 60 < i % 13) return;
      if (r() < 0.01) return;
      const name = ls.get('__name__');
      let v: number;
      if (name === 'requests_total') v = counters[i]! += Math.floor(r() * 10);
      else if (name === 'up') v = r() < 0.02 ? STALE_NAN : 1;
      else v = Math.round(r() * 4000 - 1000) / 8;
      app.append(0, ls, t + Math.floor(r() * 3), v);
    });
    app.commit();
  }
  return head;
}

describe('block', () => {
  const head = randomHead(1);
  const block = persist(head)!;
  after(() => block.close());

  it('answers every range and selection exactly as the head it was written from', () => {
    const r = rng(2);
    const selections = [
      [Matcher.create('=', '__name__', 'up')],
      [Matcher.create('=~', 'instance', 'h[1-3]'), Matcher.create('!=', 'shard', '1')],
      [Matcher.create('!~', '__name__', 'temp|up')],
      [Matcher.create('=', 'shard', '')],
      [Matcher.create('=~', '__name__', '.+')],
    ];
    for (let i = 0; i < 40; i++) {
      const mint = head.minTime() - 100_000 + Math.floor(r() * 6 * 3600_000);
      const maxt = mint + Math.floor(r() * 3 * 3600_000);
      const ms = selections[i % selections.length]!;
      assert.deepEqual(dump(block.querier(mint, maxt), ...ms), dump(head.querier(mint, maxt), ...ms));
    }
    const q = block.querier(0, Number.MAX_SAFE_INTEGER);
    const hq = head.querier(0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(q.labelNames(undefined), hq.labelNames(undefined));
    assert.deepEqual(q.labelValues('instance', undefined), hq.labelValues('instance', undefined));
    const m = Matcher.create('=', '__name__', 'temp');
    assert.deepEqual(q.labelValues('shard', undefined, m), hq.labelValues('shard', undefined, m));
    assert.deepEqual(q.labelNames(undefined, m), hq.labelNames(undefined, m));
    assert.equal(collectSeries(q.select(false, { start: 0, end: 0, limit: 5 })).length, 5);
  });

  it('seeks like the head, across chunks', () => {
    const ms = Matcher.create('=', 'instance', 'h4');
    const hs = collectSeries(head.querier(0, 1e15).select(true, undefined, ms));
    const bs = collectSeries(block.querier(0, 1e15).select(true, undefined, ms));
    assert.equal(hs.length, bs.length);
    for (let i = 0; i < hs.length; i++) {
      const a = hs[i]!.iterator();
      const b = bs[i]!.iterator();
      for (let t = 900_000; t < 1_000_000 + 6 * 3600_000; t += 1_234_567) {
        const va = a.seek(t);
        assert.equal(b.seek(t), va);
        if (va !== ValueType.None) assert.equal(b.t, a.t);
        assert.equal(b.next(), a.next());
        if (va !== ValueType.None) assert.equal(b.t, a.t);
      }
    }
  });

  it('records what it holds in meta.json', () => {
    const meta = block.meta;
    assert.ok(isULID(meta.ulid));
    assert.equal(meta.minTime, head.minTime());
    assert.equal(meta.maxTime, head.maxTime() + 1);
    assert.equal(meta.stats.numSeries, 60);
    assert.equal(meta.stats.numSamples, head.stats.samplesAppended);
    assert.ok(meta.stats.numChunks! > 60);
    assert.deepEqual(meta.compaction, { level: 1, sources: [meta.ulid] });
    assert.deepEqual(fs.readdirSync(block.dir).sort(), ['chunks', 'index', 'meta.json', 'tombstones']);
    assert.deepEqual(fs.readdirSync(path.dirname(block.dir)), [meta.ulid]);
  });

  it('re-encodes a querier into the same samples (compaction of blocks)', () => {
    const dir = newDir();
    const meta = writeBlock(
      dir,
      querierSource(block.querier(block.minTime(), block.maxTime() - 1)),
      block.minTime(),
      block.maxTime(),
    )!;
    const again = Block.open(path.join(dir, meta.ulid));
    assert.deepEqual(dump(again.querier(0, 1e15)), dump(block.querier(0, 1e15)));
    assert.equal(meta.stats.numSamples, block.meta.stats.numSamples);
    again.close();
  });
});

describe('block range and tombstones', () => {
  it('keeps only samples inside [mint, maxt) and re-encodes chunks crossing the edge', () => {
    const head = new Head({ chunkRange: 24 * 3600_000 });
    const app = head.appender();
    const ls = Labels.fromStrings('__name__', 'x');
    for (let t = 0; t < 3 * 3600_000; t += 60_000) app.append(0, ls, t, t / 1000);
    app.append(0, Labels.fromStrings('__name__', 'late'), 2.5 * 3600_000, 1);
    app.commit();
    const dir = newDir();
    const meta = writeBlock(dir, headSource(head, 0, 2 * 3600_000), 0, 2 * 3600_000)!;
    assert.equal(meta.stats.numSeries, 1);
    assert.equal(meta.stats.numSamples, 120);
    const b = Block.open(path.join(dir, meta.ulid), { verifyChecksums: true });
    assert.deepEqual(dump(b.querier(0, 1e15)), dump(head.querier(0, 2 * 3600_000 - 1)));
    b.close();
  });

  it('writes no block for a range without samples', () => {
    const head = new Head();
    const dir = newDir();
    assert.equal(writeBlock(dir, headSource(head, 0, 1000), 0, 1000), null);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('removes a stale temporary directory and leaves none behind', () => {
    const head = randomHead(3);
    const dir = newDir();
    const ulid = newULID();
    fs.mkdirSync(path.join(dir, ulid + TMP_FOR_CREATION_SUFFIX, 'junk'), { recursive: true });
    writeBlock(
      dir,
      headSource(head, head.minTime(), head.maxTime() + 1),
      head.minTime(),
      head.maxTime() + 1,
      {
        ulid,
      },
    );
    assert.deepEqual(fs.readdirSync(dir), [ulid]);
    assert.ok(!fs.existsSync(path.join(dir, ulid, 'junk')));
  });

  it('honours deleted intervals: samples inside are skipped, wholly deleted series vanish', () => {
    const head = randomHead(4);
    const b0 = persist(head)!;
    const dir = b0.dir;
    const sel = Matcher.create('=', 'instance', 'h2');
    const refs = Array.from(b0.index.allPostings());
    const hs = collectSeries(head.querier(0, 1e15).select(true, undefined, sel));
    const labelsOf = new Map<number, string>();
    for (const ref of refs) labelsOf.set(ref, b0.index.series(ref).labels.toString());
    b0.close();
    const [first, second] = hs.map((s) => s.labels.toString());
    const refOf = (ls: string): number => [...labelsOf].find(([, l]) => l === ls)![0];
    const ts = new Tombstones();
    const cut = [2_000_000, 3_000_000] as const;
    ts.addInterval(refOf(first!), { mint: cut[0], maxt: cut[1] });
    ts.addInterval(refOf(second!), { mint: -Infinity, maxt: Infinity });
    writeTombstones(dir, ts);
    const b = Block.open(dir);
    const got = dump(b.querier(0, 1e15), sel);
    const want = dump(head.querier(0, 1e15), sel)
      .filter((l) => !l.startsWith(second! + ' '))
      .map((l) =>
        l.startsWith(first! + ' ')
          ? l
              .split(' ')
              .filter((w, i) => {
                if (i === 0 || !w.includes('=')) return true;
                const t = Number(w.slice(0, w.indexOf('=')));
                return Number.isNaN(t) || t < cut[0] || t > cut[1];
              })
              .join(' ')
          : l,
      );
    assert.deepEqual(got, want);
    assert.ok(got[0]!.length < dump(head.querier(0, 1e15), sel)[0]!.length);
    b.close();
  });
});

describe('meta.json', () => {
  it('is written as Go marshals it: struct order, tabs, empty fields left out', () => {
    const meta: BlockMeta = {
      ulid: '01M89R4X3ZGNK6WWHNW18YAQRN',
      minTime: 1000000,
      maxTime: 1015001,
      stats: { numSamples: 4, numSeries: 3, numChunks: 3 },
      compaction: { level: 1, sources: ['01M89R4X3ZGNK6WWHNW18YAQRN'] },
      version: 1,
    };
    // What promtool 3.5.3 wrote for this block.
    const want =
      '{\n\t"ulid": "01M89R4X3ZGNK6WWHNW18YAQRN",\n\t"minTime": 1000000,\n\t"maxTime": 1015001,\n' +
      '\t"stats": {\n\t\t"numSamples": 4,\n\t\t"numSeries": 3,\n\t\t"numChunks": 3\n\t},\n' +
      '\t"compaction": {\n\t\t"level": 1,\n\t\t"sources": [\n\t\t\t"01M89R4X3ZGNK6WWHNW18YAQRN"\n\t\t]\n\t},\n' +
      '\t"version": 1\n}';
    assert.equal(encodeMeta(meta), want);
    assert.deepEqual(decodeMeta(want), meta);
    const parents = {
      ...meta,
      compaction: {
        level: 2,
        sources: ['01M89R4X3ZGNK6WWHNW18YAQRN'],
        parents: [{ ulid: '01M89R4X3ZGNK6WWHNW18YAQRN', minTime: 1, maxTime: 2 }],
        deletable: false,
      },
    };
    assert.match(encodeMeta(parents), /"parents": \[\n\t\t\t\{\n\t\t\t\t"ulid"/);
    assert.doesNotMatch(encodeMeta(parents), /deletable/);
  });

  it('rejects unknown versions and bad ULIDs', () => {
    assert.throws(() => decodeMeta('{"version": 2, "ulid": "01M89R4X3ZGNK6WWHNW18YAQRN"}'), /version 2/);
    assert.throws(
      () => decodeMeta('{"version": 1, "ulid": "nope", "minTime": 0, "maxTime": 1}'),
      /invalid ulid/,
    );
    assert.throws(() => decodeMeta('{'), /meta.json/);
  });
});

describe('ULID', () => {
  it('encodes time and randomness in Crockford base32', () => {
    assert.equal(encodeULID(0, new Uint8Array(10)), '00000000000000000000000000');
    assert.equal(encodeULID(281474976710655, new Uint8Array(10).fill(255)), '7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    // The example of the ULID specification.
    assert.equal(ulidTime('01ARYZ6S41TSV4RRFFQ69G5FAV'), 1469918176385);
    assert.equal(encodeULID(1469918176385, new Uint8Array(10)).slice(0, 10), '01ARYZ6S41');
    assert.ok(!isULID('01M89R4X3ZGNK6WWHNW18YAQRI'));
    assert.ok(!isULID('81M89R4X3ZGNK6WWHNW18YAQRN'));
  });

  it('is monotonic within a millisecond and across a clock step back', () => {
    const g = new ULIDGenerator();
    const ids = [g.next(1000), g.next(1000), g.next(1000), g.next(999), g.next(1001)];
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    assert.equal(ulidTime(ids[3]!), 1000);
    assert.equal(ulidTime(ids[4]!), 1001);
  });
});
