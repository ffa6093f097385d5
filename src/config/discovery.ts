/**
 * Service discovery blocks inside scrape and Alertmanager configs: the ones ignis implements
 * (static, file, HTTP, DNS) with their schema, defaults and validation, and the others
 * Prometheus knows, accepted as opaque data and reported as not implemented.
 */
import { isValidLabelName } from '../model/index.js';
import {
  defaultHTTPClientConfig,
  httpClientFields,
  httpClientSetDirectory,
  joinDir,
  validateHTTPClientConfig,
} from './http-client.js';
import type { HTTPClientConfig } from './http-client.js';
import { dict, duration, field, int, list, opaque, str, struct } from './yaml.js';
import type { Codec, Decoder } from './yaml.js';

/** A target group: addresses sharing labels (`static_configs` entries, file_sd file contents). */
export interface TargetGroup {
  /** Target addresses (`host:port`). */
  targets: string[];
  /** Labels for every target of the group. */
  labels: Record<string, string>;
}

/** `file_sd_configs` entry. */
export interface FileSDConfig {
  /** File paths or globs (resolved against the config file's directory). */
  files: string[];
  /** Re-read interval in ms (default 5m). */
  refreshInterval: number;
}

/** `http_sd_configs` entry. */
export interface HTTPSDConfig extends HTTPClientConfig {
  /** The endpoint returning target groups as JSON. */
  url: string;
  /** Poll interval in ms (default 1m). */
  refreshInterval: number;
}

/** `dns_sd_configs` entry. */
export interface DNSSDConfig {
  /** Names to resolve. */
  names: string[];
  /** Re-resolve interval in ms (default 30s). */
  refreshInterval: number;
  /** Record type: SRV (default), A, AAAA, MX, NS. */
  type: string;
  /** Port for record types other than SRV. */
  port: number;
}

/** The service discovery fields a scrape or Alertmanager config may carry. */
export interface ServiceDiscoveryConfigs {
  /** `static_configs`. */
  staticConfigs: TargetGroup[];
  /** `file_sd_configs`. */
  fileSDConfigs: FileSDConfig[];
  /** `http_sd_configs`. */
  httpSDConfigs: HTTPSDConfig[];
  /** `dns_sd_configs`. */
  dnsSDConfigs: DNSSDConfig[];
  /** Other mechanisms (`ec2_sd_configs`, `kubernetes_sd_configs`, ...) by YAML key, kept as data. */
  otherSDConfigs: Record<string, unknown>;
}

/** Service discovery mechanisms Prometheus has that ignis accepts but does not run yet. */
export const UNIMPLEMENTED_SD_KEYS: readonly string[] = [
  'azure_sd_configs',
  'consul_sd_configs',
  'digitalocean_sd_configs',
  'docker_sd_configs',
  'dockerswarm_sd_configs',
  'ec2_sd_configs',
  'ecs_sd_configs',
  'elasticache_sd_configs',
  'eureka_sd_configs',
  'gce_sd_configs',
  'hetzner_sd_configs',
  'ionos_sd_configs',
  'kubernetes_sd_configs',
  'kuma_sd_configs',
  'lightsail_sd_configs',
  'linode_sd_configs',
  'marathon_sd_configs',
  'msk_sd_configs',
  'nerve_sd_configs',
  'nomad_sd_configs',
  'openstack_sd_configs',
  'ovhcloud_sd_configs',
  'puppetdb_sd_configs',
  'rds_sd_configs',
  'scaleway_sd_configs',
  'serverset_sd_configs',
  'stackit_sd_configs',
  'triton_sd_configs',
  'uyuni_sd_configs',
  'vultr_sd_configs',
];

const labelSet: Codec<Record<string, string>> = {
  goType: 'model.LabelSet',
  decode(n, d) {
    const m = dict(str).decode(n, d);
    for (const k of Object.keys(m))
      if (!isValidLabelName(k, 'utf8')) d.fail(`${JSON.stringify(k)} is not a valid label name`);
    return m;
  },
  encode: (v) => dict(str).encode(v),
};

/** Go's anonymous struct type name for a target group, as yaml.v2 prints it. */
const TARGET_GROUP_TYPE =
  'struct { Targets []string "yaml:\\"targets\\""; Labels model.LabelSet "yaml:\\"labels\\"" }';

const targetGroup = struct<TargetGroup>(
  TARGET_GROUP_TYPE,
  [field('targets', 'targets', list(str), true), field('labels', 'labels', labelSet)],
  { defaults: () => ({ targets: [], labels: {} }), goName: 'targetgroup.Group' },
);

/** The target group codec (also used for file_sd files). */
export const targetGroupCodec = targetGroup;

const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

const fileSD = struct<FileSDConfig>(
  'file.plain',
  [field('files', 'files', list(str)), field('refresh_interval', 'refreshInterval', duration)],
  {
    defaults: () => ({ files: [], refreshInterval: 5 * 60_000 }),
    goName: 'file.SDConfig',
    validate(c, d) {
      if (c.files.length === 0) d.fail('file service discovery config must contain at least one path name');
      for (const f of c.files)
        if (!FILE_SD_NAME.test(f)) d.fail(`path name ${JSON.stringify(f)} is not valid for file discovery`);
    },
  },
);

const httpSD = struct<HTTPSDConfig>(
  'http.plain',
  [
    ...httpClientFields,
    field('url', 'url', str, true),
    field('refresh_interval', 'refreshInterval', duration),
  ],
  {
    defaults: () => ({ ...defaultHTTPClientConfig(), url: '', refreshInterval: 60_000 }),
    goName: 'http.SDConfig',
    validate(c, d) {
      if (c.url === '') d.fail('URL is missing');
      if (!URL.canParse(c.url)) d.fail(`parse ${JSON.stringify(c.url)}: invalid URL`);
      const u = new URL(c.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') d.fail("URL scheme must be 'http' or 'https'");
      if (u.host === '') d.fail('host is missing in URL');
      validateHTTPClientConfig(c, d);
    },
  },
);

const dnsSD = struct<DNSSDConfig>(
  'dns.plain',
  [
    field('names', 'names', list(str)),
    field('refresh_interval', 'refreshInterval', duration),
    field('type', 'type', str),
    field('port', 'port', int),
  ],
  {
    defaults: () => ({ names: [], refreshInterval: 30_000, type: 'SRV', port: 0 }),
    goName: 'dns.SDConfig',
    validate(c, d) {
      if (c.names.length === 0) d.fail('DNS-SD config must contain at least one SRV record name');
      switch (c.type.toUpperCase()) {
        case 'SRV':
          break;
        case 'A':
        case 'AAAA':
        case 'MX':
        case 'NS':
          if (c.port === 0) d.fail('a port is required in DNS-SD configs for all record types except SRV');
          break;
        default:
          d.fail(`invalid DNS-SD records type ${c.type}`);
      }
    },
  },
);

/** Drops null entries of an SD list (Go skips nil configs). */
function nonNull<T>(c: Codec<(T | null)[]>): Codec<T[]> {
  return {
    goType: c.goType,
    decode: (n, d) => c.decode(n, d).filter((x): x is T => x !== null),
    encode: (v) => c.encode(v),
  };
}

/** The SD fields, inlined into scrape and Alertmanager configs. */
export const sdFields = [
  field('static_configs', 'staticConfigs', nonNull(list(targetGroup))),
  field('file_sd_configs', 'fileSDConfigs', nonNull(list(fileSD))),
  field('http_sd_configs', 'httpSDConfigs', nonNull(list(httpSD))),
  field('dns_sd_configs', 'dnsSDConfigs', nonNull(list(dnsSD))),
  ...UNIMPLEMENTED_SD_KEYS.map((k) => field(k, `other:${k}`, opaque)),
];

/** Empty SD settings. */
export function defaultSDConfigs(): ServiceDiscoveryConfigs {
  return { staticConfigs: [], fileSDConfigs: [], httpSDConfigs: [], dnsSDConfigs: [], otherSDConfigs: {} };
}

/**
 * Moves the opaque `other:<key>` properties the decoder filled into `otherSDConfigs`, so the
 * typed object has one place for them.
 */
export function collectOtherSD(c: ServiceDiscoveryConfigs, _d: Decoder): void {
  const rec = c as unknown as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!k.startsWith('other:')) continue;
    if (rec[k] !== null && rec[k] !== undefined) c.otherSDConfigs[k.slice(6)] = rec[k];
    delete rec[k];
  }
}

/** Puts `otherSDConfigs` back under their `other:<key>` properties for printing. */
export function spreadOtherSD(c: ServiceDiscoveryConfigs): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const [k, v] of Object.entries(c.otherSDConfigs)) out[`other:${k}`] = v;
  return out;
}

/** Resolves SD file paths against `dir`. */
export function sdSetDirectory(c: ServiceDiscoveryConfigs, dir: string): void {
  for (const f of c.fileSDConfigs) f.files = f.files.map((p) => joinDir(dir, p));
  for (const h of c.httpSDConfigs) httpClientSetDirectory(h, dir);
}
