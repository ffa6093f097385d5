/**
 * `http_sd_configs`, as Prometheus's HTTP discovery: GET the URL every `refresh_interval`
 * with `Accept: application/json` and `X-Prometheus-Refresh-Interval-Seconds`, require a 200
 * with a JSON Content-Type, decode a list of target groups sourced `<url>:<index>` and
 * labelled `__meta_url`. A failed refresh keeps the last good groups.
 */
import type { HTTPSDConfig } from '../config/index.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { sdGet, unsupportedClientSettings } from './http-client.js';
import { RefreshDiscoverer } from './refresh.js';
import {
  parseTargetGroupsJSON,
  type Discoverer,
  type GroupsListener,
  type TargetGroup,
} from './target-group.js';

/** The label holding the URL a target was discovered from. */
export const HTTP_SD_URL_LABEL = '__meta_url';

/** The Content-Types Prometheus accepts from an HTTP SD endpoint. */
const MATCH_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

/** Options of {@link HTTPDiscoverer}. */
export interface HTTPDiscovererOptions {
  /** Where refresh errors go. */
  readonly logger?: Logger;
  /** The User-Agent header (Prometheus sends `Prometheus/<version>`). */
  readonly userAgent?: string;
}

/** The group source Prometheus gives the `i`-th group of a URL. */
export function urlSource(url: string, i: number): string {
  return `${url}:${i}`;
}

/** Seconds as Go's strconv.FormatFloat(s, 'f', -1, 64) prints them (`60`, `0.5`). */
function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

/** Fetches and decodes the groups of one HTTP SD endpoint once; throws Prometheus's errors. */
export async function fetchHTTPGroups(
  config: HTTPSDConfig,
  userAgent: string,
  signal?: AbortSignal,
): Promise<TargetGroup[]> {
  const res = await sdGet(
    config.url,
    config,
    {
      'user-agent': userAgent,
      accept: 'application/json',
      'x-prometheus-refresh-interval-seconds': formatSeconds(config.refreshInterval),
    },
    // Prometheus bounds the whole request by the refresh interval.
    config.refreshInterval,
    signal,
  );
  if (res.status !== 200) throw new Error(`server returned HTTP status ${res.statusText}`);
  if (!MATCH_CONTENT_TYPE.test(res.contentType.trim()))
    throw new Error(`unsupported content type ${JSON.stringify(res.contentType)}`);
  return parseTargetGroupsJSON(res.body.toString('utf8')).map((g, i) => ({
    source: urlSource(config.url, i),
    targets: g.targets,
    labels: { ...g.labels, [HTTP_SD_URL_LABEL]: config.url },
  }));
}

/** HTTP-based service discovery for one `http_sd_configs` entry. */
export class HTTPDiscoverer implements Discoverer {
  private readonly inner: RefreshDiscoverer;

  /** Creates the discoverer; nothing is fetched until {@link start}. */
  constructor(config: HTTPSDConfig, opts: HTTPDiscovererOptions = {}) {
    const logger = opts.logger ?? NOP_LOG;
    const unsupported = unsupportedClientSettings(config);
    if (unsupported.length > 0)
      logger.warn('HTTP client settings not supported for HTTP SD yet; ignored', {
        url: config.url,
        settings: unsupported.join(','),
      });
    // The server passes `ignis/<version>`, as Prometheus sends `Prometheus/<version>`.
    const ua = opts.userAgent ?? 'ignis';
    this.inner = new RefreshDiscoverer(
      'http',
      config.refreshInterval,
      (signal) => fetchHTTPGroups(config, ua, signal),
      logger,
    );
  }

  /** Fetches now and then every `refresh_interval`. */
  start(listener: GroupsListener): void {
    this.inner.start(listener);
  }

  /** Stops polling and aborts a request in flight. */
  stop(): Promise<void> {
    return this.inner.stop();
  }

  /** Resolves when the refresh in progress, if any, is done (tests). */
  settled(): Promise<void> {
    return this.inner.settled();
  }
}
