/**
 * Tombstones: time ranges of series deleted from a block without rewriting it (Prometheus's
 * `tsdb/tombstones`). The `tombstones` file of a block holds, after a magic number and a format
 * byte, one `series ref <uvarint64> | mint <varint64> | maxt <varint64>` entry per deleted
 * interval, then a CRC32C of the entries (the format byte is left out of it, as Prometheus
 * computes it).
 *
 * Intervals are closed, `[mint, maxt]`, in integer milliseconds. Deletions through the API use
 * bounds far outside the range of samples (±9.2e15 ms and beyond); those are kept as the nearest
 * double, which compares the same against every sample timestamp.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { Encbuf } from '../record/encbuf.js';
import { readUvarint, readVarint, varintEnd } from '../record/decbuf.js';
import { writeFileAtomic } from '../fileutil/fileutil.js';

/** The file name of a block's tombstones. */
export const TOMBSTONES_FILENAME = 'tombstones';
/** Magic number at the start of a tombstones file. */
export const MAGIC_TOMBSTONE = 0x0130ba30;
/** The only tombstones format version. */
export const TOMBSTONES_FORMAT_V1 = 1;
/** Bytes of magic and version. */
const HEADER_SIZE = 5;
const CRC_SIZE = 4;

/** A closed time interval `[mint, maxt]` in ms. */
export interface Interval {
  mint: number;
  maxt: number;
}

/** True when `t` lies in `iv`. */
export function inBounds(iv: Interval, t: number): boolean {
  return t >= iv.mint && t <= iv.maxt;
}

/** True when `iv` lies entirely within one of the (sorted, merged) intervals `ivs`. */
export function isSubrange(iv: Interval, ivs: readonly Interval[]): boolean {
  for (const x of ivs) if (iv.mint >= x.mint && iv.maxt <= x.maxt) return true;
  return false;
}

/**
 * Adds `n` to sorted, non-overlapping intervals, merging it with every interval it overlaps or
 * touches (timestamps are discrete, so [1,2] and [3,4] merge into [1,4]), as Prometheus's
 * `Intervals.Add` does. Returns a new array.
 */
export function addInterval(ivs: readonly Interval[], n: Interval): Interval[] {
  let mint = n.mint;
  let maxt = n.maxt;
  const out: Interval[] = [];
  let placed = false;
  for (const x of ivs) {
    if (x.maxt < mint - 1) {
      out.push(x);
    } else if (x.mint > maxt + 1) {
      if (!placed) {
        out.push({ mint, maxt });
        placed = true;
      }
      out.push(x);
    } else {
      mint = Math.min(mint, x.mint);
      maxt = Math.max(maxt, x.maxt);
    }
  }
  if (!placed) out.push({ mint, maxt });
  return out;
}

/** The deleted intervals of a block, by series reference (Prometheus's `MemTombstones`). */
export class Tombstones {
  private readonly m = new Map<number, Interval[]>();

  /** Adds deleted intervals for a series, merging with those it already has. */
  addInterval(ref: number, ...ivs: Interval[]): void {
    let cur = this.m.get(ref) ?? [];
    for (const iv of ivs) cur = addInterval(cur, iv);
    this.m.set(ref, cur);
  }

  /** The deleted intervals of a series, sorted and merged (empty when none). */
  get(ref: number): readonly Interval[] {
    return this.m.get(ref) ?? NO_INTERVALS;
  }

  /** Calls `fn` for each series with tombstones, in increasing reference order. */
  forEach(fn: (ref: number, ivs: readonly Interval[]) => void): void {
    for (const ref of [...this.m.keys()].sort((a, b) => a - b)) fn(ref, this.m.get(ref)!);
  }

  /** The number of intervals over all series (`numTombstones` in meta.json). */
  total(): number {
    let n = 0;
    for (const ivs of this.m.values()) n += ivs.length;
    return n;
  }

  /** The number of series with tombstones. */
  get size(): number {
    return this.m.size;
  }
}

const NO_INTERVALS: readonly Interval[] = [];

/** Encodes tombstones as the file holds them: magic, version, entries, CRC32C. */
export function encodeTombstones(ts: Tombstones): Uint8Array {
  const b = new Encbuf(64);
  b.putBE32(MAGIC_TOMBSTONE);
  b.putByte(TOMBSTONES_FORMAT_V1);
  ts.forEach((ref, ivs) => {
    for (const iv of ivs) {
      b.putUvarint(ref);
      b.putVarint(iv.mint);
      b.putVarint(iv.maxt);
    }
  });
  // The format byte is left out of the checksum, as in Prometheus (for compatibility).
  b.putBE32(crc32c(b.since(HEADER_SIZE)) >>> 0);
  return b.bytes().slice();
}

/** A corrupt tombstones file. */
export class TombstonesError extends Error {
  /** Creates the error for `file`. */
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'TombstonesError';
  }
}

/** Decodes the bytes of a tombstones file; `file` names it in errors. */
export function decodeTombstones(b: Uint8Array, file = TOMBSTONES_FILENAME): Tombstones {
  if (b.length < HEADER_SIZE + CRC_SIZE) throw new TombstonesError(file, 'tombstones header');
  const be32 = (p: number): number =>
    ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  if (be32(0) !== MAGIC_TOMBSTONE)
    throw new TombstonesError(file, `invalid magic number ${be32(0).toString(16)}`);
  const end = b.length - CRC_SIZE;
  if (crc32c(b.subarray(HEADER_SIZE, end)) >>> 0 !== be32(end)) {
    throw new TombstonesError(file, 'checksum did not match');
  }
  if (b[4] !== TOMBSTONES_FORMAT_V1)
    throw new TombstonesError(file, `invalid tombstone format version ${b[4]}`);
  const ts = new Tombstones();
  const d = b.subarray(0, end);
  let p = HEADER_SIZE;
  while (p < end) {
    const ref = readUvarint(d, p);
    if (ref < 0) throw new TombstonesError(file, `invalid series reference at ${p}`);
    p = varintEnd;
    const mint = readVarint(d, p);
    if (Number.isNaN(mint)) throw new TombstonesError(file, `invalid mint at ${p}`);
    p = varintEnd;
    const maxt = readVarint(d, p);
    if (Number.isNaN(maxt)) throw new TombstonesError(file, `invalid maxt at ${p}`);
    p = varintEnd;
    ts.addInterval(ref, { mint, maxt });
  }
  return ts;
}

/** Reads `<dir>/tombstones`; a missing file means no tombstones (as Prometheus treats it). */
export function readTombstones(dir: string): { tombstones: Tombstones; size: number } {
  const file = path.join(dir, TOMBSTONES_FILENAME);
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { tombstones: new Tombstones(), size: 0 };
    throw e;
  }
  return { tombstones: decodeTombstones(b, file), size: b.length };
}

/** Writes `<dir>/tombstones` through a temporary file, fsync and rename; returns its size. */
export function writeTombstones(dir: string, ts: Tombstones): number {
  const b = encodeTombstones(ts);
  writeFileAtomic(path.join(dir, TOMBSTONES_FILENAME), b);
  return b.length;
}
