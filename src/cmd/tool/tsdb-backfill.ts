/**
 * `ignis-tool tsdb create-blocks-from openmetrics`: backfilling, as promtool does it
 * (cmd/promtool/backfill.go). The input is read once to validate it and find its time range,
 * then once per block window that holds samples: the window's samples go into a head whose chunk
 * range is twice the block duration (so every sample of the window is appendable) and the head
 * is persisted as a block over [first sample, last sample + 1). Blocks are therefore the same,
 * chunk for chunk, as promtool's for the same input.
 *
 * Two things differ on purpose. Samples may come in any order: each window's samples are sorted
 * per series before they are appended (promtool drops or rejects out-of-order samples). And
 * nothing is half-written: blocks are built in a temporary directory inside the output
 * directory (named `*.tmp-for-creation`, so Prometheus and ignis delete it if the tool dies)
 * and moved into place only once the whole input succeeded.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Entry, ParseError, newParser } from '../../exposition/parse/index.js';
import { LabelsBuilder, type Labels } from '../../model/labels.js';
import type { BlockMeta } from '../../tsdb/block/meta.js';
import { headSource } from '../../tsdb/block/source.js';
import { TMP_FOR_CREATION_SUFFIX, writeBlock } from '../../tsdb/block/writer.js';
import { exponentialBlockRanges } from '../../tsdb/compact.js';
import { DEFAULT_CHUNK_RANGE, Head } from '../../tsdb/head/head.js';

/** Samples per appender commit, promtool's `maxSamplesInAppender`. */
const MAX_SAMPLES_IN_APPENDER = 5000;

/** A failed backfill, with promtool's message (and the input line where there is one). */
export class BackfillError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'BackfillError';
  }
}

/**
 * The block duration promtool uses for `--max-block-duration`: the largest of the 2h×3ⁿ ranges
 * that is not longer than it (2h when it is shorter than 2h).
 */
export function compatibleBlockDuration(maxBlockDuration: number): number {
  if (maxBlockDuration <= DEFAULT_CHUNK_RANGE) return DEFAULT_CHUNK_RANGE;
  const ranges = exponentialBlockRanges(DEFAULT_CHUNK_RANGE, 0, 10, 3);
  let idx = ranges.length - 1;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i]! > maxBlockDuration) {
      idx = i - 1;
      break;
    }
  }
  return ranges[idx]!;
}

/** One series' samples of the current window, kept unsorted until the window is complete. */
interface WindowSeries {
  labels: Labels;
  ts: number[];
  vs: number[];
  lines: number[];
}

/** Walks every sample of the input, throwing promtool-style errors for bad input. */
function forEachSample(
  input: string,
  prefix: string,
  fn: (p: ReturnType<typeof newParser>, ts: number) => void,
): void {
  const p = newParser(input, 'openmetrics');
  for (;;) {
    let e: Entry;
    try {
      e = p.next();
    } catch (err) {
      if (err instanceof ParseError) throw new BackfillError(`${prefix}: next: ${err.message}`);
      throw err;
    }
    if (e === Entry.EOF) return;
    if (e !== Entry.Series) continue;
    const ts = p.timestamp();
    if (ts === undefined) {
      throw new BackfillError(`${prefix}: expected timestamp for series got none (line ${p.line})`);
    }
    fn(p, ts);
  }
}

/** True when two floats have the same bits (NaN payloads count). */
function sameBits(a: number, b: number): boolean {
  const f = new Float64Array([a, b]);
  const u = new Uint32Array(f.buffer);
  return u[0] === u[2] && u[1] === u[3];
}

/**
 * Writes blocks for the OpenMetrics text `input` into `outputDir` and returns their metas, in
 * time order; `customLabels` are set on every series (promtool's `--label`). Throws {@link BackfillError} for bad input, leaving `outputDir` as it was.
 */
export function createBlocksFromOpenMetrics(
  input: string,
  outputDir: string,
  maxBlockDuration = DEFAULT_CHUNK_RANGE,
  customLabels: Readonly<Record<string, string>> = {},
): BlockMeta[] {
  const custom = Object.entries(customLabels);
  const builder = new LabelsBuilder();
  // Pass 1: validate everything and find the time range, before anything is written.
  let mint = Infinity;
  let maxt = -Infinity;
  forEachSample(input, 'getting min and max timestamp', (_p, ts) => {
    if (ts < mint) mint = ts;
    if (ts > maxt) maxt = ts;
  });
  const metas: BlockMeta[] = [];
  if (mint > maxt) return metas;
  const blockDuration = compatibleBlockDuration(maxBlockDuration);
  const windowOf = (t: number): number => Math.floor(t / blockDuration) * blockDuration;
  const windows = new Set<number>();
  forEachSample(input, 'getting min and max timestamp', (_p, ts) => windows.add(windowOf(ts)));

  fs.mkdirSync(outputDir, { recursive: true });
  const staging = path.join(
    outputDir,
    `backfill-${randomBytes(6).toString('hex')}${TMP_FOR_CREATION_SUFFIX}`,
  );
  fs.mkdirSync(staging);
  try {
    for (const t of [...windows].sort((a, b) => a - b)) {
      const upper = t + blockDuration;
      const bySeries = new Map<string, WindowSeries>();
      forEachSample(input, 'block creation: process blocks: parse', (p, ts) => {
        if (ts < t || ts >= upper) return;
        const key = p.seriesKey();
        let s = bySeries.get(key);
        if (s === undefined) {
          let labels = p.labels();
          if (custom.length > 0) {
            // promtool's --label: set on every series, replacing a label of the same name.
            builder.reset(labels);
            for (const [k, v] of custom) builder.set(k, v);
            labels = builder.labels();
          }
          s = { labels, ts: [], vs: [], lines: [] };
          bySeries.set(key, s);
        }
        s.ts.push(ts);
        s.vs.push(p.value());
        s.lines.push(p.line);
      });
      // Pretend the block is twice as long, as promtool does, so no sample of the window is
      // out of bounds for the head.
      const head = new Head({ chunkRange: 2 * blockDuration });
      let app = head.appender();
      let n = 0;
      // The same series may be written with different label spellings (order, quoting); the
      // head merges them, and the sort below keeps the merged series in time order.
      const merged = new Map<string, WindowSeries>();
      for (const s of bySeries.values()) {
        const k = s.labels.toString();
        const m = merged.get(k);
        if (m === undefined) merged.set(k, s);
        else {
          m.ts.push(...s.ts);
          m.vs.push(...s.vs);
          m.lines.push(...s.lines);
        }
      }
      for (const s of merged.values()) {
        const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]! || s.lines[a]! - s.lines[b]!);
        let prev = -1;
        for (const i of order) {
          if (prev >= 0 && s.ts[prev] === s.ts[i]) {
            if (sameBits(s.vs[prev]!, s.vs[i]!)) continue;
            throw new BackfillError(
              `block creation: process blocks: add sample: duplicate sample for timestamp ${s.ts[i]} ` +
                `of ${s.labels.toString()} (lines ${s.lines[prev]} and ${s.lines[i]})`,
            );
          }
          app.append(0, s.labels, s.ts[i]!, s.vs[i]!);
          prev = i;
          if (++n >= MAX_SAMPLES_IN_APPENDER) {
            app.commit();
            app = head.appender();
            n = 0;
          }
        }
      }
      app.commit();
      if (head.numSeries() === 0) continue;
      const lo = head.minTime();
      const hi = head.maxTime() + 1;
      const meta = writeBlock(staging, headSource(head, lo, hi), lo, hi);
      if (meta !== null) metas.push(meta);
    }
    for (const m of metas) fs.renameSync(path.join(staging, m.ulid), path.join(outputDir, m.ulid));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return metas;
}
