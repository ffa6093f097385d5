/**
 * The DB: a data directory in Prometheus's layout, opened for appending and querying. For now
 * it holds the head and its WAL (`<dir>/wal`); persisted blocks join it with issue 4, served
 * through the same `querier()` by merging.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Appender, Querier, Storage } from '../storage/interface.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { DEFAULT_CHUNK_RANGE, Head } from './head/head.js';
import { replayWAL, type ReplayStats } from './head/wal.js';
import { WAL } from './wal/wal.js';

/** Options of {@link DB.open}. */
export interface DBOptions {
  /** `--storage.tsdb.min-block-duration` in ms (the head's chunk range). */
  minBlockDuration?: number;
  /** `storage.exemplars.max_exemplars`. */
  maxExemplars?: number;
  /** `--storage.tsdb.no-lockfile`. */
  noLockfile?: boolean;
  logger?: Logger;
}

/** Progress of the WAL replay, for /api/v1/status/walreplay. */
export interface WALReplayStatus {
  min: number;
  max: number;
  current: number;
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

/** An open data directory. */
export class DB implements Storage {
  /** What the replay at open found. */
  readonly replay: ReplayStats;
  /** Replay progress (segments); complete once `open` resolved. */
  readonly walReplayStatus: WALReplayStatus;

  private constructor(
    readonly dir: string,
    readonly head: Head,
    readonly wal: WAL,
    replay: ReplayStats,
    status: WALReplayStatus,
    private readonly lockPath: string | null,
  ) {
    this.replay = replay;
    this.walReplayStatus = status;
  }

  /**
   * Opens (creating if needed) the data directory: takes the lock file, repairs and replays
   * the WAL into a new head. Fails with a DBOpenError when another live process holds the lock.
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
    const walDir = path.join(dir, 'wal');
    const started = Date.now();
    const wal = await WAL.open(walDir, {
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
    const stats = replayWAL(head, walDir, Number.MIN_SAFE_INTEGER, (level, msg, fields) =>
      log.log(level, msg, { component: 'tsdb', ...fields }),
    );
    log.info('WAL replay completed', {
      component: 'tsdb',
      duration: `${Date.now() - started}ms`,
      series: head.numSeries(),
      samples: stats.samples,
    });
    const status = { min: Math.max(first, 0), max: Math.max(last, 0), current: Math.max(last, 0) };
    return new DB(dir, head, wal, stats, status, lockPath);
  }

  appender(): Appender {
    return this.head.appender();
  }

  querier(mint: number, maxt: number): Querier {
    return this.head.querier(mint, maxt);
  }

  /** Closes the WAL (flushing and syncing it) and releases the lock. */
  async close(): Promise<void> {
    await this.wal.close();
    if (this.lockPath) fs.rmSync(this.lockPath, { force: true });
  }
}

/** The default chunk range, re-exported for the server's flag defaults. */
export { DEFAULT_CHUNK_RANGE };
