/**
 * The WAL's bytes against the real Prometheus: segments Prometheus writes (snappy by default,
 * zstd on request) read back here record by record, and segments ignis writes (records over
 * several pages, segment cuts, the stale marker) read by promtool's own WAL replay.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { selfScrapeConfig, startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { peerBinary } from '../../util/testenv.js';
import { decodeMetadata, decodeSeries, decodeTombstones } from '../record/decode.js';
import { Encbuf } from '../record/encbuf.js';
import { encodeSeries } from '../record/encode.js';
import { SampleBatch, decodeSamples, encodeSamples } from '../record/samples.js';
import { RecordType, recordType } from '../record/types.js';
import { ZSTD_SUPPORTED } from './compression.js';
import { Reader, UnsupportedCompressionError } from './reader.js';
import {
  FRAGMENT_TYPE_MASK,
  PAGE_SIZE,
  SNAPPY_FLAG,
  ZSTD_FLAG,
  listSegments,
  segmentPath,
} from './segment.js';
import { removeDir, tempDir } from './testing.js';
import { WAL } from './wal.js';

const prometheus = peerBinary('prometheus', 'WAL format interop with Prometheus');
const promtool = peerBinary('promtool', 'WAL format interop with promtool');
const tmp = tempDir('ignis-wal-interop-');
const running: RunningPrometheus[] = [];
after(() => {
  for (const p of running) p.kill();
  removeDir(tmp);
});

/** Runs Prometheus scraping itself on 127.0.0.1 for a few scrapes, then stops it; returns its data directory. */
async function prometheusWrites(name: string, extraFlags: string[]): Promise<string> {
  const dataDir = path.join(tmp, name);
  const p = await startPrometheus({
    binary: prometheus!,
    dataDir,
    config: selfScrapeConfig('500ms'),
    flags: extraFlags,
  });
  running.push(p);
  // Wait until a few scrapes are in: `up` has samples over at least 1.5 s.
  await p.waitFor('four scrapes', async () => {
    const data = await p.query<{ value: [number, string] }[]>('count_over_time(up[1m])');
    return Number(data.result[0]?.value[1] ?? 0) >= 4;
  });
  await p.stop();
  return dataDir;
}

/** Counts fragment flags by walking the raw pages, independently of the reader. */
function fragmentFlags(walDir: string): { snappy: number; zstd: number; plain: number } {
  const n = { snappy: 0, zstd: 0, plain: 0 };
  for (const s of listSegments(walDir)) {
    const b = fs.readFileSync(segmentPath(walDir, s.index));
    for (let p = 0; p + 7 <= b.length;) {
      const pageLeft = PAGE_SIZE - (p % PAGE_SIZE);
      if (pageLeft < 7 || (b[p]! & FRAGMENT_TYPE_MASK) === 0) {
        p += pageLeft;
        continue;
      }
      if (b[p]! & SNAPPY_FLAG) n.snappy++;
      else if (b[p]! & ZSTD_FLAG) n.zstd++;
      else n.plain++;
      p += 7 + ((b[p + 1]! << 8) | b[p + 2]!);
    }
  }
  return n;
}

describe('WAL written by Prometheus', { skip: prometheus === null }, () => {
  it('is read record by record, snappy-compressed records included, and opens without repair', async () => {
    const data = await prometheusWrites('default', []);
    const walDir = path.join(data, 'wal');
    const flags = fragmentFlags(walDir);
    assert.ok(
      flags.snappy > 0,
      `Prometheus compresses its WAL with snappy by default: ${JSON.stringify(flags)}`,
    );

    const r = Reader.open(walDir);
    const types = new Map<number, number>();
    const batch = new SampleBatch();
    const refs = new Set<number>();
    let samples = 0;
    let upSeen = false;
    while (r.next()) {
      const rec = r.record();
      const t = recordType(rec);
      types.set(t, (types.get(t) ?? 0) + 1);
      if (t === RecordType.Series) {
        for (const s of decodeSeries(rec)) {
          refs.add(s.ref);
          if (s.labels.get('__name__') === 'up') upSeen = true;
        }
      } else if (t === RecordType.Samples) {
        decodeSamples(rec, batch);
        samples += batch.length;
        for (let i = 0; i < batch.length; i++)
          assert.ok(refs.has(batch.refs[i]!), 'a sample of a series written before it');
      } else if (t === RecordType.Metadata) decodeMetadata(rec);
      else if (t === RecordType.Tombstones) decodeTombstones(rec);
    }
    r.close();
    assert.equal(r.err(), null);
    assert.ok(upSeen, 'the series record of up');
    assert.ok(samples > 100, `samples replayed: ${samples}`);

    const before = listSegments(walDir).length;
    const w = await WAL.open(walDir);
    assert.equal(w.repaired, null);
    assert.equal(w.activeSegment, before);
    await w.close();
  });

  it('with zstd is decoded where Node.js has zstd, and refused untouched where it has not', async () => {
    const data = await prometheusWrites('zstd', ['--storage.tsdb.wal-compression-type=zstd']);
    const walDir = path.join(data, 'wal');
    const flags = fragmentFlags(walDir);
    assert.ok(flags.zstd > 0, JSON.stringify(flags));
    const r = Reader.open(walDir);
    let n = 0;
    while (r.next()) n++;
    if (ZSTD_SUPPORTED) {
      assert.equal(r.err(), null);
      assert.ok(n > 0);
      return;
    }
    assert.ok(r.err() instanceof UnsupportedCompressionError, String(r.err()));
    const sizes = listSegments(walDir).map((s) => fs.statSync(segmentPath(walDir, s.index)).size);
    await assert.rejects(WAL.open(walDir), UnsupportedCompressionError);
    assert.deepEqual(
      listSegments(walDir).map((s) => fs.statSync(segmentPath(walDir, s.index)).size),
      sizes,
    );
  });
});

describe('WAL written by ignis', { skip: promtool === null }, () => {
  it('is replayed by promtool: multi-page records, segment cuts, the stale marker', async () => {
    const db = path.join(tmp, 'ignis-db');
    // Small segments force cuts; 3000 series with long labels make a series record of several pages.
    const w = await WAL.open(path.join(db, 'wal'), { segmentSize: 2 * PAGE_SIZE });
    const series = Array.from({ length: 3000 }, (_, i) => ({
      ref: i + 1,
      labels: Labels.fromStrings(
        '__name__',
        'ignis_interop',
        'i',
        String(i),
        'pad',
        'x'.repeat(20 + (i % 17)),
      ),
    }));
    w.log(encodeSeries(series, new Encbuf()));
    const t0 = 1_700_000_000_000;
    const enc = new Encbuf();
    const batch = new SampleBatch(1000);
    for (let step = 0; step < 4; step++) {
      batch.clear();
      for (const s of series)
        batch.push(s.ref, t0 + step * 15_000, s.ref === 7 && step === 3 ? STALE_NAN : s.ref * 10 + step);
      for (let from = 0; from < batch.length; from += 1000) {
        enc.reset();
        w.log(encodeSamples(batch, enc, from, Math.min(from + 1000, batch.length)));
      }
    }
    await w.close();
    assert.ok(listSegments(path.join(db, 'wal')).length > 3, 'several segments');

    const res = spawnSync(promtool!, ['tsdb', 'dump', '--match={__name__="ignis_interop"}', db], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(res.status, 0, res.stderr);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.length, 3000 * 4);
    const want = new Set<string>();
    for (const s of series) {
      for (let step = 0; step < 4; step++) {
        const v = s.ref === 7 && step === 3 ? 'NaN' : String(s.ref * 10 + step);
        want.add(`${s.labels.toString()} ${v} ${t0 + step * 15_000}`);
      }
    }
    for (const l of lines) assert.ok(want.has(l), `unexpected line from promtool: ${l}`);
  });
});
