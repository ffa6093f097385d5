/**
 * `file_sd_configs`, as Prometheus's file discovery: the files matching the configured paths
 * (a `*` glob allowed in the last element) are read as JSON or YAML target group lists, each
 * group sourced `<file>:<index>` and labelled `__meta_filepath`. The files are re-read when
 * their directories change (fs.watch, debounced) and every `refresh_interval`. A file that
 * fails to read or parse keeps the groups it last gave; a file that disappears takes its
 * groups with it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { glob, type FileSDConfig } from '../config/index.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import {
  parseTargetGroupsJSON,
  parseTargetGroupsYAML,
  type Discoverer,
  type GroupsListener,
  type TargetGroup,
} from './target-group.js';

/** The label naming the file a target came from. */
export const FILE_SD_FILEPATH_LABEL = '__meta_filepath';

/**
 * How long to wait after a file system event before re-reading: editors and `mv` produce
 * bursts of events, and one read after the burst sees the final content.
 */
export const DEFAULT_FILE_WATCH_DEBOUNCE_MS = 50;

/** Options of {@link FileDiscoverer}. */
export interface FileDiscovererOptions {
  /** Where read and parse errors go. */
  readonly logger?: Logger;
  /** Delay between a file system event and the re-read, ms. */
  readonly watchDebounce?: number;
}

/** The group source Prometheus gives the `i`-th group of a file. */
export function fileSource(file: string, i: number): string {
  return `${file}:${i}`;
}

/** Reads and decodes one file's target groups; throws on a read or parse error. */
export async function readFileGroups(file: string): Promise<TargetGroup[]> {
  const text = await readFile(file, 'utf8');
  const ext = extname(file).toLowerCase();
  let raw;
  if (ext === '.json') raw = parseTargetGroupsJSON(text);
  else if (ext === '.yml' || ext === '.yaml') raw = parseTargetGroupsYAML(text);
  else throw new Error(`unhandled file extension ${JSON.stringify(ext)}`);
  return raw.map((g, i) => ({
    source: fileSource(file, i),
    targets: g.targets,
    labels: { ...g.labels, [FILE_SD_FILEPATH_LABEL]: file },
  }));
}

/** File-based service discovery for one `file_sd_configs` entry. */
export class FileDiscoverer implements Discoverer {
  private readonly logger: Logger;
  private readonly debounce: number;
  /** The last good groups of each file currently matched, in file order. */
  private lastGood = new Map<string, TargetGroup[]>();
  private listener: GroupsListener | null = null;
  private watchers: FSWatcher[] = [];
  private ticker: NodeJS.Timeout | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  /** The refresh in progress; refreshes never overlap. */
  private running: Promise<void> | null = null;
  /** A refresh was asked for while one was running. */
  private again = false;
  private stopped = false;

  /** Creates the discoverer; nothing is read until {@link start}. */
  constructor(
    private readonly config: FileSDConfig,
    opts: FileDiscovererOptions = {},
  ) {
    this.logger = opts.logger ?? NOP_LOG;
    this.debounce = opts.watchDebounce ?? DEFAULT_FILE_WATCH_DEBOUNCE_MS;
  }

  /** Watches the directories, reads the files and starts the refresh ticker. */
  start(listener: GroupsListener): void {
    this.listener = listener;
    const dirs = new Set(this.config.files.map((p) => dirname(p)));
    for (const dir of dirs) {
      try {
        const w = watch(dir, () => this.scheduleRefresh());
        // A watched directory that is deleted errors; the ticker still refreshes.
        w.on('error', (err) => this.logger.error('Error watching directory', { dir, err }));
        this.watchers.push(w);
      } catch (err) {
        // As in Prometheus: a directory that cannot be watched is still polled.
        this.logger.error('Error adding file watch', { path: dir, err: err as Error });
      }
    }
    if (this.config.refreshInterval > 0)
      this.ticker = setInterval(() => this.requestRefresh(), this.config.refreshInterval);
    this.requestRefresh();
  }

  /** Stops watching and polling, and waits for a refresh in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.ticker !== null) clearInterval(this.ticker);
    if (this.debounceTimer !== null) clearTimeout(this.debounceTimer);
    this.ticker = this.debounceTimer = null;
    await this.running;
  }

  /** Resolves when the refreshes asked for so far are done (tests). */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private scheduleRefresh(): void {
    if (this.stopped) return;
    if (this.debounceTimer !== null) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.requestRefresh();
    }, this.debounce);
  }

  private requestRefresh(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.refresh().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.requestRefresh();
      }
    });
  }

  /** The files the configured paths match now, each once, in configuration then name order. */
  private listFiles(): string[] {
    const seen = new Set<string>();
    for (const p of this.config.files) {
      try {
        for (const f of glob(p)) seen.add(f);
      } catch (err) {
        this.logger.error('Error expanding glob', { glob: p, err: err as Error });
      }
    }
    return [...seen];
  }

  private async refresh(): Promise<void> {
    const files = this.listFiles();
    const results = await Promise.allSettled(files.map((f) => readFileGroups(f)));
    if (this.stopped) return;
    const next = new Map<string, TargetGroup[]>();
    files.forEach((f, i) => {
      const r = results[i]!;
      if (r.status === 'fulfilled') {
        next.set(f, r.value);
        return;
      }
      this.logger.error('Error reading file', { path: f, err: r.reason as Error });
      // Keep what the file gave before, so a half-written file does not drop its targets.
      const last = this.lastGood.get(f);
      if (last !== undefined) next.set(f, last);
    });
    this.lastGood = next;
    this.listener?.([...next.values()].flat());
  }
}
