/**
 * Rebuilding the head from the WAL on start: the newest checkpoint, then every segment after
 * it. Samples go straight into the series (no appender, no re-logging), which is what makes
 * replay fast: one decode into typed arrays per record, one chunk append per sample.
 */
import { decodeExemplars, decodeMetadata, decodeSeries, decodeTombstones } from '../record/decode.js';
import { SampleBatch, decodeSamples } from '../record/samples.js';
import {
  RecordType,
  recordType,
  recordTypeName,
  type RefExemplar,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
} from '../record/types.js';
import { checkpoint, deleteCheckpoints, replayReader, type CheckpointStats } from '../wal/checkpoint.js';
import { NOP_LOGGER, type LogFn } from '../wal/log.js';
import type { WAL } from '../wal/wal.js';
import type { Head } from './head.js';
import type { MemSeries } from './series.js';

/** What a replay read and what it had to skip. */
export interface ReplayStats {
  records: number;
  series: number;
  samples: number;
  exemplars: number;
  metadata: number;
  /** Deleted intervals (tombstone records' entries) applied to the head. */
  tombstones: number;
  /** Samples whose series record was never seen (a damaged or foreign WAL). */
  unknownRefSamples: number;
  /** Samples older than the series' newest or than the head's lower bound. */
  skippedSamples: number;
  /** Records of types ignis does not load yet (native histograms), by type name. */
  unsupported: Record<string, number>;
}

/**
 * Replays the WAL in `dir` into `head`. Samples older than `minValidTime` (data already in a
 * block) are skipped. Damage found while reading stops the replay with the error; the WAL's
 * own open-time repair is what truncates a damaged tail, so it must run first.
 */
export function replayWAL(
  head: Head,
  dir: string,
  minValidTime = Number.MIN_SAFE_INTEGER,
  logger: LogFn = NOP_LOGGER,
): ReplayStats {
  const stats: ReplayStats = {
    records: 0,
    series: 0,
    samples: 0,
    exemplars: 0,
    metadata: 0,
    tombstones: 0,
    unknownRefSamples: 0,
    skippedSamples: 0,
    unsupported: {},
  };
  // A series may be logged under several refs (one per restart before it was checkpointed,
  // for instance); later refs map onto the series the first one created.
  const byRef = new Map<number, MemSeries>();
  const seriesBuf: RefSeries[] = [];
  const exBuf: RefExemplar[] = [];
  const metaBuf: RefMetadata[] = [];
  const stoneBuf: RefTombstone[] = [];
  const batch = new SampleBatch(4096);
  const range = head.chunkRange;
  let minT = Number.MAX_SAFE_INTEGER;
  let maxT = Number.MIN_SAFE_INTEGER;

  const r = replayReader(dir);
  try {
    while (r.next()) {
      const rec = r.record();
      stats.records++;
      const type = recordType(rec);
      switch (type) {
        case RecordType.Series:
          for (const s of decodeSeries(rec, seriesBuf)) {
            byRef.set(s.ref, head.getOrCreate(s.labels, s.ref).series);
            stats.series++;
          }
          break;
        case RecordType.Samples: {
          decodeSamples(rec, batch);
          const n = batch.length;
          const refs = batch.refs;
          const ts = batch.ts;
          const vs = batch.values;
          let last: MemSeries | undefined;
          let lastRef = -1;
          for (let i = 0; i < n; i++) {
            const ref = refs[i]!;
            // Consecutive samples of one record often belong to few series: cache the look-up.
            if (ref !== lastRef) {
              last = byRef.get(ref);
              lastRef = ref;
            }
            const s = last;
            if (s === undefined) {
              stats.unknownRefSamples++;
              continue;
            }
            const t = ts[i]!;
            if (t < minValidTime || t <= s.lastT) {
              stats.skippedSamples++;
              continue;
            }
            if (s.append(t, vs[i]!, range)) head.stats.chunksCreated++;
            if (t < minT) minT = t;
            if (t > maxT) maxT = t;
          }
          stats.samples += n;
          break;
        }
        case RecordType.Exemplars:
          for (const e of decodeExemplars(rec, exBuf)) {
            const s = byRef.get(e.ref);
            if (!s) continue;
            const ex = { labels: e.labels, value: e.v, ts: e.t, hasTs: true };
            try {
              if (head.exemplars.validate(s.ref, ex)) head.exemplars.add(s.ref, s.labels, ex);
              stats.exemplars++;
            } catch {
              // An exemplar the store rejects now (out of order after a resize) is not fatal.
            }
          }
          break;
        case RecordType.Tombstones:
          for (const st of decodeTombstones(rec, stoneBuf)) {
            const s = byRef.get(st.ref);
            if (!s) continue;
            head.tombstones.addInterval(s.ref, { mint: st.mint, maxt: st.maxt });
            stats.tombstones++;
          }
          break;
        case RecordType.Metadata:
          for (const m of decodeMetadata(rec, metaBuf)) {
            const s = byRef.get(m.ref);
            if (!s) continue;
            s.metadata = { type: m.type, help: m.help, unit: m.unit };
            stats.metadata++;
          }
          break;
        default: {
          const name = recordTypeName(type === RecordType.Unknown ? (rec[0] ?? 255) : type);
          stats.unsupported[name] = (stats.unsupported[name] ?? 0) + 1;
        }
      }
    }
    const err = r.err();
    if (err) throw err;
  } finally {
    r.close();
  }
  if (maxT >= minT) {
    head.updateTimeBounds(minT);
    head.updateTimeBounds(maxT);
  }
  head.stats.samplesAppended += stats.samples - stats.skippedSamples - stats.unknownRefSamples;
  for (const [name, count] of Object.entries(stats.unsupported)) {
    logger('warn', 'WAL replay skipped records of an unsupported type', { type: name, count });
  }
  if (stats.unknownRefSamples > 0) {
    logger('warn', 'WAL replay found samples for unknown series', { samples: stats.unknownRefSamples });
  }
  return stats;
}

/**
 * Truncates the head to `mint` and shrinks the WAL to match, as Prometheus does after each
 * compaction: a new segment is started, the older two thirds of the closed segments are folded
 * into a checkpoint (keeping only series still in the head and samples at or after `mint`),
 * and those segments and older checkpoints are deleted. Returns the checkpoint's statistics,
 * or null when there were too few segments to be worth it.
 */
export async function truncateHeadAndWAL(
  head: Head,
  wal: WAL,
  mint: number,
  logger: LogFn = NOP_LOGGER,
): Promise<CheckpointStats | null> {
  head.truncate(mint);
  const { first } = wal.segments();
  // Never checkpoint the segment being written: start a new one first.
  const last = wal.nextSegment() - 1;
  if (first < 0 || last < first) return null;
  const to = first + Math.floor(((last - first) * 2) / 3);
  if (to <= first) return null;
  const stats = await checkpoint(wal.dir, first, to, (ref) => head.seriesByRef(ref) !== undefined, mint, {
    logger,
  });
  wal.truncate(to + 1);
  deleteCheckpoints(wal.dir, to);
  return stats;
}
