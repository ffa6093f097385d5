#!/usr/bin/env node
/**
 * ignis: the server. Parses Prometheus's flags, opens the data directory (replaying the WAL),
 * serves the HTTP endpoints, and shuts down cleanly on SIGTERM, SIGINT or /-/quit.
 *
 * Still to come (see the README's status table): the PromQL query API, scraping, rules and
 * remote write. The configuration file is read and served on /api/v1/status/config.
 */
import fs from 'node:fs';
import os from 'node:os';
import type https from 'node:https';
import path from 'node:path';
import {
  configToYAML,
  loadConfig,
  loadConfigFile,
  unimplementedWarning,
  type Config,
  type LoadedConfig,
  formatDuration,
} from '../config/index.js';
import { Labels } from '../model/labels.js';
import { MemoryStorage } from '../storage/memory.js';
import { DB, DBOpenError, DEFAULT_RETENTION } from '../tsdb/db.js';
import { Logger, type LogFormat, type LogLevel } from '../util/log.js';
import { ENGINE_FEATURES, Engine, type EngineFeature, type EngineOptions } from '../promql/engine/engine.js';
import { ActiveQueryTracker } from '../web/api/active-queries.js';
import { registerQueryAPI, type QueryOptions } from '../web/api/query.js';
import { registerAdminAPI } from '../web/api/admin.js';
import { registerTargetsAPI } from '../web/api/targets.js';
import { registerV1 } from '../web/api/v1.js';
import { registerFederate } from '../web/federate.js';
import { registerCoreRoutes, registerHeadMetrics } from '../web/core.js';
import { registerProcessMetrics } from '../web/metrics/process.js';
import { Registry, family } from '../web/metrics/registry.js';
import { WebServer } from '../web/server.js';
import { FlagError, flagsHelp, parseBytes, parseFlags, parsePromDuration } from './flags.js';
import { isMainModule } from './main.js';
import { WebAccess, tlsOptions } from './web-config.js';
import { AlertingService, registerAlertingAPI, registerAlertingMetrics } from './alerting.js';
import { ScrapeService } from './scraping.js';
import { SERVER_FLAGS, effectiveFlags, enabledFeatures } from './server-flags.js';
import { version, versionBanner } from './version.js';

/** The configuration used when `--config.file` is left at its default and no such file exists. */
export const EMBEDDED_CONFIG = `# ignis's built-in default: scrape ignis itself every 15s.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: ignis
    static_configs:
      - targets: ['localhost:9090']
`;

const isEngineFeature = (f: string): f is EngineFeature => (ENGINE_FEATURES as readonly string[]).includes(f);

/** Streams and hooks the server uses (tests pass their own). */
export interface ServerIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A running server, for tests and the signal handlers. */
export interface RunningServer {
  /** The addresses the HTTP server is bound to. */
  addresses: string[];
  /** Resolves when the server has shut down. */
  done: Promise<void>;
  /** Starts a clean shutdown. */
  shutdown(reason: string): void;
  /** Reloads the configuration (SIGHUP); rejects, keeping the old one, when the new one is bad. */
  reload(): Promise<void>;
}

/**
 * Starts the server with `args`. Returns an exit code for `--help`, `--version` and bad flags
 * (after printing), or the running server.
 */
export async function startServer(args: string[], io: ServerIO): Promise<number | RunningServer> {
  let flags;
  try {
    flags = parseFlags(SERVER_FLAGS, args);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`ignis: error: ${e.message}, try --help\n`);
    return 1;
  }
  if (flags.help) {
    io.stdout.write(flagsHelp('ignis', 'The ignis monitoring server (Prometheus-compatible).', SERVER_FLAGS));
    return 0;
  }
  if (flags.version) {
    io.stdout.write(versionBanner('ignis'));
    return 0;
  }
  if (flags.args.length > 0) {
    io.stderr.write(`ignis: error: unexpected ${flags.args[0]}, try --help\n`);
    return 1;
  }
  const v = flags.values;
  const log = new Logger(io.stderr, v.get('log.level') as LogLevel, v.get('log.format') as LogFormat);
  log.info('Starting ignis', { version: version(), node: process.version });

  // The configuration: the named file, or the embedded default when the default path is absent.
  const configFile = v.get('config.file')!;
  const agentMode = v.get('agent') === 'true';
  const readConfig = (): LoadedConfig => {
    if (!fs.existsSync(configFile) && !flags.given.has('config.file'))
      return loadConfig(EMBEDDED_CONFIG, { agentMode });
    return loadConfigFile(configFile, { agentMode });
  };
  let config: Config;
  try {
    const loaded = readConfig();
    config = loaded.config;
    const warning = unimplementedWarning(loaded.unimplemented);
    if (warning) log.warn(warning, { file: configFile });
  } catch (e) {
    log.error(`Error loading config (--config.file=${configFile})`, { file: configFile, err: e as Error });
    return 1;
  }
  let lastConfigTime = new Date();
  let reloadConfigSuccess = true;

  const dataDir = v.get('storage.tsdb.path')!;
  // Retention as Prometheus computes it: 15d unless set; only a size limit turns time off.
  const retentionTimeFlag = v.get('storage.tsdb.retention.time')!;
  const effectiveRetention = retentionTimeFlag
    ? parsePromDuration(retentionTimeFlag)
    : v.get('storage.tsdb.retention.size')
      ? 0
      : DEFAULT_RETENTION;
  const retention = formatDuration(effectiveRetention);
  // Max block duration: the flag, else 10% of the retention capped at 31d (the min block without retention).
  const maxBlockFlag = v.get('storage.tsdb.max-block-duration')!;
  const effectiveMaxBlock = maxBlockFlag
    ? parsePromDuration(maxBlockFlag)
    : Math.min(
        Math.max(effectiveRetention / 10, parsePromDuration(v.get('storage.tsdb.min-block-duration')!)),
        31 * 86_400_000,
      );
  const routePrefix = (
    v.get('web.route-prefix') || new URL(v.get('web.external-url') || 'http://localhost/').pathname
  ).replace(/\/+$/, '');
  let ready = false;
  const registry = new Registry();
  registerProcessMetrics(registry);
  registry.register(() => [
    family(
      'prometheus_build_info',
      'gauge',
      "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.",
      1,
    ),
    family(
      'prometheus_ready',
      'gauge',
      'Whether Prometheus startup was fully completed and the server is ready for normal operation.',
      ready ? 1 : 0,
    ),
    family(
      'prometheus_config_last_reload_successful',
      'gauge',
      'Whether the last configuration reload attempt was successful.',
      reloadConfigSuccess ? 1 : 0,
    ),
    family(
      'prometheus_config_last_reload_success_timestamp_seconds',
      'gauge',
      'Timestamp of the last successful configuration reload.',
      Math.floor(lastConfigTime.getTime() / 1000),
    ),
  ]);

  // --web.config.file: TLS at start; users and headers re-read when the file changes.
  const webConfigFile = v.get('web.config.file')!;
  let webAccess: WebAccess | undefined;
  let tls: https.ServerOptions | undefined;
  if (webConfigFile) {
    try {
      webAccess = new WebAccess(webConfigFile, log);
      tls = tlsOptions(webAccess.config);
    } catch (e) {
      log.error('Error loading web config', { file: webConfigFile, err: e as Error });
      return 1;
    }
  }
  const web = new WebServer({
    tls,
    access: webAccess ? () => webAccess!.current() : undefined,
    listenAddresses: flags.lists.get('web.listen-address') ?? [v.get('web.listen-address')!],
    routePrefix,
    registry,
    logger: log.with({ component: 'web' }),
  });
  let shutdown: (reason: string) => void = () => {};
  let db: DB | null = null;
  const reload = async (): Promise<void> => {
    try {
      // A bad new configuration is refused and the running one stays.
      config = readConfig().config;
      scraping?.applyConfig(config);
      alerting?.applyConfig(config);
      reloadConfigSuccess = true;
      lastConfigTime = new Date();
      log.info('Completed loading of configuration file', { filename: configFile });
    } catch (e) {
      reloadConfigSuccess = false;
      log.error('Error reloading config', { err: e as Error });
      throw e;
    }
  };
  registerCoreRoutes(web, {
    registry,
    ready: () => ready,
    enableLifecycle: v.get('web.enable-lifecycle') === 'true',
    reload: () => reload(),
    quit: () => shutdown('/-/quit'),
    flags: effectiveFlags(v, {
      retentionTime: formatDuration(effectiveRetention),
      maxBlockDuration: formatDuration(effectiveMaxBlock),
      routePrefix,
    }),
    version: version(),
    runtime: () => ({ reloadConfigSuccess, lastConfigTime, storageRetention: retention }),
    configYAML: () => configToYAML(config),
    walReplay: () => db?.walReplayStatus ?? { min: 0, max: 0, current: 0 },
  });

  // Storage endpoints answer from the DB once it is open; until then queries see nothing.
  const EMPTY_STORAGE = new MemoryStorage();
  registerV1(web, {
    storage: { querier: (mint, maxt) => (db ?? EMPTY_STORAGE).querier(mint, maxt) },
    head: () => db?.head ?? null,
  });
  let scraping: ScrapeService | null = null;
  registerTargetsAPI(web, () => scraping);
  registerAdminAPI(web, () => db, v.get('web.enable-admin-api') === 'true');
  let alerting: AlertingService | null = null;
  registerAlertingAPI(web, () => alerting);
  registerAlertingMetrics(registry, () => alerting);

  const engineOpts: EngineOptions = {
    lookbackDelta: parsePromDuration(v.get('query.lookback-delta')!),
    maxSamples: Number(v.get('query.max-samples')),
    timeout: parsePromDuration(v.get('query.timeout')!),
    features: [...enabledFeatures(flags.lists)].filter(isEngineFeature),
  };
  const engine = new Engine(engineOpts);
  const queryDuration = registry.summary(
    'prometheus_engine_query_duration_seconds',
    'Query timings',
    [0.5, 0.9, 0.99],
    ['slice'],
  );
  let tracker: ActiveQueryTracker | null = null;
  // Per-request `timeout` (capped by --query.timeout) and `lookback_delta` get an engine of their own.
  const engineFor = (o: QueryOptions): Engine =>
    o.timeoutMs === undefined && o.lookbackDeltaMs === undefined
      ? engine
      : new Engine({
          ...engineOpts,
          timeout: Math.min(o.timeoutMs ?? engineOpts.timeout!, engineOpts.timeout!),
          lookbackDelta: o.lookbackDeltaMs ?? engineOpts.lookbackDelta,
        });
  const storage = { querier: (mint: number, maxt: number) => (db ?? EMPTY_STORAGE).querier(mint, maxt) };
  registerQueryAPI(web, {
    engine: {
      instantQuery: (s, q, t, o) => engineFor(o).instantQuery(s, q, t),
      rangeQuery: (s, q, start, end, step, o) => engineFor(o).rangeQuery(s, q, start, end, step),
    },
    storage,
    maxConcurrency: Number(v.get('query.max-concurrency')),
    tracker: {
      insert: (q) => tracker?.insert(q) ?? 0,
      done: (id) => tracker?.done(id),
    },
    observe: (secs) => queryDuration.observe(secs, 'inner_eval'),
  });

  registerFederate(web, {
    storage: { querier: (mint, maxt) => (db ?? EMPTY_STORAGE).querier(mint, maxt) },
    lookbackDelta: parsePromDuration(v.get('query.lookback-delta')!),
    externalLabels: () => Labels.fromObject(config.global.externalLabels),
  });

  // Listen first, as Prometheus does, so /-/healthy answers (and /-/ready says 503) during replay.
  let addresses: string[];
  try {
    addresses = await web.start();
  } catch (e) {
    log.error('Error starting web server', { err: e as Error });
    return 1;
  }
  log.info('Listening', { address: addresses.join(','), component: 'web' });

  try {
    const retentionTime = v.get('storage.tsdb.retention.time')!;
    const retentionSize = v.get('storage.tsdb.retention.size')!;
    const maxBlock = v.get('storage.tsdb.max-block-duration')!;
    const segmentSize = v.get('storage.tsdb.wal-segment-size')!;
    db = await DB.open(path.resolve(dataDir), {
      minBlockDuration: parsePromDuration(v.get('storage.tsdb.min-block-duration')!),
      // Prometheus: with only a size limit set, time retention is off; with neither, 15d.
      ...(retentionTime
        ? { retentionDuration: parsePromDuration(retentionTime) }
        : retentionSize
          ? { retentionDuration: 0 }
          : {}),
      ...(retentionSize ? { maxBytes: parseBytes(retentionSize) } : {}),
      ...(maxBlock ? { maxBlockDuration: parsePromDuration(maxBlock) } : {}),
      ...(segmentSize ? { walSegmentSize: parseBytes(segmentSize) } : {}),
      // Prometheus looks for compaction and retention work every minute.
      compactionInterval: 60_000,
      noLockfile: v.get('storage.tsdb.no-lockfile') === 'true',
      maxExemplars: config.storage.exemplars?.maxExemplars ?? 0,
      logger: log,
    });
  } catch (e) {
    log.error(e instanceof DBOpenError ? 'Opening storage failed' : 'Opening storage failed unexpectedly', {
      err: e as Error,
    });
    await web.close();
    return 1;
  }
  registerHeadMetrics(registry, db.head);
  tracker = new ActiveQueryTracker(path.resolve(dataDir), log);
  scraping = new ScrapeService(db, log, {
    updateInterval: parsePromDuration(v.get('scrape.discovery-reload-interval')!),
    userAgent: `ignis/${version()}`,
  });
  scraping.applyConfig(config);
  alerting = new AlertingService(db, storage, engine, log, {
    resendDelay: parsePromDuration(v.get('rules.alert.resend-delay')!),
    outageTolerance: parsePromDuration(v.get('rules.alert.for-outage-tolerance')!),
    forGracePeriod: parsePromDuration(v.get('rules.alert.for-grace-period')!),
    queueCapacity: Number(v.get('alertmanager.notification-queue-capacity')),
    batchSize: Number(v.get('alertmanager.notification-batch-size')),
    discoveryInterval: parsePromDuration(v.get('scrape.discovery-reload-interval')!),
    externalURL: v.get('web.external-url') || `http://${os.hostname()}:${addresses[0]!.split(':').pop()}`,
    userAgent: `ignis/${version()}`,
  });
  try {
    alerting.applyConfig(config);
  } catch (e) {
    log.error('Error loading rules', { err: e as Error });
    await scraping.stop();
    await db.close();
    await web.close();
    return 1;
  }
  ready = true;
  log.info('Server is ready to receive web requests.');

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping = false;
  shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.warn('Received shutdown request, exiting gracefully...', { reason });
    void (async () => {
      await web.close();
      await scraping?.stop();
      await alerting?.stop();
      tracker?.close();
      await db?.close();
      log.info('See you next time!');
      resolveDone();
    })();
  };
  return { addresses, done, shutdown, reload };
}

if (isMainModule(import.meta.url)) {
  const io = { stdout: process.stdout, stderr: process.stderr };
  startServer(process.argv.slice(2), io).then(
    (r) => {
      if (typeof r === 'number') {
        process.exitCode = r;
        return;
      }
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => r.shutdown(sig));
      process.on('SIGHUP', () => void r.reload().catch(() => {}));
      void r.done.then(() => process.exit(0));
    },
    (e: unknown) => {
      process.stderr.write(`ignis: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
