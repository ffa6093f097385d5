/** The scrape layer: targets and options, per-target loops, and the manager that reconciles them. */
export {
  appendScrape,
  appendEmpty,
  appendStaleMarkers,
  NAME_LABEL_MANDATORY_MESSAGE,
  SAMPLE_LIMIT_MESSAGE,
  type AppendContext,
  type AppendResult,
} from './append.js';
export { ScrapeCache, CacheEntry, MetaEntry } from './cache.js';
export { HttpScraper, ScrapeHttpError, BODY_SIZE_LIMIT_MESSAGE, type ScrapeResponse } from './http.js';
export { ScrapeLoop, REPORT_METRICS, type Scraper, type ScrapeLoopDeps } from './loop.js';
export {
  ScrapeManager,
  targetLimitMessage,
  type ScrapeManagerOptions,
  type ScrapePoolConfig,
  type TargetMetadata,
  type TargetStatus,
} from './manager.js';
export {
  defaultOffsetSeed,
  defaultUserAgent,
  mutateSampleLabels,
  reportLabels,
  resolveScrapeOptions,
  sameScrapeOptions,
  scrapeOffset,
  targetHash,
  targetKey,
  type MetricMetadata,
  type MetricRelabelFn,
  type ResolvedScrapeOptions,
  type ScrapeOptions,
  type ScrapeTLS,
  type ScrapeTarget,
  type TargetHealth,
  type TargetState,
} from './target.js';
