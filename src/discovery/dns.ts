/**
 * `dns_sd_configs`, as Prometheus's DNS discovery: every `refresh_interval` each name is
 * looked up (SRV by default, or A, AAAA, MX, NS with the configured port) and becomes one
 * target group sourced by the name. Targets carry `__meta_dns_name` and the record's
 * `__meta_dns_srv_record_*`, `__meta_dns_mx_record_target`, `__meta_dns_ns_record_target`
 * (empty when not applicable), with record targets fully qualified (trailing dot) as Go's DNS
 * library reports them. A name whose lookup fails keeps its last good group; a name that does
 * not exist yields no targets.
 */
import { Resolver } from 'node:dns/promises';
import type { DNSSDConfig } from '../config/index.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { RefreshDiscoverer } from './refresh.js';
import type { Discoverer, GroupsListener, LabelSet, TargetGroup } from './target-group.js';

/** The label holding the name that was looked up. */
export const DNS_NAME_LABEL = '__meta_dns_name';
/** The label holding an SRV record's target. */
export const DNS_SRV_RECORD_TARGET_LABEL = '__meta_dns_srv_record_target';
/** The label holding an SRV record's port. */
export const DNS_SRV_RECORD_PORT_LABEL = '__meta_dns_srv_record_port';
/** The label holding an MX record's target. */
export const DNS_MX_RECORD_TARGET_LABEL = '__meta_dns_mx_record_target';
/** The label holding an NS record's target. */
export const DNS_NS_RECORD_TARGET_LABEL = '__meta_dns_ns_record_target';

/** The lookups DNS discovery needs; node:dns/promises' Resolver has them, tests fake them. */
export interface DNSResolver {
  /** SRV records. */
  resolveSrv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
  /** IPv4 addresses. */
  resolve4(name: string): Promise<string[]>;
  /** IPv6 addresses. */
  resolve6(name: string): Promise<string[]>;
  /** MX records. */
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  /** NS records. */
  resolveNs(name: string): Promise<string[]>;
}

/** Options of {@link DNSDiscoverer}. */
export interface DNSDiscovererOptions {
  /** Where lookup errors go. */
  readonly logger?: Logger;
  /** The resolver (default: node:dns with the system's servers). */
  readonly resolver?: DNSResolver;
}

/** Error codes meaning "the name has no such records": an empty answer, not a failure. */
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA']);

/** `host:port` as Go's net.JoinHostPort writes it (IPv6 in brackets). */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A name as Go's DNS library reports it: rooted, with a trailing dot. */
function fqdn(name: string): string {
  return name.endsWith('.') ? name : name + '.';
}

function target(name: string, address: string, extra: Partial<LabelSet> = {}): LabelSet {
  return {
    __address__: address,
    [DNS_NAME_LABEL]: name,
    [DNS_SRV_RECORD_TARGET_LABEL]: extra[DNS_SRV_RECORD_TARGET_LABEL] ?? '',
    [DNS_SRV_RECORD_PORT_LABEL]: extra[DNS_SRV_RECORD_PORT_LABEL] ?? '',
    [DNS_MX_RECORD_TARGET_LABEL]: extra[DNS_MX_RECORD_TARGET_LABEL] ?? '',
    [DNS_NS_RECORD_TARGET_LABEL]: extra[DNS_NS_RECORD_TARGET_LABEL] ?? '',
  };
}

/** Looks one name up and builds its targets; throws when the lookup fails. */
export async function lookupTargets(
  resolver: DNSResolver,
  name: string,
  type: string,
  port: number,
): Promise<LabelSet[]> {
  const trim = (s: string): string => s.replace(/\.+$/, '');
  try {
    switch (type.toUpperCase()) {
      case 'SRV':
        return (await resolver.resolveSrv(name)).map((r) =>
          target(name, joinHostPort(trim(r.name), r.port), {
            [DNS_SRV_RECORD_TARGET_LABEL]: fqdn(r.name),
            [DNS_SRV_RECORD_PORT_LABEL]: String(r.port),
          }),
        );
      case 'A':
        return (await resolver.resolve4(name)).map((a) => target(name, joinHostPort(a, port)));
      case 'AAAA':
        return (await resolver.resolve6(name)).map((a) => target(name, joinHostPort(a, port)));
      case 'MX':
        return (await resolver.resolveMx(name)).map((r) =>
          target(name, joinHostPort(trim(r.exchange), port), {
            [DNS_MX_RECORD_TARGET_LABEL]: fqdn(r.exchange),
          }),
        );
      case 'NS':
        return (await resolver.resolveNs(name)).map((ns) =>
          target(name, joinHostPort(trim(ns), port), { [DNS_NS_RECORD_TARGET_LABEL]: fqdn(ns) }),
        );
      default:
        throw new Error(`invalid DNS-SD records type ${type}`);
    }
  } catch (err) {
    // A name that does not exist (or has no such records) has no targets, as in Prometheus.
    if (NO_RECORDS.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}

/** DNS-based service discovery for one `dns_sd_configs` entry. */
export class DNSDiscoverer implements Discoverer {
  private readonly inner: RefreshDiscoverer;
  /** The last good group of each name. */
  private readonly groups = new Map<string, TargetGroup>();

  /** Creates the discoverer; nothing is looked up until {@link start}. */
  constructor(config: DNSSDConfig, opts: DNSDiscovererOptions = {}) {
    const logger = opts.logger ?? NOP_LOG;
    const resolver = opts.resolver ?? new Resolver();
    this.inner = new RefreshDiscoverer(
      'dns',
      config.refreshInterval,
      async () => {
        await Promise.all(
          config.names.map(async (name) => {
            try {
              const targets = await lookupTargets(resolver, name, config.type, config.port);
              this.groups.set(name, { source: name, targets, labels: {} });
            } catch (err) {
              // Only this name keeps its last good group; the others are updated.
              logger.error('Error refreshing DNS targets', { name, err: err as Error });
            }
          }),
        );
        return config.names.flatMap((n) => this.groups.get(n) ?? []);
      },
      logger,
    );
  }

  /** Looks the names up now and then every `refresh_interval`. */
  start(listener: GroupsListener): void {
    this.inner.start(listener);
  }

  /** Stops the refresh loop. */
  stop(): Promise<void> {
    return this.inner.stop();
  }

  /** Resolves when the refresh in progress, if any, is done (tests). */
  settled(): Promise<void> {
    return this.inner.settled();
  }
}
