import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, describe, it } from 'node:test';
import { compressSync } from 'snappy';
import { ZSTD_SUPPORTED } from './compression.js';
import type { LogLevel } from './log.js';
import { CorruptionError, Reader, UnsupportedCompressionError } from './reader.js';
import { PAGE_SIZE, SNAPPY_FLAG, ZSTD_FLAG, listSegments, segmentPath } from './segment.js';
import { fragment, modelSegments, pseudoRandomBytes, readAll, removeDir, tempDir } from './testing.js';
import { WAL } from './wal.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

/** Writes segments 0, 1, … with the given bytes into a fresh directory. */
function walDir(segments: Uint8Array[]): string {
  const d = dir();
  segments.forEach((s, i) => fs.writeFileSync(segmentPath(d, i), s));
  return d;
}

interface Span {
  start: number;
  end: number;
}

/** Where each record lies in a single-segment WAL, from an intact read. */
function spansOf(d: string): Span[] {
  const { positions, err } = readAll(Reader.open(d));
  assert.equal(err, null);
  return positions.map((p) => ({ start: p.offset, end: p.end }));
}

function collectLogs(): {
  lines: { level: LogLevel; msg: string; fields: Record<string, string | number> }[];
  fn: (level: LogLevel, msg: string, fields: Readonly<Record<string, string | number>>) => void;
} {
  const lines: { level: LogLevel; msg: string; fields: Record<string, string | number> }[] = [];
  return { lines, fn: (level, msg, fields) => lines.push({ level, msg, fields: { ...fields } }) };
}

// A WAL exercising every way a record lies in a page: small records, a record split over a
// page boundary, a page ending in fewer than 7 bytes of padding, a zero-length first fragment.
const PAGE1_USED = 7310; // bytes r1's last fragment and r2 use in page 1
const TRUNC_RECORDS = [
  pseudoRandomBytes(20, 1),
  pseudoRandomBytes(40000, 2),
  pseudoRandomBytes(30, 3),
  pseudoRandomBytes(PAGE_SIZE - PAGE1_USED - 6 - 7, 4), // leaves 6 bytes: padding
  pseudoRandomBytes(5, 5),
  pseudoRandomBytes(PAGE_SIZE - 12 - 7 - 7, 6), // leaves exactly 7 bytes
  pseudoRandomBytes(50, 7), // starts with a zero-length first fragment
];

describe('truncated segments', () => {
  const full = modelSegments(TRUNC_RECORDS, 8 * PAGE_SIZE, false)[0]!;
  const d = walDir([full]);
  const spans = spansOf(d);

  it('sets the layout up as intended', () => {
    assert.equal(spans.length, TRUNC_RECORDS.length);
    assert.equal(spans[3]!.end, 2 * PAGE_SIZE - 6);
    assert.equal(spans[6]!.start, 3 * PAGE_SIZE - 7);
  });

  it('read at every byte offset: every complete record, and the cut record named', () => {
    for (let k = full.length; k >= 0; k--) {
      const r = new Reader([{ dir: 'memory', index: 0, data: full.subarray(0, k) }]);
      const complete = spans.filter((s) => s.end <= k).length;
      let n = 0;
      while (r.next()) {
        // Comparing every byte at every cut would copy gigabytes; lengths and ends always,
        // contents at a stride.
        assert.equal(r.record().length, TRUNC_RECORDS[n]!.length, `cut at ${k}: record ${n}`);
        assert.equal(r.end, spans[n]!.end);
        if (k % 97 === 0)
          assert.ok(Buffer.compare(r.record(), TRUNC_RECORDS[n]!) === 0, `cut at ${k}: record ${n}`);
        n++;
      }
      assert.equal(n, complete, `cut at ${k}: records`);
      const err = r.err();
      const cut = spans.find((s) => s.start < k && k < s.end);
      if (cut === undefined) {
        assert.equal(err, null, `cut at ${k}: clean`);
      } else {
        assert.ok(err instanceof CorruptionError, `cut at ${k}: corruption expected, got ${String(err)}`);
        assert.equal(err.segment, 0);
        assert.equal(err.offset, cut.start, `cut at ${k}: offset`);
      }
    }
  });

  it('read from a file cut at every offset near record and page boundaries', () => {
    const p = segmentPath(d, 0);
    const fd = fs.openSync(p, 'r+');
    try {
      for (let k = full.length; k >= 0; k--) {
        const near =
          spans.some((s) => Math.abs(s.start - k) < 9 || Math.abs(s.end - k) < 9) ||
          k % PAGE_SIZE < 9 ||
          PAGE_SIZE - (k % PAGE_SIZE) < 9;
        if (!near) continue;
        fs.ftruncateSync(fd, k);
        const { records, err } = readAll(Reader.open(d));
        assert.equal(records.length, spans.filter((s) => s.end <= k).length, `cut at ${k}`);
        const cut = spans.find((s) => s.start < k && k < s.end);
        assert.equal(err?.offset, cut?.start, `cut at ${k}`);
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  it('repair on open at many offsets: data before the cut stays, writing continues', async () => {
    const offsets = new Set<number>();
    for (const s of spans)
      for (const delta of [-7, -1, 0, 1, 3, 6, 7, 8]) offsets.add(s.start + delta).add(s.end + delta);
    for (const pg of [PAGE_SIZE, 2 * PAGE_SIZE, 3 * PAGE_SIZE])
      for (const delta of [-8, -7, -6, -1, 0, 1]) offsets.add(pg + delta);
    for (let k = 0; k < full.length; k += 997) offsets.add(k);
    for (const k of [...offsets].filter((k) => k >= 0 && k <= full.length).sort((a, b) => a - b)) {
      // A later segment exists too: repair must delete it.
      const later = modelSegments([pseudoRandomBytes(9, 9)], PAGE_SIZE, true)[0]!;
      const wd = walDir([full.subarray(0, k), later]);
      const logs = collectLogs();
      const w = await WAL.open(wd, { logger: logs.fn });
      const cut = spans.find((s) => s.start < k && k < s.end);
      const complete = spans.filter((s) => s.end <= k).length;
      w.log(new Uint8Array([1, 2, 3]));
      await w.close();
      const { records, err } = readAll(Reader.open(wd));
      assert.equal(err, null, `cut at ${k}: clean after open`);
      for (let i = 0; i < complete; i++) assert.ok(Buffer.compare(records[i]!, TRUNC_RECORDS[i]!) === 0);
      assert.deepEqual(records[records.length - 1], new Uint8Array([1, 2, 3]));
      if (cut === undefined) {
        // A segment cut at a record boundary is a normal short segment (Prometheus leaves one
        // after every crash): nothing to repair, the later segment stays.
        assert.equal(w.repaired, null, `cut at ${k}`);
        assert.equal(records.length, complete + 2, `cut at ${k}`);
        continue;
      }
      assert.equal(w.repaired?.offset, cut.start, `cut at ${k}`);
      assert.equal(w.repaired?.droppedBytes, k - cut.start);
      assert.deepEqual(w.repaired?.deletedSegments, [1]);
      assert.ok(
        logs.lines.some(
          (l) => l.level === 'warn' && /repaired/.test(l.msg) && l.fields.deletedSegments === '00000001',
        ),
      );
      assert.equal(records.length, complete + 1, `cut at ${k}`);
      assert.equal(
        fs.statSync(segmentPath(wd, 0)).size % PAGE_SIZE,
        0,
        'the repaired segment ends on a page boundary',
      );
    }
  });
});

describe('bit flips', () => {
  const records: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) records.push(pseudoRandomBytes(3 + ((i * 7) % 40), 100 + i));
  const full = modelSegments(records, PAGE_SIZE, true)[0]!;
  const spans = spansOf(walDir([full]));
  const used = spans[spans.length - 1]!.end;
  // Every byte a record uses, and a stretch of the padding after them.
  const positions = used + 40;

  it('in any bit: every record before the damaged one survives and the damage is located', () => {
    for (let b = 0; b < positions; b++) {
      for (let bit = 0; bit < 8; bit++) {
        const data = full.slice();
        data[b]! ^= 1 << bit;
        const { records: got, err } = readAll(new Reader([{ dir: 'memory', index: 0, data }]));
        const hit = spans.findIndex((s) => s.start <= b && b < s.end);
        const isReservedTypeBit = hit >= 0 && spans[hit]!.start === b && bit >= 5;
        if (isReservedTypeBit) {
          // Prometheus ignores the reserved bits; the data is intact, so is the record.
          assert.equal(err, null, `byte ${b} bit ${bit}`);
          assert.equal(got.length, records.length);
          continue;
        }
        const kept = hit >= 0 ? hit : records.length;
        if (b === used && bit === 0) {
          // 0x01 then zeros is a valid empty record: the format cannot tell this flip apart.
          assert.equal(err, null);
          assert.equal(got.length, records.length + 1);
          assert.equal(got[records.length]!.length, 0);
          continue;
        }
        assert.ok(err instanceof CorruptionError, `byte ${b} bit ${bit}: corruption expected`);
        assert.equal(err.offset, hit >= 0 ? spans[hit]!.start : used, `byte ${b} bit ${bit}: offset`);
        assert.equal(got.length, kept, `byte ${b} bit ${bit}: records kept`);
        got.forEach((r, i) =>
          assert.ok(Buffer.compare(r, records[i]!) === 0, `byte ${b} bit ${bit}: record ${i}`),
        );
      }
    }
  });

  it('are repaired on open, one bit per byte', async () => {
    for (let b = 0; b < positions; b++) {
      const bit = b % 5; // the type byte's reserved bits (5–7) are covered above
      const data = full.slice();
      data[b]! ^= 1 << bit;
      const d = walDir([data]);
      const w = await WAL.open(d);
      await w.close();
      const { records: got, err } = readAll(Reader.open(d));
      assert.equal(err, null);
      if (b === used && bit === 0) continue; // an empty record, see above
      const hit = spans.findIndex((s) => s.start <= b && b < s.end);
      assert.equal(w.repaired?.offset, hit >= 0 ? spans[hit]!.start : used, `byte ${b}`);
      assert.equal(got.length, hit >= 0 ? hit : records.length, `byte ${b}`);
      got.forEach((r, i) => assert.ok(Buffer.compare(r, records[i]!) === 0));
    }
  });

  it('in a middle segment drop that segment’s tail and every later segment', async () => {
    const recs = Array.from({ length: 9 }, (_, i) => pseudoRandomBytes(PAGE_SIZE / 2, 300 + i));
    const segs = modelSegments(recs, 2 * PAGE_SIZE, true);
    assert.ok(segs.length >= 3);
    const d = walDir(segs);
    const before = readAll(Reader.open(d));
    const inSeg1 = before.positions.filter((p) => p.segment === 1);
    const victim = inSeg1[1]!;
    const data = fs.readFileSync(segmentPath(d, 1));
    data[victim.offset + 100]! ^= 0x40;
    fs.writeFileSync(segmentPath(d, 1), data);

    const later = listSegments(d)
      .map((s) => s.index)
      .filter((i) => i > 1);
    assert.ok(later.length > 0);
    const logs = collectLogs();
    const w = await WAL.open(d, { logger: logs.fn });
    assert.equal(w.repaired?.segment, 1);
    assert.equal(w.repaired?.offset, victim.offset);
    assert.deepEqual(w.repaired?.deletedSegments, later);
    const start = logs.lines.find((l) => /Starting/.test(l.msg))!;
    assert.equal(start.fields.segment, '00000001');
    assert.equal(start.fields.offset, victim.offset);
    assert.match(String(start.fields.reason), /checksum mismatch/);
    assert.equal(w.activeSegment, 2);
    await w.close();
    const after = readAll(Reader.open(d));
    const keptCount = before.positions.findIndex((p) => p === victim);
    assert.equal(after.records.length, keptCount);
    after.records.forEach((r, i) => assert.ok(Buffer.compare(r, recs[i]!) === 0));
  });
});

describe('torn records', () => {
  it('at the end of a segment followed by another are cut at the record start', async () => {
    const segs = modelSegments(
      [pseudoRandomBytes(10, 1), pseudoRandomBytes(2 * PAGE_SIZE, 2)],
      4 * PAGE_SIZE,
      false,
    );
    const seg0 = segs[0]!.subarray(0, PAGE_SIZE); // keeps the first fragment only
    const seg1 = modelSegments([pseudoRandomBytes(10, 3)], PAGE_SIZE, true)[0]!;
    const d = walDir([seg0, seg1]);
    const { records, err } = readAll(Reader.open(d));
    assert.equal(records.length, 1);
    assert.ok(err instanceof CorruptionError);
    assert.equal(err.segment, 0);
    assert.equal(err.offset, 17);
    assert.match(err.reason, /torn/);
    const w = await WAL.open(d);
    assert.deepEqual(w.repaired?.deletedSegments, [1]);
    await w.close();
  });

  it('a middle fragment without a first one is damage at its own offset', () => {
    const d = walDir([fragment(3, pseudoRandomBytes(5, 1))]);
    const { err } = readAll(Reader.open(d));
    assert.ok(err instanceof CorruptionError);
    assert.equal(err.offset, 0);
    assert.match(err.message, /middle fragment at offset 0 without a first fragment/);
  });
});

describe('compressed records', () => {
  it('snappy ones (Prometheus’s default) are decompressed, also across pages', () => {
    const small = new TextEncoder().encode('hello hello hello hello hello hello hello');
    const bigNoise = pseudoRandomBytes(60000, 5); // snappy cannot shrink noise: it spans pages compressed
    const cSmall = compressSync(small);
    const cNoise = compressSync(bigNoise);
    assert.ok(cNoise.length > PAGE_SIZE);
    const parts: Uint8Array[] = [fragment(1 | SNAPPY_FLAG, cSmall)];
    const first = PAGE_SIZE - (7 + cSmall.length) - 7;
    parts.push(fragment(2 | SNAPPY_FLAG, cNoise.subarray(0, first)));
    // A middle fragment fills the next page, the last one ends in the page after it.
    parts.push(fragment(3 | SNAPPY_FLAG, cNoise.subarray(first, first + PAGE_SIZE - 7)));
    parts.push(fragment(4 | SNAPPY_FLAG, cNoise.subarray(first + PAGE_SIZE - 7)));
    parts.push(fragment(1 | SNAPPY_FLAG, new Uint8Array(0)));
    parts.push(fragment(1, new Uint8Array([7])));
    const d = walDir([Buffer.concat(parts)]);
    const { records, err } = readAll(Reader.open(d));
    assert.equal(err, null);
    assert.deepEqual(records[0], small);
    assert.ok(Buffer.compare(records[1]!, bigNoise) === 0);
    assert.equal(records[2]!.length, 0);
    assert.deepEqual(records[3], new Uint8Array([7]));
  });

  it('with invalid snappy data, or flags that disagree, are damage', () => {
    let d = walDir([
      Buffer.concat([
        fragment(1, new Uint8Array([1])),
        fragment(1 | SNAPPY_FLAG, new Uint8Array([0x10, 0xff, 0xff])),
      ]),
    ]);
    let r = readAll(Reader.open(d));
    assert.equal(r.records.length, 1);
    assert.ok(r.err instanceof CorruptionError);
    assert.equal(r.err.offset, 8);
    assert.match(r.err.reason, /snappy-compressed record at offset 8 does not decompress/);

    const data = compressSync(pseudoRandomBytes(PAGE_SIZE, 1));
    d = walDir([
      Buffer.concat([
        fragment(2 | SNAPPY_FLAG, data.subarray(0, PAGE_SIZE - 7)),
        fragment(4, data.subarray(PAGE_SIZE - 7)),
      ]),
    ]);
    r = readAll(Reader.open(d));
    assert.ok(r.err instanceof CorruptionError);
    assert.match(r.err.reason, /disagree on compression/);

    d = walDir([fragment(1 | SNAPPY_FLAG | ZSTD_FLAG, new Uint8Array([1, 2]))]);
    assert.match(String(readAll(Reader.open(d)).err), /both the snappy and the zstd flag/);
  });

  it('with the zstd flag but no zstd frame are damage (a flipped bit)', () => {
    const d = walDir([fragment(1 | ZSTD_FLAG, new Uint8Array([2, 0, 0, 0]))]);
    const { err } = readAll(Reader.open(d));
    assert.ok(err instanceof CorruptionError);
    assert.match(err.reason, /not a zstd frame/);
  });

  it('zstd ones are decoded where the runtime can, and otherwise refused without repair', async () => {
    const payload = pseudoRandomBytes(1000, 9);
    // A real zstd frame when the runtime can make one; otherwise a hand-made frame header
    // (magic number first), which is all the reader looks at before giving up.
    const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer })
      .zstdCompressSync;
    const frame = zstdCompressSync ? zstdCompressSync(payload) : Buffer.from('28b52ffd2000010000', 'hex');
    const seg = Buffer.concat([fragment(1, new Uint8Array([1])), fragment(1 | ZSTD_FLAG, frame)]);
    const d = walDir([seg]);
    const { records, err } = readAll(Reader.open(d));
    if (ZSTD_SUPPORTED) {
      assert.equal(err, null);
      assert.ok(Buffer.compare(records[1]!, payload) === 0);
      return;
    }
    assert.equal(records.length, 1);
    assert.ok(err instanceof UnsupportedCompressionError);
    assert.match(err.message, /zstd-compressed and this Node\.js runtime has no zstd/);
    await assert.rejects(WAL.open(d), UnsupportedCompressionError);
    assert.ok(Buffer.compare(fs.readFileSync(segmentPath(d, 0)), seg) === 0, 'the WAL is left untouched');
    assert.deepEqual(fs.readdirSync(d), ['00000000']);
  });
});

describe('repair of an open WAL', () => {
  it('drops the active segment when it lies after the damage and continues after the repaired one', async () => {
    const recs = [pseudoRandomBytes(100, 1), pseudoRandomBytes(100, 2), pseudoRandomBytes(100, 3)];
    const seg0 = modelSegments(recs, PAGE_SIZE, true)[0]!;
    seg0[120]! ^= 1; // inside the second record
    const d = walDir([seg0]);
    const w = await WAL.open(d, { repair: false });
    assert.equal(w.activeSegment, 1);
    const { err } = readAll(Reader.open(d));
    assert.ok(err instanceof CorruptionError);
    const result = w.repair(err);
    assert.equal(result.offset, 107);
    assert.deepEqual(result.deletedSegments, [1]);
    assert.equal(w.activeSegment, 1);
    w.log(new Uint8Array([9]));
    await w.close();
    const { records } = readAll(Reader.open(d));
    assert.deepEqual(
      records.map((r) => r.length),
      [100, 1],
    );
  });

  it('refuses an error that names no segment', async () => {
    const w = await WAL.open(dir());
    assert.throws(() => w.repair(new CorruptionError(path.join(dir(), 'x'), -1, 0, 'x')), /names no segment/);
    await w.close().catch(() => {});
  });
});
