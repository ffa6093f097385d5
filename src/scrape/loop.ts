/**
 * The per-target scrape loop, as Prometheus's `scrapeLoop`: it waits for the target's stable
 * offset in the interval, then scrapes on a fixed tick, appending each scrape and its synthetic
 * series (`up`, `scrape_duration_seconds`, …) in one transaction; a failed scrape writes `up 0`
 * and stale markers for the last good scrape's series; a stopped loop (target gone) writes stale
 * markers for all its series just over two intervals later, unless the whole manager shut down.
 */
import type http from 'node:http';
import { scrapeAcceptHeader } from '../exposition/negotiate.js';
import { STALE_NAN } from '../model/value.js';
import type { Labels } from '../model/labels.js';
import { StorageError, type Appendable, type Appender, type SeriesRef } from '../storage/interface.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { appendEmpty, appendScrape, type AppendContext, type AppendResult } from './append.js';
import { ScrapeCache } from './cache.js';
import { HttpScraper, type ScrapeResponse } from './http.js';
import {
  defaultUserAgent,
  reportLabels,
  scrapeOffset,
  targetHash,
  type MetricMetadata,
  type ResolvedScrapeOptions,
  type ScrapeTarget,
  type TargetState,
} from './target.js';

/** The synthetic series every scrape writes, in Prometheus's order. */
export const REPORT_METRICS = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

/**
 * Scrape timestamps within this many ms of the ideal tick are snapped to it (Prometheus's
 * `ScrapeTimestampTolerance`, at most 1% of the interval), so that timer jitter does not cost
 * the TSDB its delta-of-delta compression.
 */
const SCRAPE_TIMESTAMP_TOLERANCE = 2;

/** Something that fetches a body; the HTTP scraper by default, a fake in tests. */
export interface Scraper {
  /** Fetches one scrape; rejects with the error the scrape reports. */
  scrape(): Promise<ScrapeResponse>;
}

/** Dependencies of a loop shared across its pool. */
export interface ScrapeLoopDeps {
  /** Logger (with target context added by the loop). */
  readonly logger?: Logger;
  /** The User-Agent header (default `ignis/<version>`). */
  readonly userAgent?: string;
  /** Seed mixed into the per-target offset. */
  readonly offsetSeed?: number;
  /** HTTP connection pool. */
  readonly agent?: http.Agent;
  /** Replaces the HTTP scraper (tests). */
  readonly scraper?: Scraper;
  /** Start scraping at once instead of at the target's offset (tests). */
  readonly skipOffset?: boolean;
}

/** A scrape loop for one target. */
export class ScrapeLoop {
  /** The scrape cache (raw keys, staleness sets, metadata). */
  readonly cache = new ScrapeCache();
  private readonly ctx: AppendContext;
  private readonly scraper: Scraper;
  private readonly logger: Logger;
  private readonly reportLabelSets: Labels[];
  private readonly reportRefs: SeriesRef[];
  private forcedError: Error | null = null;

  private state: TargetState = { health: 'unknown', lastError: '', lastScrape: 0, lastScrapeDuration: 0 };

  // Scheduling. Ticks fall on `tickBase + k * interval`, like a Go ticker started at the first scrape.
  private timer: NodeJS.Timeout | undefined;
  private tickBase = 0;
  private nextTick = 0;
  private alignedTime = 0;
  private running = false;
  private stopping = false;
  private inflight: Promise<void> | undefined;
  private lastScrapeStart = 0;
  private staleTimer: NodeJS.Timeout | undefined;
  private staleResolve: (() => void) | undefined;
  private stalePromise: Promise<void> = Promise.resolve();
  private staleCancelled = false;
  private stopPromise: Promise<void> | undefined;

  /** Builds a loop; call {@link start} to schedule it. */
  constructor(
    readonly target: ScrapeTarget,
    readonly options: ResolvedScrapeOptions,
    private readonly appendable: Appendable,
    private readonly deps: ScrapeLoopDeps = {},
  ) {
    this.logger = (deps.logger ?? NOP_LOG).with({ target: target.url });
    this.ctx = { cache: this.cache, targetLabels: target.labels, options, logger: this.logger };
    this.scraper =
      deps.scraper ??
      new HttpScraper(target.url, {
        timeout: options.timeout,
        accept: scrapeAcceptHeader(options.scrapeProtocols, options.metricNameEscapingScheme),
        userAgent: deps.userAgent ?? defaultUserAgent(),
        enableCompression: options.enableCompression,
        bodySizeLimit: options.bodySizeLimit,
        ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
        headers: options.headers,
        ...(deps.agent !== undefined ? { agent: deps.agent } : {}),
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
        followRedirects: options.followRedirects,
        proxyUrl: options.proxyUrl,
      });
    this.reportLabelSets = REPORT_METRICS.map((n) => reportLabels(n, target.labels));
    this.reportRefs = REPORT_METRICS.map(() => 0);
  }

  /** The target's health, last error and last scrape, for `/api/v1/targets`. */
  health(): TargetState {
    return this.state;
  }

  /** The metadata the target exposed recently, for `/api/v1/targets/metadata`. */
  metadata(): MetricMetadata[] {
    return this.cache.listMetadata();
  }

  /** The metadata of one metric family, if the target exposed it recently. */
  getMetadata(family: string): MetricMetadata | undefined {
    return this.cache.getMetadata(family);
  }

  /**
   * Makes every scrape fail with `err` without contacting the target (Prometheus's forced error,
   * used for `target_limit`); null lifts it.
   */
  setForcedError(err: Error | null): void {
    this.forcedError = err;
  }

  /** Starts scraping at the target's offset in the interval. */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    const interval = this.options.interval;
    const offset = this.deps.skipOffset
      ? 0
      : scrapeOffset(interval, targetHash(this.target), this.deps.offsetSeed ?? 0, Date.now());
    this.timer = setTimeout(() => {
      this.tickBase = Date.now();
      this.alignedTime = this.tickBase;
      this.nextTick = this.tickBase + interval;
      this.tick();
    }, offset);
  }

  /** One scheduled scrape, then the wait for the next tick. */
  private tick(): void {
    this.timer = undefined;
    if (this.stopping) return;
    const interval = this.options.interval;
    let scrapeTime = Date.now();
    const tolerance = Math.min(interval / 100, SCRAPE_TIMESTAMP_TOLERANCE);
    // Node timers may fire a millisecond off either side of the tick: compare with tolerance
    // on both sides where Go only needs it after the tick.
    while (scrapeTime - this.alignedTime >= interval - tolerance) this.alignedTime += interval;
    if (Math.abs(scrapeTime - this.alignedTime) <= tolerance) scrapeTime = this.alignedTime;
    const p = this.scrapeAndReport(scrapeTime);
    this.inflight = p;
    void p.then(() => {
      this.inflight = undefined;
      if (this.stopping) return;
      this.scheduleNext();
    });
  }

  /** Waits for the next tick; a tick missed while a scrape ran fires at once, later missed ones are dropped (as a Go ticker). */
  private scheduleNext(): void {
    const interval = this.options.interval;
    const now = Date.now();
    if (now >= this.nextTick) {
      this.nextTick = this.tickBase + (Math.floor((now - this.tickBase) / interval) + 1) * interval;
      this.timer = setTimeout(() => this.tick(), 0);
    } else {
      const at = this.nextTick;
      this.nextTick += interval;
      this.timer = setTimeout(() => this.tick(), at - now);
    }
  }

  /**
   * Stops the loop: waits for a running scrape, then (with `staleness`, the default) writes
   * stale markers for every series of the last scrape and for the synthetic series, timed as
   * Prometheus does: stamped at the next tick, written after one more tick and a tenth of an
   * interval, so a target that reappears under a new loop has already written newer samples
   * and the markers are refused as out of order. The returned promise settles when the loop
   * stopped scraping; {@link stalenessDone} settles when the markers are written.
   */
  stop(staleness = true): Promise<void> {
    this.stopPromise ??= this.doStop(staleness);
    return this.stopPromise;
  }

  private async doStop(staleness: boolean): Promise<void> {
    this.stopping = true;
    const pendingTick = this.timer !== undefined ? this.nextTick - this.options.interval : 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inflight !== undefined) await this.inflight;
    if (!staleness || this.staleCancelled || this.lastScrapeStart === 0) return;
    this.scheduleEndOfRunStaleness(pendingTick);
  }

  /** Settles when the end-of-run stale markers were written (or cancelled). */
  stalenessDone(): Promise<void> {
    return this.stalePromise;
  }

  /** Cancels pending end-of-run stale markers (the server is shutting down, as Prometheus's parent context). */
  cancelStaleness(): void {
    this.staleCancelled = true;
    if (this.staleTimer !== undefined) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.staleResolve?.();
    this.staleResolve = undefined;
  }

  private scheduleEndOfRunStaleness(pendingTick: number): void {
    const interval = this.options.interval;
    const now = Date.now();
    // The next tick of the loop's ticker: the one it was waiting for, or the first after now.
    let next = pendingTick > now ? pendingTick : this.nextTick;
    while (next <= now) next += interval;
    this.stalePromise = new Promise<void>((resolve) => {
      this.staleResolve = resolve;
      this.staleTimer = setTimeout(() => {
        const staleTime = Date.now();
        this.staleTimer = setTimeout(
          () => {
            this.staleTimer = undefined;
            this.staleResolve = undefined;
            this.writeEndOfRunStaleness(staleTime);
            resolve();
          },
          next + interval - staleTime + interval / 10,
        );
      }, next - now);
    });
  }

  /** Appends stale markers for all the loop's series and synthetic series at `t` (end of run). */
  writeEndOfRunStaleness(t: number): void {
    let app = this.appendable.appender();
    const r = appendEmpty(this.ctx, app, t);
    if (r.err !== null) {
      app.rollback();
      app = this.appendable.appender();
      this.logger.warn('Stale append failed', { err: r.err });
    }
    for (let i = 0; i < REPORT_METRICS.length; i++) this.addReportSample(app, i, t, STALE_NAN);
    try {
      app.commit();
    } catch (e) {
      this.logger.warn('Stale commit failed', { err: e as Error });
    }
  }

  /**
   * Scrapes once and appends the result with the synthetic series at `appendTime`, in one
   * transaction when all goes well (Prometheus's `scrapeAndReport`). Public so tests and the
   * benchmark can drive scrapes without timers.
   */
  async scrapeAndReport(appendTime: number): Promise<void> {
    const start = performance.now();
    this.lastScrapeStart = appendTime;
    let app = this.appendable.appender();
    let res: AppendResult;
    let scrapeErr: Error | null = null;

    const forced = this.forcedError;
    if (forced !== null) {
      scrapeErr = forced;
      res = appendEmpty(this.ctx, app, appendTime);
      if (res.err !== null) {
        app.rollback();
        app = this.appendable.appender();
        this.logger.warn('Append failed', { err: res.err });
      }
    } else {
      let body: Buffer = EMPTY_BODY;
      let contentType = '';
      try {
        const resp = await this.scraper.scrape();
        body = resp.body;
        contentType = resp.contentType;
      } catch (e) {
        scrapeErr = e instanceof Error ? e : new Error(String(e));
        this.logger.debug('Scrape failed', { err: scrapeErr });
      }
      // A failed scrape is an empty one: it still writes stale markers.
      res = appendScrape(this.ctx, app, body, contentType, appendTime);
      if (res.err !== null) {
        app.rollback();
        app = this.appendable.appender();
        this.logger.debug('Append failed', { err: res.err });
        const empty = appendEmpty(this.ctx, app, appendTime);
        if (empty.err !== null) {
          app.rollback();
          app = this.appendable.appender();
          this.logger.warn('Append failed', { err: empty.err });
        }
        if (scrapeErr === null) scrapeErr = res.err;
      }
    }

    const duration = (performance.now() - start) / 1000;
    this.state = {
      health: scrapeErr === null ? 'up' : 'down',
      lastError: scrapeErr === null ? '' : scrapeErr.message,
      lastScrape: appendTime,
      lastScrapeDuration: duration,
    };
    const values = [scrapeErr === null ? 1 : 0, duration, res.total, res.added, res.seriesAdded];
    let ok = true;
    for (let i = 0; i < REPORT_METRICS.length && ok; i++)
      ok = this.addReportSample(app, i, appendTime, values[i]!);
    if (!ok) {
      app.rollback();
      return;
    }
    try {
      app.commit();
    } catch (e) {
      this.logger.error('Scrape commit failed', { err: e as Error });
    }
  }

  /** Appends one synthetic sample; out-of-order and duplicates are expected after a target came back and are ignored. */
  private addReportSample(app: Appender, i: number, t: number, v: number): boolean {
    try {
      this.reportRefs[i] = app.append(this.reportRefs[i]!, this.reportLabelSets[i]!, t, v);
      return true;
    } catch (e) {
      if (e instanceof StorageError && (e.kind === 'out_of_order' || e.kind === 'duplicate_sample'))
        return true;
      this.logger.warn('Appending scrape report failed', { err: e as Error });
      return false;
    }
  }
}

const EMPTY_BODY = Buffer.alloc(0);
