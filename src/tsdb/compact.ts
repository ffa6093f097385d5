/**
 * Compaction (Prometheus's `tsdb/compact.go`): the leveled planner that chooses which blocks to
 * merge, a source that merges several blocks series by series (copying chunks as they are when
 * the blocks do not overlap, re-encoding the merged samples when they do or when tombstones
 * apply), and an asynchronous block writer that yields to the event loop every few
 * milliseconds so that scrapes and queries keep their schedule while a block is written.
 */
import { performance } from 'node:perf_hooks';
import { Labels } from '../model/labels.js';
import { MergeSampleIterator } from '../storage/merge.js';
import type { SampleIterator } from '../storage/interface.js';
import type { Block } from './block/block.js';
import { META_VERSION_1, type BlockMeta } from './block/meta.js';
import { BlockQuerier } from './block/querier.js';
import { encodeChunks, type ChunkSeries, type ChunkSeriesSource } from './block/source.js';
import { writeBlockSteps } from './block/writer.js';
import type { ChunkMeta } from './chunks/chunks.js';

/** How long synchronous work may run before compaction yields to the event loop, ms. */
export const DEFAULT_YIELD_BUDGET_MS = 10;

/** Yields to the event loop (setImmediate) once `budgetMs` of synchronous work has passed. */
export class Yielder {
  private last = performance.now();

  /** Creates a yielder with the given budget. */
  constructor(private readonly budgetMs = DEFAULT_YIELD_BUDGET_MS) {}

  /** Awaits a turn of the event loop now (between steps that each take a while, like fsyncs). */
  async yieldNow(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }

  /** Awaits a turn of the event loop if the budget is spent; cheap otherwise. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.last < this.budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

/** How often the stall probe ticks, ms. */
const STALL_PROBE_MS = 1;

/**
 * Measures the longest event-loop stall while `fn` runs: a 1 ms interval timer records the
 * largest gap between its ticks beyond its period, and the time from its last tick to the end
 * (so work that never yields counts in full). Returns `fn`'s result and the stall in ms.
 */
export async function measureStall<T>(fn: () => Promise<T>): Promise<{ result: T; maxStallMs: number }> {
  let last = performance.now();
  let max = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - STALL_PROBE_MS);
    last = now;
  }, STALL_PROBE_MS);
  try {
    const result = await fn();
    return { result, maxStallMs: Math.max(max, performance.now() - last - STALL_PROBE_MS, 0) };
  } finally {
    clearInterval(probe);
  }
}

/** Options of {@link writeBlockAsync}. */
export interface WriteBlockAsyncOptions {
  /** The ULID of the new block (default: a new one). */
  ulid?: string;
  /** Compaction level and history (default: level 1, sources = the block itself). */
  compaction?: BlockMeta['compaction'];
  /** Maximum size of a chunk segment file. */
  segmentSize?: number;
  /** Synchronous work between yields, ms. */
  yieldBudgetMs?: number;
  /** Called after each series is written (crash tests hook in here). */
  onSeries?: () => void;
}

/**
 * Writes `source` as a block over `[mint, maxt)` into `parent/<ULID>` exactly as
 * block/writer.ts's `writeBlock` does (temporary directory, fsync, rename), but yields to the
 * event loop between series. Returns the meta, or null when there was no sample (nothing is
 * left on disk then).
 */
export async function writeBlockAsync(
  parent: string,
  source: ChunkSeriesSource,
  mint: number,
  maxt: number,
  opts: WriteBlockAsyncOptions = {},
): Promise<BlockMeta | null> {
  const y = new Yielder(opts.yieldBudgetMs);
  const steps = writeBlockSteps(parent, source, mint, maxt, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) {
      await y.yieldNow();
      return r.value;
    }
    // After a file was written and synced, always give the event loop a turn; otherwise
    // only once the time budget is spent.
    if (r.value === 'file') await y.yieldNow();
    else await y.maybeYield();
  }
}

/**
 * Block ranges for leveled compaction (Prometheus's `ExponentialBlockRanges(min, 10, 3)`), cut
 * at `maxBlockDuration` (ranges above it are dropped; 0 keeps all).
 */
export function exponentialBlockRanges(
  minSize: number,
  maxBlockDuration = 0,
  steps = 10,
  stepSize = 3,
): number[] {
  const out: number[] = [];
  let cur = minSize;
  for (let i = 0; i < steps; i++) {
    if (maxBlockDuration > 0 && cur > maxBlockDuration) break;
    out.push(cur);
    cur *= stepSize;
  }
  return out;
}

/** The part of a block's meta the planner looks at. */
export type PlanMeta = Pick<BlockMeta, 'ulid' | 'minTime' | 'maxTime' | 'stats' | 'compaction'>;

/** Blocks whose ranges overlap, to be merged vertically (the first overlapping run). */
function selectOverlapping(ds: readonly PlanMeta[]): PlanMeta[] {
  if (ds.length < 2) return [];
  const out: PlanMeta[] = [];
  let globalMaxt = ds[0]!.maxTime;
  for (let i = 1; i < ds.length; i++) {
    const d = ds[i]!;
    if (d.minTime < globalMaxt) {
      if (out.length === 0) out.push(ds[i - 1]!);
      out.push(d);
    } else if (out.length > 0) {
      break;
    }
    if (d.maxTime > globalMaxt) globalMaxt = d.maxTime;
  }
  return out;
}

/** Groups blocks into aligned windows of `tr` ms; blocks crossing a window are skipped. */
export function splitByRange(ds: readonly PlanMeta[], tr: number): PlanMeta[][] {
  const out: PlanMeta[][] = [];
  for (let i = 0; i < ds.length;) {
    const m = ds[i]!;
    const t0 = tr * Math.floor(m.minTime / tr);
    if (m.maxTime > t0 + tr) {
      i++;
      continue;
    }
    const group: PlanMeta[] = [];
    for (; i < ds.length; i++) {
      if (ds[i]!.maxTime > t0 + tr) break;
      group.push(ds[i]!);
    }
    if (group.length > 0) out.push(group);
  }
  return out;
}

function selectDirs(ds: readonly PlanMeta[], ranges: readonly number[]): PlanMeta[] {
  if (ranges.length < 2 || ds.length < 1) return [];
  const highTime = ds[ds.length - 1]!.minTime;
  for (const iv of ranges.slice(1)) {
    for (const p of splitByRange(ds, iv)) {
      // A range holding a block whose compaction failed before is left alone.
      if (p.some((d) => d.compaction.failed)) continue;
      const mint = p[0]!.minTime;
      const maxt = p[p.length - 1]!.maxTime;
      // Take the group when it fills its range or lies wholly before the newest block, so a
      // range is not compacted while another block of the same size still fits into it.
      if ((maxt - mint === iv || maxt <= highTime) && p.length > 1) return p;
    }
  }
  return [];
}

/**
 * Prometheus's leveled planner: overlapping blocks first; otherwise, leaving out the newest
 * block, the first group of blocks that fills one of the larger ranges; otherwise a large
 * block with more than 5% tombstones, to be rewritten alone. Returns the ULIDs to compact.
 */
export function plan(metas: readonly PlanMeta[], ranges: readonly number[]): string[] {
  const ds = [...metas].sort((a, b) => a.minTime - b.minTime);
  const overlapping = selectOverlapping(ds);
  if (overlapping.length > 0) return overlapping.map((d) => d.ulid);
  // The newest block is left out: it gives a full block duration for backing up new data
  // piecewise without having to care about overlaps.
  const older = ds.slice(0, -1);
  const sel = selectDirs(older, ranges);
  if (sel.length > 0) return sel.map((d) => d.ulid);
  for (let i = older.length - 1; i >= 0; i--) {
    const m = older[i]!;
    if (m.maxTime - m.minTime < ranges[Math.floor(ranges.length / 2)]!) break;
    if ((m.stats.numTombstones ?? 0) / ((m.stats.numSeries ?? 0) + 1) > 0.05) return [m.ulid];
  }
  return [];
}

/** The compaction meta of a block merged from `parents` (Prometheus's `CompactBlockMetas`). */
export function compactMetas(ulid: string, parents: readonly BlockMeta[]): BlockMeta {
  const sources = new Set<string>();
  let level = 0;
  let mint = Infinity;
  let maxt = -Infinity;
  for (const p of parents) {
    level = Math.max(level, p.compaction.level);
    for (const s of p.compaction.sources ?? [p.ulid]) sources.add(s);
    mint = Math.min(mint, p.minTime);
    maxt = Math.max(maxt, p.maxTime);
  }
  return {
    ulid,
    minTime: mint,
    maxTime: maxt,
    stats: {},
    compaction: {
      level: level + 1,
      sources: [...sources].sort(),
      parents: parents.map((p) => ({ ulid: p.ulid, minTime: p.minTime, maxTime: p.maxTime })),
    },
    version: META_VERSION_1,
  };
}

/**
 * The merged series of `blocks` within `[mint, maxt)`, in label order. A series found in one
 * block only (or in several whose chunks do not overlap) keeps its chunks as they are; series
 * whose chunks overlap or carry tombstones are merged sample by sample (duplicates dropped,
 * deleted samples left out) and re-encoded, as Prometheus's vertical compaction does.
 */
export function blocksSource(blocks: readonly Block[], mint: number, maxt: number): ChunkSeriesSource {
  return {
    *symbols() {
      yield '';
      for (const b of blocks) yield* b.index.symbols();
    },
    *series(): Iterable<ChunkSeries> {
      const cursors = blocks.map((b) => ({
        b,
        refs: b.index.allPostings(),
        i: 0,
        labels: null as Labels | null,
      }));
      const load = (c: (typeof cursors)[number]): void => {
        c.labels = c.i < c.refs.length ? c.b.index.series(c.refs[c.i]!).labels : null;
      };
      for (const c of cursors) load(c);
      for (;;) {
        let min: Labels | null = null;
        for (const c of cursors)
          if (c.labels && (min === null || Labels.compare(c.labels, min) < 0)) min = c.labels;
        if (min === null) return;
        const parts: { b: Block; ref: number; chunks: ChunkMeta[] }[] = [];
        for (const c of cursors) {
          if (c.labels === null || Labels.compare(c.labels, min) !== 0) continue;
          const ref = c.refs[c.i]!;
          const s = c.b.index.series(ref);
          parts.push({ b: c.b, ref, chunks: s.chunks.filter((m) => m.maxT >= mint && m.minT < maxt) });
          c.i++;
          load(c);
        }
        const all = parts.flatMap((p) => p.chunks.map((m) => ({ m, p })));
        all.sort((x, y) => x.m.minT - y.m.minT);
        let simple = parts.every((p) => p.b.tombstones.get(p.ref).length === 0);
        for (let i = 0; simple && i < all.length; i++) {
          const m = all[i]!.m;
          if (m.minT < mint || m.maxT >= maxt || (i > 0 && m.minT <= all[i - 1]!.m.maxT)) simple = false;
        }
        let chunks: ChunkMeta[];
        if (simple) {
          chunks = all.map(({ m, p }) => ({
            ref: 0,
            minT: m.minT,
            maxT: m.maxT,
            chunk: p.b.chunks.chunk(m.ref),
          }));
        } else {
          const its: SampleIterator[] = [];
          for (const p of parts) {
            const q = new BlockQuerier(p.b.index, p.b.chunks, p.b.tombstones, mint, maxt - 1);
            const s = q.seriesAt(p.ref);
            if (s) its.push(s.iterator());
          }
          chunks =
            its.length === 0 ? [] : encodeChunks(its.length === 1 ? its[0]! : new MergeSampleIterator(its));
        }
        if (chunks.length > 0) yield { labels: min, chunks };
      }
    },
  };
}
