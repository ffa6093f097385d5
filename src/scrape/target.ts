/**
 * What the scrape layer is told to scrape: targets and per-pool options, independent of how
 * `prometheus.yml` spells them (the config layer maps `scrape_configs` onto these types), plus
 * the label rules that attach a target's labels to scraped samples.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { EscapingScheme } from '../exposition/write-text.js';
import { DEFAULT_SCRAPE_PROTOCOLS, type ScrapeProtocol } from '../exposition/negotiate.js';
import { Labels, LabelsBuilder } from '../model/labels.js';
import { METRIC_NAME, type NameValidationScheme } from '../model/names.js';
import { compareStrings } from '../model/strings.js';

/** One target: where to scrape and the labels its samples get (Prometheus's `Target`). */
export interface ScrapeTarget {
  /** The full URL scraped, scheme, path and `params` included. */
  readonly url: string;
  /**
   * The target labels after relabeling, without the `__`-prefixed ones: `job`, `instance` and
   * whatever relabeling added. These are attached to every sample and to the synthetic series.
   */
  readonly labels: Labels;
  /** The labels before relabeling (`__address__`, `__meta_*`, …), for `/api/v1/targets`. */
  readonly discoveredLabels?: Labels;
}

/** A sample relabeling function (`metric_relabel_configs`): the new labels, or null to drop. */
export type MetricRelabelFn = (labels: Labels) => Labels | null;

/**
 * How one scrape pool (job) scrapes its targets. Durations are milliseconds; a limit of 0 means
 * none. Field names follow `scrape_config`'s, camel-cased.
 */
export interface ScrapeOptions {
  /** `scrape_interval`, ms. */
  readonly interval: number;
  /** `scrape_timeout`, ms. */
  readonly timeout: number;
  /** `honor_labels` (default false): scraped labels win over target labels. */
  readonly honorLabels?: boolean;
  /** `honor_timestamps` (default true): use the timestamps the exposition carries. */
  readonly honorTimestamps?: boolean;
  /** `track_timestamps_staleness` (default false): stale-mark series with explicit timestamps too. */
  readonly trackTimestampsStaleness?: boolean;
  /** `scrape_protocols`, most preferred first (default Prometheus's). */
  readonly scrapeProtocols?: readonly ScrapeProtocol[];
  /** `fallback_scrape_protocol`: used when the Content-Type is missing or unknown. */
  readonly fallbackScrapeProtocol?: ScrapeProtocol;
  /** `body_size_limit` in bytes (of the uncompressed body). */
  readonly bodySizeLimit?: number;
  /** `sample_limit`. */
  readonly sampleLimit?: number;
  /** `target_limit` (per pool). */
  readonly targetLimit?: number;
  /** `label_limit`. */
  readonly labelLimit?: number;
  /** `label_name_length_limit` (bytes). */
  readonly labelNameLengthLimit?: number;
  /** `label_value_length_limit` (bytes). */
  readonly labelValueLengthLimit?: number;
  /** `enable_compression` (default true): ask for gzip. */
  readonly enableCompression?: boolean;
  /** `metric_name_validation_scheme` (default utf8). */
  readonly metricNameValidationScheme?: NameValidationScheme;
  /** `metric_name_escaping_scheme` sent in the Accept header (default: allow-utf-8, or underscores for legacy). */
  readonly metricNameEscapingScheme?: EscapingScheme;
  /** The whole `Authorization` header value (`Basic …`, `Bearer …`), secrets already resolved. */
  readonly authorization?: string;
  /** Extra request headers (`http_headers`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `metric_relabel_configs` as a function. */
  readonly metricRelabel?: MetricRelabelFn;
  /**
   * A fingerprint of the relabel rules behind {@link metricRelabel} (e.g. their JSON). When set,
   * it decides whether two option sets relabel alike, so a reload that rebuilds the function
   * from unchanged rules does not restart the loops.
   */
  readonly metricRelabelKey?: string;
  /** Write metadata into storage as well (Prometheus's `metadata-wal-records` feature; default false). */
  readonly appendMetadata?: boolean;
  /** `tls_config` for https targets (file contents already read). */
  readonly tls?: ScrapeTLS;
  /** `follow_redirects` (default true). */
  readonly followRedirects?: boolean;
  /** `proxy_url` ('' for none); an HTTP proxy, used for http:// targets. */
  readonly proxyUrl?: string;
}

/** TLS settings of a scrape (Prometheus's `tls_config`, with file contents read). */
export interface ScrapeTLS {
  /** CA certificates (PEM) to verify the target with. */
  readonly ca?: string;
  /** Client certificate and key (PEM). */
  readonly cert?: string;
  readonly key?: string;
  /** Server name for SNI and verification. */
  readonly serverName?: string;
  /** Skip verification of the target's certificate. */
  readonly insecureSkipVerify?: boolean;
}

/** {@link ScrapeOptions} with every default filled in. */
export interface ResolvedScrapeOptions {
  readonly interval: number;
  readonly timeout: number;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  readonly scrapeProtocols: readonly ScrapeProtocol[];
  readonly fallbackScrapeProtocol: ScrapeProtocol | undefined;
  readonly bodySizeLimit: number;
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly enableCompression: boolean;
  readonly metricNameValidationScheme: NameValidationScheme;
  readonly metricNameEscapingScheme: EscapingScheme;
  readonly authorization: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly metricRelabel: MetricRelabelFn | undefined;
  readonly metricRelabelKey: string | undefined;
  readonly appendMetadata: boolean;
  readonly tls: ScrapeTLS | undefined;
  readonly followRedirects: boolean;
  readonly proxyUrl: string;
}

/** Fills in Prometheus's defaults. */
export function resolveScrapeOptions(o: ScrapeOptions): ResolvedScrapeOptions {
  if (!(o.interval > 0)) throw new Error(`scrape interval must be positive, got ${o.interval}`);
  if (!(o.timeout > 0)) throw new Error(`scrape timeout must be positive, got ${o.timeout}`);
  const scheme = o.metricNameValidationScheme ?? 'utf8';
  return {
    interval: o.interval,
    timeout: o.timeout,
    honorLabels: o.honorLabels ?? false,
    honorTimestamps: o.honorTimestamps ?? true,
    trackTimestampsStaleness: o.trackTimestampsStaleness ?? false,
    scrapeProtocols: o.scrapeProtocols ?? DEFAULT_SCRAPE_PROTOCOLS,
    fallbackScrapeProtocol: o.fallbackScrapeProtocol,
    bodySizeLimit: o.bodySizeLimit ?? 0,
    sampleLimit: o.sampleLimit ?? 0,
    targetLimit: o.targetLimit ?? 0,
    labelLimit: o.labelLimit ?? 0,
    labelNameLengthLimit: o.labelNameLengthLimit ?? 0,
    labelValueLengthLimit: o.labelValueLengthLimit ?? 0,
    enableCompression: o.enableCompression ?? true,
    metricNameValidationScheme: scheme,
    metricNameEscapingScheme:
      o.metricNameEscapingScheme ?? (scheme === 'legacy' ? 'underscores' : 'allow-utf-8'),
    authorization: o.authorization,
    headers: o.headers ?? {},
    metricRelabel: o.metricRelabel,
    metricRelabelKey: o.metricRelabelKey,
    appendMetadata: o.appendMetadata ?? false,
    tls: o.tls,
    followRedirects: o.followRedirects ?? true,
    proxyUrl: o.proxyUrl ?? '',
  };
}

/**
 * True when two option sets scrape alike, so a reload may leave the pool's loops running. The
 * relabel function counts as equal when both fingerprints are set and equal, or when it is the
 * same function.
 */
export function sameScrapeOptions(a: ResolvedScrapeOptions, b: ResolvedScrapeOptions): boolean {
  for (const k of Object.keys(a) as (keyof ResolvedScrapeOptions)[]) {
    if (
      k === 'metricRelabel' ||
      k === 'metricRelabelKey' ||
      k === 'scrapeProtocols' ||
      k === 'headers' ||
      k === 'tls'
    )
      continue;
    if (a[k] !== b[k]) return false;
  }
  if (a.scrapeProtocols.join(',') !== b.scrapeProtocols.join(',')) return false;
  if (JSON.stringify(a.tls ?? null) !== JSON.stringify(b.tls ?? null)) return false;
  if (JSON.stringify(sortedEntries(a.headers)) !== JSON.stringify(sortedEntries(b.headers))) return false;
  if (a.metricRelabelKey !== undefined && b.metricRelabelKey !== undefined)
    return a.metricRelabelKey === b.metricRelabelKey;
  return a.metricRelabel === b.metricRelabel && a.metricRelabelKey === b.metricRelabelKey;
}

function sortedEntries(o: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(o).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** A target's health as `/api/v1/targets` reports it. */
export type TargetHealth = 'up' | 'down' | 'unknown';

/** A target's last scrape, for `/api/v1/targets`. */
export interface TargetState {
  readonly health: TargetHealth;
  /** The last scrape's error, '' after a good scrape or before the first. */
  readonly lastError: string;
  /** The last scrape's timestamp in ms (the one its samples got), 0 before the first. */
  readonly lastScrape: number;
  /** How long the last scrape took, in seconds. */
  readonly lastScrapeDuration: number;
}

/** One metric family's metadata as a target exposed it (`/api/v1/targets/metadata`). */
export interface MetricMetadata {
  /** The metric family name. */
  readonly metric: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

/** FNV-1a over the UTF-16 code units of `s`, continuing from `h`. */
function fnv1a(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit hash of a target (its labels and URL), stable across processes. */
export function targetHash(t: ScrapeTarget): number {
  return fnv1a(t.url, fnv1a(t.labels.toString(), 0x811c9dc5));
}

/** The identity of a target inside its pool: equal labels and URL are one target. */
export function targetKey(t: ScrapeTarget): string {
  return t.labels.toString() + '\u0000' + t.url;
}

/**
 * The default offset seed: derived from the host name, so a restarted server keeps the phase of
 * its scrapes while two servers scraping the same targets spread apart (Prometheus seeds with
 * the host name and external labels; callers may pass their own seed).
 */
export function defaultOffsetSeed(): number {
  return fnv1a(hostname(), 0x811c9dc5);
}

/**
 * How long to wait before a target's first scrape, as Prometheus's `Target.offset`: the
 * target's slot in the interval is `(hash ^ seed) mod interval`, pinned to absolute time, so
 * every loop for the target (after a reload, too) scrapes at the same phase.
 */
export function scrapeOffset(interval: number, hash: number, seed: number, now: number): number {
  const base = interval - (now % interval);
  const slot = ((hash ^ seed) >>> 0) % interval;
  let next = base + slot;
  if (next > interval) next -= interval;
  return next;
}

const EXPORTED_PREFIX = 'exported_';

/**
 * Attaches target labels to a scraped label set, as Prometheus's `mutateSampleLabels`, then
 * applies metric relabeling. With honor_labels, scraped labels win; a label the exposition set
 * to the empty value (`hasExposed` says it was there) also keeps the target label away, so the
 * series ends up without it. Without honor_labels, target labels win and a clashing scraped
 * value moves to `exported_<name>` (more prefixes until the name is free), shorter names first.
 * Returns Labels.EMPTY when relabeling drops the sample.
 */
export function mutateSampleLabels(
  scraped: Labels,
  target: Labels,
  honorLabels: boolean,
  hasExposed: (name: string) => boolean,
  relabel: MetricRelabelFn | undefined,
): Labels {
  let res: Labels;
  if (honorLabels) {
    const b = new LabelsBuilder(scraped);
    target.forEach((n, v) => {
      if (!scraped.has(n) && !hasExposed(n)) b.set(n, v);
    });
    res = b.labels();
  } else {
    res = mergeWithoutConflict(scraped, target);
    if (res === Labels.EMPTY) {
      const b = new LabelsBuilder(scraped);
      const conflicts: [string, string][] = [];
      target.forEach((n, v) => {
        const existing = scraped.get(n);
        if (existing !== '') conflicts.push([n, existing]);
        b.set(n, v);
      });
      // Array.prototype.sort is stable, as Go's SortStableFunc.
      conflicts.sort((x, y) => x[0].length - y[0].length);
      for (const [name, value] of conflicts) {
        let newName = name;
        for (;;) {
          newName = EXPORTED_PREFIX + newName;
          if (b.get(newName) === '') {
            b.set(newName, value);
            break;
          }
        }
      }
      res = b.labels();
    }
  }
  if (relabel !== undefined) res = relabel(res) ?? Labels.EMPTY;
  return res;
}

/**
 * The common case of honor_labels false: merges two sorted label sets that share no name in one
 * pass. Returns Labels.EMPTY when they share a name (the caller then resolves the conflict).
 */
function mergeWithoutConflict(a: Labels, b: Labels): Labels {
  const x = a.flat();
  const y = b.flat();
  if (y.length === 0) return a;
  const out = new Array<string>(x.length + y.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < x.length && j < y.length) {
    const nx = x[i]!;
    const ny = y[j]!;
    if (nx === ny) return Labels.EMPTY;
    if (compareStrings(nx, ny) < 0) {
      out[k++] = nx;
      out[k++] = x[i + 1]!;
      i += 2;
    } else {
      out[k++] = ny;
      out[k++] = y[j + 1]!;
      j += 2;
    }
  }
  while (i < x.length) out[k++] = x[i++]!;
  while (j < y.length) out[k++] = y[j++]!;
  return Labels.fromSortedFlat(out);
}

/** The labels of a synthetic series (`up`, …): the target labels and the name (Prometheus's `mutateReportSampleLabels`). */
export function reportLabels(name: string, target: Labels): Labels {
  const b = new LabelsBuilder(target);
  b.set(METRIC_NAME, name);
  return b.labels();
}

let cachedUserAgent: string | undefined;

/** The User-Agent ignis scrapes with: `ignis/<version>`, as Prometheus sends `Prometheus/<version>`. */
export function defaultUserAgent(): string {
  if (cachedUserAgent === undefined) {
    let v = 'unknown';
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      v = pkg.version ?? v;
    } catch {
      // Running from an unusual layout: the version is cosmetic here.
    }
    cachedUserAgent = `ignis/${v}`;
  }
  return cachedUserAgent;
}
