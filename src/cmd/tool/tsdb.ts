/**
 * `ignis-tool tsdb …`: promtool's TSDB commands over a data directory — `list`, `analyze`,
 * `dump`, `dump-openmetrics` and `create-blocks-from openmetrics` — with promtool's flags,
 * output and exit codes. The data directory is opened read-only: blocks are read in place and
 * the WAL is replayed into a private head (nothing is repaired, locked or deleted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { parseMetricSelector } from '../../promql/parser/parser.js';
import { ValueType, type Querier } from '../../storage/interface.js';
import { MergeQuerier, MergeSeriesSet } from '../../storage/merge.js';
import { formatDuration, formatFloat } from '../../template/fmt.js';
import { Block } from '../../tsdb/block/block.js';
import { Encoding } from '../../tsdb/chunkenc/chunk.js';
import type { BlockMeta } from '../../tsdb/block/meta.js';
import { isULID } from '../../tsdb/block/ulid.js';
import { Head } from '../../tsdb/head/head.js';
import { replayWAL } from '../../tsdb/head/wal.js';
import { BackfillError, createBlocksFromOpenMetrics } from './tsdb-backfill.js';

const SUCCESS = 0;
const FAILURE = 1;
/** promtool's default data directory. */
const DEFAULT_DB_PATH = 'data/';
/** promtool's default `--limit` of analyze. */
const DEFAULT_ANALYZE_LIMIT = 20;
/** Go's int64 bounds, the defaults of dump's --min-time and --max-time (as the nearest doubles). */
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** Where the command writes. */
export interface ToolIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Flags and positional arguments, kingpin style (`--flag value`, `--flag=value`, `-r`). */
interface Parsed {
  flags: Map<string, string[]>;
  args: string[];
}

/** Parses `args`; `bools` are flags without a value, `short` maps short flags to long ones. */
function parseArgs(
  args: readonly string[],
  valued: readonly string[],
  bools: readonly string[],
  short: Record<string, string> = {},
): Parsed | string {
  const flags = new Map<string, string[]>();
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    if (a in short) a = short[a]!;
    if (!a.startsWith('--') || a === '--') {
      pos.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const negated = name.startsWith('no-') && bools.includes(name.slice(3));
    if (negated) name = name.slice(3);
    if (bools.includes(name)) {
      flags.set(name, [negated ? 'false' : 'true']);
    } else if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return `expected argument for flag '--${name}'`;
      flags.set(name, [...(flags.get(name) ?? []), v]);
    } else {
      return `unknown long flag '--${name}'`;
    }
  }
  return { flags, args: pos };
}

const flag = (p: Parsed, name: string): string | undefined => p.flags.get(name)?.at(-1);
const isSet = (p: Parsed, name: string): boolean => flag(p, name) === 'true';

/** A Go duration such as `2h`, `1h30m` or `31d` (promtool's model.Duration) in ms. */
function parseModelDuration(s: string): number | null {
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  const unit: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3600_000,
    d: 86_400_000,
    w: 604_800_000,
    y: 31_536_000_000,
  };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  return s !== '' && end === s.length ? total : null;
}

/** The blocks of a data directory, oldest first (opened read-only). */
function openBlocks(dir: string): Block[] {
  const out: Block[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!isULID(name) || !fs.existsSync(path.join(dir, name, 'meta.json'))) continue;
    out.push(Block.open(path.join(dir, name)));
  }
  return out.sort((a, b) => a.minTime() - b.minTime());
}

/** Size of a block as Prometheus counts it: chunks, index, tombstones and meta.json. */
function blockSize(dir: string): number {
  let n = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else n += fs.statSync(f).size;
    }
  };
  walk(dir);
  return n;
}

/** alecthomas/units' Base2Bytes.String(): `622B`, `1KiB512B`, `3MiB`. */
export function base2Bytes(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  const parts: string[] = [];
  for (let i = 0; i < units.length; i++) {
    if (n % 1024 !== 0 || (i === 0 && n === 0))
      parts.unshift(`${n % 1024}${units[i]}${i === 0 ? 'B' : 'iB'}`);
    n = Math.floor(n / 1024);
    if (n === 0) break;
  }
  return parts.join('');
}

/** promtool's `getFormattedTime`: ms, or Go's UTC time string to the second. */
function formattedTime(ms: number, human: boolean): string {
  if (!human) return String(ms);
  const d = new Date(Math.trunc(ms / 1000) * 1000);
  const p = (x: number): string => String(x).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`
  );
}

/**
 * Lays out rows as Go's tabwriter with minwidth 13 and padding 2: every cell but the last of a
 * row is padded to its column's width.
 */
function tabwrite(rows: string[][]): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) {
    widths.push(Math.max(13, ...rows.map((r) => (r[c] === undefined ? 0 : [...r[c]!].length + 2))));
  }
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < r.length - 1 ? cell + ' '.repeat(widths[c]! - [...cell].length) : cell))
        .join(''),
    )
    .map((l) => l + '\n')
    .join('');
}

/** promtool's `printBlocks`: the block table (with its header when asked). */
export function formatBlocks(
  blocks: readonly { meta: BlockMeta; size: number }[],
  header: boolean,
  human: boolean,
): string {
  const rows: string[][] = [];
  if (header) {
    rows.push([
      'BLOCK ULID',
      'MIN TIME',
      'MAX TIME',
      'DURATION',
      'NUM SAMPLES',
      'NUM CHUNKS',
      'NUM SERIES',
      'SIZE',
    ]);
  }
  for (const { meta, size } of blocks) {
    rows.push([
      meta.ulid,
      formattedTime(meta.minTime, human),
      formattedTime(meta.maxTime, human),
      formatDuration((meta.maxTime - meta.minTime) * 1e6),
      String(meta.stats.numSamples ?? 0),
      String(meta.stats.numChunks ?? 0),
      String(meta.stats.numSeries ?? 0),
      human ? base2Bytes(size) : String(size),
    ]);
  }
  return rows.length === 0 ? '' : tabwrite(rows);
}

/** `tsdb list [-r] [<db path>]`. */
function list(p: Parsed, io: ToolIO): number {
  const dir = p.args[0] ?? DEFAULT_DB_PATH;
  const blocks = openBlocks(dir);
  try {
    io.stdout.write(
      formatBlocks(
        blocks.map((b) => ({ meta: b.meta, size: blockSize(b.dir) })),
        true,
        isSet(p, 'human-readable'),
      ),
    );
  } finally {
    for (const b of blocks) b.close();
  }
  return SUCCESS;
}

/** A querier over the blocks and the WAL's head of a data directory, and how to close it. */
function openReadOnly(dir: string, mint: number, maxt: number): { q: Querier; close: () => void } {
  const blocks = openBlocks(dir);
  const qs: Querier[] = blocks.filter((b) => b.overlaps(mint, maxt)).map((b) => b.querier(mint, maxt));
  const walDir = path.join(dir, 'wal');
  if (fs.existsSync(walDir)) {
    let minValid = Number.MIN_SAFE_INTEGER;
    for (const b of blocks) minValid = Math.max(minValid, b.maxTime());
    const head = new Head();
    replayWAL(head, walDir, minValid);
    qs.push(head.querier(mint, maxt));
  }
  return {
    q: new MergeQuerier(qs),
    close: () => {
      for (const b of blocks) b.close();
    },
  };
}

/** `{a="b",c="d"}` as promtool's dump-openmetrics writes labels (no spaces). */
function omLabels(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${JSON.stringify(v)}`));
  return `{${parts.join(',')}}`;
}

/** Go's json.Marshal of a label set (sorted keys, HTML characters escaped). */
function seriesJSON(l: Labels): string {
  const o: Record<string, string> = {};
  l.forEach((n, v) => (o[n] = v));
  return JSON.stringify(o).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `tsdb dump` and `tsdb dump-openmetrics`. */
function dump(p: Parsed, io: ToolIO, openMetrics: boolean): number {
  const dir = p.args[0] ?? DEFAULT_DB_PATH;
  const mint = Number(flag(p, 'min-time') ?? MIN_INT64);
  const maxt = Number(flag(p, 'max-time') ?? MAX_INT64);
  if (Number.isNaN(mint) || Number.isNaN(maxt)) {
    io.stderr.write(`ignis-tool: error: --min-time and --max-time take integers (ms), try --help\n`);
    return FAILURE;
  }
  const format = flag(p, 'format') ?? 'prom';
  if (format !== 'prom' && format !== 'seriesjson') {
    io.stderr.write(
      `ignis-tool: error: enum value must be one of prom,seriesjson, got '${format}', try --help\n`,
    );
    return FAILURE;
  }
  let matcherSets: Matcher[][];
  try {
    matcherSets = (p.flags.get('match') ?? ["{__name__=~'(?s:.*)'}"]).map((m) => parseMetricSelector(m));
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return FAILURE;
  }
  const { q, close } = openReadOnly(dir, mint, maxt);
  try {
    // Several --match selections are merged as promtool merges them: a series matched by more
    // than one is printed once.
    const sets = matcherSets.map((ms) => q.select(true, undefined, ...ms));
    const set = sets.length === 1 ? sets[0]! : new MergeSeriesSet(sets);
    let out = '';
    const flush = (): void => {
      if (out.length > 0) io.stdout.write(out);
      out = '';
    };
    while (set.next()) {
      const labels = set.at().labels;
      if (format === 'seriesjson' && !openMetrics) {
        out += seriesJSON(labels) + '\n';
        continue;
      }
      const it = set.at().iterator();
      const prefix = openMetrics
        ? labels.get('__name__') + omLabels(labels.without('__name__'))
        : labels.toString();
      while (it.next() === ValueType.Float) {
        out += openMetrics
          ? `${prefix} ${formatFloat(it.v, 'g', -1)} ${(it.t / 1000).toFixed(3)}\n`
          : `${prefix} ${formatFloat(it.v, 'g', -1)} ${it.t}\n`;
        if (out.length > 1 << 16) flush();
      }
      const err = it.err();
      if (err) throw err;
    }
    const err = set.err();
    if (err) throw err;
    if (openMetrics) out += '# EOF\n';
    flush();
  } finally {
    q.close();
    close();
  }
  return SUCCESS;
}

/** `tsdb analyze [<db path>] [<block id>] [--limit] [--match]`. */
function analyze(p: Parsed, io: ToolIO): number {
  const dir = p.args[0] ?? DEFAULT_DB_PATH;
  const id = p.args[1];
  const limit = Number(flag(p, 'limit') ?? DEFAULT_ANALYZE_LIMIT);
  const blocks = openBlocks(dir);
  try {
    if (blocks.length === 0) {
      io.stderr.write('no blocks found\n');
      return FAILURE;
    }
    const block = id === undefined ? blocks[blocks.length - 1]! : blocks.find((b) => b.ulid === id);
    if (block === undefined) {
      io.stderr.write(`block ${id} not found\n`);
      return FAILURE;
    }
    const meta = block.meta;
    const ix = block.index;
    const span = meta.maxTime - meta.minTime;
    let out = `Block ID: ${meta.ulid}\n`;
    out += `Duration: ${formatDuration(span * 1e6)}\n`;
    out += `Total Series: ${meta.stats.numSeries ?? 0}\n`;
    const selectors = p.flags.get('match')?.at(-1);
    let refs: Set<number> | null = null;
    if (selectors !== undefined) {
      const ms = parseMetricSelector(selectors);
      const set = new Set<number>();
      for (const r of postingsFor(block, ms)) set.add(r);
      refs = set;
      out += `Matcher: ${selectors}\n`;
    }
    const names = refs === null ? ix.labelNames() : namesOf(block, refs);
    out += `Label names: ${names.length}\n`;
    const labelsUncovered = new Map<string, number>();
    const pairsUncovered = new Map<string, number>();
    const pairsCount = new Map<string, number>();
    const valuesOf = new Map<string, Set<string>>();
    let entries = 0;
    const all = ix.allPostings();
    for (let i = 0; i < all.length; i++) {
      const ref = all[i]!;
      if (refs !== null && !refs.has(ref)) continue;
      const s = ix.series(ref);
      const c = s.chunks;
      const uncovered = c.length === 0 ? span : span - (c[c.length - 1]!.maxT - c[0]!.minT);
      s.labels.forEach((n, v) => {
        const key = `${n}=${v}`;
        labelsUncovered.set(n, (labelsUncovered.get(n) ?? 0) + uncovered);
        pairsUncovered.set(key, (pairsUncovered.get(key) ?? 0) + uncovered);
        pairsCount.set(key, (pairsCount.get(key) ?? 0) + 1);
        let vs = valuesOf.get(n);
        if (!vs) valuesOf.set(n, (vs = new Set()));
        vs.add(v);
        entries++;
      });
    }
    out += `Postings (unique label pairs): ${pairsUncovered.size}\n`;
    out += `Postings entries (total label pairs): ${entries}\n`;
    const print = (title: string, infos: [string, number][]): void => {
      out += `\n${title}:\n`;
      infos.sort((a, b) => b[1] - a[1]);
      for (const [k, m] of infos.slice(0, limit)) out += `${m} ${k}\n`;
    };
    const churn = (m: Map<string, number>): [string, number][] =>
      [...m].map(([k, v]) => [k, Math.trunc(v / span)]);
    print('Label pairs most involved in churning', churn(pairsUncovered));
    print('Label names most involved in churning', churn(labelsUncovered));
    print('Most common label pairs', [...pairsCount]);
    const values = (n: string): string[] =>
      refs === null ? ix.labelValues(n) : [...(valuesOf.get(n) ?? [])];
    print(
      'Label names with highest cumulative label value length',
      names.map((n) => [n, values(n).reduce((acc, v) => acc + Buffer.byteLength(v), 0)]),
    );
    print(
      'Highest cardinality labels',
      names.map((n) => [n, values(n).length]),
    );
    const metricNames = values('__name__');
    print(
      'Highest cardinality metric names',
      metricNames.map((n) => {
        const ps = ix.get('__name__', n);
        let count = 0;
        for (let i = 0; i < ps.length; i++) if (refs === null || refs.has(ps[i]!)) count++;
        return [n, count];
      }),
    );
    if (isSet(p, 'extended')) out += compactionAnalysis(block, refs);
    io.stdout.write(out);
  } finally {
    for (const b of blocks) b.close();
  }
  return SUCCESS;
}

/** promtool's `generateBucket`: a power-of-ten step (at least 10) and aligned bounds. */
function generateBucket(min: number, max: number): { start: number; end: number; step: number } {
  const s = Math.trunc((max - min) / 10);
  let step = 10;
  while (step < s && step <= 10000) step *= 10;
  return { start: min - (min % step), end: max - (max % step) + step, step };
}

/** promtool's `displayHistogram`: min/avg/max and a bar per bucket, `#` per percent. */
function displayHistogram(what: string, data: number[], total: number): string {
  if (data.length === 0) return `${what}: N/A\n\n`;
  data.sort((a, b) => a - b);
  const { start, end, step } = generateBucket(data[0]!, data[data.length - 1]!);
  const buckets = new Array<number>(Math.trunc((end - start) / step) + 1).fill(0);
  let sum = 0;
  let maxCount = 0;
  for (const c of data) {
    sum += c;
    const b = Math.trunc((c - start) / step);
    buckets[b]!++;
    if (buckets[b]! > maxCount) maxCount = buckets[b]!;
  }
  let out = `${what} (min/avg/max): ${data[0]}/${Math.trunc(sum / data.length)}/${data[data.length - 1]}\n`;
  const left = String(end).length;
  const right = String(end + step).length;
  const cnt = String(maxCount).length;
  buckets.forEach((count, i) => {
    const lo = String(i * step + start + 1).padStart(left);
    const hi = String((i + 1) * step + start).padStart(right);
    out += `[${lo}, ${hi}]: ${String(count).padStart(cnt)} ${'#'.repeat(Math.trunc((100 * count) / total))}\n`;
  });
  return out + '\n';
}

/** promtool's extended analysis: the distribution of samples and bytes per chunk. */
function compactionAnalysis(block: Block, refs: Set<number> | null): string {
  const floatSamples: number[] = [];
  const floatBytes: number[] = [];
  let total = 0;
  const all = block.index.allPostings();
  for (let i = 0; i < all.length; i++) {
    if (refs !== null && !refs.has(all[i]!)) continue;
    for (const m of block.index.series(all[i]!).chunks) {
      const c = block.chunks.chunk(m.ref);
      if (c.encoding() === Encoding.XOR) {
        floatSamples.push(c.numSamples());
        floatBytes.push(c.bytes().length);
      }
      total++;
    }
  }
  if (total === 0) throw new Error('no samples found in the block');
  return (
    '\nCompaction analysis:\n\n' +
    displayHistogram('samples per float chunk', floatSamples, total) +
    displayHistogram('bytes per float chunk', floatBytes, total) +
    displayHistogram('samples per histogram chunk', [], total) +
    displayHistogram('bytes per histogram chunk', [], total) +
    displayHistogram('buckets per histogram chunk', [], total)
  );
}

function postingsFor(block: Block, ms: Matcher[]): number[] {
  const set = block.querier(block.minTime(), block.maxTime()).select(true, undefined, ...ms);
  const want = new Set<string>();
  while (set.next()) want.add(set.at().labels.toString());
  const out: number[] = [];
  const all = block.index.allPostings();
  for (let i = 0; i < all.length; i++) {
    if (want.has(block.index.series(all[i]!).labels.toString())) out.push(all[i]!);
  }
  return out;
}

function namesOf(block: Block, refs: Set<number>): string[] {
  const names = new Set<string>();
  for (const r of refs) block.index.series(r).labels.forEach((n) => names.add(n));
  return [...names].sort();
}

/** `tsdb create-blocks-from openmetrics <input file> [<output dir>]`. */
function createBlocks(p: Parsed, io: ToolIO): number {
  if (p.args[0] !== 'openmetrics') {
    io.stderr.write(
      p.args[0] === undefined
        ? 'ignis-tool: error: expected command but got nothing, try --help\n'
        : `ignis-tool: error: expected command but got "${p.args[0]}", try --help\n`,
    );
    return FAILURE;
  }
  const input = p.args[1];
  if (input === undefined) {
    io.stderr.write("ignis-tool: error: required argument 'input file' not provided, try --help\n");
    return FAILURE;
  }
  const out = p.args[2] ?? DEFAULT_DB_PATH;
  const mbd = flag(p, 'max-block-duration');
  let maxBlock = 0;
  if (mbd !== undefined) {
    const d = parseModelDuration(mbd);
    if (d === null) {
      io.stderr.write(`ignis-tool: error: invalid duration '${mbd}' for --max-block-duration, try --help\n`);
      return FAILURE;
    }
    maxBlock = d;
  }
  const custom: Record<string, string> = {};
  for (const l of p.flags.get('label') ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0) {
      io.stderr.write(`ignis-tool: error: expected KEY=VALUE got '${l}', try --help\n`);
      return FAILURE;
    }
    custom[l.slice(0, eq)] = l.slice(eq + 1);
  }
  let text: string;
  try {
    text = fs.readFileSync(input, 'utf8');
  } catch (e) {
    io.stderr.write(
      `open ${input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}\n`,
    );
    return FAILURE;
  }
  try {
    const metas = createBlocksFromOpenMetrics(text, out, maxBlock, custom);
    if (!isSet(p, 'quiet')) {
      // promtool prints each block as it is written, with its own table layout.
      metas.forEach((m, i) => {
        io.stdout.write(
          formatBlocks(
            [{ meta: m, size: blockSize(path.join(out, m.ulid)) }],
            i === 0,
            isSet(p, 'human-readable'),
          ),
        );
      });
    }
  } catch (e) {
    if (e instanceof BackfillError) {
      io.stderr.write(`${e.message}\n`);
      return FAILURE;
    }
    throw e;
  }
  return SUCCESS;
}

/**
 * Runs `ignis-tool tsdb <command> …` with the arguments after `tsdb` and returns the exit
 * code: `list`, `analyze`, `dump`, `dump-openmetrics`, `create-blocks-from openmetrics`.
 */
export async function tsdbCommand(args: string[], io: ToolIO): Promise<number> {
  const [cmd, ...rest] = args;
  let p: Parsed | string;
  switch (cmd) {
    case 'list':
      p = parseArgs(rest, [], ['human-readable'], { '-r': '--human-readable' });
      break;
    case 'analyze':
      p = parseArgs(rest, ['limit', 'match'], ['extended']);
      break;
    case 'dump':
      p = parseArgs(rest, ['min-time', 'max-time', 'match', 'sandbox-dir-root', 'format'], []);
      break;
    case 'dump-openmetrics':
      p = parseArgs(rest, ['min-time', 'max-time', 'match', 'sandbox-dir-root'], []);
      break;
    case 'create-blocks-from':
      p = parseArgs(rest, ['max-block-duration', 'label'], ['human-readable', 'quiet'], {
        '-r': '--human-readable',
        '-q': '--quiet',
      });
      break;
    default:
      io.stderr.write(
        cmd === undefined
          ? 'ignis-tool: error: expected command but got nothing, try --help\n'
          : `ignis-tool: error: expected command but got "${cmd}", try --help\n`,
      );
      return FAILURE;
  }
  if (typeof p === 'string') {
    io.stderr.write(`ignis-tool: error: ${p}, try --help\n`);
    return FAILURE;
  }
  try {
    switch (cmd) {
      case 'list':
        return list(p, io);
      case 'analyze':
        return analyze(p, io);
      case 'dump':
        return dump(p, io, false);
      case 'dump-openmetrics':
        return dump(p, io, true);
      default:
        return createBlocks(p, io);
    }
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return FAILURE;
  }
}
