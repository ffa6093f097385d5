/**
 * The ignis server's flags: Prometheus 3.5's names and defaults, so existing command lines,
 * systemd units and `/api/v1/status/flags` consumers (the Thanos sidecar) keep working.
 * Flags whose subsystem is not built yet are accepted and listed by `notYetUsed`.
 */
import type { FlagDef } from './flags.js';

const f = (
  name: string,
  kind: FlagDef['kind'],
  def: string,
  help: string,
  extra: Partial<FlagDef> = {},
): FlagDef => ({ name, kind, default: def, help, ...extra });

/** Every flag the server takes. */
export const SERVER_FLAGS: readonly FlagDef[] = [
  f('config.file', 'string', 'prometheus.yml', 'Prometheus configuration file path.', {
    placeholder: '<path>',
  }),
  f(
    'config.auto-reload-interval',
    'duration',
    '30s',
    'Interval for checking the config file for changes (with --enable-feature=auto-reload-config).',
  ),
  f('web.listen-address', 'string', '0.0.0.0:9090', 'Address to listen on for UI, API, and telemetry.', {
    repeatable: true,
    placeholder: '<address>',
  }),
  f(
    'web.config.file',
    'string',
    '',
    '[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.',
    { placeholder: '<path>' },
  ),
  f(
    'web.read-timeout',
    'duration',
    '5m',
    'Maximum duration before timing out read of the request, and closing idle connections.',
  ),
  f('web.max-connections', 'int', '512', 'Maximum number of simultaneous connections across all listeners.'),
  f(
    'web.max-notifications-subscribers',
    'int',
    '16',
    'Limits the maximum number of subscribers that can concurrently receive live notifications.',
  ),
  f('web.external-url', 'string', '', 'The URL under which Prometheus is externally reachable.', {
    placeholder: '<URL>',
  }),
  f(
    'web.route-prefix',
    'string',
    '',
    'Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url.',
    { placeholder: '<path>' },
  ),
  f('web.user-assets', 'string', '', 'Path to static asset directory, available at /user.', {
    placeholder: '<path>',
  }),
  f('web.enable-lifecycle', 'bool', 'false', 'Enable shutdown and reload via HTTP request.'),
  f('web.enable-admin-api', 'bool', 'false', 'Enable API endpoints for admin control actions.'),
  f(
    'web.enable-remote-write-receiver',
    'bool',
    'false',
    'Enable API endpoint accepting remote write requests.',
  ),
  f(
    'web.remote-write-receiver.accepted-protobuf-messages',
    'string',
    'prometheus.WriteRequest,io.prometheus.write.v2.Request',
    'List of the remote write protobuf messages to accept.',
    { repeatable: true },
  ),
  f(
    'web.console.templates',
    'string',
    'consoles',
    'Path to the console template directory, available at /consoles.',
    { placeholder: '<path>' },
  ),
  f('web.console.libraries', 'string', 'console_libraries', 'Path to the console library directory.', {
    placeholder: '<path>',
  }),
  f(
    'web.page-title',
    'string',
    'Prometheus Time Series Collection and Processing Server',
    'Document title of Prometheus instance.',
  ),
  f('web.cors.origin', 'string', '.*', 'Regex for CORS origin. It is fully anchored.'),
  f('storage.tsdb.path', 'string', 'data/', 'Base path for metrics storage.', { placeholder: '<path>' }),
  f(
    'storage.tsdb.retention.time',
    'duration',
    '',
    'How long to retain samples in storage. If neither this flag nor "storage.tsdb.retention.size" is set, the retention time defaults to 15d.',
  ),
  f(
    'storage.tsdb.retention.size',
    'bytes',
    '',
    'Maximum number of bytes that can be stored for blocks (B, KB, MB, GB, TB, PB, EB).',
  ),
  f('storage.tsdb.no-lockfile', 'bool', 'false', 'Do not create lockfile in data directory.'),
  f(
    'storage.tsdb.head-chunks-write-queue-size',
    'int',
    '0',
    'Size of the queue through which head chunks are written to the disk to be m-mapped.',
  ),
  f(
    'storage.tsdb.min-block-duration',
    'duration',
    '2h',
    'Minimum duration of a data block before being persisted.',
    { hidden: true },
  ),
  f(
    'storage.tsdb.max-block-duration',
    'duration',
    '',
    'Maximum duration compacted blocks may span (default: 10% of the retention period or 31d).',
    { hidden: true },
  ),
  f('storage.tsdb.wal-segment-size', 'bytes', '', 'Size at which to split the tsdb WAL segment files.', {
    hidden: true,
  }),
  f('storage.tsdb.wal-compression', 'bool', 'true', 'Compress the tsdb WAL.', { hidden: true }),
  f('storage.tsdb.wal-compression-type', 'enum', 'snappy', 'Compression algorithm for the tsdb WAL.', {
    hidden: true,
    values: ['snappy', 'zstd'],
  }),
  f('storage.tsdb.allow-overlapping-compaction', 'bool', 'true', 'Allow compaction of overlapping blocks.', {
    hidden: true,
  }),
  f(
    'storage.remote.flush-deadline',
    'duration',
    '1m',
    'How long to wait flushing sample on shutdown or config reload.',
  ),
  f(
    'storage.remote.read-sample-limit',
    'int',
    '50000000',
    'Maximum overall number of samples to return via the remote read interface, in a single query. 0 means no limit.',
  ),
  f(
    'storage.remote.read-concurrent-limit',
    'int',
    '10',
    'Maximum number of concurrent remote read calls. 0 means no limit.',
  ),
  f(
    'storage.remote.read-max-bytes-in-frame',
    'int',
    '1048576',
    'Maximum number of bytes in a single frame for streaming remote read response types.',
  ),
  f(
    'rules.alert.for-outage-tolerance',
    'duration',
    '1h',
    'Max time to tolerate prometheus outage for restoring "for" state of alert.',
  ),
  f(
    'rules.alert.for-grace-period',
    'duration',
    '10m',
    'Minimum duration between alert and restored "for" state.',
  ),
  f(
    'rules.alert.resend-delay',
    'duration',
    '1m',
    'Minimum amount of time to wait before resending an alert to Alertmanager.',
  ),
  f(
    'rules.max-concurrent-evals',
    'int',
    '4',
    'Global concurrency limit for independent rules that can run concurrently.',
  ),
  f(
    'alertmanager.notification-queue-capacity',
    'int',
    '10000',
    'The capacity of the queue for pending Alertmanager notifications.',
  ),
  f(
    'alertmanager.notification-batch-size',
    'int',
    '256',
    'The maximum number of notifications per batch to send to the Alertmanager.',
  ),
  f(
    'alertmanager.drain-notification-queue-on-shutdown',
    'bool',
    'true',
    'Send any outstanding Alertmanager notifications when shutting down.',
  ),
  f(
    'query.lookback-delta',
    'duration',
    '5m',
    'The maximum lookback duration for retrieving metrics during expression evaluations and federation.',
  ),
  f('query.timeout', 'duration', '2m', 'Maximum time a query may take before being aborted.'),
  f('query.max-concurrency', 'int', '20', 'Maximum number of queries executed concurrently.'),
  f('query.max-samples', 'int', '50000000', 'Maximum number of samples a single query can load into memory.'),
  f(
    'scrape.adjust-timestamps',
    'bool',
    'true',
    'Adjust scrape timestamps by up to `scrape.timestamp-tolerance` to align them to the intended schedule.',
    { hidden: true },
  ),
  f('scrape.timestamp-tolerance', 'duration', '2ms', 'Timestamp tolerance.', { hidden: true }),
  f(
    'scrape.discovery-reload-interval',
    'duration',
    '5s',
    'Interval used by scrape manager to throttle target groups updates.',
    { hidden: true },
  ),
  f('storage.tsdb.samples-per-chunk', 'int', '120', 'Target number of samples per chunk.', { hidden: true }),
  f(
    'storage.tsdb.max-block-chunk-segment-size',
    'bytes',
    '',
    'The maximum size for a single chunk segment in a block.',
    { hidden: true },
  ),
  f(
    'storage.tsdb.delayed-compaction.max-percent',
    'int',
    '10',
    "Sets the upper limit for the random compaction delay, in percentage of the head's chunk range.",
    { hidden: true },
  ),
  f('storage.agent.path', 'string', 'data-agent/', 'Base path for metrics storage.', {
    placeholder: '<path>',
  }),
  f('storage.agent.wal-compression', 'bool', 'true', 'Compress the agent WAL.'),
  f('storage.agent.wal-compression-type', 'enum', 'snappy', 'Compression algorithm for the agent WAL.', {
    values: ['snappy', 'zstd'],
  }),
  f('storage.agent.wal-segment-size', 'bytes', '', 'Size at which to split WAL segment files.', {
    hidden: true,
  }),
  f(
    'storage.agent.wal-truncate-frequency',
    'duration',
    '',
    'The frequency at which to truncate the WAL and remove old data.',
    { hidden: true },
  ),
  f(
    'storage.agent.retention.min-time',
    'duration',
    '',
    'Minimum age samples may be before being considered for deletion when the WAL is truncated',
  ),
  f(
    'storage.agent.retention.max-time',
    'duration',
    '',
    'Maximum age samples may be before being forcibly deleted when the WAL is truncated',
  ),
  f('storage.agent.no-lockfile', 'bool', 'false', 'Do not create lockfile in data directory.'),
  f(
    'auto-gomaxprocs',
    'bool',
    'true',
    'Automatically set GOMAXPROCS to match Linux container CPU quota (accepted; no effect in Node.js).',
  ),
  f(
    'auto-gomemlimit',
    'bool',
    'true',
    'Automatically set GOMEMLIMIT to match Linux container or system memory limit (accepted; no effect in Node.js).',
  ),
  f(
    'auto-gomemlimit.ratio',
    'float',
    '0.9',
    'The ratio of reserved GOMEMLIMIT memory to the detected maximum container or system memory.',
  ),
  f('web.local-assets', 'string', 'web/', 'Path to static asset/templates directory.', {
    placeholder: '<path>',
  }),
  f('enable-feature', 'string', '', 'Comma separated feature names to enable.', {
    repeatable: true,
    placeholder: '<name>',
  }),
  f('agent', 'bool', 'false', "Run Prometheus in 'Agent mode'."),
  f(
    'log.level',
    'enum',
    'info',
    'Only log messages with the given severity or above. One of: [debug, info, warn, error]',
    { values: ['debug', 'info', 'warn', 'error'] },
  ),
  f('log.format', 'enum', 'logfmt', 'Output format of log messages. One of: [logfmt, json]', {
    values: ['logfmt', 'json'],
  }),
];

/** The features `--enable-feature` accepts that ignis knows (others are logged and ignored, as Prometheus does). */
export function enabledFeatures(lists: ReadonlyMap<string, readonly string[]>): Set<string> {
  const out = new Set<string>();
  for (const v of lists.get('enable-feature') ?? [])
    for (const name of v.split(',')) if (name.trim()) out.add(name.trim());
  return out;
}

/** Prometheus's "0B"/"0s" spellings of unset sizes and durations in /api/v1/status/flags. */
const UNSET_AS: Readonly<Record<string, string>> = {
  'storage.tsdb.retention.size': '0B',
  'storage.tsdb.wal-segment-size': '0B',
  'storage.tsdb.max-block-chunk-segment-size': '0B',
  'storage.agent.wal-segment-size': '0B',
  'storage.agent.wal-truncate-frequency': '0s',
  'storage.agent.retention.min-time': '0s',
  'storage.agent.retention.max-time': '0s',
};

/**
 * The flag values /api/v1/status/flags reports: like Prometheus, the effective ones (the
 * retention and block durations it computed, "0B" for unset sizes, "/" for the route prefix),
 * which is what the Thanos sidecar reads.
 */
export function effectiveFlags(
  values: ReadonlyMap<string, string>,
  computed: { retentionTime: string; maxBlockDuration: string; routePrefix: string },
): Map<string, string> {
  const out = new Map(values);
  for (const [k, v] of Object.entries(UNSET_AS)) if (!out.get(k)) out.set(k, v);
  out.set('storage.tsdb.retention.time', computed.retentionTime);
  out.set('storage.tsdb.max-block-duration', computed.maxBlockDuration);
  out.set('web.route-prefix', computed.routePrefix || '/');
  return out;
}
