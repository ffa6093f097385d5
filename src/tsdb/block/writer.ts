/**
 * Persists series into a new block directory as Prometheus's compactor does (`LeveledCompactor
 * .write`): everything is written into `<dir>/<ULID>.tmp-for-creation` (chunk segments, index,
 * meta.json, an empty tombstones file), synced, and renamed to `<dir>/<ULID>` in one step, so a
 * crash leaves either a whole block or a temporary directory to delete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareStrings } from '../../model/strings.js';
import { ChunkWriter } from '../chunks/writer.js';
import { DEFAULT_CHUNK_SEGMENT_SIZE } from '../chunks/chunks.js';
import { IndexWriter } from '../index/writer.js';
import { replace, syncDir } from '../fileutil/fileutil.js';
import { Tombstones, writeTombstones } from '../tombstones/tombstones.js';
import { META_VERSION_1, writeMeta, type BlockMeta } from './meta.js';
import type { ChunkSeriesSource } from './source.js';
import { newULID } from './ulid.js';

/** Suffix of the directory a block is written into before it is renamed into place. */
export const TMP_FOR_CREATION_SUFFIX = '.tmp-for-creation';
/** The file name of a block's index. */
export const INDEX_FILENAME = 'index';
/** The directory of a block's chunk segments. */
export const CHUNKS_DIRNAME = 'chunks';

/** Options of {@link writeBlock}. */
export interface WriteBlockOptions {
  /** The ULID of the new block (default: a new one). */
  ulid?: string;
  /** Maximum size of a chunk segment file (default 512 MiB). */
  segmentSize?: number;
  /** Compaction level and history (default: level 1, sources = the block itself). */
  compaction?: BlockMeta['compaction'];
}

/**
 * Where block writing may pause: after a batch of symbols or a series (cheap to pause often),
 * or after a file was written and synced (a natural point to let the event loop run).
 */
export type BlockWriteStep = 'work' | 'file';

/**
 * The steps of writing `source` as a block: a generator that yields at each point where an
 * asynchronous caller may give the event loop a turn ({@link writeBlock} runs it straight
 * through; the compactor's `writeBlockAsync` yields there). Returns the meta, or null when
 * there was no sample (nothing is left on disk then). `onSeries` runs after each series.
 */
export function* writeBlockSteps(
  parent: string,
  source: ChunkSeriesSource,
  mint: number,
  maxt: number,
  opts: WriteBlockOptions & { onSeries?: () => void } = {},
): Generator<BlockWriteStep, BlockMeta | null> {
  const ulid = opts.ulid ?? newULID();
  const dir = path.join(parent, ulid);
  const tmp = dir + TMP_FOR_CREATION_SUFFIX;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  let done = false;
  try {
    const chunkw = new ChunkWriter(
      path.join(tmp, CHUNKS_DIRNAME),
      opts.segmentSize ?? DEFAULT_CHUNK_SEGMENT_SIZE,
    );
    const indexw = new IndexWriter(path.join(tmp, INDEX_FILENAME));
    let numSamples = 0;
    let numSeries = 0;
    let numChunks = 0;
    try {
      const set = new Set<string>();
      let n = 0;
      for (const s of source.symbols()) {
        set.add(s);
        if ((++n & 1023) === 0) yield 'work';
      }
      const symbols = [...set].sort(compareStrings);
      yield 'work';
      for (const s of symbols) indexw.addSymbol(s);
      for (const s of source.series()) {
        if (s.chunks.length > 0) {
          chunkw.writeChunks(s.chunks);
          indexw.addSeries(s.labels, s.chunks);
          numSeries++;
          numChunks += s.chunks.length;
          for (const c of s.chunks) {
            numSamples += c.chunk!.numSamples();
            // The data is on disk now; let the source's memory go.
            c.chunk = null;
          }
        }
        opts.onSeries?.();
        yield 'work';
      }
      // Each close writes and fsyncs a file.
      chunkw.close();
      yield 'file';
      indexw.close();
      yield 'file';
    } catch (e) {
      indexw.abandon();
      chunkw.close();
      throw e;
    }
    if (numSamples === 0) return null;
    const meta: BlockMeta = {
      ulid,
      minTime: mint,
      maxTime: maxt,
      stats: { numSamples, numSeries, numChunks },
      compaction: opts.compaction ?? { level: 1, sources: [ulid] },
      version: META_VERSION_1,
    };
    writeMeta(tmp, meta);
    writeTombstones(tmp, new Tombstones());
    yield 'file';
    syncDir(tmp);
    replace(tmp, dir);
    done = true;
    return meta;
  } finally {
    if (!done) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Writes the series of `source` as a block covering `[mint, maxt)` into `parent/<ULID>` and
 * returns its meta, or null when there was no sample to write (then nothing is left on disk,
 * as Prometheus writes no empty block).
 */
export function writeBlock(
  parent: string,
  source: ChunkSeriesSource,
  mint: number,
  maxt: number,
  opts: WriteBlockOptions = {},
): BlockMeta | null {
  const steps = writeBlockSteps(parent, source, mint, maxt, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
