/**
 * `meta.json`, the description of a block (Prometheus's `BlockMeta`): its ULID, its time range
 * (`maxTime` exclusive), counts, and where it came from in compaction. Written the way Go's
 * `json.MarshalIndent(meta, "", "\t")` writes it (field order, tabs, empty fields left out), via
 * `meta.json.tmp`, fsync and rename.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fileutil/fileutil.js';
import { isULID } from './ulid.js';

/** The file name of a block's metadata. */
export const META_FILENAME = 'meta.json';
/** The only meta.json version. */
export const META_VERSION_1 = 1;

/** Counts over a block's contents (all optional: Go leaves zero counts out). */
export interface BlockStats {
  numSamples?: number;
  numSeries?: number;
  numChunks?: number;
  numTombstones?: number;
}

/** A block named in another's compaction history. */
export interface BlockDesc {
  ulid: string;
  minTime: number;
  maxTime: number;
}

/** How a block came to be. */
export interface BlockMetaCompaction {
  /** 1 for a block cut from the head, higher for compacted blocks. */
  level: number;
  /** ULIDs of the level-1 blocks whose data this block holds. */
  sources?: string[];
  /** Marked for deletion after compaction. */
  deletable?: boolean;
  /** The blocks this one was compacted from. */
  parents?: BlockDesc[];
  /** A compaction of this block failed (it is skipped next time). */
  failed?: boolean;
  /** Extra information, e.g. "from-out-of-order". */
  hints?: string[];
}

/** The contents of meta.json. */
export interface BlockMeta {
  ulid: string;
  /** First timestamp in the block, ms (inclusive). */
  minTime: number;
  /** End of the block's range, ms (exclusive). */
  maxTime: number;
  stats: BlockStats;
  compaction: BlockMetaCompaction;
  version: number;
}

/** Serialises `meta` exactly as Prometheus writes meta.json (no trailing newline). */
export function encodeMeta(meta: BlockMeta): string {
  const nz = (n: number | undefined): number | undefined => (n ? n : undefined);
  const list = <T>(l: T[] | undefined): T[] | undefined => (l && l.length > 0 ? l : undefined);
  // Build in Go's struct field order; undefined fields are dropped, like `omitempty`.
  const c = meta.compaction;
  const ordered = {
    ulid: meta.ulid,
    minTime: meta.minTime,
    maxTime: meta.maxTime,
    stats: {
      numSamples: nz(meta.stats.numSamples),
      numSeries: nz(meta.stats.numSeries),
      numChunks: nz(meta.stats.numChunks),
      numTombstones: nz(meta.stats.numTombstones),
    },
    compaction: {
      level: c.level,
      sources: list(c.sources),
      deletable: c.deletable ? true : undefined,
      parents: list(c.parents)?.map((p) => ({ ulid: p.ulid, minTime: p.minTime, maxTime: p.maxTime })),
      failed: c.failed ? true : undefined,
      hints: list(c.hints),
    },
    version: meta.version,
  };
  return JSON.stringify(ordered, null, '\t');
}

/** Parses and validates the text of a meta.json; `file` names it in errors. */
export function decodeMeta(text: string, file = META_FILENAME): BlockMeta {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  const o = m as Partial<BlockMeta> | null;
  if (o === null || typeof o !== 'object') throw new Error(`${file}: not a JSON object`);
  if (o.version !== META_VERSION_1) throw new Error(`${file}: unexpected meta file version ${o.version}`);
  if (typeof o.ulid !== 'string' || !isULID(o.ulid))
    throw new Error(`${file}: invalid ulid ${JSON.stringify(o.ulid)}`);
  if (!Number.isSafeInteger(o.minTime) || !Number.isSafeInteger(o.maxTime)) {
    throw new Error(`${file}: minTime and maxTime must be integers`);
  }
  const compaction = o.compaction ?? { level: 0 };
  return {
    ulid: o.ulid,
    minTime: o.minTime!,
    maxTime: o.maxTime!,
    stats: o.stats ?? {},
    compaction: { ...compaction, level: compaction.level ?? 0 },
    version: o.version,
  };
}

/** Reads `<dir>/meta.json`. */
export function readMeta(dir: string): BlockMeta {
  const file = path.join(dir, META_FILENAME);
  return decodeMeta(fs.readFileSync(file, 'utf8'), file);
}

/** Writes `<dir>/meta.json` through meta.json.tmp, fsync and rename; returns its size. */
export function writeMeta(dir: string, meta: BlockMeta): number {
  const b = Buffer.from(encodeMeta(meta), 'utf8');
  writeFileAtomic(path.join(dir, META_FILENAME), b);
  return b.length;
}
