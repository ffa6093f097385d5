/**
 * The scrape side of API v1: `/api/v1/targets`, `/api/v1/targets/metadata`,
 * `/api/v1/scrape_pools` and `/api/v1/metadata` (which Prometheus answers from the metadata
 * its scrape targets exposed, not from storage).
 */
import os from 'node:os';
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { parseMetricSelector, ParseError } from '../../promql/parser/index.js';
import type { TargetMetadata, TargetStatus } from '../../scrape/manager.js';
import { formatDuration } from '../../promql/parser/index.js';
import type { Res, WebServer } from '../server.js';
import { APIError, success } from './response.js';

/** What the scrape endpoints read. */
export interface ScrapeSource {
  activeTargets(): TargetStatus[];
  droppedTargets(): { discoveredLabels: Labels; scrapePool: string }[];
  droppedTargetCounts(): Record<string, number>;
  targetMetadata(): TargetMetadata[];
  poolNames(): string[];
}

const ok = (data: unknown): Res => ({ body: success(data) });
/** Go's zero time, which Prometheus prints for a target never scraped. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The scrape URL with a loopback host replaced by this host's name, as Prometheus's globalUrl. */
function globalURL(url: string): string {
  try {
    const u = new URL(url);
    if (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]')
      u.hostname = os.hostname();
    return u.toString();
  } catch {
    return url;
  }
}

function limitOf(form: URLSearchParams): number {
  const l = form.get('limit');
  if (l === null || l === '') return -1;
  const n = Number(l);
  if (!Number.isInteger(n)) throw new APIError('bad_data', `invalid limit: ${l}`);
  return n;
}

/** Registers the scrape endpoints; `source()` is null until scraping runs. */
export function registerTargetsAPI(web: WebServer, source: () => ScrapeSource | null): void {
  web.handle('GET', '/api/v1/targets', (req) => {
    const state = (req.form.get('state') ?? 'any').toLowerCase();
    const pool = req.form.get('scrapePool');
    const src = source();
    const targets = (src?.activeTargets() ?? []).filter((t) => !pool || t.scrapePool === pool);
    const active = targets
      .map((t) => ({
        discoveredLabels: (t.discoveredLabels ?? t.labels).toObject(),
        labels: t.labels.toObject(),
        scrapePool: t.scrapePool,
        scrapeUrl: t.url,
        globalUrl: globalURL(t.url),
        lastError: t.lastError,
        lastScrape: t.lastScrape > 0 ? new Date(t.lastScrape).toISOString() : ZERO_TIME,
        lastScrapeDuration: t.lastScrapeDuration,
        health: t.health,
        scrapeInterval: formatDuration(t.scrapeInterval),
        scrapeTimeout: formatDuration(t.scrapeTimeout),
      }))
      .sort((a, b) =>
        a.scrapePool < b.scrapePool
          ? -1
          : a.scrapePool > b.scrapePool
            ? 1
            : a.scrapeUrl < b.scrapeUrl
              ? -1
              : 1,
      );
    const pools = src?.poolNames() ?? [];
    const dropped = (src?.droppedTargets() ?? [])
      .filter((t) => !pool || t.scrapePool === pool)
      .map((t) => ({ discoveredLabels: t.discoveredLabels.toObject(), scrapePool: t.scrapePool }));
    return ok({
      activeTargets: state === 'dropped' ? [] : active,
      droppedTargets: state === 'active' ? [] : dropped,
      // Prometheus leaves the counts out (null) when only active targets were asked for.
      droppedTargetCounts: pools.length > 0 && state !== 'active' ? src!.droppedTargetCounts() : null,
    });
  });

  web.handle('GET', '/api/v1/scrape_pools', () => ok({ scrapePools: source()?.poolNames() ?? [] }));

  web.handle('GET', '/api/v1/targets/metadata', (req) => {
    const limit = limitOf(req.form);
    const metric = req.form.get('metric');
    let matchers: Matcher[] = [];
    const mt = req.form.get('match_target');
    if (mt) {
      try {
        matchers = parseMetricSelector(mt);
      } catch (e) {
        if (e instanceof ParseError) throw new APIError('bad_data', e.message);
        throw e;
      }
    }
    const out: unknown[] = [];
    for (const m of source()?.targetMetadata() ?? []) {
      if (limit >= 0 && out.length >= limit) break;
      if (metric && m.metric !== metric) continue;
      if (!matchers.every((x) => x.matches(m.target.get(x.name)))) continue;
      out.push({ target: m.target.toObject(), metric: m.metric, type: m.type, help: m.help, unit: m.unit });
    }
    return ok(out);
  });

  web.handle('GET', '/api/v1/metadata', (req) => {
    const limit = limitOf(req.form);
    const perMetricRaw = req.form.get('limit_per_metric');
    const perMetric = perMetricRaw ? Number(perMetricRaw) : -1;
    const metric = req.form.get('metric');
    const out: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const m of source()?.targetMetadata() ?? []) {
      if (metric && m.metric !== metric) continue;
      let list = out[m.metric];
      if (!list) {
        if (limit >= 0 && Object.keys(out).length >= limit) continue;
        list = out[m.metric] = [];
      }
      if (perMetric >= 0 && list.length >= perMetric) continue;
      if (!list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) {
        list.push({ type: m.type, help: m.help, unit: m.unit });
      }
    }
    return ok(out);
  });
}
