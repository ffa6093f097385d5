import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { ValueType, type Querier } from '../storage/interface.js';
import { collectSeries } from '../storage/series.js';
import { readMeta } from './block/meta.js';
import { exponentialBlockRanges, plan, splitByRange, type PlanMeta } from './compact.js';
import { DB, SNAPSHOTS_DIRNAME } from './db.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-db-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => path.join(tmp, `d${n++}`);

const RANGE = 60_000; // A 1-minute block range keeps the tests small.
const ALL = Matcher.create('=~', '__name__', '.+');

/** Appends `series` series with one sample every `step` ms over [from, to). */
function fill(db: DB, from: number, to: number, step: number, series = 3): void {
  const app = db.appender();
  for (let t = from; t < to; t += step) {
    for (let i = 0; i < series; i++)
      app.append(0, Labels.fromStrings('__name__', 'm', 'i', String(i)), t, t / 1000 + i);
  }
  app.commit();
}

/** `labels → [t, v][]` of every series over the whole time range. */
function dump(q: Querier, ...ms: Matcher[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of collectSeries(q.select(true, undefined, ...(ms.length ? ms : [ALL])))) {
    const list: [number, number][] = [];
    const it = s.iterator();
    while (it.next() !== ValueType.None) list.push([it.t, it.v]);
    out.set(s.labels.toString(), list);
  }
  q.close();
  return out;
}

function expectFull(
  got: Map<string, [number, number][]>,
  from: number,
  to: number,
  step: number,
  series = 3,
): void {
  assert.equal(got.size, series);
  for (let i = 0; i < series; i++) {
    const list = got.get(`{__name__="m", i="${i}"}`)!;
    assert.ok(list, `series ${i}`);
    assert.equal(list.length, (to - from) / step, `series ${i} sample count`);
    for (let k = 0; k < list.length; k++) {
      assert.equal(list[k]![0], from + k * step);
      assert.equal(list[k]![1], (from + k * step) / 1000 + i);
    }
  }
}

function blockDirs(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
}

describe('planner', () => {
  const m = (ulid: string, minTime: number, maxTime: number, extra: Partial<PlanMeta> = {}): PlanMeta => ({
    ulid,
    minTime,
    maxTime,
    stats: {},
    compaction: { level: 1 },
    ...extra,
  });
  const ranges = [20, 60, 180, 540];

  it('makes exponential ranges cut at the maximum block duration', () => {
    assert.deepEqual(exponentialBlockRanges(2, 0, 4), [2, 6, 18, 54]);
    assert.deepEqual(exponentialBlockRanges(2, 20), [2, 6, 18]);
  });

  it('splits by aligned range, skipping blocks that cross it', () => {
    const g = splitByRange([m('a', 0, 20), m('b', 20, 40), m('c', 50, 70), m('d', 60, 80)], 60);
    assert.deepEqual(
      g.map((p) => p.map((x) => x.ulid)),
      [['a', 'b'], ['d']],
    );
  });

  it("follows Prometheus's planner cases", () => {
    // Not enough blocks, or the newest block is left out.
    assert.deepEqual(plan([m('a', 0, 20)], ranges), []);
    assert.deepEqual(plan([m('a', 0, 20), m('b', 20, 40)], ranges), []);
    assert.deepEqual(plan([m('a', 0, 20), m('b', 20, 40), m('c', 40, 60)], ranges), []);
    // A full 60 range plus a newer block: compact the range.
    assert.deepEqual(plan([m('a', 0, 20), m('b', 20, 40), m('c', 40, 60), m('d', 60, 80)], ranges), [
      'a',
      'b',
      'c',
    ]);
    // Gaps: the range is before the newest block.
    assert.deepEqual(plan([m('a', 0, 20), m('c', 40, 60), m('d', 120, 140)], ranges), ['a', 'c']);
    // Overlapping blocks come first.
    assert.deepEqual(plan([m('a', 0, 20), m('b', 10, 30), m('c', 40, 60)], ranges), ['a', 'b']);
    // Failed compactions are not retried.
    assert.deepEqual(
      plan(
        [m('a', 0, 20, { compaction: { level: 1, failed: true } }), m('b', 20, 40), m('c', 60, 80)],
        ranges,
      ),
      [],
    );
    // A big block with many tombstones is rewritten alone.
    assert.deepEqual(
      plan([m('a', 0, 180, { stats: { numSeries: 10, numTombstones: 5 } }), m('b', 180, 200)], ranges),
      ['a'],
    );
  });
});

describe('DB', () => {
  it('cuts the head into blocks, compacts them by level and keeps every sample once', async () => {
    const dir = newDir();
    const db = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    fill(db, 0, 10 * RANGE, 1000);
    await db.compact();
    assert.ok(
      db.compactionStats.headCompactions >= 8,
      `head compactions ${db.compactionStats.headCompactions}`,
    );
    assert.ok(
      db.compactionStats.blockCompactions >= 2,
      `block compactions ${db.compactionStats.blockCompactions}`,
    );
    const metas = db.blocks().map((b) => b.meta);
    // Blocks are sorted, do not overlap, and the older ones were merged into 3-minute blocks.
    for (let i = 1; i < metas.length; i++) assert.ok(metas[i]!.minTime >= metas[i - 1]!.maxTime);
    assert.ok(metas.some((m) => m.compaction.level >= 2 && m.maxTime - m.minTime === 3 * RANGE));
    assert.equal(blockDirs(dir).length, metas.length, 'parents were removed');
    assert.ok(db.head.minTime() >= metas[metas.length - 1]!.maxTime);
    expectFull(dump(db.querier(-Infinity, Infinity)), 0, 10 * RANGE, 1000);
    await db.close();

    // Reopened: the same data, the WAL replayed above the newest block only.
    const db2 = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    assert.equal(db2.blocks().length, metas.length);
    expectFull(dump(db2.querier(-Infinity, Infinity)), 0, 10 * RANGE, 1000);
    // A query inside one block uses only that block's range.
    const got = dump(db2.querier(RANGE, 2 * RANGE - 1));
    assert.equal(got.get('{__name__="m", i="0"}')!.length, 60);
    await db2.close();
  });

  it('lets timers run while it compacts, and records the longest stall', async () => {
    const dir = newDir();
    const db = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0, compactionYieldMs: 0 });
    fill(db, 0, 6 * RANGE, 1000, 50);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await db.compact();
    clearInterval(timer);
    assert.ok(db.compactionStats.headCompactions >= 4);
    // Every series written is a chance to yield; timers fire between them.
    assert.ok(ticks >= 4, `timer ran ${ticks} times during compaction`);
    assert.ok(
      db.compactionStats.maxStallMs > 0 && db.compactionStats.maxStallMs === db.compactionStats.lastStallMs,
    );
    await db.close();
  });

  it('removes leftovers of interrupted writes and blocks already compacted into others', async () => {
    const dir = newDir();
    const db = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    fill(db, 0, 6 * RANGE, 1000);
    await db.compact();
    const merged = db.blocks().find((b) => (b.meta.compaction.parents ?? []).length > 0)!;
    assert.ok(merged, 'a compacted block');
    await db.close();
    // Put back a parent (as if the crash hit before it was deleted) and some temporary dirs.
    const parent = merged.meta.compaction.parents![0]!;
    const pdir = path.join(dir, parent.ulid);
    fs.cpSync(path.join(dir, merged.ulid), pdir, { recursive: true });
    const pm = readMeta(pdir);
    fs.writeFileSync(
      path.join(pdir, 'meta.json'),
      JSON.stringify({ ...pm, ulid: parent.ulid, minTime: parent.minTime, maxTime: parent.maxTime }),
    );
    fs.mkdirSync(path.join(dir, '01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp-for-creation'));
    fs.mkdirSync(path.join(dir, '01ARZ3NDEKTSV4RRFFQ69G5FAW.tmp-for-deletion'));
    const db2 = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    assert.ok(!fs.existsSync(pdir), 'the parent was deleted');
    assert.ok(!fs.readdirSync(dir).some((x) => x.includes('.tmp-for-')));
    expectFull(dump(db2.querier(-Infinity, Infinity)), 0, 6 * RANGE, 1000);
    await db2.close();
  });

  it('applies time and size retention, keeping blocks a querier still reads', async () => {
    const dir = newDir();
    const db = await DB.open(dir, {
      minBlockDuration: RANGE,
      retentionDuration: 3 * RANGE,
      maxBlockDuration: RANGE,
    });
    fill(db, 0, 4 * RANGE, 1000);
    await db.compact();
    const q = db.querier(0, RANGE - 1);
    fill(db, 4 * RANGE, 8 * RANGE, 1000);
    await db.compact();
    assert.ok(db.compactionStats.retentionDeletions > 0);
    const metas = db.blocks().map((b) => b.meta);
    const newest = metas[metas.length - 1]!.maxTime;
    for (const m of metas) assert.ok(newest - m.maxTime < 3 * RANGE, `block ${m.minTime}-${m.maxTime} kept`);
    // The querier opened before still reads the deleted first block.
    assert.equal(dump(q).get('{__name__="m", i="0"}')!.length, 60);
    assert.equal(blockDirs(dir).length, metas.length, 'deleted once the querier closed');
    assert.ok(!fs.readdirSync(dir).some((x) => x.endsWith('.tmp-for-deletion')));
    await db.close();

    const db2 = await DB.open(dir, {
      minBlockDuration: RANGE,
      retentionDuration: 0,
      maxBlockDuration: RANGE,
      maxBytes: 1,
    });
    await db2.applyRetention();
    assert.equal(db2.blocks().length, 0, 'size retention removed every block');
    await db2.close();
  });

  it('deletes series by matchers and range, in blocks and head, and cleans tombstones', async () => {
    const dir = newDir();
    const db = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    fill(db, 0, 4 * RANGE, 1000);
    await db.compact();
    assert.ok(db.blocks().length > 0);
    const m1 = Matcher.create('=', 'i', '1');
    // Across a block and the head.
    await db.delete(RANGE + 30_000, 3.5 * RANGE, m1);
    const check = (d: DB): void => {
      const got = dump(d.querier(-Infinity, Infinity));
      const s1 = got.get('{__name__="m", i="1"}')!;
      assert.equal(s1.length, 240 - (3.5 * RANGE - (RANGE + 30_000)) / 1000 - 1);
      assert.ok(s1.every(([t]) => t < RANGE + 30_000 || t > 3.5 * RANGE));
      assert.equal(got.get('{__name__="m", i="0"}')!.length, 240);
    };
    check(db);
    const withStones = db.blocks().filter((b) => b.tombstones.size > 0);
    assert.ok(withStones.length > 0);
    assert.ok((readMeta(withStones[0]!.dir).stats.numTombstones ?? 0) > 0);
    await db.close();
    // Tombstones survive a restart: block tombstone files and WAL tombstone records.
    const db2 = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    assert.ok(db2.replay.tombstones > 0);
    check(db2);
    const before = new Set(db2.blocks().map((b) => b.ulid));
    await db2.cleanTombstones();
    assert.ok(db2.blocks().every((b) => b.tombstones.size === 0));
    assert.ok(
      db2.blocks().some((b) => !before.has(b.ulid)),
      'blocks were rewritten',
    );
    check(db2);
    // Deleting everything of a block's data removes the block.
    await db2.delete(-Infinity, Infinity, ALL);
    await db2.cleanTombstones();
    assert.equal(db2.blocks().length, 0);
    assert.equal(dump(db2.querier(-Infinity, Infinity)).size, 0);
    await db2.close();
  });

  it('takes snapshots that open as the same data', async () => {
    const dir = newDir();
    const db = await DB.open(dir, { minBlockDuration: RANGE, retentionDuration: 0 });
    fill(db, 0, 5 * RANGE, 1000);
    await db.compact();
    const name = await db.createSnapshot(true);
    assert.match(name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const snap = path.join(dir, SNAPSHOTS_DIRNAME, name);
    const noHead = path.join(tmp, `nohead${n++}`);
    await db.snapshot(noHead, false);
    assert.equal(blockDirs(noHead).length, db.blocks().length);
    await db.close();
    const s = await DB.open(snap, { minBlockDuration: RANGE, retentionDuration: 0 });
    expectFull(dump(s.querier(-Infinity, Infinity)), 0, 5 * RANGE, 1000);
    await s.close();
  });
});
