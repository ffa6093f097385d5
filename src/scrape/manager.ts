/**
 * The scrape manager, as Prometheus's `scrape.Manager` and `scrapePool`: it is handed the whole
 * set of targets grouped by scrape pool (job) on every discovery update or config reload and
 * reconciles: loops for new targets start, loops for vanished targets stop (and stale-mark their
 * series), unchanged targets keep their loop, and a pool whose options changed restarts its
 * loops. A removed pool stops without stale markers, as in Prometheus. `target_limit` fails every scrape of a pool that has too many targets.
 */
import http from 'node:http';
import type { Labels } from '../model/labels.js';
import type { Appendable } from '../storage/interface.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { ScrapeLoop, type Scraper } from './loop.js';
import {
  defaultOffsetSeed,
  resolveScrapeOptions,
  sameScrapeOptions,
  targetKey,
  type MetricMetadata,
  type ResolvedScrapeOptions,
  type ScrapeOptions,
  type ScrapeTarget,
  type TargetState,
} from './target.js';

/** One scrape pool: a job's options and its current targets. */
export interface ScrapePoolConfig {
  /** The job name (`job_name`); pools are identified by it. */
  readonly name: string;
  readonly options: ScrapeOptions;
  /** The active targets (after target relabeling; duplicates are scraped once). */
  readonly targets: readonly ScrapeTarget[];
}

/** Options of the manager. */
export interface ScrapeManagerOptions {
  readonly logger?: Logger;
  /** The User-Agent header (default `ignis/<version>`). */
  readonly userAgent?: string;
  /** Seed of the per-target offsets (default: from the host name). */
  readonly offsetSeed?: number;
  /** Replaces the HTTP scraper (tests). */
  readonly scraperFactory?: (target: ScrapeTarget, options: ResolvedScrapeOptions) => Scraper;
  /** Start scraping at once instead of at each target's offset (tests). */
  readonly skipOffset?: boolean;
}

/** A target as `/api/v1/targets` shows it. */
export interface TargetStatus extends TargetState {
  readonly scrapePool: string;
  readonly url: string;
  readonly labels: Labels;
  readonly discoveredLabels: Labels | undefined;
  /** ms. */
  readonly scrapeInterval: number;
  /** ms. */
  readonly scrapeTimeout: number;
}

/** Metadata with the target that exposed it (`/api/v1/targets/metadata`). */
export interface TargetMetadata extends MetricMetadata {
  readonly target: Labels;
}

/** Prometheus's target_limit error text. */
export function targetLimitMessage(n: number, limit: number): string {
  return `target_limit exceeded (number of targets: ${n}, limit: ${limit})`;
}

/** One pool's running loops. */
class ScrapePool {
  readonly loops = new Map<string, ScrapeLoop>();

  constructor(
    readonly name: string,
    readonly options: ResolvedScrapeOptions,
  ) {}
}

/** Runs the scrape loops of all pools. */
export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();
  private readonly stopping = new Set<ScrapeLoop>();
  private readonly logger: Logger;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly offsetSeed: number;
  private closed = false;

  /** Creates a manager that writes into `appendable`. */
  constructor(
    private readonly appendable: Appendable,
    private readonly opts: ScrapeManagerOptions = {},
  ) {
    this.logger = (opts.logger ?? NOP_LOG).with({ component: 'scrape manager' });
    this.offsetSeed = opts.offsetSeed ?? defaultOffsetSeed();
  }

  /**
   * Applies the full desired state. Pools absent from `pools` stop; pools whose options
   * changed restart; otherwise only the loops of added and removed targets change.
   */
  sync(pools: readonly ScrapePoolConfig[]): void {
    if (this.closed) throw new Error('scrape manager is shut down');
    const wanted = new Set<string>();
    for (const cfg of pools) {
      if (wanted.has(cfg.name)) throw new Error(`duplicate scrape pool ${JSON.stringify(cfg.name)}`);
      wanted.add(cfg.name);
    }
    for (const [name, pool] of this.pools) {
      if (!wanted.has(name)) {
        // A removed job's loops stop without stale markers: Prometheus cancels the pool's
        // context, which also ends the loops' end-of-run staleness.
        this.stopPool(pool, false);
        this.pools.delete(name);
      }
    }
    for (const cfg of pools) {
      const options = resolveScrapeOptions(cfg.options);
      let pool = this.pools.get(cfg.name);
      if (pool !== undefined && !sameScrapeOptions(pool.options, options)) {
        this.logger.info('Reloading scrape pool', { scrape_pool: cfg.name });
        // The old loops keep their end-of-run staleness: the new loops scrape the same targets
        // at the same phase, so the markers arrive out of order and are dropped, unless a target
        // really is gone.
        this.stopPool(pool, true);
        pool = undefined;
      }
      if (pool === undefined) {
        pool = new ScrapePool(cfg.name, options);
        this.pools.set(cfg.name, pool);
      }
      this.syncPool(pool, cfg.targets);
    }
  }

  private syncPool(pool: ScrapePool, targets: readonly ScrapeTarget[]): void {
    const byKey = new Map<string, ScrapeTarget>();
    for (const t of targets) byKey.set(targetKey(t), t);
    for (const [key, loop] of pool.loops) {
      if (!byKey.has(key)) {
        pool.loops.delete(key);
        this.stopLoop(loop);
      }
    }
    for (const [key, t] of byKey) {
      if (pool.loops.has(key)) continue;
      const loop = new ScrapeLoop(t, pool.options, this.appendable, {
        logger: this.logger.with({ scrape_pool: pool.name }),
        offsetSeed: this.offsetSeed,
        agent: this.agent,
        ...(this.opts.userAgent !== undefined ? { userAgent: this.opts.userAgent } : {}),
        ...(this.opts.scraperFactory !== undefined
          ? { scraper: this.opts.scraperFactory(t, pool.options) }
          : {}),
        ...(this.opts.skipOffset ? { skipOffset: true } : {}),
      });
      pool.loops.set(key, loop);
    }
    // Every target of a pool over its limit scrapes with the error (Prometheus keeps the loops).
    const limit = pool.options.targetLimit;
    const forced =
      limit > 0 && pool.loops.size > limit ? new Error(targetLimitMessage(pool.loops.size, limit)) : null;
    for (const loop of pool.loops.values()) {
      loop.setForcedError(forced);
      loop.start();
    }
  }

  private stopPool(pool: ScrapePool, staleness: boolean): void {
    for (const loop of pool.loops.values()) this.stopLoop(loop, staleness);
    pool.loops.clear();
  }

  private stopLoop(loop: ScrapeLoop, staleness = true): void {
    this.stopping.add(loop);
    void loop
      .stop(staleness)
      .then(() => loop.stalenessDone())
      .then(() => this.stopping.delete(loop));
  }

  /** Settles once every stopped loop has written its stale markers (tests, orderly reloads). */
  async stalenessSettled(): Promise<void> {
    while (this.stopping.size > 0) {
      await Promise.all([...this.stopping].map((l) => l.stop(true).then(() => l.stalenessDone())));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The names of the running pools. */
  scrapePools(): string[] {
    return [...this.pools.keys()];
  }

  /** The loops of one pool. */
  loops(pool: string): ScrapeLoop[] {
    return [...(this.pools.get(pool)?.loops.values() ?? [])];
  }

  /** Every active target with its state, pool by pool. */
  activeTargets(): TargetStatus[] {
    const out: TargetStatus[] = [];
    for (const pool of this.pools.values()) {
      for (const loop of pool.loops.values()) {
        out.push({
          ...loop.health(),
          scrapePool: pool.name,
          url: loop.target.url,
          labels: loop.target.labels,
          discoveredLabels: loop.target.discoveredLabels,
          scrapeInterval: pool.options.interval,
          scrapeTimeout: pool.options.timeout,
        });
      }
    }
    return out;
  }

  /** The metadata every active target exposed, with its target labels. */
  targetMetadata(): TargetMetadata[] {
    const out: TargetMetadata[] = [];
    for (const pool of this.pools.values())
      for (const loop of pool.loops.values())
        for (const m of loop.metadata()) out.push({ ...m, target: loop.target.labels });
    return out;
  }

  /**
   * Stops everything without stale markers (the series continue when the server restarts, as
   * Prometheus's shutdown), including markers still pending for removed targets.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    const stops: Promise<void>[] = [];
    for (const pool of this.pools.values())
      for (const loop of pool.loops.values()) stops.push(loop.stop(false));
    for (const loop of this.stopping) loop.cancelStaleness();
    this.pools.clear();
    await Promise.all(stops);
    for (const loop of this.stopping) loop.cancelStaleness();
    this.stopping.clear();
    this.agent.destroy();
  }
}
