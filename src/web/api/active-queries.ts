/**
 * The active query tracker: like Prometheus's `queries.active`, the queries running right now
 * are kept in a file in the data directory, so that when the process dies (out of memory, a
 * crash, a kill) the next start can log the queries that were running — the query of death
 * is then easy to find.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../util/log.js';

/** One running query as the file records it (Prometheus's field names). */
export interface ActiveQuery {
  query: string;
  /** Start time, Unix seconds. */
  timestamp_sec: number;
}

/** Tracks running queries in `<dataDir>/queries.active`. */
export class ActiveQueryTracker {
  private readonly file: string;
  private readonly running = new Map<number, ActiveQuery>();
  private nextId = 1;
  private readonly fd: number;
  private buf = Buffer.alloc(4096, 0x20);
  /** Length of the JSON last written (bytes after it are padding). */
  private written = 0;

  /**
   * Opens the tracker: logs the queries the previous run left in the file (they did not
   * finish), then starts with an empty file.
   */
  constructor(dataDir: string, log: Logger) {
    this.file = path.join(dataDir, 'queries.active');
    try {
      const text = fs.readFileSync(this.file, 'utf8').trim();
      const left = text ? (JSON.parse(text) as ActiveQuery[]) : [];
      if (left.length > 0) {
        log.warn("These queries didn't finish in ignis's last run:", { component: 'activeQueryTracker' });
        for (const q of left)
          log.warn('Unfinished query', { query: q.query, timestamp_sec: q.timestamp_sec });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        log.warn('Could not read the active queries of the last run', { file: this.file, err: e as Error });
      }
    }
    this.fd = fs.openSync(this.file, 'w');
    this.flush();
  }

  /** Records a query as running; returns the handle for {@link done}. */
  insert(query: string): number {
    const id = this.nextId++;
    this.running.set(id, { query, timestamp_sec: Math.floor(Date.now() / 1000) });
    this.flush();
    return id;
  }

  /** Records that a query finished. */
  done(id: number): void {
    if (this.running.delete(id)) this.flush();
  }

  // One positional write on a file kept open: the OS has it even if the process dies during
  // the query (Prometheus gets the same from an mmapped file). Shorter contents are padded with
  // spaces rather than truncated, which JSON allows and which saves a system call per query.
  private flush(): void {
    const json = JSON.stringify([...this.running.values()]);
    const len = Buffer.byteLength(json);
    if (len > this.buf.length) this.buf = Buffer.alloc(Math.max(len, this.buf.length * 2), 0x20);
    this.buf.write(json, 0);
    const n = Math.max(len, this.written);
    if (n > len) this.buf.fill(0x20, len, n);
    fs.writeSync(this.fd, this.buf, 0, n, 0);
    this.written = len;
  }

  /** Closes the file (at shutdown). */
  close(): void {
    fs.closeSync(this.fd);
  }
}
