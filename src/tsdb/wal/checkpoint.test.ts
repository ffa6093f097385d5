import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { STALE_NAN_BITS_HIGH, STALE_NAN_BITS_LOW } from '../../model/value.js';
import { HI_WORD, LO_WORD } from '../record/decbuf.js';
import { decodeExemplars, decodeMetadata, decodeSeries, decodeTombstones } from '../record/decode.js';
import { Encbuf } from '../record/encbuf.js';
import { encodeExemplars, encodeMetadata, encodeSeries, encodeTombstones } from '../record/encode.js';
import { HistogramSampleSpans, scanHistogramSamples } from '../record/histograms.js';
import { SampleBatch, decodeSamples, encodeSamples } from '../record/samples.js';
import { RecordType, recordType } from '../record/types.js';
import {
  checkpoint,
  checkpointName,
  deleteCheckpoints,
  lastCheckpoint,
  listCheckpoints,
  replayReader,
} from './checkpoint.js';
import type { LogLevel } from './log.js';
import { Reader } from './reader.js';
import { segmentPath } from './segment.js';
import { readAll, removeDir, tempDir } from './testing.js';
import { WAL } from './wal.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const series = (ref: number): { ref: number; labels: Labels } => ({
  ref,
  labels: Labels.fromStrings('__name__', 'm', 'i', String(ref)),
});

/** A samples record; a value 'stale' is written as the stale marker's bits (a plain array would lose them). */
function samplesRecord(rows: [number, number, number | 'stale'][]): Uint8Array {
  const b = new SampleBatch();
  for (const [ref, t, v] of rows) {
    b.push(ref, t, v === 'stale' ? 0 : v);
    if (v === 'stale') {
      b.valueWords[2 * (b.length - 1) + HI_WORD] = STALE_NAN_BITS_HIGH;
      b.valueWords[2 * (b.length - 1) + LO_WORD] = STALE_NAN_BITS_LOW;
    }
  }
  return encodeSamples(b, new Encbuf()).slice();
}

/** An integer histogram record (type 7) with one sample per [ref, t], as wal.md lays it out. */
function histogramRecord(base: [number, number], rows: [number, number][]): Uint8Array {
  const e = new Encbuf();
  e.putByte(RecordType.HistogramSamples);
  e.putBE64(base[0]);
  e.putBE64(base[1]);
  for (const [ref, t] of rows) {
    e.putVarint(ref - base[0]);
    e.putVarint(t - base[1]);
    e.putBytes(
      hex('00' + '06' + '3f50624dd2f1a9fc' + '02' + '0a' + '4024000000000000' + '01000200' + '020204' + '00'),
    );
  }
  return e.bytes().slice();
}

function bits(b: SampleBatch, i: number): string {
  const hi = b.valueWords[2 * i + HI_WORD]!;
  const lo = b.valueWords[2 * i + LO_WORD]!;
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Everything a WAL directory (or checkpoint) holds, decoded. */
function contents(reader: Reader): {
  series: number[];
  samples: [number, number, string][];
  histograms: [number, number][];
  tombstones: [number, number, number][];
  exemplars: [number, number][];
  metadata: [number, string, string][];
  types: number[];
} {
  const out = {
    series: [] as number[],
    samples: [] as [number, number, string][],
    histograms: [] as [number, number][],
    tombstones: [] as [number, number, number][],
    exemplars: [] as [number, number][],
    metadata: [] as [number, string, string][],
    types: [] as number[],
  };
  const batch = new SampleBatch();
  const spans = new HistogramSampleSpans();
  const { records, err } = readAll(reader);
  assert.equal(err, null);
  for (const rec of records) {
    const t = recordType(rec);
    out.types.push(t);
    if (t === RecordType.Series) for (const s of decodeSeries(rec)) out.series.push(s.ref);
    else if (t === RecordType.Samples) {
      decodeSamples(rec, batch);
      // Values are kept as raw bits: a plain array would canonicalise NaN payloads.
      for (let i = 0; i < batch.length; i++) out.samples.push([batch.refs[i]!, batch.ts[i]!, bits(batch, i)]);
    } else if (t === RecordType.HistogramSamples) {
      scanHistogramSamples(rec, spans);
      for (let i = 0; i < spans.length; i++) out.histograms.push([spans.refs[i]!, spans.ts[i]!]);
    } else if (t === RecordType.Tombstones) {
      for (const s of decodeTombstones(rec)) out.tombstones.push([s.ref, s.mint, s.maxt]);
    } else if (t === RecordType.Exemplars) {
      for (const e of decodeExemplars(rec)) out.exemplars.push([e.ref, e.t]);
    } else if (t === RecordType.Metadata) {
      for (const m of decodeMetadata(rec)) out.metadata.push([m.ref, m.type, m.help]);
    }
  }
  return out;
}

/** Segments 0 and 1 of a WAL with every record type; segment 2 active. */
async function buildWal(): Promise<string> {
  const d = dir();
  const w = await WAL.open(d);
  const enc = new Encbuf();
  w.log(
    encodeSeries([1, 2, 3, 4, 5, 6].map(series), enc).slice(),
    samplesRecord(
      [1, 2, 3, 4, 5, 6].flatMap((r) => [
        [r, 100, r] as [number, number, number],
        [r, 200, r + 0.5] as [number, number, number],
      ]),
    ),
    encodeMetadata(
      [
        { ref: 1, type: 'counter', unit: '', help: 'a' },
        { ref: 2, type: 'gauge', unit: 'bytes', help: 'g' },
        { ref: 3, type: 'gauge', unit: '', help: 'dead' },
      ],
      new Encbuf(),
    ).slice(),
    encodeExemplars(
      [
        { ref: 1, t: 150, v: 1, labels: Labels.fromStrings('trace_id', 'x') },
        { ref: 2, t: 250, v: 2, labels: Labels.fromStrings('trace_id', 'y') },
      ],
      new Encbuf(),
    ).slice(),
  );
  w.nextSegment();
  w.log(
    samplesRecord([
      [1, 300, 1],
      [2, 400, 'stale'],
      [5, 150, 9],
    ]),
    encodeTombstones(
      [
        { ref: 2, mint: 50, maxt: 150 },
        { ref: 4, mint: 100, maxt: 300 },
        { ref: 3, mint: 0, maxt: 500 },
      ],
      new Encbuf(),
    ).slice(),
    encodeMetadata([{ ref: 1, type: 'counter', unit: '', help: 'b' }], new Encbuf()).slice(),
    histogramRecord(
      [2, 150],
      [
        [2, 150],
        [2, 350],
        [4, 100],
      ],
    ),
    hex('0b0102'), // samples_v2: a type ignis does not carry over
    encodeSeries([series(7)], new Encbuf()).slice(),
  );
  w.nextSegment();
  w.log(samplesRecord([[2, 500, 5]]));
  await w.close();
  return d;
}

const keep = (ref: number): boolean => ref === 1 || ref % 2 === 0;

describe('checkpoint', () => {
  it('keeps live series, data at or after mint, the latest metadata, as Prometheus does', async () => {
    const d = await buildWal();
    const lines: { level: LogLevel; msg: string }[] = [];
    const stats = await checkpoint(d, 0, 1, keep, 200, {
      logger: (level, msg) => lines.push({ level, msg }),
    });
    const cp = lastCheckpoint(d);
    assert.deepEqual(cp, { dir: path.join(d, 'checkpoint.00000001'), index: 1 });
    assert.deepEqual(fs.readdirSync(cp!.dir), ['00000000']);
    const c = contents(Reader.open(cp!.dir));
    assert.deepEqual(c.series, [1, 2, 4, 6]);
    // Samples are filtered by time only, whether or not their series lives (Prometheus's rule).
    assert.deepEqual(
      c.samples.map(([r, t]) => [r, t]),
      [
        [1, 200],
        [2, 200],
        [3, 200],
        [4, 200],
        [5, 200],
        [6, 200],
        [1, 300],
        [2, 400],
      ],
    );
    assert.equal(
      c.samples[7]![2],
      '7ff0000000000002',
      'the stale marker survives the checkpoint bit for bit',
    );
    assert.deepEqual(c.histograms, [[2, 350]]);
    assert.deepEqual(c.tombstones, [[4, 100, 300]]);
    assert.deepEqual(c.exemplars, [[2, 250]]);
    assert.deepEqual(c.metadata, [
      [1, 'counter', 'b'],
      [2, 'gauge', 'g'],
    ]);
    assert.equal(c.types[c.types.length - 1], RecordType.Metadata, 'metadata comes last');
    assert.deepEqual(stats, {
      droppedSeries: 3,
      droppedSamples: 7,
      droppedHistogramSamples: 2,
      droppedTombstones: 2,
      droppedExemplars: 1,
      droppedMetadata: 2,
      droppedRecords: 1,
      totalSeries: 7,
      totalSamples: 15,
      totalHistogramSamples: 3,
      totalTombstones: 3,
      totalExemplars: 2,
      totalMetadata: 4,
    });
    assert.ok(lines.some((l) => l.level === 'warn' && /cannot carry over/.test(l.msg)));
    assert.ok(!fs.existsSync(cp!.dir + '.tmp'));
  });

  it('builds on the previous checkpoint, and replay reads checkpoint then later segments', async () => {
    const d = await buildWal();
    await checkpoint(d, 0, 1, keep, 200);
    const w = await WAL.open(d);
    w.truncate(2);
    w.log(samplesRecord([[4, 600, 6]]));
    await w.close();
    // Segments 2 and 3 hold samples; segment 4 is the next writer's.
    await assert.rejects(checkpoint(d, 3, 3, keep, 0), /unexpected gap to last checkpoint/);
    const stats = await checkpoint(d, 0, 3, (ref) => ref === 2, 450);
    assert.equal(stats.totalSeries, 4, 'the series of checkpoint 1, not of deleted segments');
    const cp = lastCheckpoint(d)!;
    assert.equal(cp.index, 3);
    const c = contents(Reader.open(cp.dir));
    assert.deepEqual(c.series, [2]);
    assert.deepEqual(
      c.samples.map(([r, t]) => [r, t]),
      [
        [2, 500],
        [4, 600],
      ],
    );
    assert.deepEqual(c.metadata, [[2, 'gauge', 'g']]);
    assert.deepEqual(c.exemplars, []);

    assert.deepEqual(
      listCheckpoints(d).map((x) => x.index),
      [1, 3],
    );
    deleteCheckpoints(d, 3);
    assert.deepEqual(
      listCheckpoints(d).map((x) => x.index),
      [3],
    );

    // Replay: checkpoint 3, then segments after 3 only (2 and 3 are still on disk).
    const w2 = await WAL.open(d);
    w2.log(samplesRecord([[2, 700, 7]]));
    await w2.close();
    const r = contents(replayReader(d));
    assert.deepEqual(
      r.samples.map(([ref, t]) => [ref, t]),
      [
        [2, 500],
        [4, 600],
        [2, 700],
      ],
    );
  });

  it('without a previous checkpoint reads from the first segment', async () => {
    const d = await buildWal();
    const stats = await checkpoint(d, 0, 0, () => true, 0);
    assert.equal(stats.totalSamples, 12);
    assert.equal(lastCheckpoint(d)?.index, 0);
    assert.equal(contents(replayReader(d)).samples.length, 12 + 3 + 1);
  });

  it('ignores temporary directories, replaces a stale one, and rejects a checkpoint that is a file', async () => {
    const d = await buildWal();
    fs.mkdirSync(path.join(d, checkpointName(1) + '.tmp'));
    fs.writeFileSync(path.join(d, checkpointName(1) + '.tmp', 'junk'), 'x');
    fs.mkdirSync(path.join(d, checkpointName(0) + '.tmp'));
    assert.equal(lastCheckpoint(d), null);
    await checkpoint(d, 0, 1, keep, 0);
    assert.deepEqual(fs.readdirSync(lastCheckpoint(d)!.dir), ['00000000']);
    assert.deepEqual(
      fs.readdirSync(d).filter((n) => n.startsWith('checkpoint')),
      [checkpointName(1)],
    );
    fs.writeFileSync(path.join(d, checkpointName(9)), '');
    assert.throws(() => lastCheckpoint(d), /is not a directory/);
  });

  it('fails on damage in what it reads and leaves nothing behind', async () => {
    const d = await buildWal();
    const seg = fs.readFileSync(segmentPath(d, 1));
    seg[20]! ^= 0xff;
    fs.writeFileSync(segmentPath(d, 1), seg);
    await assert.rejects(
      checkpoint(d, 0, 1, keep, 0),
      /reading segments failed: WAL corruption in segment 00000001/,
    );
    assert.equal(lastCheckpoint(d), null);
    assert.deepEqual(
      fs.readdirSync(d).filter((n) => n.startsWith('checkpoint')),
      [],
    );
  });
});
