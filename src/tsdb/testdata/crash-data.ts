/** The data set and DB options shared by the compaction crash test and its child process. */
import type { DBOptions } from '../db.js';

/** A 1-minute block range and small WAL segments, so a small data set goes through every stage. */
export const CRASH_OPTIONS: DBOptions = {
  minBlockDuration: 60_000,
  walSegmentSize: 32 * 1024,
  retentionDuration: 0,
};
/** Series in the data set. */
export const CRASH_SERIES = 40;
/** Sample interval, ms. */
export const CRASH_STEP = 2000;
/** End of the data set (exclusive), ms: 30 minutes. */
export const CRASH_END = 30 * 60_000;
/** The value of series `i` at `t`. */
export const crashValue = (i: number, t: number): number => t / 1000 + i;
