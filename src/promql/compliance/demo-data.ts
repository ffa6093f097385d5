/**
 * A deterministic stand-in for three `julius/prometheus-demo-service` targets scraped every 5s,
 * the data the upstream PromQL compliance tester (prometheus/compliance, promql/) expects.
 *
 * The metric families, label sets, bucket layout and magnitudes follow the demo service's
 * source (api.go, client.go, cpu.go, disk.go, memory.go, batch.go, holiday.go,
 * intermittent_metric.go); its randomness comes from a seeded generator instead, so two runs
 * with the same `end` write the same samples. Samples are written as Prometheus's scrape loop
 * would: one transaction per scrape, `up` per target, stale markers for series that disappear
 * (the intermittent metric, every series of a failed scrape), and per-target scrape offsets
 * with a few milliseconds of jitter, so that range boundaries rarely fall on round times.
 */
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import type { Appendable } from '../../storage/interface.js';

/** The scrape interval of the compliance setup (prometheus-test-data.yml). */
export const DEMO_SCRAPE_INTERVAL_MS = 5_000;

/** The targets of the compliance setup, in order. */
export const DEMO_INSTANCES = [
  'demo.promlabs.com:10000',
  'demo.promlabs.com:10001',
  'demo.promlabs.com:10002',
];

/** Where each target's scrapes fall inside the interval, as Prometheus spreads targets by hash. */
const SCRAPE_OFFSETS_MS = [0, 1_650, 3_300];

/** `prometheus.ExponentialBuckets(0.0001, 1.5, 25)`, computed as client_golang does (repeated products). */
export const DEMO_BUCKETS: readonly number[] = (() => {
  const b: number[] = [];
  let x = 0.0001;
  for (let i = 0; i < 25; i++) {
    b.push(x);
    x *= 1.5;
  }
  return b;
})();

/** Options of {@link generateDemoData}. */
export interface DemoDataOptions {
  /** Timestamp (ms) at or before which the last scrape happens. */
  end: number;
  /** Length of the data (ms); keep it under 3h so Prometheus does not compact on start. */
  duration: number;
  /** Seed of the pseudo-random generator. */
  seed?: number;
  /**
   * Time (ms) at which the last target restarts: one failed scrape (`up` 0, every series stale),
   * then its counters begin again at 0. Null for no restart.
   */
  restartAt?: number | null;
}

/** What was written. */
export interface DemoDataStats {
  /** First and last sample timestamps (ms). */
  minTime: number;
  maxTime: number;
  /** Number of samples appended (stale markers included). */
  samples: number;
  /** Number of distinct series. */
  series: number;
}

/** mulberry32: small, fast and good enough for synthetic metrics; deterministic across platforms. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal variate (Box-Muller), as Go's rand.NormFloat64 is used by the service. */
function normal(r: () => number): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)` for the bucket bounds used here (none needs an exponent). */
function formatLe(f: number): string {
  return f === Infinity ? '+Inf' : String(f);
}

/** One API endpoint the demo service's built-in client calls (client.go, api.go). */
interface Endpoint {
  method: string;
  path: string;
  /** Pause between requests of the client loop (ms), before the oscillation factor. */
  pauseMs: number;
  baseLatency: number;
  errorRatio: number;
  outageSec: number;
  /** The status of a successful request (404 for the unknown path). */
  okStatus: string;
}

const ENDPOINTS: Endpoint[] = [
  {
    method: 'GET',
    path: '/api/foo',
    pauseMs: 10,
    baseLatency: 0.01,
    errorRatio: 0.005,
    outageSec: 23,
    okStatus: '200',
  },
  {
    method: 'POST',
    path: '/api/foo',
    pauseMs: 150,
    baseLatency: 0.02,
    errorRatio: 0.02,
    outageSec: 60,
    okStatus: '200',
  },
  {
    method: 'GET',
    path: '/api/bar',
    pauseMs: 20,
    baseLatency: 0.015,
    errorRatio: 0.0025,
    outageSec: 13,
    okStatus: '200',
  },
  {
    method: 'POST',
    path: '/api/bar',
    pauseMs: 100,
    baseLatency: 0.05,
    errorRatio: 0.01,
    outageSec: 47,
    okStatus: '200',
  },
  {
    method: 'GET',
    path: '/api/nonexistent',
    pauseMs: 500,
    baseLatency: 0.0002,
    errorRatio: 0,
    outageSec: 0,
    okStatus: '404',
  },
];

/** Cumulative state of one histogram series set (method, path, status). */
class HistogramState {
  readonly buckets = new Float64Array(DEMO_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  observe(v: number): void {
    for (let i = 0; i < DEMO_BUCKETS.length; i++) if (v <= DEMO_BUCKETS[i]!) this.buckets[i]!++;
    this.buckets[DEMO_BUCKETS.length]!++;
    this.sum += v;
    this.count++;
  }
}

const MEMORY_TOTAL = 8 * 1024 * 1024 * 1024;
const MEMORY_BASES: Record<string, number> = {
  used: 1200 * 1024 * 1024,
  cached: 2500 * 1024 * 1024,
  buffers: 165 * 1024 * 1024,
};
const DISK_TOTAL = 160e9;

/** The simulated process behind one target; `reset()` is a process restart. */
class DemoProcess {
  hist = new Map<string, HistogramState>();
  cpu = { user: 0, system: 0, idle: 0 };
  disk = 0.1 * DISK_TOTAL;
  mem = { ...MEMORY_BASES };
  batchLastSuccess = 0;
  batchLastRun = 0;
  batchLastDuration = 0;
  batchProcessed = 0;
  nextBatch = 0;
  holiday = 0;
  itemsShipped = 0;
  inProgress = 0;
  started = 0;

  constructor(readonly index: number) {}

  reset(t: number): void {
    this.hist = new Map();
    this.cpu = { user: 0, system: 0, idle: 0 };
    this.disk = 0.1 * DISK_TOTAL;
    this.mem = { ...MEMORY_BASES };
    this.batchLastSuccess = 0;
    this.batchLastRun = 0;
    this.batchLastDuration = 0;
    this.batchProcessed = 0;
    this.nextBatch = t + 11_000;
    this.itemsShipped = 0;
    this.started = t;
  }

  /** Advances the simulation by one scrape interval ending at `t` (ms). */
  step(t: number, r: () => number): void {
    const since = (t - this.started) / 1000;
    // client.go: every loop sleeps pause × (2 + sin(sin(2πt/1h))) ms between requests.
    const osc = 2 + Math.sin(Math.sin((2 * Math.PI * since) / 3600));
    for (const ep of ENDPOINTS) {
      const outage = ep.outageSec > 0 && since % (10 * ep.outageSec) < ep.outageSec;
      const latencyFactor = outage ? 3 : 1;
      const perRequest = ep.pauseMs * osc + ep.baseLatency * 1000 * latencyFactor;
      const expected = (DEMO_SCRAPE_INTERVAL_MS / perRequest) * (0.9 + 0.2 * r());
      const n = Math.floor(expected + r());
      for (let k = 0; k < n; k++) {
        const latency = Math.max(
          0.00005,
          (ep.baseLatency + (normal(r) * ep.baseLatency) / 10) * latencyFactor + 0.0001 * r(),
        );
        const failed = r() <= ep.errorRatio * (outage ? 10 : 1);
        const status = failed ? '500' : ep.okStatus;
        const key = `${ep.method} ${ep.path} ${status}`;
        let h = this.hist.get(key);
        if (!h) this.hist.set(key, (h = new HistogramState()));
        h.observe(latency);
      }
    }
    this.inProgress = Math.floor(r() * 4);

    // cpu.go: 4 CPUs, user 0.3 and system 0.2 of each 100ms tick, ±0.1 noise, the rest idle.
    const secs = (4 * DEMO_SCRAPE_INTERVAL_MS) / 1000;
    const user = (0.3 + (r() - 0.5) / 5) * secs;
    const system = (0.2 + (r() - 0.5) / 5) * secs;
    this.cpu.user += user;
    this.cpu.system += system;
    this.cpu.idle += secs - user - system;

    // disk.go: +0.5 MB per second, ±50%, back to 10% when above 90%.
    for (let s = 0; s < DEMO_SCRAPE_INTERVAL_MS / 1000; s++) {
      this.disk += Math.trunc(0.5e6 * (1 - (r() - 0.5)));
      if (this.disk > 0.9 * DISK_TOTAL) this.disk = 0.1 * DISK_TOTAL;
    }

    // memory.go: a random walk of ±30 MiB per tick around each base, reset beyond ±50%.
    for (const k of Object.keys(MEMORY_BASES)) {
      let v = this.mem[k]! + Math.trunc((r() - 0.5) * 60 * 1024 * 1024);
      const base = MEMORY_BASES[k]!;
      if (v < base * 0.5 || v > base * 1.5) v = base;
      this.mem[k] = v;
    }

    // batch.go: a run every minute lasting about 11s, failing a quarter of the time.
    while (this.nextBatch <= t) {
      const done = this.nextBatch;
      const now = done / 1000 + r() / 1000;
      if (r() > 0.25) {
        this.batchLastSuccess = now;
        this.batchProcessed = 1e6 + 1e5 - Math.floor(r() * 1e5);
      }
      this.batchLastDuration = this.batchLastRun === 0 ? 11 + r() / 10 : now - this.batchLastRun;
      this.batchLastRun = now;
      this.nextBatch += 60_000;
    }

    // holiday.go: a "day" of 5 minutes, a holiday one day in five; items ship every ~100-300ms.
    if (since % 300 < DEMO_SCRAPE_INTERVAL_MS / 1000) this.holiday = r() > 0.2 ? 0 : 1;
    const itemPause = 100 * (2 + Math.sin(1 + (2 * Math.PI * since) / 300)) * (this.holiday ? 1.8 : 1);
    this.itemsShipped += Math.floor(DEMO_SCRAPE_INTERVAL_MS / itemPause + r());
  }

  /** The exposition of this process at time `t` (ms): label pairs and values. */
  expose(t: number): [string[], number][] {
    const out: [string[], number][] = [];
    for (const [key, h] of [...this.hist.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [method, path, status] = key.split(' ') as [string, string, string];
      const base = ['method', method, 'path', path, 'status', status];
      for (let i = 0; i <= DEMO_BUCKETS.length; i++) {
        const le = formatLe(i < DEMO_BUCKETS.length ? DEMO_BUCKETS[i]! : Infinity);
        out.push([
          ['__name__', 'demo_api_request_duration_seconds_bucket', ...base, 'le', le],
          h.buckets[i]!,
        ]);
      }
      out.push([['__name__', 'demo_api_request_duration_seconds_sum', ...base], h.sum]);
      out.push([['__name__', 'demo_api_request_duration_seconds_count', ...base], h.count]);
    }
    out.push([['__name__', 'demo_api_http_requests_in_progress'], this.inProgress]);
    out.push([['__name__', 'demo_batch_last_run_duration_seconds'], this.batchLastDuration]);
    out.push([['__name__', 'demo_batch_last_run_processed_bytes'], this.batchProcessed]);
    out.push([['__name__', 'demo_batch_last_run_timestamp_seconds'], this.batchLastRun]);
    out.push([['__name__', 'demo_batch_last_success_timestamp_seconds'], this.batchLastSuccess]);
    for (const mode of ['idle', 'system', 'user'] as const) {
      out.push([['__name__', 'demo_cpu_usage_seconds_total', 'mode', mode], this.cpu[mode]]);
    }
    out.push([['__name__', 'demo_disk_total_bytes'], DISK_TOTAL]);
    out.push([['__name__', 'demo_disk_usage_bytes'], this.disk]);
    // intermittent_metric.go: exposed only during even minutes (of wall-clock time).
    if (new Date(t).getUTCMinutes() % 2 === 0) out.push([['__name__', 'demo_intermittent_metric'], 1]);
    out.push([['__name__', 'demo_is_holiday'], this.holiday]);
    out.push([['__name__', 'demo_items_shipped_total'], this.itemsShipped]);
    const m = this.mem;
    for (const type of ['buffers', 'cached', 'free', 'used']) {
      const v = type === 'free' ? MEMORY_TOTAL - m.used! - m.cached! - m.buffers! : m[type]!;
      out.push([['__name__', 'demo_memory_usage_bytes', 'type', type], v]);
    }
    out.push([['__name__', 'demo_num_cpus'], 4]);
    return out;
  }
}

/**
 * Appends the demo data set for scrapes in (end - duration, end] to `db`, one commit per
 * scrape, in time order. Returns what was written.
 */
export function generateDemoData(db: Appendable, opts: DemoDataOptions): DemoDataStats {
  const r = rng(opts.seed ?? 1);
  const step = DEMO_SCRAPE_INTERVAL_MS;
  const first = Math.floor((opts.end - opts.duration) / step) * step + step;
  const procs = DEMO_INSTANCES.map((_, i) => new DemoProcess(i));
  // The processes started an hour before the data, so counters do not begin at 0.
  for (const p of procs) {
    p.reset(first - 3_600_000);
    for (let t = p.started + step; t < first; t += step) p.step(t, r);
  }
  const restartIdx = DEMO_INSTANCES.length - 1;
  const refs = new Map<string, number>();
  /** Series exposed by each target's last successful scrape, to mark stale when they vanish. */
  const lastSeen = DEMO_INSTANCES.map(() => new Map<string, Labels>());
  let samples = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  let restarted = opts.restartAt === undefined || opts.restartAt === null;

  for (let base = first; base <= opts.end - SCRAPE_OFFSETS_MS[SCRAPE_OFFSETS_MS.length - 1]!; base += step) {
    for (let i = 0; i < DEMO_INSTANCES.length; i++) {
      const t = base + SCRAPE_OFFSETS_MS[i]! + Math.floor(r() * 5);
      const p = procs[i]!;
      let failed = false;
      if (i === restartIdx && !restarted && t >= opts.restartAt!) {
        restarted = true;
        failed = true;
        p.reset(t);
      } else {
        p.step(t, r);
      }
      const app = db.appender();
      const add = (key: string, ls: Labels, v: number): void => {
        refs.set(key, app.append(refs.get(key) ?? 0, ls, t, v));
        samples++;
      };
      const seen = new Map<string, Labels>();
      if (!failed) {
        for (const [pairs, v] of p.expose(t)) {
          const ls = Labels.fromStrings(...pairs, 'instance', DEMO_INSTANCES[i]!, 'job', 'demo');
          const key = ls.toString();
          seen.set(key, ls);
          add(key, ls, v);
        }
      }
      for (const [key, ls] of lastSeen[i]!) if (!seen.has(key)) add(key, ls, STALE_NAN);
      lastSeen[i] = seen;
      const up = Labels.fromStrings('__name__', 'up', 'instance', DEMO_INSTANCES[i]!, 'job', 'demo');
      add(up.toString(), up, failed ? 0 : 1);
      app.commit();
      minTime = Math.min(minTime, t);
      maxTime = Math.max(maxTime, t);
    }
  }
  return { minTime, maxTime, samples, series: refs.size };
}
