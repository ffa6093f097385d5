/**
 * The `prometheus.yml` schema: types, defaults and validation of Prometheus 3, loaded with
 * yaml.v2's strictness (unknown fields are errors). {@link loadConfig} parses text,
 * {@link loadConfigFile} also resolves relative paths against the file's directory.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isValidLabelName, isWellFormedUtf8 } from '../model/index.js';
import type { NameValidationScheme } from '../model/index.js';
import { collectOtherSD, defaultSDConfigs, sdFields, sdSetDirectory } from './discovery.js';
import type { ServiceDiscoveryConfigs } from './discovery.js';
import { glob } from './glob.js';
import {
  defaultHTTPClientConfig,
  defaultTLSConfig,
  httpClientFields,
  httpClientSetDirectory,
  joinDir,
  tlsConfigField,
  tlsSetDirectory,
  validateHTTPClientConfig,
} from './http-client.js';
import type { HTTPClientConfig, TLSConfig } from './http-client.js';
import { relabelConfigs, validateRelabelConfigs } from './relabel.js';
import type { RelabelConfig } from './relabel.js';
import {
  bool,
  ConfigError,
  dict,
  duration,
  field,
  float64,
  int,
  int64,
  list,
  opaque,
  parseYAML,
  secret,
  str,
  struct,
  uint,
  uint64,
  unimplemented,
} from './yaml.js';
import type { Codec, Decoder } from './yaml.js';

/** The scrape protocols and the Accept header media type each stands for. */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  PrometheusProto:
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** The default protocol preference: OpenMetrics first, then the text format. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly string[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];

/** The preference when native histograms are scraped: protobuf first. */
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly string[] = [
  'PrometheusProto',
  ...DEFAULT_SCRAPE_PROTOCOLS,
];

/** The `global` section. */
export interface GlobalConfig {
  /** Default scrape interval, ms (1m). */
  scrapeInterval: number;
  /** Default scrape timeout, ms (10s, at most the interval). */
  scrapeTimeout: number;
  /** Protocols offered when scraping; null means the per-job default. */
  scrapeProtocols: string[] | null;
  /** Rule evaluation interval, ms (1m). */
  evaluationInterval: number;
  /** Rule query offset, ms. */
  ruleQueryOffset: number;
  /** File PromQL queries are logged to. */
  queryLogFile: string;
  /** File scrape failures are logged to. */
  scrapeFailureLogFile: string;
  /** Labels added to series and alerts leaving this server. */
  externalLabels: Record<string, string>;
  /** Scrape body size limit in bytes (0: none). */
  bodySizeLimit: number;
  /** Per-scrape sample limit (0: none). */
  sampleLimit: number;
  /** Per-job target limit (0: none). */
  targetLimit: number;
  /** Per-series label count limit (0: none). */
  labelLimit: number;
  /** Label name length limit (0: none). */
  labelNameLengthLimit: number;
  /** Label value length limit (0: none). */
  labelValueLengthLimit: number;
  /** Dropped targets kept per job for the API (0: all). */
  keepDroppedTargets: number;
  /** Name validation: `utf8` (default) or `legacy`. */
  metricNameValidationScheme: NameValidationScheme;
  /** Escaping requested through content negotiation (`allow-utf-8`, `underscores`, `dots`, `values`). */
  metricNameEscapingScheme: string;
  /** Scrape native histograms. */
  scrapeNativeHistograms: boolean;
  /** Convert classic histograms to native histograms with custom buckets. */
  convertClassicHistogramsToNhcb: boolean;
  /** Keep classic histograms also when a native one is exposed. */
  alwaysScrapeClassicHistograms: boolean;
  /** Store the extra scrape metrics (scrape_timeout_seconds, ...). */
  extraScrapeMetrics: boolean;
}

/** One `scrape_configs` entry, with the global defaults applied. */
export interface ScrapeConfig extends HTTPClientConfig, ServiceDiscoveryConfigs {
  /** The job name, unique in the config. */
  jobName: string;
  /** Keep the scraped labels when they clash with target labels. */
  honorLabels: boolean;
  /** Use the timestamps of the exposition (default true). */
  honorTimestamps: boolean;
  /** Stale-mark series with explicit timestamps when they disappear. */
  trackTimestampsStaleness: boolean;
  /** URL query parameters. */
  params: Record<string, string[]>;
  /** Scrape interval, ms. */
  scrapeInterval: number;
  /** Scrape timeout, ms. */
  scrapeTimeout: number;
  /** Protocols offered, most preferred first. */
  scrapeProtocols: string[];
  /** Protocol used when the response's Content-Type is missing or unknown ('' = fail). */
  fallbackScrapeProtocol: string;
  /** Scrape native histograms. */
  scrapeNativeHistograms: boolean;
  /** Keep classic histograms also when a native one is exposed. */
  alwaysScrapeClassicHistograms: boolean;
  /** Convert classic histograms to NHCB. */
  convertClassicHistogramsToNhcb: boolean;
  /** File scrape failures are logged to. */
  scrapeFailureLogFile: string;
  /** Path scraped (default /metrics). */
  metricsPath: string;
  /** URL scheme (default http). */
  scheme: string;
  /** Ask for gzip (default true). */
  enableCompression: boolean;
  /** Body size limit in bytes (0: none). */
  bodySizeLimit: number;
  /** Sample limit (0: none). */
  sampleLimit: number;
  /** Target limit (0: none). */
  targetLimit: number;
  /** Label count limit (0: none). */
  labelLimit: number;
  /** Label name length limit (0: none). */
  labelNameLengthLimit: number;
  /** Label value length limit (0: none). */
  labelValueLengthLimit: number;
  /** Native histogram bucket limit (0: none). */
  nativeHistogramBucketLimit: number;
  /** Native histogram minimum bucket growth factor. */
  nativeHistogramMinBucketFactor: number;
  /** Dropped targets kept for the API (0: all). */
  keepDroppedTargets: number;
  /** Name validation scheme of this job. */
  metricNameValidationScheme: NameValidationScheme;
  /** Escaping scheme requested from targets. */
  metricNameEscapingScheme: string;
  /** Store the extra scrape metrics. */
  extraScrapeMetrics: boolean;
  /** Target relabeling. */
  relabelConfigs: RelabelConfig[];
  /** Sample relabeling. */
  metricRelabelConfigs: RelabelConfig[];
}

/** One `alerting.alertmanagers` entry. */
export interface AlertmanagerConfig extends HTTPClientConfig, ServiceDiscoveryConfigs {
  /** AWS SigV4 signing (kept as data; not implemented). */
  sigv4: unknown;
  /** URL scheme (default http). */
  scheme: string;
  /** Path prefix before /api/v2/alerts. */
  pathPrefix: string;
  /** Send timeout, ms (default 10s). */
  timeout: number;
  /** Alertmanager API version; only v2. */
  apiVersion: string;
  /** Relabeling of discovered Alertmanagers. */
  relabelConfigs: RelabelConfig[];
  /** Alert relabeling for this Alertmanager. */
  alertRelabelConfigs: RelabelConfig[];
}

/** The `alerting` section. */
export interface AlertingConfig {
  /** Alert relabeling for every Alertmanager. */
  alertRelabelConfigs: RelabelConfig[];
  /** Alertmanagers. */
  alertmanagers: AlertmanagerConfig[];
}

/** `remote_write.queue_config`. */
export interface QueueConfig {
  /** Samples buffered per shard. */
  capacity: number;
  /** Maximum shards. */
  maxShards: number;
  /** Minimum shards. */
  minShards: number;
  /** Samples per request. */
  maxSamplesPerSend: number;
  /** Longest wait before a partial batch is sent, ms. */
  batchSendDeadline: number;
  /** Initial retry backoff, ms. */
  minBackoff: number;
  /** Maximum retry backoff, ms. */
  maxBackoff: number;
  /** Retry on HTTP 429. */
  retryOnHttp429: boolean;
  /** Drop samples older than this, ms (0: never). */
  sampleAgeLimit: number;
}

/** `remote_write.metadata_config`. */
export interface MetadataConfig {
  /** Send metadata (default true). */
  send: boolean;
  /** Interval, ms (default 1m). */
  sendInterval: number;
  /** Metadata per request. */
  maxSamplesPerSend: number;
}

/** One `remote_write` entry. */
export interface RemoteWriteConfig extends HTTPClientConfig {
  /** Endpoint. */
  url: string;
  /** Request timeout, ms (30s). */
  remoteTimeout: number;
  /** Extra headers. */
  headers: Record<string, string>;
  /** Relabeling before sending. */
  writeRelabelConfigs: RelabelConfig[];
  /** Name in metrics and logs. */
  name: string;
  /** Send exemplars. */
  sendExemplars: boolean;
  /** Send native histograms. */
  sendNativeHistograms: boolean;
  /** Spread requests over the resolved IPs. */
  roundRobinDns: boolean;
  /** Protobuf message: `prometheus.WriteRequest` (v1) or `io.prometheus.write.v2.Request`. */
  protobufMessage: string;
  /** Queue tuning. */
  queueConfig: QueueConfig;
  /** Metadata sending. */
  metadataConfig: MetadataConfig;
  /** SigV4, Azure AD, Google IAM (kept as data). */
  sigv4: unknown;
  /** Azure AD auth. */
  azuread: unknown;
  /** Google IAM auth. */
  googleIam: unknown;
}

/** One `remote_read` entry. */
export interface RemoteReadConfig extends HTTPClientConfig {
  /** Endpoint. */
  url: string;
  /** Request timeout, ms (1m). */
  remoteTimeout: number;
  /** Largest chunked response frame, bytes. */
  chunkedReadLimit: number;
  /** Extra headers. */
  headers: Record<string, string>;
  /** Also read for time ranges local storage has. */
  readRecent: boolean;
  /** Name in metrics and logs. */
  name: string;
  /** Equality matchers a query must have to be sent. */
  requiredMatchers: Record<string, string>;
  /** Add external labels as matchers (default true). */
  filterExternalLabels: boolean;
}

/** `storage.tsdb`. */
export interface TSDBConfig {
  /** Out-of-order window, ms. */
  outOfOrderTimeWindow: number;
  /** Retention settings set in the file, or null. */
  retention: { time: number; size: number } | null;
}

/** The `storage` section. */
export interface StorageConfig {
  /** TSDB settings, or null. */
  tsdb: TSDBConfig | null;
  /** Exemplar storage (default 100000 exemplars). */
  exemplars: { maxExemplars: number } | null;
}

/** The `tracing` section. */
export interface TracingConfig {
  /** `grpc` (default) or `http`. */
  clientType: string;
  /** Collector endpoint. */
  endpoint: string;
  /** Fraction of traces sampled. */
  samplingFraction: number;
  /** Plain-text connection. */
  insecure: boolean;
  /** TLS settings. */
  tlsConfig: TLSConfig;
  /** Extra headers. */
  headers: Record<string, string>;
  /** `gzip` or ''. */
  compression: string;
  /** Export timeout, ms. */
  timeout: number;
}

/** The whole configuration. */
export interface Config {
  /** `global`. */
  global: GlobalConfig;
  /** `runtime` (Go runtime tuning: accepted, no meaning in Node.js). */
  runtime: { gogc: number };
  /** `alerting`. */
  alerting: AlertingConfig;
  /** Rule file paths or globs (resolved against the config file's directory). */
  ruleFiles: string[];
  /** Files or globs holding more scrape configs. */
  scrapeConfigFiles: string[];
  /** `scrape_configs`. */
  scrapeConfigs: ScrapeConfig[];
  /** `storage`. */
  storage: StorageConfig;
  /** `tracing`. */
  tracing: TracingConfig | null;
  /** `remote_write`. */
  remoteWrite: RemoteWriteConfig[];
  /** `remote_read`. */
  remoteRead: RemoteReadConfig[];
  /** `otlp` (kept as data). */
  otlp: Record<string, unknown>;
}

/** What loading returns: the config and the sections ignis accepted without implementing them. */
export interface LoadedConfig {
  /** The validated config, defaults applied. */
  config: Config;
  /** Paths (`remote_write`, `scrape_configs[0].ec2_sd_configs`, ...) accepted but not implemented yet. */
  unimplemented: string[];
}

/** Loading options. */
export interface LoadOptions {
  /** Expand `${VAR}` in external label values (Prometheus 3 always does). Default true. */
  expandExternalLabels?: boolean;
  /** The environment for expansion (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Agent mode: alerting, rule_files and remote_read are not allowed. */
  agentMode?: boolean;
}

/** Formats the unimplemented-sections list as one warning line (empty string when none). */
export function unimplementedWarning(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  return `configuration sections accepted but not implemented by ignis yet (ignored): ${paths.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Small codecs.

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1024 ** 4,
  TiB: 1024 ** 4,
  PB: 1024 ** 5,
  PiB: 1024 ** 5,
  EB: 1024 ** 6,
  EiB: 1024 ** 6,
};

/** Parses alecthomas/units Base2Bytes (`512MB`, `1GiB`, `1KB512B`). */
function parseBase2Bytes(s: string, d: Decoder): number {
  const orig = s;
  if (s === '0') return 0;
  let total = 0;
  let rest = s;
  if (rest === '') d.fail('units: invalid ' + orig);
  while (rest !== '') {
    const m = /^([0-9]*(?:\.[0-9]*)?)([^0-9.]*)/.exec(rest)!;
    if (m[1] === '' || m[1] === '.') d.fail(`units: invalid ${orig}`);
    if (m[2] === '') d.fail(`units: missing unit in ${orig}`);
    const mult = BYTE_UNITS[m[2]!];
    if (mult === undefined) d.fail(`units: unknown unit ${m[2]!} in ${orig}`);
    total += Number(m[1]) * mult;
    rest = rest.slice(m[0].length);
  }
  return Math.floor(total);
}

/** Prints bytes as Base2Bytes.String does (`10MiB`, `1KiB512B`). */
function formatBase2Bytes(n: number): string {
  if (n === 0) return '0B';
  const units = ['EiB', 'PiB', 'TiB', 'GiB', 'MiB', 'KiB'];
  let out = '';
  let rest = n;
  for (let i = 0; i < units.length; i++) {
    const m = 1024 ** (6 - i);
    if (rest >= m) {
      out += `${Math.floor(rest / m)}${units[i]}`;
      rest %= m;
    }
  }
  if (rest > 0) out += `${rest}B`;
  return out;
}

const base2Bytes: Codec<number> = {
  goType: 'units.Base2Bytes',
  decode(n, d) {
    if (n === null) return 0;
    return parseBase2Bytes(str.decode(n, d), d);
  },
  encode: (v) => (v === 0 ? undefined : formatBase2Bytes(v)),
};

const scheme: Codec<NameValidationScheme | ''> = {
  goType: 'model.ValidationScheme',
  decode(n, d) {
    const s = str.decode(n, d);
    if (s === '' || s === 'utf8' || s === 'legacy') return s;
    return d.fail(`unrecognized ValidationScheme: ${JSON.stringify(s)}`);
  },
  encode: (v) => (v === '' ? undefined : v),
};

/** A `*bool`: null when absent, so the global value can fill it in. */
const optBool: Codec<boolean | null> = {
  goType: '*bool',
  decode: (n, d) => (n === null ? null : bool.decode(n, d)),
  encode: (v) => (v === null ? undefined : v),
};

const scrapeProtocols: Codec<string[] | null> = {
  goType: '[]config.ScrapeProtocol',
  decode: (n, d) => (n === null ? null : list(str).decode(n, d)),
  encode: (v) => (v === null || v.length === 0 ? undefined : v),
};

function protocolError(p: string): string | null {
  if (p in SCRAPE_PROTOCOL_HEADERS) return null;
  return `unknown scrape protocol ${p}, supported: [${Object.keys(SCRAPE_PROTOCOL_HEADERS).sort().join(' ')}]`;
}

function validateScrapeProtocols(ps: readonly string[]): string | null {
  if (ps.length === 0) return 'scrape_protocols cannot be empty';
  const seen = new Set<string>();
  for (const p of ps) {
    if (seen.has(p.toLowerCase())) return `duplicated protocol in scrape_protocols, got [${ps.join(' ')}]`;
    const err = protocolError(p);
    if (err !== null) return `scrape_protocols: ${err}`;
    seen.add(p.toLowerCase());
  }
  return null;
}

const externalLabels: Codec<Record<string, string>> = {
  goType: 'labels.Labels',
  decode: (n, d) => dict(str).decode(n, d),
  encode: (v) => dict(str).encode(v),
};

const ESCAPING_SCHEMES = new Set(['allow-utf-8', 'underscores', 'dots', 'values']);

// ---------------------------------------------------------------------------------------------
// Sections.

/** Fields of GlobalConfig as decoded, before defaults that depend on other fields. */
type RawGlobal = Omit<
  GlobalConfig,
  'metricNameValidationScheme' | 'scrapeNativeHistograms' | 'extraScrapeMetrics'
> & {
  metricNameValidationScheme: NameValidationScheme | '';
  scrapeNativeHistograms: boolean | null;
  extraScrapeMetrics: boolean | null;
};

function zeroGlobal(): RawGlobal {
  return {
    scrapeInterval: 0,
    scrapeTimeout: 0,
    scrapeProtocols: null,
    evaluationInterval: 0,
    ruleQueryOffset: 0,
    queryLogFile: '',
    scrapeFailureLogFile: '',
    externalLabels: {},
    bodySizeLimit: 0,
    sampleLimit: 0,
    targetLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    keepDroppedTargets: 0,
    metricNameValidationScheme: '',
    metricNameEscapingScheme: '',
    scrapeNativeHistograms: null,
    convertClassicHistogramsToNhcb: false,
    alwaysScrapeClassicHistograms: false,
    extraScrapeMetrics: null,
  };
}

/** The default global section. */
export function defaultGlobalConfig(): GlobalConfig {
  return {
    ...zeroGlobal(),
    scrapeInterval: 60_000,
    scrapeTimeout: 10_000,
    evaluationInterval: 60_000,
    metricNameValidationScheme: 'utf8',
    metricNameEscapingScheme: 'allow-utf-8',
    scrapeNativeHistograms: false,
    extraScrapeMetrics: false,
  };
}

const globalCodec = struct<RawGlobal>(
  'config.plain',
  [
    field('scrape_interval', 'scrapeInterval', duration),
    field('scrape_timeout', 'scrapeTimeout', duration),
    field('scrape_protocols', 'scrapeProtocols', scrapeProtocols),
    field('evaluation_interval', 'evaluationInterval', duration),
    field('rule_query_offset', 'ruleQueryOffset', duration),
    field('query_log_file', 'queryLogFile', str),
    field('scrape_failure_log_file', 'scrapeFailureLogFile', str),
    field('external_labels', 'externalLabels', externalLabels),
    field('body_size_limit', 'bodySizeLimit', base2Bytes),
    field('sample_limit', 'sampleLimit', uint),
    field('target_limit', 'targetLimit', uint),
    field('label_limit', 'labelLimit', uint),
    field('label_name_length_limit', 'labelNameLengthLimit', uint),
    field('label_value_length_limit', 'labelValueLengthLimit', uint),
    field('keep_dropped_targets', 'keepDroppedTargets', uint),
    field('metric_name_validation_scheme', 'metricNameValidationScheme', scheme),
    field('metric_name_escaping_scheme', 'metricNameEscapingScheme', str),
    field('scrape_native_histograms', 'scrapeNativeHistograms', optBool),
    field('convert_classic_histograms_to_nhcb', 'convertClassicHistogramsToNhcb', bool),
    field('always_scrape_classic_histograms', 'alwaysScrapeClassicHistograms', bool),
    field('extra_scrape_metrics', 'extraScrapeMetrics', optBool),
  ],
  {
    defaults: zeroGlobal,
    validate(g, d) {
      if (g.metricNameValidationScheme === '') g.metricNameValidationScheme = 'utf8';
      const sch: NameValidationScheme = g.metricNameValidationScheme;
      for (const [k, v] of Object.entries(g.externalLabels)) {
        if (!isValidLabelName(k, sch)) d.fail(`${JSON.stringify(k)} is not a valid label name`);
        if (!isWellFormedUtf8(v)) d.fail(`${JSON.stringify(v)} is not a valid label value`);
      }
      if (g.scrapeInterval === 0) g.scrapeInterval = 60_000;
      if (g.scrapeTimeout > g.scrapeInterval) d.fail('global scrape timeout greater than scrape interval');
      if (g.scrapeTimeout === 0) g.scrapeTimeout = Math.min(10_000, g.scrapeInterval);
      if (g.evaluationInterval === 0) g.evaluationInterval = 60_000;
      g.scrapeNativeHistograms ??= false;
      g.extraScrapeMetrics ??= false;
      if (g.scrapeProtocols !== null) {
        const err = validateScrapeProtocols(g.scrapeProtocols);
        if (err !== null) d.fail(`${err} for global config`);
      }
    },
  },
);

/** ScrapeConfig as decoded, before the global defaults are applied. */
type RawScrape = Omit<
  ScrapeConfig,
  | 'scrapeProtocols'
  | 'scrapeNativeHistograms'
  | 'alwaysScrapeClassicHistograms'
  | 'convertClassicHistogramsToNhcb'
  | 'metricNameValidationScheme'
  | 'extraScrapeMetrics'
  | 'relabelConfigs'
  | 'metricRelabelConfigs'
> & {
  scrapeProtocols: string[] | null;
  scrapeNativeHistograms: boolean | null;
  alwaysScrapeClassicHistograms: boolean | null;
  convertClassicHistogramsToNhcb: boolean | null;
  metricNameValidationScheme: NameValidationScheme | '';
  extraScrapeMetrics: boolean | null;
  relabelConfigs: (RelabelConfig | null)[];
  metricRelabelConfigs: (RelabelConfig | null)[];
};

/** True when an address cannot be a scrape target's host:port (a URL was given instead). */
export function checkTargetAddress(address: string): string | null {
  return address.includes('/') ? `${JSON.stringify(address)} is not a valid hostname` : null;
}

function checkStaticTargets(c: ServiceDiscoveryConfigs, d: Decoder): void {
  for (const tg of c.staticConfigs)
    for (const t of tg.targets) {
      const err = checkTargetAddress(t);
      if (err !== null) d.fail(err);
    }
}

const params: Codec<Record<string, string[]>> = dict(list(str), 'url.Values');

const scrapeFields = [
  field('job_name', 'jobName', str, true),
  field('honor_labels', 'honorLabels', bool),
  field('honor_timestamps', 'honorTimestamps', bool, true),
  field('track_timestamps_staleness', 'trackTimestampsStaleness', bool, true),
  field('params', 'params', params),
  field('scrape_interval', 'scrapeInterval', duration),
  field('scrape_timeout', 'scrapeTimeout', duration),
  field('scrape_protocols', 'scrapeProtocols', scrapeProtocols),
  field('fallback_scrape_protocol', 'fallbackScrapeProtocol', str),
  field('scrape_native_histograms', 'scrapeNativeHistograms', optBool),
  field('always_scrape_classic_histograms', 'alwaysScrapeClassicHistograms', optBool),
  field('convert_classic_histograms_to_nhcb', 'convertClassicHistogramsToNhcb', optBool),
  field('scrape_failure_log_file', 'scrapeFailureLogFile', str),
  field('metrics_path', 'metricsPath', str),
  field('scheme', 'scheme', str),
  field('enable_compression', 'enableCompression', bool, true),
  field('body_size_limit', 'bodySizeLimit', base2Bytes),
  field('sample_limit', 'sampleLimit', uint),
  field('target_limit', 'targetLimit', uint),
  field('label_limit', 'labelLimit', uint),
  field('label_name_length_limit', 'labelNameLengthLimit', uint),
  field('label_value_length_limit', 'labelValueLengthLimit', uint),
  field('native_histogram_bucket_limit', 'nativeHistogramBucketLimit', uint),
  field('native_histogram_min_bucket_factor', 'nativeHistogramMinBucketFactor', float64),
  field('keep_dropped_targets', 'keepDroppedTargets', uint),
  field('metric_name_validation_scheme', 'metricNameValidationScheme', scheme),
  field('metric_name_escaping_scheme', 'metricNameEscapingScheme', str),
  field('extra_scrape_metrics', 'extraScrapeMetrics', optBool),
  ...sdFields,
  ...httpClientFields,
  field('relabel_configs', 'relabelConfigs', relabelConfigs),
  field('metric_relabel_configs', 'metricRelabelConfigs', relabelConfigs),
];

function defaultRawScrape(): RawScrape {
  return {
    ...defaultHTTPClientConfig(),
    ...defaultSDConfigs(),
    jobName: '',
    honorLabels: false,
    honorTimestamps: true,
    trackTimestampsStaleness: false,
    params: {},
    scrapeInterval: 0,
    scrapeTimeout: 0,
    scrapeProtocols: null,
    fallbackScrapeProtocol: '',
    scrapeNativeHistograms: null,
    alwaysScrapeClassicHistograms: null,
    convertClassicHistogramsToNhcb: null,
    scrapeFailureLogFile: '',
    metricsPath: '/metrics',
    scheme: 'http',
    enableCompression: true,
    bodySizeLimit: 0,
    sampleLimit: 0,
    targetLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    nativeHistogramBucketLimit: 0,
    nativeHistogramMinBucketFactor: 0,
    keepDroppedTargets: 0,
    metricNameValidationScheme: '',
    metricNameEscapingScheme: '',
    extraScrapeMetrics: null,
    relabelConfigs: [],
    metricRelabelConfigs: [],
  };
}

/** The scrape config codec (`config.ScrapeConfig` in Go's messages). */
export const scrapeConfigCodec = struct<RawScrape>('config.ScrapeConfig', scrapeFields, {
  defaults: defaultRawScrape,
  goName: 'config.ScrapeConfig',
  validate(c, d) {
    collectOtherSD(c, d);
    if (c.jobName === '') d.fail('job_name is empty');
    validateHTTPClientConfig(c, d);
    if (c.relabelConfigs.length === 0) checkStaticTargets(c, d);
    if (c.relabelConfigs.some((r) => r === null))
      d.fail('empty or null target relabeling rule in scrape config');
    if (c.metricRelabelConfigs.some((r) => r === null))
      d.fail('empty or null metric relabeling rule in scrape config');
  },
});

/**
 * Applies the global defaults to a decoded scrape config and validates it, as
 * `ScrapeConfig.Validate(globalConfig)` does; returns the completed config.
 */
function completeScrapeConfig(raw: RawScrape | null, g: GlobalConfig, d: Decoder): ScrapeConfig {
  if (raw === null) return d.fail('empty or null scrape config section');
  const c = raw;
  const job = JSON.stringify(c.jobName);
  if (c.scrapeInterval === 0) c.scrapeInterval = g.scrapeInterval;
  if (c.scrapeTimeout > c.scrapeInterval)
    d.fail(`scrape timeout greater than scrape interval for scrape config with job name ${job}`);
  if (c.scrapeTimeout === 0) c.scrapeTimeout = Math.min(g.scrapeTimeout, c.scrapeInterval);
  if (c.bodySizeLimit === 0) c.bodySizeLimit = g.bodySizeLimit;
  if (c.sampleLimit === 0) c.sampleLimit = g.sampleLimit;
  if (c.targetLimit === 0) c.targetLimit = g.targetLimit;
  if (c.labelLimit === 0) c.labelLimit = g.labelLimit;
  if (c.labelNameLengthLimit === 0) c.labelNameLengthLimit = g.labelNameLengthLimit;
  if (c.labelValueLengthLimit === 0) c.labelValueLengthLimit = g.labelValueLengthLimit;
  if (c.keepDroppedTargets === 0) c.keepDroppedTargets = g.keepDroppedTargets;
  if (c.scrapeFailureLogFile === '') c.scrapeFailureLogFile = g.scrapeFailureLogFile;
  c.scrapeNativeHistograms ??= g.scrapeNativeHistograms;
  c.extraScrapeMetrics ??= g.extraScrapeMetrics;
  if (c.scrapeProtocols === null) {
    if (g.scrapeProtocols !== null) c.scrapeProtocols = [...g.scrapeProtocols];
    else if (c.scrapeNativeHistograms) c.scrapeProtocols = [...DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS];
    else c.scrapeProtocols = [...DEFAULT_SCRAPE_PROTOCOLS];
  }
  const perr = validateScrapeProtocols(c.scrapeProtocols);
  if (perr !== null) d.fail(`${perr} for scrape config with job name ${job}`);
  if (c.fallbackScrapeProtocol !== '') {
    const err = protocolError(c.fallbackScrapeProtocol);
    if (err !== null)
      d.fail(`invalid fallback_scrape_protocol for scrape config with job name ${job}: ${err}`);
  }
  const localUnset = c.metricNameValidationScheme === '';
  if (localUnset) c.metricNameValidationScheme = g.metricNameValidationScheme;
  let globalEscaping = g.metricNameEscapingScheme;
  if (globalEscaping === '')
    globalEscaping = g.metricNameValidationScheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  else if (!ESCAPING_SCHEMES.has(globalEscaping))
    d.fail(
      `unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(globalEscaping)}`,
    );
  if (c.metricNameEscapingScheme === '') {
    if (localUnset) c.metricNameEscapingScheme = globalEscaping;
    else
      c.metricNameEscapingScheme = c.metricNameValidationScheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  }
  if (c.metricNameEscapingScheme === 'allow-utf-8') {
    if (c.metricNameValidationScheme !== 'utf8')
      d.fail('utf8 metric names requested but validation scheme is not set to UTF8');
  } else if (!ESCAPING_SCHEMES.has(c.metricNameEscapingScheme))
    d.fail(
      `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(c.metricNameEscapingScheme)}`,
    );
  c.convertClassicHistogramsToNhcb ??= g.convertClassicHistogramsToNhcb;
  c.alwaysScrapeClassicHistograms ??= g.alwaysScrapeClassicHistograms;
  const sch = c.metricNameValidationScheme as NameValidationScheme;
  validateRelabelConfigs(c.relabelConfigs, sch, d, 'empty or null target relabeling rule in scrape config');
  validateRelabelConfigs(
    c.metricRelabelConfigs,
    sch,
    d,
    'empty or null metric relabeling rule in scrape config',
  );
  return c as ScrapeConfig;
}

const apiVersion: Codec<string> = {
  goType: 'config.AlertmanagerAPIVersion',
  decode(n, d) {
    const s = str.decode(n, d);
    if (s !== 'v2') d.fail(`expected Alertmanager api version to be one of [v2] but got ${s}`);
    return s;
  },
  encode: (v) => v,
};

type RawAlertmanager = Omit<AlertmanagerConfig, 'relabelConfigs' | 'alertRelabelConfigs'> & {
  relabelConfigs: (RelabelConfig | null)[];
  alertRelabelConfigs: (RelabelConfig | null)[];
};

const alertmanagerCodec = struct<RawAlertmanager>(
  'config.AlertmanagerConfig',
  [
    ...sdFields,
    ...httpClientFields,
    field('sigv4', 'sigv4', opaque),
    field('scheme', 'scheme', str),
    field('path_prefix', 'pathPrefix', str),
    field('timeout', 'timeout', duration),
    field('api_version', 'apiVersion', apiVersion, true),
    field('relabel_configs', 'relabelConfigs', relabelConfigs),
    field('alert_relabel_configs', 'alertRelabelConfigs', relabelConfigs),
  ],
  {
    defaults: () => ({
      ...defaultHTTPClientConfig(),
      ...defaultSDConfigs(),
      sigv4: null,
      scheme: 'http',
      pathPrefix: '',
      timeout: 10_000,
      apiVersion: 'v2',
      relabelConfigs: [],
      alertRelabelConfigs: [],
    }),
    goName: 'config.AlertmanagerConfig',
    validate(c, d) {
      collectOtherSD(c, d);
      validateHTTPClientConfig(c, d);
      const auth = c.basicAuth !== null || c.authorization !== null || c.oauth2 !== null;
      if (auth && c.sigv4 !== null)
        d.fail('at most one of basic_auth, authorization, oauth2, & sigv4 must be configured');
      if (c.relabelConfigs.length === 0) checkStaticTargets(c, d);
      if (c.relabelConfigs.some((r) => r === null))
        d.fail('empty or null Alertmanager target relabeling rule');
      if (c.alertRelabelConfigs.some((r) => r === null))
        d.fail('empty or null Alertmanager alert relabeling rule');
    },
  },
);

type RawAlerting = {
  alertRelabelConfigs: (RelabelConfig | null)[];
  alertmanagers: (RawAlertmanager | null)[];
};

const alertingCodec = struct<RawAlerting>(
  'config.plain',
  [
    field('alert_relabel_configs', 'alertRelabelConfigs', relabelConfigs),
    field('alertmanagers', 'alertmanagers', list(alertmanagerCodec)),
  ],
  {
    defaults: () => ({ alertRelabelConfigs: [], alertmanagers: [] }),
    validate(c, d) {
      if (c.alertRelabelConfigs.some((r) => r === null)) d.fail('empty or null alert relabeling rule');
    },
  },
);

/** The remote write queue defaults. */
export function defaultQueueConfig(): QueueConfig {
  return {
    capacity: 10000,
    maxShards: 50,
    minShards: 1,
    maxSamplesPerSend: 2000,
    batchSendDeadline: 5000,
    minBackoff: 30,
    maxBackoff: 5000,
    retryOnHttp429: false,
    sampleAgeLimit: 0,
  };
}

const queueConfig = struct<QueueConfig>(
  'config.QueueConfig',
  [
    field('capacity', 'capacity', int),
    field('max_shards', 'maxShards', int),
    field('min_shards', 'minShards', int),
    field('max_samples_per_send', 'maxSamplesPerSend', int),
    field('batch_send_deadline', 'batchSendDeadline', duration),
    field('min_backoff', 'minBackoff', duration),
    field('max_backoff', 'maxBackoff', duration),
    field('retry_on_http_429', 'retryOnHttp429', bool),
    field('sample_age_limit', 'sampleAgeLimit', duration),
  ],
  { defaults: defaultQueueConfig },
);

const metadataConfig = struct<MetadataConfig>(
  'config.MetadataConfig',
  [
    field('send', 'send', bool, true),
    field('send_interval', 'sendInterval', duration, true),
    field('max_samples_per_send', 'maxSamplesPerSend', int),
  ],
  { defaults: () => ({ send: true, sendInterval: 60_000, maxSamplesPerSend: 2000 }) },
);

const RESERVED_HEADERS = new Set([
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

function validateHeaders(h: Record<string, string>, d: Decoder): void {
  for (const k of Object.keys(h)) {
    if (k.toLowerCase() === 'authorization')
      d.fail(
        'authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter',
      );
    if (RESERVED_HEADERS.has(k.toLowerCase())) d.fail(`${k} is a reserved header. It must not be changed`);
  }
}

const remoteURL: Codec<string> = {
  goType: '*config.URL',
  decode(n, d) {
    const s = str.decode(n, d);
    if (!URL.canParse(s)) d.fail(`parse ${JSON.stringify(s)}: invalid URL`);
    return s;
  },
  encode: (v) => v,
};

const PROTOBUF_MESSAGES = new Set(['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']);

type RawRemoteWrite = Omit<RemoteWriteConfig, 'writeRelabelConfigs' | 'url'> & {
  url: string | null;
  writeRelabelConfigs: (RelabelConfig | null)[];
};

const remoteWriteCodec = struct<RawRemoteWrite>(
  'config.plain',
  [
    field('url', 'url', remoteURL, true),
    field('remote_timeout', 'remoteTimeout', duration),
    field('headers', 'headers', dict(str)),
    field('write_relabel_configs', 'writeRelabelConfigs', relabelConfigs),
    field('name', 'name', str),
    field('send_exemplars', 'sendExemplars', bool),
    field('send_native_histograms', 'sendNativeHistograms', bool),
    field('round_robin_dns', 'roundRobinDns', bool),
    field('protobuf_message', 'protobufMessage', str),
    ...httpClientFields,
    field('queue_config', 'queueConfig', queueConfig),
    field('metadata_config', 'metadataConfig', metadataConfig),
    field('sigv4', 'sigv4', opaque),
    field('azuread', 'azuread', opaque),
    field('google_iam', 'googleIam', opaque),
  ],
  {
    defaults: () => ({
      ...defaultHTTPClientConfig(),
      enableHttp2: false,
      url: null,
      remoteTimeout: 30_000,
      headers: {},
      writeRelabelConfigs: [],
      name: '',
      sendExemplars: false,
      sendNativeHistograms: false,
      roundRobinDns: false,
      protobufMessage: 'prometheus.WriteRequest',
      queueConfig: defaultQueueConfig(),
      metadataConfig: { send: true, sendInterval: 60_000, maxSamplesPerSend: 2000 },
      sigv4: null,
      azuread: null,
      googleIam: null,
    }),
    goName: 'config.RemoteWriteConfig',
    validate(c, d) {
      if (c.url === null) d.fail('url for remote_write is empty');
      if (c.writeRelabelConfigs.some((r) => r === null))
        d.fail('empty or null relabeling rule in remote write config');
      validateHeaders(c.headers, d);
      if (!PROTOBUF_MESSAGES.has(c.protobufMessage))
        d.fail(
          `invalid protobuf_message value: unknown remote write protobuf message ${c.protobufMessage}, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request`,
        );
      validateHTTPClientConfig(c, d);
      const auth: string[] = [];
      if (c.basicAuth !== null) auth.push('basic_auth');
      if (c.authorization !== null) auth.push('authorization');
      if (c.oauth2 !== null) auth.push('oauth2');
      if (c.sigv4 !== null) auth.push('sigv4');
      if (c.azuread !== null) auth.push('azuread');
      if (c.googleIam !== null) auth.push('google_iam');
      if (auth.length > 1)
        d.fail(
          `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(' ')}]`,
        );
    },
  },
);

type RawRemoteRead = Omit<RemoteReadConfig, 'url'> & { url: string | null };

const remoteReadCodec = struct<RawRemoteRead>(
  'config.plain',
  [
    field('url', 'url', remoteURL, true),
    field('remote_timeout', 'remoteTimeout', duration),
    field('chunked_read_limit', 'chunkedReadLimit', uint64),
    field('headers', 'headers', dict(str)),
    field('read_recent', 'readRecent', bool),
    field('name', 'name', str),
    ...httpClientFields,
    field('required_matchers', 'requiredMatchers', dict(str, 'model.LabelSet')),
    field('filter_external_labels', 'filterExternalLabels', bool),
  ],
  {
    defaults: () => ({
      ...defaultHTTPClientConfig(),
      url: null,
      remoteTimeout: 60_000,
      chunkedReadLimit: 5e7,
      headers: {},
      readRecent: false,
      name: '',
      requiredMatchers: {},
      filterExternalLabels: true,
    }),
    goName: 'config.RemoteReadConfig',
    validate(c, d) {
      if (c.url === null) d.fail('url for remote_read is empty');
      validateHeaders(c.headers, d);
      validateHTTPClientConfig(c, d);
    },
  },
);

const retention = struct<{ time: number; size: number }>(
  'config.TSDBRetentionConfig',
  [field('time', 'time', duration), field('size', 'size', base2Bytes)],
  { defaults: () => ({ time: 0, size: 0 }) },
);

const tsdbCodec = struct<TSDBConfig>(
  'config.plain',
  [
    field('out_of_order_time_window', 'outOfOrderTimeWindow', duration),
    field('retention', 'retention', retention),
  ],
  { defaults: () => ({ outOfOrderTimeWindow: 0, retention: null }) },
);

const exemplarsCodec = struct<{ maxExemplars: number }>(
  'config.ExemplarsConfig',
  [field('max_exemplars', 'maxExemplars', int64)],
  { defaults: () => ({ maxExemplars: 0 }) },
);

const storageCodec = struct<StorageConfig>(
  'config.StorageConfig',
  [field('tsdb', 'tsdb', tsdbCodec), field('exemplars', 'exemplars', exemplarsCodec)],
  { defaults: () => ({ tsdb: null, exemplars: { maxExemplars: 100000 } }) },
);

const tracingCodec = struct<TracingConfig>(
  'config.plain',
  [
    field('client_type', 'clientType', str),
    field('endpoint', 'endpoint', str),
    field('sampling_fraction', 'samplingFraction', float64),
    field('insecure', 'insecure', bool),
    field('tls_config', 'tlsConfig', tlsConfigField),
    field('headers', 'headers', dict(str)),
    field('compression', 'compression', str),
    field('timeout', 'timeout', duration),
  ],
  {
    defaults: () => ({
      clientType: 'grpc',
      endpoint: '',
      samplingFraction: 0,
      insecure: false,
      tlsConfig: defaultTLSConfig(),
      headers: {},
      compression: '',
      timeout: 0,
    }),
    validate(t, d) {
      if (t.clientType !== 'http' && t.clientType !== 'grpc')
        d.fail(`expected tracing client type to be to be http or grpc, but got ${t.clientType}`);
      for (const k of Object.keys(t.headers)) {
        if (k.toLowerCase() === 'authorization')
          d.fail('custom authorization header configuration is not yet supported');
        if (RESERVED_HEADERS.has(k.toLowerCase()))
          d.fail(`${k} is a reserved header. It must not be changed`);
      }
      if (t.endpoint === '') d.fail('tracing endpoint must be set');
      if (t.compression !== '' && t.compression !== 'gzip')
        d.fail(`invalid compression type ${t.compression} provided, valid options: gzip`);
    },
  },
);

const runtimeCodec = struct<{ gogc: number }>('config.RuntimeConfig', [field('gogc', 'gogc', int)], {
  defaults: () => ({ gogc: 0 }),
});

/** A value kept as plain data without being reported (its section is reported once). */
const opaqueValueImpl: Codec<unknown> = {
  goType: 'interface {}',
  decode: (n, d) => {
    const r = d.resolve(n);
    return r === null ? null : (r.toJSON(d.doc) as unknown);
  },
  encode: (v) => (v === null ? undefined : v),
};

const OTLP_FIELDS = [
  'promote_all_resource_attributes',
  'promote_resource_attributes',
  'ignore_resource_attributes',
  'translation_strategy',
  'keep_identifying_resource_attributes',
  'convert_histograms_to_nhcb',
  'promote_scope_metadata',
  'label_name_underscore_sanitization',
  'label_name_preserve_multiple_underscores',
];

/** The OTLP section: field names checked, values kept as data (there is no OTLP receiver yet). */
const otlpCodec = struct<Record<string, unknown>>(
  'config.plain',
  OTLP_FIELDS.map((k) => field(k, k, opaqueValueImpl)),
  { defaults: () => ({}) },
);

type RawConfig = Omit<
  Config,
  'global' | 'alerting' | 'scrapeConfigs' | 'remoteWrite' | 'remoteRead' | 'tracing' | 'otlp' | 'runtime'
> & {
  global: RawGlobal | null;
  runtime: { gogc: number } | null;
  alerting: RawAlerting | null;
  scrapeConfigs: (RawScrape | null)[];
  remoteWrite: (RawRemoteWrite | null)[];
  remoteRead: (RawRemoteRead | null)[];
  tracing: TracingConfig | null;
  otlp: Record<string, unknown> | null;
};

const configFields = [
  field('global', 'global', globalCodec),
  field('runtime', 'runtime', unimplemented(runtimeCodec)),
  field('alerting', 'alerting', alertingCodec),
  field('rule_files', 'ruleFiles', list(str)),
  field('scrape_config_files', 'scrapeConfigFiles', list(str)),
  field('scrape_configs', 'scrapeConfigs', list(scrapeConfigCodec)),
  field('storage', 'storage', storageCodec),
  field('tracing', 'tracing', unimplemented(tracingCodec)),
  field('remote_write', 'remoteWrite', unimplemented(list(remoteWriteCodec))),
  field('remote_read', 'remoteRead', unimplemented(list(remoteReadCodec))),
  field('otlp', 'otlp', unimplemented(otlpCodec)),
];

const RULE_PATH = /^[^*]*(\*[^/]*)?$/;

/** Go's os.Expand over `$VAR` and `${VAR}`, with `$$` kept as `$`. */
function expandEnv(s: string, env: Readonly<Record<string, string | undefined>>): string {
  return s.replace(
    /\$(\{([^}]*)\}|([A-Za-z0-9_]+)|\$)/g,
    (_m, _all: string, braced?: string, bare?: string) => {
      const name = braced ?? bare ?? '$';
      if (name === '$') return '$';
      return env[name] ?? '';
    },
  );
}

const configCodec = struct<RawConfig>('config.plain', configFields, {
  defaults: () => ({
    global: null,
    runtime: null,
    alerting: null,
    ruleFiles: [],
    scrapeConfigFiles: [],
    scrapeConfigs: [],
    storage: { tsdb: null, exemplars: { maxExemplars: 100000 } },
    tracing: null,
    remoteWrite: [],
    remoteRead: [],
    otlp: null,
  }),
  validate(c, d) {
    for (const rf of c.ruleFiles)
      if (!RULE_PATH.test(rf)) d.fail(`invalid rule file path ${JSON.stringify(rf)}`);
    for (const sf of c.scrapeConfigFiles)
      if (!RULE_PATH.test(sf)) d.fail(`invalid scrape config file path ${JSON.stringify(sf)}`);
    const g = (c.global ?? defaultGlobalConfig()) as GlobalConfig;
    c.global = g;
    const jobs = new Set<string>();
    const done: ScrapeConfig[] = [];
    for (const raw of c.scrapeConfigs) {
      const sc = completeScrapeConfig(raw, g, d);
      if (jobs.has(sc.jobName))
        d.fail(`found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}`);
      jobs.add(sc.jobName);
      done.push(sc);
    }
    c.scrapeConfigs = done;
    const al = c.alerting ?? { alertRelabelConfigs: [], alertmanagers: [] };
    c.alerting = al;
    validateRelabelConfigs(
      al.alertRelabelConfigs,
      g.metricNameValidationScheme,
      d,
      'empty or null alert relabeling rule',
    );
    for (const am of al.alertmanagers) {
      if (am === null) continue;
      validateRelabelConfigs(
        am.alertRelabelConfigs,
        g.metricNameValidationScheme,
        d,
        'empty or null Alertmanager alert relabeling rule',
      );
      validateRelabelConfigs(
        am.relabelConfigs,
        g.metricNameValidationScheme,
        d,
        'empty or null Alertmanager target relabeling rule',
      );
    }
    al.alertmanagers = al.alertmanagers.filter((a) => a !== null);
    const rwNames = new Set<string>();
    for (const rw of c.remoteWrite) {
      if (rw === null) return d.fail('empty or null remote write config section');
      if (rw.name !== '' && rwNames.has(rw.name))
        d.fail(`found multiple remote write configs with job name ${JSON.stringify(rw.name)}`);
      validateRelabelConfigs(
        rw.writeRelabelConfigs,
        g.metricNameValidationScheme,
        d,
        'empty or null relabeling rule in remote write config',
      );
      rwNames.add(rw.name);
    }
    const rrNames = new Set<string>();
    for (const rr of c.remoteRead) {
      if (rr === null) return d.fail('empty or null remote read config section');
      if (rr.name !== '' && rrNames.has(rr.name))
        d.fail(`found multiple remote read configs with job name ${JSON.stringify(rr.name)}`);
      rrNames.add(rr.name);
    }
    const strategy = c.otlp?.['translation_strategy'];
    if (strategy !== undefined && strategy !== null) {
      const s = String(strategy);
      if (s === 'NoTranslation' || s === 'NoUTF8EscapingWithSuffixes') {
        if (g.metricNameValidationScheme === 'legacy')
          d.fail(`OTLP translation strategy ${JSON.stringify(s)} is not allowed when UTF8 is disabled`);
      } else if (
        s !== 'UnderscoreEscapingWithSuffixes' &&
        s !== 'UnderscoreEscapingWithoutSuffixes' &&
        s !== ''
      )
        d.fail(`unsupported OTLP translation strategy ${JSON.stringify(s)}`);
    }
  },
});

/** The default configuration (what an empty file loads to). */
export function defaultConfig(): Config {
  return {
    global: defaultGlobalConfig(),
    runtime: { gogc: 75 },
    alerting: { alertRelabelConfigs: [], alertmanagers: [] },
    ruleFiles: [],
    scrapeConfigFiles: [],
    scrapeConfigs: [],
    storage: { tsdb: null, exemplars: { maxExemplars: 100000 } },
    tracing: null,
    remoteWrite: [],
    remoteRead: [],
    otlp: {},
  };
}

/**
 * Parses and validates configuration text. Throws a {@link ConfigError} with Prometheus's
 * message (`yaml: unmarshal errors:\n  line 3: field foo not found in type config.ScrapeConfig`,
 * `found multiple scrape configs with job name "x"`, ...). Paths stay as written.
 */
export function loadConfig(text: string, opts: LoadOptions = {}): LoadedConfig {
  const d = parseYAML(text);
  const root = d.resolve(d.doc.contents as never);
  const raw = root === null ? null : configCodec.decode(root, d);
  if (d.typeErrors.length > 0)
    throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
  const config = raw === null ? defaultConfig() : (raw as unknown as Config);
  config.runtime ??= { gogc: 75 };
  if (config.runtime.gogc === 0) config.runtime.gogc = 75;
  config.otlp ??= {};
  if (opts.expandExternalLabels ?? true) {
    const env = opts.env ?? process.env;
    const el: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.global.externalLabels)) el[k] = expandEnv(v, env);
    config.global.externalLabels = el;
  }
  return { config, unimplemented: d.unimplemented };
}

/** Resolves every relative file path in the config against `dir`, as `Config.SetDirectory` does. */
export function setDirectory(c: Config, dir: string): void {
  c.global.queryLogFile = joinDir(dir, c.global.queryLogFile);
  c.global.scrapeFailureLogFile = joinDir(dir, c.global.scrapeFailureLogFile);
  c.ruleFiles = c.ruleFiles.map((f) => joinDir(dir, f));
  c.scrapeConfigFiles = c.scrapeConfigFiles.map((f) => joinDir(dir, f));
  for (const sc of c.scrapeConfigs) scrapeSetDirectory(sc, dir);
  for (const am of c.alerting.alertmanagers) {
    sdSetDirectory(am, dir);
    httpClientSetDirectory(am, dir);
  }
  for (const rw of c.remoteWrite) httpClientSetDirectory(rw, dir);
  for (const rr of c.remoteRead) httpClientSetDirectory(rr, dir);
  if (c.tracing !== null) tlsSetDirectory(c.tracing.tlsConfig, dir);
}

function scrapeSetDirectory(sc: ScrapeConfig, dir: string): void {
  sdSetDirectory(sc, dir);
  httpClientSetDirectory(sc, dir);
  sc.scrapeFailureLogFile = joinDir(dir, sc.scrapeFailureLogFile);
}

/**
 * Reads, parses and validates a config file, then resolves relative paths against its
 * directory. Errors are `parsing YAML file <name>: <reason>` as in Prometheus; a missing file
 * throws the fs error.
 */
export function loadConfigFile(filename: string, opts: LoadOptions = {}): LoadedConfig {
  const text = readFileSync(filename, 'utf8');
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(text, opts);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`parsing YAML file ${filename}: ${e.message}`);
    throw e;
  }
  const c = loaded.config;
  if (opts.agentMode) {
    if (c.alerting.alertmanagers.length > 0 || c.alerting.alertRelabelConfigs.length > 0)
      throw new ConfigError('field alerting is not allowed in agent mode');
    if (c.ruleFiles.length > 0) throw new ConfigError('field rule_files is not allowed in agent mode');
    if (c.remoteRead.length > 0) throw new ConfigError('field remote_read is not allowed in agent mode');
  }
  setDirectory(c, dirname(filename));
  return loaded;
}

const scrapeConfigsFileCodec = struct<{ scrapeConfigs: (RawScrape | null)[] }>(
  'config.ScrapeConfigs',
  [field('scrape_configs', 'scrapeConfigs', list(scrapeConfigCodec))],
  { defaults: () => ({ scrapeConfigs: [] }) },
);

/**
 * The scrape configs of the main file plus those in `scrape_config_files`, validated with the
 * global defaults (Prometheus's `GetScrapeConfigs`). Errors name the file by absolute path.
 */
export function getScrapeConfigs(c: Config): ScrapeConfig[] {
  const out = [...c.scrapeConfigs];
  const jobs = new Map<string, string>(c.scrapeConfigs.map((s) => [s.jobName, 'main config file']));
  for (const pat of c.scrapeConfigFiles) {
    for (const filename of glob(pat)) {
      const abs = JSON.stringify(resolvePath(filename));
      const fail = (msg: string): never => {
        throw new ConfigError(`${abs}: ${msg}`);
      };
      let text: string;
      try {
        text = readFileSync(filename, 'utf8');
      } catch (e) {
        return fail(e instanceof Error ? e.message : String(e));
      }
      try {
        const d = parseYAML(text);
        const root = d.resolve(d.doc.contents as never);
        const raw = root === null ? null : scrapeConfigsFileCodec.decode(root, d);
        if (d.typeErrors.length > 0)
          throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
        for (const rs of raw?.scrapeConfigs ?? []) {
          const sc = completeScrapeConfig(rs, c.global, d);
          const first = jobs.get(sc.jobName);
          if (first !== undefined)
            throw new ConfigError(
              `found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}, first found in ${first}`,
            );
          jobs.set(sc.jobName, abs);
          scrapeSetDirectory(sc, dirname(filename));
          out.push(sc);
        }
      } catch (e) {
        if (e instanceof ConfigError) fail(e.message);
        throw e;
      }
    }
  }
  return out;
}

function resolvePath(p: string): string {
  return p.startsWith('/') ? p : `${process.cwd()}/${p}`.replace(/\/\.\//g, '/');
}

/** The config codec, for printing ({@link configToYAML}). */
export const CONFIG_CODEC: Codec<unknown> = configCodec as Codec<unknown>;
/** Codecs of the parts, for printing. */
export const SECTION_CODECS = { scrapeConfigCodec, globalCodec };
/** Re-exported for users of the config module. */
export { secret };
