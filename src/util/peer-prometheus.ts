/**
 * Running the real Prometheus beside ignis in interop tests and benchmarks: on 127.0.0.1, on
 * a free port, over a given data directory, stopped by whoever started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** How to start Prometheus. */
export interface PrometheusOptions {
  /** The `prometheus` binary (from peers.sh). */
  binary: string;
  /** `--storage.tsdb.path`. */
  dataDir: string;
  /** The configuration file's text; `$PORT` is replaced by the port it listens on. */
  config: string;
  /** Extra command-line flags. */
  flags?: string[];
}

/** A running Prometheus. */
export class RunningPrometheus {
  private output = '';

  /** Wraps a started process listening at `base`. */
  constructor(
    readonly proc: ChildProcess,
    readonly base: string,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Everything the process printed so far (for failure messages). */
  log(): string {
    return this.output;
  }

  /** Stops the process with SIGTERM (a clean shutdown) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }

  /** Kills the process at once if it still runs (for `after` hooks). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  /** Runs an instant query through the HTTP API and returns its `data`; throws on an error status. */
  async query<T = unknown>(query: string, time?: number): Promise<{ resultType: string; result: T }> {
    const form = new URLSearchParams({ query });
    if (time !== undefined) form.set('time', String(time));
    const res = await fetch(`${this.base}/api/v1/query`, { method: 'POST', body: form });
    const body = (await res.json()) as { status: string; data: { resultType: string; result: T } };
    if (body.status !== 'success') throw new Error(`query ${query} failed: ${JSON.stringify(body)}`);
    return body.data;
  }

  /** Polls `check` every 200 ms until it returns true, failing after `timeoutMs`. */
  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.proc.exitCode !== null)
        throw new Error(`prometheus exited while waiting for ${what}:\n${this.output}`);
      try {
        if (await check()) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline)
        throw new Error(`prometheus: ${what} not reached in ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts Prometheus on 127.0.0.1 and waits until `/-/ready` answers. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const port = await freePort();
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const cfg = path.join(path.dirname(opts.dataDir), `prometheus-${port}.yml`);
  fs.writeFileSync(cfg, opts.config.replaceAll('$PORT', String(port)));
  const proc = spawn(
    opts.binary,
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${opts.dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(opts.flags ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const p = new RunningPrometheus(proc, `http://127.0.0.1:${port}`);
  await p.waitFor('readiness', async () => (await fetch(`${p.base}/-/ready`)).ok);
  return p;
}

/** A configuration in which Prometheus scrapes itself every `interval`. */
export function selfScrapeConfig(interval: string): string {
  return `global: {scrape_interval: ${interval}}\nscrape_configs:\n  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:$PORT']}]\n`;
}
