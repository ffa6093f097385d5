/**
 * The DB: a data directory in Prometheus's layout, opened for appending and querying. It holds
 * the head and its WAL (`<dir>/wal`) and the persisted blocks (`<dir>/<ULID>/`), serves queries
 * merged over the head and every block overlapping the range, cuts the head into blocks,
 * compacts blocks by level, applies retention, deletes series (tombstones) and takes
 * snapshots. Every change to the directory goes through a rename, so a crash at any moment
 * leaves a directory that opens with no sample lost or doubled.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Matcher } from '../model/matcher.js';
import type { Appender, Querier, Storage } from '../storage/interface.js';
import { MergeQuerier } from '../storage/merge.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { Block } from './block/block.js';
import { writeMeta, type BlockMeta } from './block/meta.js';
import { headSource, querierSource, type ChunkSeriesSource } from './block/source.js';
import { isULID, newULID } from './block/ulid.js';
import { TMP_FOR_CREATION_SUFFIX } from './block/writer.js';
import { rangeForTimestamp } from './chunkenc/chunk.js';
import {
  blocksSource,
  compactMetas,
  exponentialBlockRanges,
  measureStall,
  plan,
  writeBlockAsync,
  type WriteBlockAsyncOptions,
} from './compact.js';
import { replace } from './fileutil/fileutil.js';
import { DEFAULT_CHUNK_RANGE, Head } from './head/head.js';
import { NO_TIME } from './head/series.js';
import { replayWAL, type ReplayStats } from './head/wal.js';
import { postingsForMatchers } from './index/postings-for-matchers.js';
import { writeTombstones } from './tombstones/tombstones.js';
import { checkpoint, deleteCheckpoints } from './wal/checkpoint.js';
import { WAL } from './wal/wal.js';
import { Worker } from 'node:worker_threads';
import type { CheckpointJob } from './checkpoint-worker.js';

/** Suffix a block directory gets before it is removed, so a half-deleted block is never read. */
export const TMP_FOR_DELETION_SUFFIX = '.tmp-for-deletion';
/** Default `--storage.tsdb.retention.time`: 15 days in ms. */
export const DEFAULT_RETENTION = 15 * 24 * 3600_000;
/** The cap of the default `--storage.tsdb.max-block-duration`: 31 days in ms. */
const MAX_DEFAULT_BLOCK_DURATION = 31 * 24 * 3600_000;
/** The folder snapshots are taken into. */
export const SNAPSHOTS_DIRNAME = 'snapshots';

/** Options of {@link DB.open}. */
export interface DBOptions {
  /** `--storage.tsdb.min-block-duration` in ms (the head's chunk range). */
  minBlockDuration?: number;
  /** `--storage.tsdb.max-block-duration` in ms (default: 10% of the retention, at most 31d). */
  maxBlockDuration?: number;
  /** `--storage.tsdb.retention.time` in ms (default 15d; 0 disables time retention). */
  retentionDuration?: number;
  /** `--storage.tsdb.retention.size` in bytes (0 or absent: no size limit). */
  maxBytes?: number;
  /** Run {@link DB.compact} every this many ms (Prometheus: 60000); 0 or absent: only on call. */
  compactionInterval?: number;
  /** Synchronous compaction work between event-loop yields, ms (default 10). */
  compactionYieldMs?: number;
  /** `--storage.tsdb.wal-segment-size` in bytes (default: the WAL's, 128 MiB). */
  walSegmentSize?: number;
  /** `storage.exemplars.max_exemplars`. */
  maxExemplars?: number;
  /** `--storage.tsdb.no-lockfile`. */
  noLockfile?: boolean;
  logger?: Logger;
  /** Test hook: called at each step of compaction and retention (crash tests kill here). */
  testHook?: (event: MaintenanceEvent) => void;
}

/**
 * The steps {@link DBOptions.testHook} sees: a series written into a new block, a new block
 * renamed into place, a block renamed to `*.tmp-for-deletion` (before it is removed), the head
 * and WAL truncated.
 */
export type MaintenanceEvent = 'series' | 'block-written' | 'block-deleting' | 'head-truncated';

/** Progress of the WAL replay, for /api/v1/status/walreplay. */
export interface WALReplayStatus {
  min: number;
  max: number;
  current: number;
}

/** What compaction has done so far (prometheus_tsdb_compactions_total and friends). */
export interface CompactionStats {
  /** Head compactions (blocks cut from the head). */
  headCompactions: number;
  /** Block compactions (blocks merged). */
  blockCompactions: number;
  /** Blocks removed by retention. */
  retentionDeletions: number;
  /** Samples written by compactions. */
  samplesWritten: number;
  /** Time spent compacting, ms. */
  durationMs: number;
  /** The longest event-loop stall seen during any compaction, ms. */
  maxStallMs: number;
  /** The longest stall during the last {@link DB.compact} call, ms. */
  lastStallMs: number;
}

/** An error opening the data directory (locked by another process, unreadable, …). */
export class DBOpenError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'DBOpenError';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Total size of the files under `p`, bytes. */
function dirSize(p: string): number {
  let n = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(p, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const f = path.join(p, e.name);
    if (e.isDirectory()) n += dirSize(f);
    else {
      try {
        n += fs.statSync(f).size;
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return n;
}

/** A block with the number of open queriers reading it, so it is removed only once unread. */
interface BlockHandle {
  readonly block: Block;
  refs: number;
  deleting: boolean;
  size: number;
}

/** A merged querier that releases its block references when closed. */
class DBQuerier extends MergeQuerier {
  private released = false;

  constructor(
    queriers: Querier[],
    private readonly release: () => void,
  ) {
    super(queriers);
  }

  override close(): void {
    super.close();
    if (this.released) return;
    this.released = true;
    this.release();
  }
}

/** `yyyymmddThhmmssZ` of a date in UTC, as Prometheus names snapshots. */
function snapshotTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  );
}

/** An open data directory. */
export class DB implements Storage {
  /** What the replay at open found. */
  readonly replay: ReplayStats;
  /** Replay progress (segments); complete once `open` resolved. */
  readonly walReplayStatus: WALReplayStatus;
  /** What compaction and retention did so far. */
  readonly compactionStats: CompactionStats = {
    headCompactions: 0,
    blockCompactions: 0,
    retentionDeletions: 0,
    samplesWritten: 0,
    durationMs: 0,
    maxStallMs: 0,
    lastStallMs: 0,
  };

  private handles: BlockHandle[] = [];
  /** Blocks removed from the list but still read by a querier, by ULID. */
  private readonly deleting = new Map<string, BlockHandle>();
  /** Compaction, retention, deletion and snapshots run one at a time, in call order. */
  private mutex: Promise<unknown> = Promise.resolve();
  /** Nothing below this is (or will be) in the head: it is covered by blocks. */
  private minValidTime = NO_TIME;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly ranges: number[];
  private readonly log: Logger;

  private constructor(
    readonly dir: string,
    readonly head: Head,
    readonly wal: WAL,
    replay: ReplayStats,
    status: WALReplayStatus,
    private readonly lockPath: string | null,
    private readonly opts: DBOptions,
  ) {
    this.replay = replay;
    this.walReplayStatus = status;
    this.log = opts.logger ?? NOP_LOG;
    this.ranges = exponentialBlockRanges(head.chunkRange, DB.maxBlockDuration(opts, head.chunkRange));
  }

  /** The effective maximum block duration: the option, or 10% of the retention capped at 31d. */
  private static maxBlockDuration(opts: DBOptions, minBlock: number): number {
    let max = opts.maxBlockDuration;
    if (max === undefined) {
      const ret = opts.retentionDuration ?? DEFAULT_RETENTION;
      max = ret > 0 ? Math.min(ret / 10, MAX_DEFAULT_BLOCK_DURATION) : MAX_DEFAULT_BLOCK_DURATION;
    }
    return Math.max(max, minBlock);
  }

  /**
   * Opens (creating if needed) the data directory: takes the lock file, removes leftovers of
   * interrupted block writes and deletions, opens the blocks (deleting those already compacted
   * into others), repairs the WAL and replays it above the newest block. Fails with a
   * DBOpenError when another live process holds the lock or a block cannot be read.
   */
  static async open(dir: string, opts: DBOptions = {}): Promise<DB> {
    const log = opts.logger ?? NOP_LOG;
    fs.mkdirSync(dir, { recursive: true });
    let lockPath: string | null = null;
    if (!opts.noLockfile) {
      // Prometheus takes an flock on <dir>/lock; Node has no flock, so the file holds our pid
      // and a lock whose pid is gone is stale. Prometheus can still flock the same file.
      lockPath = path.join(dir, 'lock');
      try {
        const other = Number(fs.readFileSync(lockPath, 'utf8').trim());
        if (other > 0 && other !== process.pid && pidAlive(other)) {
          throw new DBOpenError(
            `lock DB directory: resource temporarily unavailable (held by process ${other})`,
          );
        }
      } catch (e) {
        if (e instanceof DBOpenError) throw e;
      }
      fs.writeFileSync(lockPath, String(process.pid));
    }
    DB.removeTmpDirs(dir, log);
    const walDir = path.join(dir, 'wal');
    const started = Date.now();
    const wal = await WAL.open(walDir, {
      ...(opts.walSegmentSize ? { segmentSize: opts.walSegmentSize } : {}),
      logger: (level, msg, fields) => log.log(level, msg, { component: 'tsdb', ...fields }),
    });
    if (wal.repaired) {
      const r = wal.repaired;
      log.warn('WAL was repaired: the damaged tail was dropped', {
        component: 'tsdb',
        segment: r.segment,
        offset: r.offset,
        dropped_bytes: r.droppedBytes,
        deleted_segments: r.deletedSegments.join(','),
      });
    }
    const head = new Head({
      wal,
      chunkRange: opts.minBlockDuration ?? DEFAULT_CHUNK_RANGE,
      maxExemplars: opts.maxExemplars ?? 0,
    });
    const { first, last } = wal.segments();
    const status = { min: Math.max(first, 0), max: Math.max(last, 0), current: 0 };
    const db = new DB(dir, head, wal, emptyReplay(), status, lockPath, opts);
    try {
      db.reloadBlocks();
    } catch (e) {
      await wal.close();
      if (lockPath) fs.rmSync(lockPath, { force: true });
      throw e instanceof DBOpenError ? e : new DBOpenError(`open blocks: ${(e as Error).message}`);
    }
    // Samples below the newest block's end are in blocks already: skip them in the replay and
    // reject them from now on, as Prometheus's head.Init(minValidTime) does.
    if (db.minValidTime !== NO_TIME) head.truncate(db.minValidTime);
    const stats = replayWAL(head, walDir, db.minValidTime, (level, msg, fields) =>
      log.log(level, msg, { component: 'tsdb', ...fields }),
    );
    (db as { replay: ReplayStats }).replay = stats;
    status.current = status.max;
    log.info('WAL replay completed', {
      component: 'tsdb',
      duration: `${Date.now() - started}ms`,
      series: head.numSeries(),
      samples: stats.samples,
      blocks: db.handles.length,
    });
    if (opts.compactionInterval && opts.compactionInterval > 0) {
      db.timer = setInterval(() => {
        db.compact().catch((e: Error) =>
          log.error('compaction failed', { component: 'tsdb', err: e.message }),
        );
      }, opts.compactionInterval);
      db.timer.unref();
    }
    return db;
  }

  /** Removes `*.tmp-for-creation` and `*.tmp-for-deletion` leftovers of an interrupted run. */
  private static removeTmpDirs(dir: string, log: Logger): void {
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith(TMP_FOR_CREATION_SUFFIX) && !name.endsWith(TMP_FOR_DELETION_SUFFIX)) continue;
      log.info('Found and deleted tmp block dir', { component: 'tsdb', dir: path.join(dir, name) });
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }

  /** The open blocks, oldest first. */
  blocks(): readonly Block[] {
    return this.handles.map((h) => h.block);
  }

  appender(): Appender {
    return this.head.appender();
  }

  /**
   * A querier over `[mint, maxt]` merging the head and every block overlapping the range.
   * The blocks it reads stay on disk until it is closed, whatever compaction and retention do.
   */
  querier(mint: number, maxt: number): Querier {
    const used = this.handles.filter((h) => h.block.overlaps(mint, maxt));
    for (const h of used) h.refs++;
    const qs: Querier[] = used.map((h) => h.block.querier(mint, maxt));
    qs.push(this.head.querier(mint, maxt));
    return new DBQuerier(qs, () => {
      for (const h of used) {
        h.refs--;
        if (h.deleting && h.refs === 0) this.removeBlockDir(h);
      }
    });
  }

  /** Runs `fn` after every earlier maintenance operation finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }

  /**
   * Scans the directory for blocks: opens new ones, drops those compacted into others (named
   * as parents) or marked deletable, applies time and size retention, and removes the
   * dropped ones (once no querier reads them).
   */
  private reloadBlocks(): void {
    const known = new Map(this.handles.map((h) => [h.block.ulid, h]));
    const loaded: BlockHandle[] = [];
    const corrupted = new Map<string, Error>();
    for (const name of fs.readdirSync(this.dir)) {
      if (!isULID(name) || this.deleting.has(name)) continue;
      const bdir = path.join(this.dir, name);
      if (!fs.existsSync(path.join(bdir, 'meta.json'))) continue;
      const h = known.get(name);
      if (h) {
        loaded.push(h);
        continue;
      }
      try {
        const block = Block.open(bdir);
        loaded.push({ block, refs: 0, deleting: false, size: dirSize(bdir) });
      } catch (e) {
        corrupted.set(name, e as Error);
      }
    }
    const deletable = new Set<string>();
    for (const h of loaded) {
      if (h.block.meta.compaction.deletable) deletable.add(h.block.ulid);
      for (const p of h.block.meta.compaction.parents ?? []) deletable.add(p.ulid);
    }
    for (const [ulid, err] of corrupted) {
      if (deletable.has(ulid)) {
        this.removeDir(path.join(this.dir, ulid));
        continue;
      }
      for (const h of loaded) if (!known.has(h.block.ulid)) h.block.close();
      throw new DBOpenError(`unexpected corrupted block ${ulid}: ${err.message}`);
    }
    let keep = loaded.filter((h) => !deletable.has(h.block.ulid));
    keep.sort((a, b) => b.block.maxTime() - a.block.maxTime() || b.block.minTime() - a.block.minTime());
    const retained = this.beyondRetention(keep);
    for (const u of retained) deletable.add(u);
    this.compactionStats.retentionDeletions += retained.size;
    keep = keep.filter((h) => !deletable.has(h.block.ulid));
    keep.sort((a, b) => a.block.minTime() - b.block.minTime());
    // Oldest first: a crash half-way through retention leaves a suffix of the data, not holes.
    loaded.sort((a, b) => a.block.minTime() - b.block.minTime());
    for (const h of loaded) {
      if (!deletable.has(h.block.ulid)) continue;
      this.log.info('Deleting obsolete block', { component: 'tsdb', block: h.block.ulid });
      h.deleting = true;
      if (h.refs === 0) this.removeBlockDir(h);
      else this.deleting.set(h.block.ulid, h);
    }
    this.handles = keep;
    for (const h of keep) if (h.block.maxTime() > this.minValidTime) this.minValidTime = h.block.maxTime();
  }

  /** ULIDs of blocks (sorted newest first) beyond the time or size retention. */
  private beyondRetention(newestFirst: readonly BlockHandle[]): Set<string> {
    const out = new Set<string>();
    const retention = this.opts.retentionDuration ?? DEFAULT_RETENTION;
    if (retention > 0 && newestFirst.length > 0) {
      const newest = newestFirst[0]!.block.maxTime();
      for (let i = 1; i < newestFirst.length; i++) {
        if (newest - newestFirst[i]!.block.maxTime() >= retention) {
          for (const h of newestFirst.slice(i)) out.add(h.block.ulid);
          break;
        }
      }
    }
    const maxBytes = this.opts.maxBytes ?? 0;
    if (maxBytes > 0) {
      // The head (its WAL) counts against the limit, as in Prometheus.
      let size = dirSize(path.join(this.dir, 'wal')) + dirSize(path.join(this.dir, 'chunks_head'));
      for (let i = 0; i < newestFirst.length; i++) {
        size += newestFirst[i]!.size;
        if (size > maxBytes) {
          for (const h of newestFirst.slice(i)) out.add(h.block.ulid);
          break;
        }
      }
    }
    return out;
  }

  /** Closes a block and removes its directory through `<ULID>.tmp-for-deletion`. */
  private removeBlockDir(h: BlockHandle): void {
    h.block.close();
    this.deleting.delete(h.block.ulid);
    this.removeDir(h.block.dir);
  }

  private removeDir(dir: string): void {
    const tmp = dir + TMP_FOR_DELETION_SUFFIX;
    if (fs.existsSync(dir)) replace(dir, tmp);
    this.opts.testHook?.('block-deleting');
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  private writeOptions(extra: WriteBlockAsyncOptions = {}): WriteBlockAsyncOptions {
    const hook = this.opts.testHook;
    return { yieldBudgetMs: this.opts.compactionYieldMs, onSeries: hook && (() => hook('series')), ...extra };
  }

  /** The head's series over `[mint, maxt)`: its chunks as they are unless tombstones apply. */
  private headBlockSource(mint: number, maxt: number): ChunkSeriesSource {
    if (this.head.tombstones.size === 0) return headSource(this.head, mint, maxt);
    return querierSource(this.head.querier(mint, maxt - 1));
  }

  /** The oldest time the head holds that is not in a block yet. */
  private headMinTime(): number {
    const t = this.head.minTime();
    return t === NO_TIME ? NO_TIME : Math.max(t, this.minValidTime);
  }

  /** True when the head spans more than 1.5 chunk ranges (Prometheus's `compactable`). */
  private headCompactable(): boolean {
    const mint = this.headMinTime();
    return mint !== NO_TIME && this.head.maxTime() - mint > (this.head.chunkRange / 2) * 3;
  }

  /**
   * One round of maintenance, as Prometheus runs it every minute: while the head spans more
   * than 1.5 chunk ranges its oldest range is persisted as a block and the head and WAL are
   * truncated; then blocks are compacted as the planner says until it has nothing left; then
   * retention. Yields to the event loop throughout; the longest stall is recorded in
   * {@link compactionStats}.
   */
  compact(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      const started = Date.now();
      const { maxStallMs } = await measureStall(async () => {
        while (this.headCompactable() && !this.closed) await this.compactHead();
        while (!this.closed && (await this.compactBlocks()));
        this.reloadBlocks();
      });
      const s = this.compactionStats;
      s.durationMs += Date.now() - started;
      s.lastStallMs = maxStallMs;
      if (maxStallMs > s.maxStallMs) s.maxStallMs = maxStallMs;
    });
  }

  private async compactHead(): Promise<void> {
    const mint = this.headMinTime();
    const maxt = rangeForTimestamp(mint, this.head.chunkRange);
    const meta = await writeBlockAsync(
      this.dir,
      this.headBlockSource(mint, maxt),
      mint,
      maxt,
      this.writeOptions(),
    );
    if (meta) {
      this.compactionStats.headCompactions++;
      this.compactionStats.samplesWritten += meta.stats.numSamples ?? 0;
      this.log.info('write block', { component: 'tsdb', mint, maxt, ulid: meta.ulid });
    }
    this.opts.testHook?.('block-written');
    if (maxt > this.minValidTime) this.minValidTime = maxt;
    this.reloadBlocks();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.truncateHeadAndWAL(maxt);
    this.opts.testHook?.('head-truncated');
  }

  /**
   * Truncates the head to `mint` and shrinks the WAL as head/wal.ts's `truncateHeadAndWAL`
   * does (new segment, checkpoint of the older two thirds, deletion), with the checkpoint
   * written by a worker thread so the event loop stays free.
   */
  private async truncateHeadAndWAL(mint: number): Promise<void> {
    this.head.truncate(mint);
    const { first } = this.wal.segments();
    const last = this.wal.nextSegment() - 1;
    if (first < 0 || last < first) return;
    const to = first + Math.floor(((last - first) * 2) / 3);
    if (to <= first) return;
    const refs: number[] = [];
    for (const s of this.head.allSeries()) refs.push(s.ref);
    const job: CheckpointJob = { dir: this.wal.dir, from: first, to, refs: Int32Array.from(refs), mint };
    this.log.info('Creating checkpoint', { component: 'tsdb', from_segment: first, to_segment: to, mint });
    await runCheckpoint(job);
    this.wal.truncate(to + 1);
    deleteCheckpoints(this.wal.dir, to);
  }

  /** Runs one planned block compaction; false when the planner found nothing to do. */
  private async compactBlocks(): Promise<boolean> {
    const ulids = plan(
      this.handles.map((h) => h.block.meta),
      this.ranges,
    );
    if (ulids.length === 0) return false;
    const parents = ulids.map((u) => this.handles.find((h) => h.block.ulid === u)!);
    const ulid = newULID();
    const meta = compactMetas(
      ulid,
      parents.map((p) => p.block.meta),
    );
    const src = blocksSource(
      parents.map((p) => p.block),
      meta.minTime,
      meta.maxTime,
    );
    const written = await writeBlockAsync(
      this.dir,
      src,
      meta.minTime,
      meta.maxTime,
      this.writeOptions({ ulid, compaction: meta.compaction }),
    );
    this.compactionStats.blockCompactions++;
    this.opts.testHook?.('block-written');
    if (written === null) {
      // Nothing was left (all deleted): the parents go, as Prometheus marks them deletable.
      for (const p of parents) this.markDeletable(p.block.meta, p.block.dir);
    } else {
      this.compactionStats.samplesWritten += written.stats.numSamples ?? 0;
      this.log.info('compact blocks', {
        component: 'tsdb',
        count: parents.length,
        ulid,
        sources: ulids.join(','),
      });
    }
    this.reloadBlocks();
    return true;
  }

  private markDeletable(meta: BlockMeta, dir: string): void {
    meta.compaction.deletable = true;
    writeMeta(dir, meta);
  }

  /** Applies retention now (it also runs at the end of every {@link compact}). */
  applyRetention(): Promise<void> {
    return this.exclusive(async () => this.reloadBlocks());
  }

  /**
   * Deletes the samples of series matching `matchers` within `[mint, maxt]` (the admin API's
   * delete_series): tombstones in every overlapping block (its `tombstones` file) and in the
   * head (a WAL record). Queries stop returning the samples at once; the data goes from disk
   * at compaction or with {@link cleanTombstones}.
   */
  delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void> {
    return this.exclusive(async () => {
      for (const h of this.handles) {
        const b = h.block;
        if (!b.overlaps(mint, maxt)) continue;
        const refs = postingsForMatchers(b.index, matchers);
        let changed = false;
        for (let i = 0; i < refs.length; i++) {
          const ref = refs[i]!;
          const chunks = b.index.series(ref).chunks;
          if (chunks.length === 0) continue;
          if (!chunks.some((c) => c.minT <= maxt && mint <= c.maxT)) continue;
          // Delete only up to the series' own samples, as Prometheus clamps the interval.
          b.tombstones.addInterval(ref, {
            mint: Math.max(mint, chunks[0]!.minT),
            maxt: Math.min(maxt, chunks[chunks.length - 1]!.maxT),
          });
          changed = true;
        }
        if (!changed) continue;
        writeTombstones(b.dir, b.tombstones);
        b.meta.stats.numTombstones = b.tombstones.total();
        writeMeta(b.dir, b.meta);
      }
      this.head.delete(mint, maxt, matchers);
    });
  }

  /**
   * Rewrites every block with tombstones without the deleted data (the admin API's
   * clean_tombstones). Each new block names the old one as parent, so a crash between writing
   * it and removing the old one is settled at the next open.
   */
  cleanTombstones(): Promise<void> {
    return this.exclusive(async () => {
      for (const h of [...this.handles]) {
        const b = h.block;
        if (b.tombstones.size === 0) continue;
        const m = b.meta;
        const written = await writeBlockAsync(
          this.dir,
          blocksSource([b], m.minTime, m.maxTime),
          m.minTime,
          m.maxTime,
          this.writeOptions({
            compaction: {
              level: m.compaction.level,
              sources: m.compaction.sources ?? [m.ulid],
              parents: [{ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime }],
            },
          }),
        );
        this.opts.testHook?.('block-written');
        if (written === null) this.markDeletable(m, b.dir);
        this.reloadBlocks();
      }
    });
  }

  /**
   * Writes a snapshot into `dir` (Prometheus's `DB.Snapshot`): hard links of every block's
   * files and, with `withHead`, the head persisted as one more block.
   */
  snapshot(dir: string, withHead: boolean): Promise<void> {
    return this.exclusive(async () => {
      fs.mkdirSync(dir, { recursive: true });
      for (const h of this.handles) linkTree(h.block.dir, path.join(dir, h.block.ulid));
      if (!withHead) return;
      const mint = this.headMinTime();
      if (mint === NO_TIME) return;
      const maxt = this.head.maxTime() + 1;
      await writeBlockAsync(dir, this.headBlockSource(mint, maxt), mint, maxt, this.writeOptions());
    });
  }

  /**
   * Takes a snapshot into `<data>/snapshots/<yyyymmddThhmmssZ>-<16 hex digits>`, as the admin
   * API's snapshot endpoint does, and returns its name.
   */
  async createSnapshot(withHead = true): Promise<string> {
    const name = `${snapshotTime(new Date())}-${randomBytes(8).toString('hex')}`;
    await this.snapshot(path.join(this.dir, SNAPSHOTS_DIRNAME, name), withHead);
    return name;
  }

  /** Stops background compaction, closes the blocks and the WAL, and releases the lock. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.exclusive(async () => {
      this.closed = true;
    });
    for (const h of this.handles) h.block.close();
    for (const h of this.deleting.values()) h.block.close();
    this.handles = [];
    await this.wal.close();
    if (this.lockPath) fs.rmSync(this.lockPath, { force: true });
  }
}

const CHECKPOINT_WORKER = new URL('./checkpoint-worker.js', import.meta.url);

/** Runs a checkpoint in a worker thread; in this thread when no worker can be started. */
function runCheckpoint(job: CheckpointJob): Promise<void> {
  let worker: Worker;
  try {
    worker = new Worker(CHECKPOINT_WORKER, { workerData: job });
  } catch {
    const live = new Set<number>(job.refs);
    return checkpoint(job.dir, job.from, job.to, (r) => live.has(r), job.mint).then(() => undefined);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: { error?: string }) => {
      settled = true;
      if (m.error !== undefined) reject(new Error(`checkpoint: ${m.error}`));
      else resolve();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`checkpoint worker exited with code ${code}`));
    });
  });
}

/** Hard-links every file under `src` into the same place under `dst`. */
function linkTree(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) linkTree(s, d);
    else fs.linkSync(s, d);
  }
}

function emptyReplay(): ReplayStats {
  return {
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
}

/** The default chunk range, re-exported for the server's flag defaults. */
export { DEFAULT_CHUNK_RANGE };
