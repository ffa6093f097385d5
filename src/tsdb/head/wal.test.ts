import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../../model/value.js';
import { ValueType } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { WAL } from '../wal/wal.js';
import { Head } from './head.js';
import { replayWAL, truncateHeadAndWAL } from './wal.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-head-wal-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Reads every series of a head as `labels → "t:v"` strings, staleness spelled out. */
function dump(head: Head): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of collectSeries(
    head.querier(-Infinity, Infinity).select(true, undefined, Matcher.create('=~', '__name__', '.+')),
  )) {
    const it = s.iterator();
    const vals: string[] = [];
    while (it.next() !== ValueType.None) vals.push(`${it.t}:${isStaleNaN(it.v) ? 'stale' : it.v}`);
    out.set(s.labels.toString(), vals);
  }
  return out;
}

describe('head WAL replay', () => {
  it('a head rebuilt from its WAL holds exactly the committed samples, metadata and exemplars', async () => {
    const dir = path.join(tmp, 'wal1');
    const wal = await WAL.open(dir, { segmentSize: 32 * 1024 });
    const head = new Head({ wal, maxExemplars: 10 });
    const series = Array.from({ length: 40 }, (_, i) =>
      Labels.fromStrings('__name__', `m${i % 4}`, 'i', String(i)),
    );
    for (let step = 0; step < 200; step++) {
      const app = head.appender();
      for (const ls of series) app.append(0, ls, step * 15_000, step % 17 === 16 ? STALE_NAN : step * 0.5);
      if (step === 3) {
        app.updateMetadata(0, series[0]!, { type: 'counter', help: 'Help.', unit: '' });
        app.appendExemplar(0, series[0]!, {
          labels: Labels.fromStrings('trace_id', 'abc'),
          value: 2,
          ts: 45_000,
          hasTs: true,
        });
      }
      if (step % 3 === 0) app.commit();
      else if (step % 7 === 0) app.rollback();
      else app.commit();
    }
    await wal.close();
    // More than one segment was written, so replay crosses segment boundaries.
    assert.ok(fs.readdirSync(dir).length > 2);

    const wal2 = await WAL.open(dir, { segmentSize: 32 * 1024 });
    const replayed = new Head({ wal: wal2, maxExemplars: 10 });
    const stats = replayWAL(replayed, dir);
    assert.equal(stats.unknownRefSamples, 0);
    assert.deepEqual(dump(replayed), dump(head));
    assert.equal(replayed.minTime(), head.minTime());
    assert.equal(replayed.maxTime(), head.maxTime());
    assert.deepEqual(replayed.seriesByLabels(series[0]!)!.metadata, {
      type: 'counter',
      help: 'Help.',
      unit: '',
    });
    assert.equal(
      replayed.exemplars.select(0, Infinity, () => true)[0]!.exemplars[0]!.labels.get('trace_id'),
      'abc',
    );

    // New series after the restart get references above every replayed one.
    const app = replayed.appender();
    const ref = app.append(0, Labels.fromStrings('__name__', 'fresh'), 10_000_000, 1);
    app.commit();
    assert.ok(ref > Math.max(...series.map((s) => replayed.seriesByLabels(s)!.ref)));
    await wal2.close();

    // And a third generation sees both the old data and the post-restart sample.
    const third = new Head();
    replayWAL(third, dir);
    assert.equal(dump(third).get('{__name__="fresh"}')!.join(), '10000000:1');
    assert.equal(third.numSeries(), 41);
  });

  it('skips samples older than the lower bound given (data already in blocks)', async () => {
    const dir = path.join(tmp, 'wal2');
    const wal = await WAL.open(dir);
    const head = new Head({ wal });
    const ls = Labels.fromStrings('__name__', 'x');
    for (let t = 0; t < 10; t++) {
      const app = head.appender();
      app.append(0, ls, t * 1000, t);
      app.commit();
    }
    await wal.close();
    const replayed = new Head();
    const stats = replayWAL(replayed, dir, 5000);
    assert.equal(stats.skippedSamples, 5);
    assert.deepEqual(dump(replayed).get('{__name__="x"}'), [
      '5000:5',
      '6000:6',
      '7000:7',
      '8000:8',
      '9000:9',
    ]);
  });

  it('truncation checkpoints the WAL: replay after it gives the truncated head', async () => {
    const dir = path.join(tmp, 'wal3');
    const wal = await WAL.open(dir, { segmentSize: 32 * 1024 });
    const head = new Head({ wal });
    const gone = Labels.fromStrings('__name__', 'gone');
    const kept = Array.from({ length: 20 }, (_, i) => Labels.fromStrings('__name__', 'kept', 'i', String(i)));
    const app0 = head.appender();
    app0.append(0, gone, 0, 1);
    app0.commit();
    for (let k = 1; k <= 600; k++) {
      const app = head.appender();
      for (const ls of kept) app.append(0, ls, k * 15_000, k);
      app.commit();
    }
    const segmentsBefore = wal.segments();
    const mint = 300 * 15_000;
    const stats = await truncateHeadAndWAL(head, wal, mint);
    assert.ok(stats !== null, 'a checkpoint was written');
    assert.ok(wal.segments().first > segmentsBefore.first, 'old segments were deleted');
    assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('checkpoint.')));
    // Appends continue after the checkpoint and survive a restart.
    const app = head.appender();
    for (const ls of kept) app.append(0, ls, 601 * 15_000, 601);
    app.commit();
    await wal.close();

    const replayed = new Head();
    replayWAL(replayed, dir, mint);
    assert.equal(replayed.seriesByLabels(gone), undefined, 'series dropped by truncation stay dropped');
    const want = dump(head);
    const got = dump(replayed);
    // The head keeps whole chunks that overlap mint; replay with the same lower bound keeps
    // exactly the samples at or after mint, which is what must survive.
    for (const [k, v] of want)
      want.set(
        k,
        v.filter((s) => Number(s.split(':')[0]) >= mint),
      );
    assert.deepEqual(got, want);
  });
});
