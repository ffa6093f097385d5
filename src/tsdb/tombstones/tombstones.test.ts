import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import {
  Tombstones,
  addInterval,
  decodeTombstones,
  encodeTombstones,
  isSubrange,
  readTombstones,
  writeTombstones,
  type Interval,
} from './tombstones.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-tombstones-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const iv = (mint: number, maxt: number): Interval => ({ mint, maxt });

describe('intervals', () => {
  // Cases from Prometheus's TestAddingNewIntervals.
  const cases: [Interval[], Interval, Interval[]][] = [
    [[], iv(1, 2), [iv(1, 2)]],
    [[iv(1, 2)], iv(3, 7), [iv(1, 7)]],
    [[iv(1, 2), iv(4, 5)], iv(7, 9), [iv(1, 2), iv(4, 5), iv(7, 9)]],
    [[iv(1, 2), iv(4, 5)], iv(3, 3), [iv(1, 5)]],
    [[iv(1, 2), iv(4, 5), iv(8, 9)], iv(3, 6), [iv(1, 6), iv(8, 9)]],
    [[iv(1, 2), iv(4, 5), iv(8, 9)], iv(0, 0), [iv(0, 2), iv(4, 5), iv(8, 9)]],
    [[iv(5, 10), iv(20, 30)], iv(12, 15), [iv(5, 10), iv(12, 15), iv(20, 30)]],
    [[iv(5, 10), iv(20, 30)], iv(1, 40), [iv(1, 40)]],
    [[iv(5, 10)], iv(-Infinity, 3), [iv(-Infinity, 3), iv(5, 10)]],
  ];
  for (const [have, add, want] of cases) {
    it(`${JSON.stringify(have)} + ${JSON.stringify(add)}`, () =>
      assert.deepEqual(addInterval(have, add), want));
  }

  it('tells whether an interval is wholly deleted', () => {
    assert.ok(isSubrange(iv(2, 3), [iv(1, 5)]));
    assert.ok(!isSubrange(iv(2, 6), [iv(1, 5)]));
    assert.ok(!isSubrange(iv(2, 6), [iv(1, 3), iv(4, 6)])); // Merged on add, never split like this.
  });
});

describe('tombstones file', () => {
  it('writes an empty file as Prometheus does: magic, version, CRC of nothing', () => {
    assert.deepEqual(
      Buffer.from(encodeTombstones(new Tombstones())),
      Buffer.from('0130ba300100000000', 'hex'),
    );
  });

  it('round-trips intervals per series, in reference order, with a CRC over the entries', () => {
    const ts = new Tombstones();
    ts.addInterval(300, iv(1, 2), iv(100, 200));
    ts.addInterval(7, iv(-1000, 5));
    ts.addInterval(300, iv(3, 10));
    const b = encodeTombstones(ts);
    // ref 7: -1000..5; ref 300: 1..10, 100..200 (uvarint refs, zig-zag varint times).
    const entries = Buffer.from('07cf0f0a' + 'ac0202' + '14' + 'ac02c801900' + '3', 'hex');
    assert.deepEqual(Buffer.from(b.subarray(5, b.length - 4)), entries);
    assert.equal(Buffer.from(b).readUInt32BE(b.length - 4), crc32c(entries) >>> 0);
    const back = decodeTombstones(b);
    assert.deepEqual(back.get(300), [iv(1, 10), iv(100, 200)]);
    assert.deepEqual(back.get(7), [iv(-1000, 5)]);
    assert.deepEqual(back.get(8), []);
    assert.equal(back.total(), 3);
  });

  it('writes through a temporary file and reads a missing file as empty', () => {
    const dir = path.join(tmp, 'rw');
    fs.mkdirSync(dir);
    assert.equal(readTombstones(dir).tombstones.size, 0);
    const ts = new Tombstones();
    ts.addInterval(16, iv(0, 1000));
    writeTombstones(dir, ts);
    assert.deepEqual(fs.readdirSync(dir), ['tombstones']);
    assert.deepEqual(readTombstones(dir).tombstones.get(16), [iv(0, 1000)]);
  });

  it('keeps deletions beyond ±2^53 ms as the nearest double', () => {
    const ts = new Tombstones();
    ts.addInterval(1, iv(-9223309901257974000, 9223309901257974000));
    const back = decodeTombstones(encodeTombstones(ts));
    const [got] = back.get(1);
    assert.ok(got!.mint < -1e18 && got!.maxt > 1e18);
  });

  it('rejects a bad magic, version or checksum', () => {
    const good = encodeTombstones(new Tombstones());
    const bad = (at: number): Uint8Array => {
      const b = Uint8Array.from(good);
      b[at]! ^= 1;
      return b;
    };
    assert.throws(() => decodeTombstones(bad(0)), /invalid magic number/);
    assert.throws(() => decodeTombstones(bad(4)), /invalid tombstone format version/);
    assert.throws(() => decodeTombstones(bad(8)), /checksum did not match/);
    assert.throws(() => decodeTombstones(good.subarray(0, 6)), /header/);
  });
});
