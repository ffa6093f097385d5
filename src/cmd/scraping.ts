/**
 * Wires `scrape_configs` to the scrape loops: configuration → service discovery → target
 * relabeling → scrape pools. Lives in cmd because it joins config, discovery, relabel and
 * scrape, which do not import each other in that direction.
 */
import fs from 'node:fs';
import { formatDuration, getScrapeConfigs, type Config, type ScrapeConfig } from '../config/index.js';
import {
  DiscoveryManager,
  scrapeDiscoveryConfigs,
  scrapeTargetsFromGroups,
  type TargetGroup,
} from '../discovery/index.js';
import { Labels, LabelsBuilder } from '../model/labels.js';
import { relabel } from '../relabel/relabel.js';
import {
  ScrapeManager,
  type ScrapePoolConfig,
  type TargetMetadata,
  type TargetStatus,
} from '../scrape/manager.js';
import type { ScrapeOptions, ScrapeTarget, ScrapeTLS } from '../scrape/target.js';
import type { Appendable } from '../storage/interface.js';
import type { Logger } from '../util/log.js';

/** The target's URL from its labels: `__scheme__://__address____metrics_path__?__param_*`. */
export function targetURL(labels: Labels): string {
  const params = new URLSearchParams();
  labels.forEach((n, v) => {
    if (n.startsWith('__param_')) params.append(n.slice('__param_'.length), v);
  });
  const q = params.toString();
  return `${labels.get('__scheme__')}://${labels.get('__address__')}${labels.get('__metrics_path__')}${q ? '?' + q : ''}`;
}

/** The labels a target's series carry: everything but the `__`-prefixed ones. */
export function publicLabels(labels: Labels): Labels {
  const b = new LabelsBuilder(labels);
  labels.forEach((n) => {
    if (n.startsWith('__')) b.del(n);
  });
  return b.labels();
}

function readSecret(value: string, file: string): string {
  return file ? fs.readFileSync(file, 'utf8').trim() : value;
}

/** The Authorization header a scrape config asks for, if any. */
export function authorizationHeader(cfg: ScrapeConfig): string | undefined {
  if (cfg.basicAuth) {
    const user = readSecret(cfg.basicAuth.username, cfg.basicAuth.usernameFile);
    const pass = readSecret(cfg.basicAuth.password, cfg.basicAuth.passwordFile);
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (cfg.authorization) {
    const creds = readSecret(cfg.authorization.credentials, cfg.authorization.credentialsFile);
    return `${cfg.authorization.type || 'Bearer'} ${creds}`;
  }
  return undefined;
}

/** The `tls_config` of a scrape config with its files read, or undefined when it sets nothing. */
export function scrapeTLS(cfg: ScrapeConfig): ScrapeTLS | undefined {
  const t = cfg.tlsConfig;
  const ca = readSecret(t.ca, t.caFile);
  const cert = readSecret(t.cert, t.certFile);
  const key = readSecret(t.key, t.keyFile);
  if (!ca && !cert && !key && !t.serverName && !t.insecureSkipVerify) return undefined;
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(t.serverName ? { serverName: t.serverName } : {}),
    insecureSkipVerify: t.insecureSkipVerify,
  };
}

/** A scrape config's options for the scrape loops. */
export function scrapeOptions(cfg: ScrapeConfig): ScrapeOptions {
  const relabelConfigs = cfg.metricRelabelConfigs;
  return {
    interval: cfg.scrapeInterval,
    timeout: cfg.scrapeTimeout,
    honorLabels: cfg.honorLabels,
    honorTimestamps: cfg.honorTimestamps,
    trackTimestampsStaleness: cfg.trackTimestampsStaleness,
    scrapeProtocols: cfg.scrapeProtocols as ScrapeOptions['scrapeProtocols'],
    fallbackScrapeProtocol: (cfg.fallbackScrapeProtocol ||
      undefined) as ScrapeOptions['fallbackScrapeProtocol'],
    bodySizeLimit: cfg.bodySizeLimit,
    sampleLimit: cfg.sampleLimit,
    targetLimit: cfg.targetLimit,
    labelLimit: cfg.labelLimit,
    labelNameLengthLimit: cfg.labelNameLengthLimit,
    labelValueLengthLimit: cfg.labelValueLengthLimit,
    enableCompression: cfg.enableCompression,
    metricNameValidationScheme: cfg.metricNameValidationScheme,
    metricNameEscapingScheme: (cfg.metricNameEscapingScheme ||
      undefined) as ScrapeOptions['metricNameEscapingScheme'],
    authorization: authorizationHeader(cfg),
    metricRelabel: relabelConfigs.length > 0 ? (l: Labels) => relabel(l, relabelConfigs) : undefined,
    // The same relabel rules must not restart loops on reload: key them by their content.
    metricRelabelKey: JSON.stringify(relabelConfigs),
    tls: scrapeTLS(cfg),
    followRedirects: cfg.followRedirects,
    proxyUrl: cfg.proxyUrl,
  };
}

/**
 * The labels /api/v1/targets shows as discovered: what discovery gave plus the job's defaults
 * (`job`, `__scheme__`, `__metrics_path__`, the interval and timeout, `__param_*`), as
 * Prometheus shows them before relabeling.
 */
function withJobDefaults(cfg: ScrapeConfig, discovered: Labels): Labels {
  const b = new LabelsBuilder(discovered);
  const set = (n: string, v: string) => {
    if (!discovered.has(n)) b.set(n, v);
  };
  set('job', cfg.jobName);
  set('__scheme__', cfg.scheme);
  set('__metrics_path__', cfg.metricsPath);
  set('__scrape_interval__', formatDuration(cfg.scrapeInterval));
  set('__scrape_timeout__', formatDuration(cfg.scrapeTimeout));
  for (const [k, vs] of Object.entries(cfg.params)) if (vs.length > 0) set(`__param_${k}`, vs[0]!);
  return b.labels();
}

/** Scraping as configured: discovery feeding the scrape manager. */
export class ScrapeService {
  private readonly manager: ScrapeManager;
  private readonly discovery: DiscoveryManager;
  private jobs = new Map<string, ScrapeConfig>();
  private lastSets = new Map<string, TargetGroup[]>();
  private dropped = new Map<string, { discoveredLabels: Labels; scrapePool: string }[]>();
  private droppedCounts = new Map<string, number>();

  /** Creates the service; nothing is scraped until {@link applyConfig}. */
  constructor(
    appendable: Appendable,
    private readonly log: Logger,
    opts: { updateInterval: number; userAgent?: string },
  ) {
    this.manager = new ScrapeManager(appendable, {
      logger: log.with({ component: 'scrape manager' }),
      userAgent: opts.userAgent,
    });
    this.discovery = new DiscoveryManager((tsets) => this.onTargets(tsets), {
      name: 'scrape',
      updateInterval: opts.updateInterval,
      userAgent: opts.userAgent,
      logger: log.with({ component: 'discovery manager scrape' }),
    });
  }

  /** Applies a (re)loaded configuration: discovery providers and pool options follow it. */
  applyConfig(cfg: Config): void {
    const scrapeConfigs = getScrapeConfigs(cfg);
    this.jobs = new Map(scrapeConfigs.map((c) => [c.jobName, c]));
    this.discovery.applyConfig(scrapeDiscoveryConfigs(scrapeConfigs));
    // Options may have changed for jobs whose targets did not: resync with the last targets.
    this.onTargets(this.lastSets);
  }

  private onTargets(tsets: Map<string, TargetGroup[]>): void {
    this.lastSets = tsets;
    const pools: ScrapePoolConfig[] = [];
    for (const [job, cfg] of this.jobs) {
      const { targets, errors } = scrapeTargetsFromGroups(cfg, tsets.get(job) ?? []);
      for (const e of errors) this.log.error('Creating target failed', { scrape_pool: job, err: e });
      const active: ScrapeTarget[] = [];
      const dropped: { discoveredLabels: Labels; scrapePool: string }[] = [];
      let droppedCount = 0;
      for (const t of targets) {
        if (t.labels === null) {
          // Relabeling dropped it: kept for /api/v1/targets, up to keep_dropped_targets.
          droppedCount++;
          if (cfg.keepDroppedTargets === 0 || dropped.length < cfg.keepDroppedTargets) {
            dropped.push({ discoveredLabels: withJobDefaults(cfg, t.discovered), scrapePool: job });
          }
          continue;
        }
        active.push({
          url: targetURL(t.labels),
          labels: publicLabels(t.labels),
          discoveredLabels: withJobDefaults(cfg, t.discovered),
        });
      }
      pools.push({ name: job, options: scrapeOptions(cfg), targets: active });
      this.dropped.set(job, dropped);
      this.droppedCounts.set(job, droppedCount);
    }
    this.manager.sync(pools);
  }

  /** Targets for /api/v1/targets. */
  activeTargets(): TargetStatus[] {
    return this.manager.activeTargets();
  }

  /** Targets relabeling dropped, for /api/v1/targets. */
  droppedTargets(): { discoveredLabels: Labels; scrapePool: string }[] {
    return [...this.jobs.keys()].flatMap((j) => this.dropped.get(j) ?? []);
  }

  /** How many targets relabeling dropped, per pool. */
  droppedTargetCounts(): Record<string, number> {
    return Object.fromEntries([...this.jobs.keys()].map((j) => [j, this.droppedCounts.get(j) ?? 0]));
  }

  /** Metadata for /api/v1/targets/metadata and /api/v1/metadata. */
  targetMetadata(): TargetMetadata[] {
    return this.manager.targetMetadata();
  }

  /** The configured pools' names (for /api/v1/scrape_pools). */
  poolNames(): string[] {
    return [...this.jobs.keys()];
  }

  /** Stops discovery and the loops (no stale markers at shutdown, as in Prometheus). */
  async stop(): Promise<void> {
    await this.discovery.stop();
    await this.manager.shutdown();
  }
}
