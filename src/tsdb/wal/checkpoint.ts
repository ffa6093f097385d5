/**
 * Checkpoints (Prometheus's wlog/checkpoint.go): a compacted copy of a WAL prefix, so that the
 * segments it covers can be deleted.
 *
 * `checkpoint.N` (N = the last segment covered, 8 digits) is a directory of segments holding,
 * from the previous checkpoint and segments `from..N`: the series the head still has, samples,
 * histogram samples and exemplars at or after `mint`, tombstones of live series that reach
 * `mint`, and the latest metadata of each live series. It is written into `checkpoint.N.tmp`,
 * synced, and renamed into place, so a crash leaves either the old or the new checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeExemplars, decodeMetadata, decodeSeries, decodeTombstones } from '../record/decode.js';
import { Encbuf } from '../record/encbuf.js';
import { encodeExemplars, encodeMetadata, encodeSeries, encodeTombstones } from '../record/encode.js';
import { HISTOGRAM_RECORD_HEADER, HistogramSampleSpans, scanHistogramSamples } from '../record/histograms.js';
import { SampleBatch, decodeSamples, encodeSamples } from '../record/samples.js';
import {
  RecordType,
  recordType,
  recordTypeName,
  type RefExemplar,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
} from '../record/types.js';
import { NOP_LOGGER, type LogFn } from './log.js';
import { Reader, segmentsInRanges, type SegmentRange } from './reader.js';
import { DEFAULT_SEGMENT_SIZE, fsyncDir, segmentName } from './segment.js';
import { WAL } from './wal.js';

/** The prefix of checkpoint directory names. */
export const CHECKPOINT_PREFIX = 'checkpoint.';

/** Records are batched up to this many bytes before they are handed to the checkpoint's WAL. */
const FLUSH_BYTES = 1024 * 1024;

/** A checkpoint directory and the last segment it covers. */
export interface CheckpointRef {
  readonly dir: string;
  readonly index: number;
}

/** How much a checkpoint kept and dropped, by kind. */
export interface CheckpointStats {
  droppedSeries: number;
  droppedSamples: number;
  droppedHistogramSamples: number;
  droppedTombstones: number;
  droppedExemplars: number;
  droppedMetadata: number;
  /** Records of types ignis cannot filter (and so drops, as Prometheus drops unknown types). */
  droppedRecords: number;
  totalSeries: number;
  totalSamples: number;
  totalHistogramSamples: number;
  totalTombstones: number;
  totalExemplars: number;
  totalMetadata: number;
}

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  logger?: LogFn;
  /** Segment size of the checkpoint's own segments (default 128 MiB). */
  segmentSize?: number;
}

/** The name of the checkpoint covering segments up to `index`. */
export function checkpointName(index: number): string {
  return CHECKPOINT_PREFIX + segmentName(index);
}

// Only names that are the prefix plus digits are checkpoints; `checkpoint.N.tmp` is not.
const CHECKPOINT_NAME = /^checkpoint\.(\d+)$/;
const STALE_TMP = /^checkpoint\.\d+\.tmp$/;

/** The checkpoints in `dir`, oldest first. */
export function listCheckpoints(dir: string): CheckpointRef[] {
  const out: CheckpointRef[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const m = CHECKPOINT_NAME.exec(ent.name);
    if (m === null) continue;
    if (!ent.isDirectory()) throw new Error(`checkpoint ${path.join(dir, ent.name)} is not a directory`);
    out.push({ dir: path.join(dir, ent.name), index: Number(m[1]) });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The newest checkpoint in the WAL directory `dir`, or null when there is none. */
export function lastCheckpoint(dir: string): CheckpointRef | null {
  const all = listCheckpoints(dir);
  return all.length === 0 ? null : all[all.length - 1]!;
}

/** Deletes the checkpoints in `dir` older than `maxIndex` (those with a lower index). */
export function deleteCheckpoints(dir: string, maxIndex: number): void {
  for (const cp of listCheckpoints(dir)) {
    if (cp.index >= maxIndex) break;
    fs.rmSync(cp.dir, { recursive: true, force: true });
  }
}

/**
 * A reader over what replay needs: the newest checkpoint, then the WAL segments after it.
 * Segments the checkpoint already covers are skipped even if they were not deleted yet.
 */
export function replayReader(dir: string): Reader {
  const cp = lastCheckpoint(dir);
  const ranges: SegmentRange[] = [];
  if (cp !== null) ranges.push({ dir: cp.dir });
  ranges.push({ dir, first: cp === null ? -1 : cp.index + 1 });
  return new Reader(segmentsInRanges(ranges));
}

/**
 * Writes `checkpoint.<to>` in the WAL directory `dir` from the previous checkpoint and segments
 * `from..to`, keeping the series for which `keep(ref)` is true and data at or after `mint`.
 * Throws on any damage in what it reads: repairing is not an option here, as the head would not
 * know which series records were lost.
 */
export async function checkpoint(
  dir: string,
  from: number,
  to: number,
  keep: (ref: number) => boolean,
  mint: number,
  opts: CheckpointOptions = {},
): Promise<CheckpointStats> {
  const logger = opts.logger ?? NOP_LOGGER;
  logger('info', 'Creating checkpoint', { from_segment: from, to_segment: to, mint });

  const ranges: SegmentRange[] = [];
  const prev = lastCheckpoint(dir);
  if (prev !== null) {
    if (from > prev.index + 1) {
      throw new Error(
        `unexpected gap to last checkpoint: expected segment ${prev.index + 1}, requested ${from}`,
      );
    }
    // Segments the previous checkpoint covers should be gone already; never read them twice.
    from = prev.index + 1;
    ranges.push({ dir: prev.dir });
  }
  ranges.push({ dir, first: from, last: to });
  const reader = new Reader(segmentsInRanges(ranges));

  const cpDir = path.join(dir, checkpointName(to));
  const tmpDir = cpDir + '.tmp';
  // Temporary directories of checkpoints that a crash interrupted are garbage: only one
  // checkpoint is written at a time.
  for (const name of fs.readdirSync(dir)) {
    if (STALE_TMP.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  fs.mkdirSync(tmpDir);
  let cp: WAL | null = null;
  try {
    cp = await WAL.open(tmpDir, { segmentSize: opts.segmentSize ?? DEFAULT_SEGMENT_SIZE, repair: false });
    const stats = copyLive(reader, cp, keep, mint, logger);
    await cp.close();
    cp = null;
    fsyncDir(tmpDir);
    // Prometheus's fileutil.Replace: the old directory goes, then the new one takes its name.
    fs.rmSync(cpDir, { recursive: true, force: true });
    fs.renameSync(tmpDir, cpDir);
    fsyncDir(dir);
    logger('info', 'Checkpoint done', {
      checkpoint: checkpointName(to),
      series: stats.totalSeries - stats.droppedSeries,
      samples: stats.totalSamples - stats.droppedSamples,
      dropped_records: stats.droppedRecords,
    });
    return stats;
  } finally {
    reader.close();
    if (cp !== null) await cp.close().catch(() => {});
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Copies what is still live from `reader` into `cp`; the body of {@link checkpoint}. */
function copyLive(
  reader: Reader,
  cp: WAL,
  keep: (ref: number) => boolean,
  mint: number,
  logger: LogFn,
): CheckpointStats {
  const stats: CheckpointStats = {
    droppedSeries: 0,
    droppedSamples: 0,
    droppedHistogramSamples: 0,
    droppedTombstones: 0,
    droppedExemplars: 0,
    droppedMetadata: 0,
    droppedRecords: 0,
    totalSeries: 0,
    totalSamples: 0,
    totalHistogramSamples: 0,
    totalTombstones: 0,
    totalExemplars: 0,
    totalMetadata: 0,
  };
  const series: RefSeries[] = [];
  const samples = new SampleBatch();
  const spans = new HistogramSampleSpans();
  const stones: RefTombstone[] = [];
  const exemplars: RefExemplar[] = [];
  const metadata: RefMetadata[] = [];
  const latestMetadata = new Map<number, RefMetadata>();
  const droppedTypes = new Map<number, number>();
  const enc = new Encbuf(2 * FLUSH_BYTES);
  let batch: Uint8Array[] = [];
  const flush = (): void => {
    if (batch.length > 0) cp.log(...batch);
    batch = [];
    enc.reset();
  };

  while (reader.next()) {
    const rec = reader.record();
    const t = recordType(rec);
    const start = enc.length;
    switch (t) {
      case RecordType.Series: {
        decodeSeries(rec, series);
        const kept = series.filter((s) => keep(s.ref));
        if (kept.length > 0) encodeSeries(kept, enc);
        stats.totalSeries += series.length;
        stats.droppedSeries += series.length - kept.length;
        break;
      }
      case RecordType.Samples: {
        decodeSamples(rec, samples);
        const total = samples.length;
        // Compact the kept samples in place; values move as raw words to keep NaN payloads.
        const { refs, ts, valueWords } = samples;
        let n = 0;
        for (let i = 0; i < total; i++) {
          if (ts[i]! < mint) continue;
          refs[n] = refs[i]!;
          ts[n] = ts[i]!;
          valueWords[2 * n] = valueWords[2 * i]!;
          valueWords[2 * n + 1] = valueWords[2 * i + 1]!;
          n++;
        }
        samples.length = n;
        if (n > 0) encodeSamples(samples, enc);
        stats.totalSamples += total;
        stats.droppedSamples += total - n;
        break;
      }
      case RecordType.HistogramSamples:
      case RecordType.FloatHistogramSamples:
      case RecordType.CustomBucketsHistogramSamples:
      case RecordType.CustomBucketsFloatHistogramSamples: {
        // Kept samples are copied byte for byte: their deltas are against the record's first
        // ref and timestamp, which the copy keeps, so they decode to the same values.
        scanHistogramSamples(rec, spans);
        let n = 0;
        for (let i = 0; i < spans.length; i++) {
          if (spans.ts[i]! < mint) continue;
          if (n === 0) enc.putBytes(rec.subarray(0, HISTOGRAM_RECORD_HEADER));
          enc.putBytes(rec.subarray(spans.starts[i]!, spans.ends[i]!));
          n++;
        }
        stats.totalHistogramSamples += spans.length;
        stats.droppedHistogramSamples += spans.length - n;
        break;
      }
      case RecordType.Tombstones: {
        decodeTombstones(rec, stones);
        const kept = stones.filter((s) => s.maxt >= mint && keep(s.ref));
        if (kept.length > 0) encodeTombstones(kept, enc);
        stats.totalTombstones += stones.length;
        stats.droppedTombstones += stones.length - kept.length;
        break;
      }
      case RecordType.Exemplars: {
        decodeExemplars(rec, exemplars);
        const kept = exemplars.filter((e) => e.t >= mint);
        if (kept.length > 0) encodeExemplars(kept, enc);
        stats.totalExemplars += exemplars.length;
        stats.droppedExemplars += exemplars.length - kept.length;
        break;
      }
      case RecordType.Metadata: {
        decodeMetadata(rec, metadata);
        let kept = 0;
        for (const m of metadata) {
          if (!keep(m.ref)) continue;
          if (!latestMetadata.has(m.ref)) kept++;
          latestMetadata.set(m.ref, m);
        }
        stats.totalMetadata += metadata.length;
        stats.droppedMetadata += metadata.length - kept;
        break;
      }
      default: {
        // Like Prometheus with a type it does not know: the record does not survive.
        stats.droppedRecords++;
        const key = rec.length === 0 ? -1 : rec[0]!;
        droppedTypes.set(key, (droppedTypes.get(key) ?? 0) + 1);
        continue;
      }
    }
    if (enc.length > start) batch.push(enc.since(start));
    if (enc.length > FLUSH_BYTES) flush();
  }
  const err = reader.err();
  if (err !== null) throw new Error(`checkpoint: reading segments failed: ${err.message}`, { cause: err });
  flush();
  if (latestMetadata.size > 0) {
    const all = [...latestMetadata.values()].sort((a, b) => a.ref - b.ref);
    cp.log(encodeMetadata(all, enc));
  }
  for (const [t, n] of droppedTypes) {
    logger('warn', 'Checkpoint dropped records of a type ignis cannot carry over', {
      type: t < 0 ? 'empty record' : `${recordTypeName(t)} (${t})`,
      records: n,
    });
  }
  return stats;
}
