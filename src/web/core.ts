/**
 * The routes every ignis server has: health and readiness, the lifecycle endpoints, /metrics,
 * and the status endpoints of API v1 that describe the process itself.
 */
import os from 'node:os';
import { negotiate } from '../exposition/negotiate.js';
import { encodeText } from '../exposition/write-text.js';
import { encodeOpenMetrics } from '../exposition/write-openmetrics.js';
import type { Head } from '../tsdb/head/head.js';
import { success } from './api/response.js';
import { family, type Registry } from './metrics/registry.js';
import type { WebServer } from './server.js';

/** What the core routes need from the program. */
export interface CoreDeps {
  registry: Registry;
  /** True once the WAL is replayed and the server can answer queries. */
  ready: () => boolean;
  /** `--web.enable-lifecycle`. */
  enableLifecycle: boolean;
  /** Reloads the configuration; rejects with the reason it was refused. */
  reload: () => Promise<void>;
  /** Starts a clean shutdown. */
  quit: () => void;
  /** Every flag's value, for /api/v1/status/flags. */
  flags: ReadonlyMap<string, string>;
  /** Build facts for /api/v1/status/buildinfo. */
  version: string;
  /** Runtime facts for /api/v1/status/runtimeinfo. */
  runtime: () => { reloadConfigSuccess: boolean; lastConfigTime: Date; storageRetention: string };
  /** The loaded configuration as YAML, for /api/v1/status/config. */
  configYAML: () => string;
  /** WAL replay progress, for /api/v1/status/walreplay. */
  walReplay: () => { min: number; max: number; current: number };
}

const START_TIME = new Date();

/** A JSON success answer. */
const api = (data: unknown) => ({ body: success(data) });
const NOT_READY = 'Service Unavailable';

/** Registers the core routes on `web`. */
export function registerCoreRoutes(web: WebServer, deps: CoreDeps): void {
  const text = (body: string, status = 200) => ({
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body,
  });

  web.handle(['GET', 'HEAD'], '/-/healthy', () => text('Prometheus Server is Healthy.\n'));
  web.handle(['GET', 'HEAD'], '/-/ready', () =>
    deps.ready() ? text('Prometheus Server is Ready.\n') : text(`${NOT_READY}\n`, 503),
  );

  const lifecycle = (fn: () => Promise<{ status: number; body: string }>) => async () => {
    if (!deps.enableLifecycle) return text('Lifecycle API is not enabled.', 403);
    const r = await fn();
    return text(r.body, r.status);
  };
  web.handle(
    ['POST', 'PUT'],
    '/-/reload',
    lifecycle(async () => {
      try {
        await deps.reload();
        return { status: 200, body: '' };
      } catch (e) {
        // Prometheus answers a refused reload with 500 and the reason as plain text.
        return { status: 500, body: `failed to reload config: ${(e as Error).message}\n` };
      }
    }),
  );
  web.handle(
    ['POST', 'PUT'],
    '/-/quit',
    lifecycle(async () => {
      setImmediate(deps.quit);
      return { status: 200, body: 'Requesting termination... Goodbye!' };
    }),
  );

  web.handle('GET', '/metrics', (req) => {
    // Prometheus 3.5 serves its own /metrics in the text format whatever the Accept header
    // says (checked against the real server); negotiate() with openMetrics off does the same.
    const neg = negotiate(req.headers.accept, { openMetrics: false });
    const fams = deps.registry.collect();
    const opts = { escaping: neg.escaping };
    const body = neg.format === 'openmetrics' ? encodeOpenMetrics(fams, opts) : encodeText(fams, opts);
    return { headers: { 'Content-Type': neg.contentType }, body };
  });

  web.handle('GET', '/api/v1/status/buildinfo', () =>
    api({
      version: deps.version,
      revision: 'unknown',
      branch: 'unknown',
      buildUser: 'unknown',
      buildDate: 'unknown',
      goVersion: `node${process.versions.node}`,
    }),
  );
  web.handle('GET', '/api/v1/status/flags', () => api(Object.fromEntries(deps.flags)));
  web.handle('GET', '/api/v1/status/config', () => api({ yaml: deps.configYAML() }));
  web.handle('GET', '/api/v1/status/walreplay', () => api(deps.walReplay()));
  web.handle('GET', '/api/v1/status/runtimeinfo', () => {
    const r = deps.runtime();
    return api({
      startTime: START_TIME.toISOString(),
      CWD: process.cwd(),
      hostname: os.hostname(),
      serverTime: new Date().toISOString(),
      reloadConfigSuccess: r.reloadConfigSuccess,
      lastConfigTime: r.lastConfigTime.toISOString(),
      corruptionCount: 0,
      goroutineCount: 0,
      GOMAXPROCS: os.availableParallelism(),
      GOMEMLIMIT: Number.MAX_SAFE_INTEGER,
      GOGC: '',
      GODEBUG: '',
      storageRetention: r.storageRetention,
    });
  });
}

/** Registers the head's counters under Prometheus's prometheus_tsdb_* names. */
export function registerHeadMetrics(reg: Registry, head: Head): void {
  reg.register(() => {
    const s = head.stats;
    const min = head.minTime();
    const max = head.maxTime();
    return [
      family(
        'prometheus_tsdb_head_series',
        'gauge',
        'Total number of series in the head block.',
        head.numSeries(),
      ),
      family(
        'prometheus_tsdb_head_series_created_total',
        'counter',
        'Total number of series created in the head',
        s.seriesCreated,
      ),
      family(
        'prometheus_tsdb_head_series_removed_total',
        'counter',
        'Total number of series removed in the head',
        s.seriesRemoved,
      ),
      family(
        'prometheus_tsdb_head_samples_appended_total',
        'counter',
        'Total number of appended samples.',
        s.samplesAppended,
      ),
      family(
        'prometheus_tsdb_head_chunks_created_total',
        'counter',
        'Total number of chunks created in the head',
        s.chunksCreated,
      ),
      family(
        'prometheus_tsdb_head_chunks_removed_total',
        'counter',
        'Total number of chunks removed in the head',
        s.chunksRemoved,
      ),
      family(
        'prometheus_tsdb_out_of_order_samples_total',
        'counter',
        'Total number of out of order samples ingestion failed attempts due to out of order being disabled.',
        s.outOfOrderSamples,
      ),
      family(
        'prometheus_tsdb_out_of_bound_samples_total',
        'counter',
        'Total number of out of bound samples ingestion failed attempts with out of order support disabled.',
        s.outOfBoundSamples,
      ),
      family(
        'prometheus_tsdb_head_min_time',
        'gauge',
        'Minimum time bound of the head block.',
        min === Number.MIN_SAFE_INTEGER ? 0 : min,
      ),
      family(
        'prometheus_tsdb_head_max_time',
        'gauge',
        'Maximum timestamp of the head block.',
        max === Number.MIN_SAFE_INTEGER ? 0 : max,
      ),
      family(
        'prometheus_tsdb_exemplar_exemplars_appended_total',
        'counter',
        'Total number of appended exemplars.',
        head.exemplars.appended,
      ),
      family(
        'prometheus_tsdb_exemplar_max_exemplars',
        'gauge',
        'Total number of exemplars the exemplar storage can store, resizeable.',
        head.exemplars.maxExemplars(),
      ),
    ];
  });
}
