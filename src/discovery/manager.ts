/**
 * The discovery manager, as Prometheus's discovery.Manager: one per subsystem (scrape,
 * notify). It runs one discoverer ("provider") per distinct SD config — jobs with identical
 * configs share one — merges the groups per job, and hands the full `Map<job, groups>` to its
 * listener, at most once per update interval (Prometheus's `--scrape.discovery-reload-interval`,
 * 5s), because some mechanisms report far more often than a scrape manager should reconcile.
 * A config reload keeps unchanged providers running, starts new ones and stops removed ones,
 * whose groups vanish; every configured job appears in the map, with no groups if it has none,
 * so the receiver drops the targets of a job whose discovery emptied.
 */
import type { ScrapeConfig, ServiceDiscoveryConfigs, Config } from '../config/index.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { DNSDiscoverer, type DNSResolver } from './dns.js';
import { FileDiscoverer } from './file.js';
import { HTTPDiscoverer } from './http.js';
import { StaticDiscoverer } from './static.js';
import { sameGroups, type Discoverer, type TargetGroup } from './target-group.js';

/** Prometheus's default `--scrape.discovery-reload-interval`. */
export const DEFAULT_DISCOVERY_UPDATE_INTERVAL_MS = 5000;

/** Receives the full set of target groups per job (scrape pool or Alertmanager set). */
export type TargetSetsListener = (tsets: Map<string, TargetGroup[]>) => void;

/** One SD config as the manager sees it: its mechanism and its settings. */
export type SDConfigEntry =
  | { readonly type: 'static'; readonly config: ServiceDiscoveryConfigs['staticConfigs'] }
  | { readonly type: 'file'; readonly config: ServiceDiscoveryConfigs['fileSDConfigs'][number] }
  | { readonly type: 'http'; readonly config: ServiceDiscoveryConfigs['httpSDConfigs'][number] }
  | { readonly type: 'dns'; readonly config: ServiceDiscoveryConfigs['dnsSDConfigs'][number] };

/** Options of {@link DiscoveryManager}. */
export interface DiscoveryManagerOptions {
  /** The subsystem, for log lines (`scrape`, `notify`). */
  readonly name?: string;
  readonly logger?: Logger;
  /** Minimum time between two sends to the listener, ms (default 5s). */
  readonly updateInterval?: number;
  /** The User-Agent of HTTP SD requests (`ignis/<version>`). */
  readonly userAgent?: string;
  /** The DNS resolver of DNS SD (tests). */
  readonly resolver?: DNSResolver;
  /** Delay between a file system event and file SD's re-read, ms. */
  readonly fileWatchDebounce?: number;
  /** Replaces discoverer construction (tests). */
  readonly newDiscoverer?: (entry: SDConfigEntry, logger: Logger) => Discoverer;
}

/** A running discoverer and the jobs subscribed to it. */
interface Provider {
  /** `<type>/<n>`, as Prometheus names providers. */
  readonly name: string;
  readonly key: string;
  readonly discoverer: Discoverer;
  subs: Set<string>;
  /** The last groups it sent, without empty ones; null before the first send. */
  groups: TargetGroup[] | null;
  stopped: boolean;
}

/** The SD configs of each scrape job, keyed by job name, for {@link DiscoveryManager.applyConfig}. */
export function scrapeDiscoveryConfigs(
  scrapeConfigs: readonly ScrapeConfig[],
): Map<string, ServiceDiscoveryConfigs> {
  return new Map(scrapeConfigs.map((sc) => [sc.jobName, sc]));
}

/** The SD configs of each Alertmanager config, keyed `config-<index>` as Prometheus's notifier keys them. */
export function notifyDiscoveryConfigs(config: Config): Map<string, ServiceDiscoveryConfigs> {
  return new Map(config.alerting.alertmanagers.map((am, i) => [`config-${i}`, am]));
}

/** The discoverer configs of one job, static configs forming one entry as in Prometheus. */
export function sdConfigEntries(sd: ServiceDiscoveryConfigs): SDConfigEntry[] {
  const out: SDConfigEntry[] = [];
  if (sd.staticConfigs.length > 0) out.push({ type: 'static', config: sd.staticConfigs });
  for (const c of sd.fileSDConfigs) out.push({ type: 'file', config: c });
  for (const c of sd.httpSDConfigs) out.push({ type: 'http', config: c });
  for (const c of sd.dnsSDConfigs) out.push({ type: 'dns', config: c });
  return out;
}

/** A stable identity for a config: equal configs (deep) give equal keys. */
function configKey(entry: SDConfigEntry): string {
  return entry.type + ':' + JSON.stringify(entry.config, (_k, v: unknown) => sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
  return out;
}

/** Runs the discoverers of a subsystem's jobs and sends their merged groups. */
export class DiscoveryManager {
  private readonly logger: Logger;
  private readonly updateInterval: number;
  /** Providers by config key, in creation order. */
  private providers = new Map<string, Provider>();
  /** The configured jobs, in config order. */
  private jobs: string[] = [];
  private providerCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  /** Creates the manager; nothing runs until {@link applyConfig}. */
  constructor(
    private readonly listener: TargetSetsListener,
    private readonly opts: DiscoveryManagerOptions = {},
  ) {
    this.logger = (opts.logger ?? NOP_LOG).with({ component: `discovery manager ${opts.name ?? 'scrape'}` });
    this.updateInterval = opts.updateInterval ?? DEFAULT_DISCOVERY_UPDATE_INTERVAL_MS;
  }

  /**
   * Applies a (re)loaded config: providers whose config is unchanged keep running (and their
   * groups), new ones start, those no job uses any more stop. A send follows within the update
   * interval, so the receiver learns about added and removed jobs even when no discoverer speaks.
   */
  applyConfig(cfgs: ReadonlyMap<string, ServiceDiscoveryConfigs>): void {
    if (this.stopped) return;
    const wanted = new Map<string, { entry: SDConfigEntry; subs: Set<string> }>();
    const unsupported: string[] = [];
    for (const [job, sd] of cfgs) {
      for (const k of Object.keys(sd.otherSDConfigs)) unsupported.push(`${job}: ${k}`);
      for (const entry of sdConfigEntries(sd)) {
        const key = configKey(entry);
        const w = wanted.get(key);
        if (w !== undefined) w.subs.add(job);
        else wanted.set(key, { entry, subs: new Set([job]) });
      }
    }
    if (unsupported.length > 0)
      this.logger.warn('Service discovery mechanisms not implemented; their targets are ignored', {
        configs: unsupported.join(', '),
      });

    const next = new Map<string, Provider>();
    for (const [key, p] of this.providers) {
      const w = wanted.get(key);
      if (w === undefined) {
        this.stopProvider(p);
        continue;
      }
      p.subs = w.subs;
      next.set(key, p);
    }
    this.providers = next;
    for (const [key, w] of wanted) if (!next.has(key)) this.startProvider(key, w.entry, w.subs);
    this.jobs = [...cfgs.keys()];
    this.trigger();
  }

  /** The current groups per job (what the next send would carry). */
  targetSets(): Map<string, TargetGroup[]> {
    const out = new Map<string, TargetGroup[]>();
    for (const job of this.jobs) out.set(job, []);
    for (const p of this.providers.values()) {
      if (p.groups === null) continue;
      for (const job of p.subs) out.get(job)?.push(...p.groups);
    }
    return out;
  }

  /** The running providers' names and subscribed jobs (tests, debugging). */
  providerNames(): { name: string; subs: string[] }[] {
    return [...this.providers.values()].map((p) => ({ name: p.name, subs: [...p.subs] }));
  }

  /** Stops every discoverer and the pending send. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(all.map((p) => this.stopProvider(p)));
  }

  private newDiscoverer(entry: SDConfigEntry, logger: Logger): Discoverer {
    if (this.opts.newDiscoverer !== undefined) return this.opts.newDiscoverer(entry, logger);
    switch (entry.type) {
      case 'static':
        return new StaticDiscoverer(entry.config);
      case 'file':
        return new FileDiscoverer(entry.config, {
          logger,
          ...(this.opts.fileWatchDebounce !== undefined
            ? { watchDebounce: this.opts.fileWatchDebounce }
            : {}),
        });
      case 'http':
        return new HTTPDiscoverer(entry.config, {
          logger,
          ...(this.opts.userAgent !== undefined ? { userAgent: this.opts.userAgent } : {}),
        });
      case 'dns':
        return new DNSDiscoverer(entry.config, {
          logger,
          ...(this.opts.resolver !== undefined ? { resolver: this.opts.resolver } : {}),
        });
    }
  }

  private startProvider(key: string, entry: SDConfigEntry, subs: Set<string>): void {
    const name = `${entry.type}/${this.providerCount++}`;
    const logger = this.logger.with({ discovery: entry.type, config: name });
    let discoverer: Discoverer;
    try {
      discoverer = this.newDiscoverer(entry, logger);
    } catch (err) {
      logger.error('Cannot create service discovery', { err: err as Error });
      return;
    }
    const p: Provider = { name, key, discoverer, subs, groups: null, stopped: false };
    this.providers.set(key, p);
    logger.debug('Starting provider', { provider: name, subs: [...subs].join(',') });
    discoverer.start((groups) => {
      if (p.stopped) return;
      // Empty groups only existed to clear a source; the receiver gets full sets, so drop them.
      const nonEmpty = groups.filter((g) => g.targets.length > 0);
      if (p.groups !== null && sameGroups(p.groups, nonEmpty)) return;
      p.groups = nonEmpty;
      this.trigger();
    });
  }

  private stopProvider(p: Provider): Promise<void> {
    p.stopped = true;
    this.logger.debug('Stopping provider', { provider: p.name });
    return p.discoverer.stop().catch((err: unknown) => {
      this.logger.error('Error stopping provider', { provider: p.name, err: err as Error });
    });
  }

  /** Schedules a send at the end of the update interval, unless one is already pending. */
  private trigger(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      try {
        this.listener(this.targetSets());
      } catch (err) {
        this.logger.error('Target sets listener failed', { err: err as Error });
      }
    }, this.updateInterval);
  }
}
