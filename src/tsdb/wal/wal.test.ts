import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { Encbuf } from '../record/encbuf.js';
import { SampleBatch, encodeSamples } from '../record/samples.js';
import { Reader } from './reader.js';
import { PAGE_SIZE, listSegments, segmentName, segmentPath } from './segment.js';
import { crc32cReference, modelSegments, pseudoRandomBytes, readAll, removeDir, tempDir } from './testing.js';
import { WAL } from './wal.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (n: number, fill = 0xab): Uint8Array => new Uint8Array(n).fill(fill);
const segBytes = (d: string, i: number): Uint8Array => new Uint8Array(fs.readFileSync(segmentPath(d, i)));

async function writeWal(records: Uint8Array[], segmentSize = 4 * PAGE_SIZE, batch = 1): Promise<string> {
  const d = dir();
  const w = await WAL.open(d, { segmentSize });
  for (let i = 0; i < records.length; i += batch) w.log(...records.slice(i, i + batch));
  await w.close();
  return d;
}

describe('CRC32-C', () => {
  it('matches the standard check value and the reference implementation', () => {
    const check = new TextEncoder().encode('123456789');
    assert.equal(crc32cReference(check), 0xe3069283);
    assert.equal(crc32c(check) >>> 0, 0xe3069283);
    const data = pseudoRandomBytes(10000, 7);
    assert.equal(crc32c(data) >>> 0, crc32cReference(data));
    assert.equal(crc32c(new Uint8Array(0)) >>> 0, 0);
  });
});

describe('segment layout', () => {
  it('writes a one-sample record as a full fragment, hand-computed', async () => {
    const b = new SampleBatch();
    b.push(1, 1000, 1);
    const rec = encodeSamples(b, new Encbuf());
    const d = await writeWal([rec]);
    const seg = segBytes(d, 0);
    const data = '020000000000000001' + '00000000000003e8' + '0000' + '3ff0000000000000';
    const crc = crc32cReference(Buffer.from(data, 'hex')).toString(16).padStart(8, '0');
    // Type 1 (full), length 27 (0x001b), CRC, data; the page is zero-padded on close.
    assert.equal(toHex(seg.subarray(0, 34)), '01' + '001b' + crc + data);
    assert.equal(seg.length, PAGE_SIZE);
    assert.ok(seg.subarray(34).every((x) => x === 0));
    assert.deepEqual(fs.readdirSync(d), ['00000000']);
  });

  it('fills a page exactly with one record', async () => {
    const d = await writeWal([bytes(PAGE_SIZE - 7), bytes(3, 1)]);
    const seg = segBytes(d, 0);
    assert.equal(toHex(seg.subarray(0, 3)), '01' + (PAGE_SIZE - 7).toString(16).padStart(4, '0'));
    assert.equal(toHex(seg.subarray(PAGE_SIZE, PAGE_SIZE + 3)), '010003');
    const { records, positions, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.equal(records.length, 2);
    assert.deepEqual(positions[1], { segment: 0, offset: PAGE_SIZE, end: PAGE_SIZE + 10 });
  });

  it('pads a page with fewer than 7 bytes left', async () => {
    // 7 + (PAGE_SIZE - 13) leaves 6 bytes: too few for a header.
    const d = await writeWal([bytes(PAGE_SIZE - 13), bytes(1, 5)]);
    const seg = segBytes(d, 0);
    assert.ok(seg.subarray(PAGE_SIZE - 6, PAGE_SIZE).every((x) => x === 0));
    assert.equal(
      toHex(seg.subarray(PAGE_SIZE, PAGE_SIZE + 8)),
      '010001' + crc32cReference(bytes(1, 5)).toString(16).padStart(8, '0') + '05',
    );
  });

  it('writes a zero-length first fragment where exactly 7 bytes are left', async () => {
    const d = await writeWal([bytes(PAGE_SIZE - 14), bytes(10, 9)]);
    const seg = segBytes(d, 0);
    // Prometheus's writer does this too: type 2 (first), length 0, CRC of nothing (0).
    assert.equal(toHex(seg.subarray(PAGE_SIZE - 7, PAGE_SIZE)), '02' + '0000' + '00000000');
    assert.equal(toHex(seg.subarray(PAGE_SIZE, PAGE_SIZE + 3)), '04000a');
    const { records, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(records[1], bytes(10, 9));
  });

  it('splits a record larger than a page into first, middle and last fragments', async () => {
    const big = pseudoRandomBytes(3 * PAGE_SIZE, 3);
    const d = await writeWal([bytes(100), big], 8 * PAGE_SIZE);
    const seg = segBytes(d, 0);
    const types: number[] = [];
    const lens: number[] = [];
    for (let p = 107; p < seg.length;) {
      if (seg[p] === 0) {
        p = (Math.floor(p / PAGE_SIZE) + 1) * PAGE_SIZE;
        continue;
      }
      const len = (seg[p + 1]! << 8) | seg[p + 2]!;
      types.push(seg[p]!);
      lens.push(len);
      p += 7 + len;
    }
    assert.deepEqual(types, [2, 3, 3, 4]);
    assert.deepEqual(lens.slice(0, 3), [PAGE_SIZE - 114, PAGE_SIZE - 7, PAGE_SIZE - 7]);
    assert.equal(
      lens.reduce((a, b) => a + b),
      big.length,
    );
    const { records, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(records[1], big);
  });

  it('writes empty records as empty full fragments', async () => {
    const d = await writeWal([new Uint8Array(0), bytes(2), new Uint8Array(0)]);
    assert.equal(toHex(segBytes(d, 0).subarray(0, 7)), '01000000000000');
    const { records, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(
      records.map((r) => r.length),
      [0, 2, 0],
    );
  });

  it('matches the model of Prometheus layout byte for byte, for random record sizes', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = pseudoRandomBytes(400, seed);
      const records: Uint8Array[] = [];
      for (let i = 0; i < 120; i++) {
        const r = rnd[i]!;
        // Mostly small records, some around a page, a few over several pages.
        const size =
          r < 150
            ? r % 40
            : r < 230
              ? 100 + r * 37
              : r < 250
                ? PAGE_SIZE - 20 + (r % 30)
                : 2 * PAGE_SIZE + r * 101;
        records.push(pseudoRandomBytes(size, seed * 1000 + i));
      }
      const segmentSize = (3 + (seed % 4)) * PAGE_SIZE;
      const d = await writeWal(records, segmentSize, 1 + (seed % 5));
      const want = modelSegments(records, segmentSize, true);
      const segs = listSegments(d);
      assert.equal(segs.length, want.length, `seed ${seed}: segment count`);
      for (let i = 0; i < want.length; i++) {
        const got = segBytes(d, i);
        assert.equal(got.length, want[i]!.length, `seed ${seed}: size of segment ${i}`);
        assert.ok(Buffer.compare(got, want[i]!) === 0, `seed ${seed}: bytes of segment ${i}`);
      }
      const { records: back, err } = readAll(Reader.open(d));
      assert.equal(err, null);
      assert.equal(back.length, records.length);
      back.forEach((r, i) => assert.ok(Buffer.compare(r, records[i]!) === 0, `record ${i}`));
    }
  });

  it('keeps partial pages on disk after each log call, before close', async () => {
    const d = dir();
    const w = await WAL.open(d, { segmentSize: 4 * PAGE_SIZE });
    const recs = [bytes(10, 1), bytes(PAGE_SIZE, 2), bytes(5, 3)];
    w.log(recs[0]!);
    assert.equal(fs.statSync(segmentPath(d, 0)).size, 17);
    w.log(recs[1]!, recs[2]!);
    const want = modelSegments(recs, 4 * PAGE_SIZE, false)[0]!;
    assert.ok(Buffer.compare(segBytes(d, 0), want) === 0);
    await w.close();
  });
});

describe('segments', () => {
  it('cut when a record does not fit, never splitting a record across segments', async () => {
    const recs = [bytes(PAGE_SIZE), bytes(PAGE_SIZE), bytes(PAGE_SIZE), bytes(10)];
    const d = await writeWal(recs, 2 * PAGE_SIZE);
    const { positions, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(
      positions.map((p) => p.segment),
      [0, 1, 2, 2],
    );
    // A cut segment ends with a padded page.
    assert.equal(fs.statSync(segmentPath(d, 0)).size, 2 * PAGE_SIZE);
    assert.equal(fs.statSync(segmentPath(d, 1)).size, 2 * PAGE_SIZE);
  });

  it('give a record larger than a segment a segment of its own', async () => {
    const huge = pseudoRandomBytes(5 * PAGE_SIZE, 11);
    const d = await writeWal([bytes(10), huge, bytes(20)], 2 * PAGE_SIZE);
    const { records, positions, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(
      positions.map((p) => p.segment),
      [0, 1, 2],
    );
    assert.deepEqual(records[1], huge);
    assert.ok(fs.statSync(segmentPath(d, 1)).size > 2 * PAGE_SIZE);
  });

  it('continue after the last segment when reopened', async () => {
    const d = dir();
    let w = await WAL.open(d, { segmentSize: 2 * PAGE_SIZE });
    w.log(bytes(3, 1));
    assert.equal(w.nextSegment(), 1);
    w.log(bytes(3, 2));
    await w.close();
    w = await WAL.open(d, { segmentSize: 2 * PAGE_SIZE });
    assert.equal(w.activeSegment, 2);
    assert.deepEqual(w.segments(), { first: 0, last: 2 });
    w.log(bytes(3, 3));
    await w.close();
    const { records, positions } = readAll(Reader.open(d));
    assert.deepEqual(
      records.map((r) => r[0]),
      [1, 2, 3],
    );
    assert.deepEqual(
      positions.map((p) => p.segment),
      [0, 1, 2],
    );
    assert.deepEqual(
      fs.readdirSync(d).sort(),
      [0, 1, 2].map((i) => segmentName(i)),
    );
  });

  it('truncate deletes segments below an index, and reading ranges works', async () => {
    const d = dir();
    const w = await WAL.open(d);
    for (let i = 0; i < 5; i++) {
      w.log(bytes(4, i));
      w.nextSegment();
    }
    w.truncate(3);
    assert.deepEqual(w.segments(), { first: 3, last: 5 });
    assert.throws(() => w.truncate(9), /active segment is 5/);
    await w.close();
    const { records } = readAll(Reader.open(d, 4, 4));
    assert.deepEqual(
      records.map((r) => r[0]),
      [4],
    );
  });

  it('rejects bad segment sizes and use after close', async () => {
    await assert.rejects(WAL.open(dir(), { segmentSize: 1000 }), /multiple of 32768/);
    const w = await WAL.open(dir());
    await w.close();
    assert.throws(() => w.log(bytes(1)), /closed/);
  });

  it('refuses a directory with a gap between segments', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, '00000000'), '');
    fs.writeFileSync(path.join(d, '00000002'), '');
    await assert.rejects(WAL.open(d), /not consecutive/);
  });
});
