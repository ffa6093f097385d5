/**
 * Repair of a damaged WAL: keep everything before the damage, drop everything after it.
 *
 * As in Prometheus, a record after damage cannot be trusted to make sense without what was
 * lost (a sample whose series record is gone), so the damaged segment is cut at the last good
 * record boundary and every later segment is deleted. Unlike Prometheus, which rewrites the
 * damaged segment record by record, the cut is a truncation in place followed by zero padding
 * to the page end: the bytes before the boundary are already the right bytes, and a truncation
 * cannot leave a half-written copy behind.
 */
import * as fs from 'node:fs';
import { NOP_LOGGER, type LogFn } from './log.js';
import { CorruptionError, Reader, UnsupportedCompressionError } from './reader.js';
import { PAGE_SIZE, fsyncDir, listSegments, segmentName, segmentPath } from './segment.js';

/** What a repair removed. */
export interface RepairResult {
  /** The damaged segment, now ending at `offset` (plus zero padding to its page end). */
  readonly segment: number;
  readonly offset: number;
  /** Bytes cut from the damaged segment. */
  readonly droppedBytes: number;
  /** Later segments deleted whole. */
  readonly deletedSegments: readonly number[];
  /** Their total size. */
  readonly deletedBytes: number;
}

/**
 * Repairs the WAL directory named by `err.dir`: truncates segment `err.segment` at
 * `err.offset`, pads it with zeros to a page boundary, deletes every later segment, syncs, and
 * logs what was dropped. The WAL must not be open for writing (see WAL.repair for that case).
 */
export function repair(err: CorruptionError, logger: LogFn = NOP_LOGGER): RepairResult {
  const dir = err.dir;
  if (err.segment < 0) throw new Error(`cannot repair ${dir}: the corruption error names no segment`);
  logger('warn', 'Starting WAL corruption repair', {
    dir,
    segment: segmentName(err.segment),
    offset: err.offset,
    reason: err.reason,
  });

  // Later segments go first (newest first), so that an interrupted repair still leaves a
  // WAL whose damage the next start finds again at the same place.
  const deleted: number[] = [];
  let deletedBytes = 0;
  const segs = listSegments(dir);
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (s.index <= err.segment) break;
    const p = segmentPath(dir, s.index);
    const size = fs.statSync(p).size;
    fs.unlinkSync(p);
    deleted.push(s.index);
    deletedBytes += size;
  }
  deleted.reverse();

  const p = segmentPath(dir, err.segment);
  const fd = fs.openSync(p, 'r+');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    if (err.offset > size) {
      throw new Error(
        `cannot repair ${p}: offset ${err.offset} is past the end of the segment (${size} bytes)`,
      );
    }
    fs.ftruncateSync(fd, err.offset);
    // Extending with ftruncate fills with zeros: the page padding a reader expects.
    const padded = Math.ceil(err.offset / PAGE_SIZE) * PAGE_SIZE;
    if (padded > err.offset) fs.ftruncateSync(fd, padded);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fsyncDir(dir);

  const result: RepairResult = {
    segment: err.segment,
    offset: err.offset,
    droppedBytes: size - err.offset,
    deletedSegments: deleted,
    deletedBytes,
  };
  logger('warn', 'WAL repaired: dropped everything after the damage', {
    dir,
    segment: segmentName(err.segment),
    offset: err.offset,
    droppedBytes: result.droppedBytes,
    deletedSegments: deleted.length === 0 ? 'none' : deleted.map(segmentName).join(','),
    deletedBytes,
  });
  return result;
}

/**
 * Reads every segment of `dir` and repairs the first damage found. Returns what the repair
 * removed, or null when the WAL is intact. Throws {@link UnsupportedCompressionError} (a WAL
 * that is intact but unreadable here must not be cut) and I/O errors.
 */
export function verifyAndRepair(dir: string, logger: LogFn = NOP_LOGGER): RepairResult | null {
  const r = Reader.open(dir);
  try {
    while (r.next()) {
      // Reading is the check: CRCs, page structure, fragment order, decompression.
    }
  } finally {
    r.close();
  }
  const err = r.err();
  if (err === null) return null;
  if (err instanceof UnsupportedCompressionError) throw err;
  logger('warn', 'WAL is damaged', { dir, error: err.message });
  return repair(err, logger);
}
