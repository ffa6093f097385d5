/**
 * Runs a WAL checkpoint (wal/checkpoint.ts) in a worker thread: folding WAL segments into a
 * checkpoint decodes and re-encodes every record, hundreds of milliseconds of CPU for a large
 * head, which the main thread must not spend while it scrapes and answers queries. The worker
 * gets the directory, the segment range, the references of the series still in the head and the
 * truncation time, and posts back the checkpoint's statistics or an error message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkpoint } from './wal/checkpoint.js';

/** What the DB hands the worker. */
export interface CheckpointJob {
  dir: string;
  from: number;
  to: number;
  /** References of the series still in the head. */
  refs: Int32Array;
  mint: number;
}

const job = workerData as CheckpointJob | null;
if (parentPort !== null && job !== null) {
  const port = parentPort;
  const live = new Set<number>(job.refs);
  checkpoint(job.dir, job.from, job.to, (ref) => live.has(ref), job.mint).then(
    (stats) => port.postMessage({ stats }),
    (e: unknown) => port.postMessage({ error: (e as Error).message }),
  );
}
