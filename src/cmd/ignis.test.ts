import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { startServer, type RunningServer } from './ignis.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-server-'));
// Servers a failed assertion left running are stopped here, so the test process can exit.
const started: RunningServer[] = [];
after(async () => {
  for (const s of started) {
    s.shutdown('test cleanup');
    await s.done;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  return { io: { stdout: out, stderr: err }, text: () => ({ stdout, stderr }) };
}

async function start(
  name: string,
  extra: string[] = [],
): Promise<{ srv: RunningServer; base: string; logs: () => string }> {
  const o = io();
  const r = await startServer(
    [`--storage.tsdb.path=${path.join(tmp, name)}`, '--web.listen-address=127.0.0.1:0', ...extra],
    o.io,
  );
  assert.notEqual(typeof r, 'number', o.text().stderr);
  const srv = r as RunningServer;
  started.push(srv);
  return { srv, base: `http://${srv.addresses[0]}`, logs: () => o.text().stderr };
}

describe('ignis server', () => {
  it('rejects unknown and malformed flags with exit 1 and a kingpin-style message', async () => {
    for (const [args, msg] of [
      [['--nope'], "ignis: error: unknown long flag '--nope', try --help"],
      [['--query.timeout=abc'], `invalid value "abc" for flag '--query.timeout'`],
      [['--log.level=loud'], 'enum value must be one of debug,info,warn,error'],
    ] as const) {
      const o = io();
      assert.equal(await startServer([...args], o.io), 1);
      assert.ok(o.text().stderr.includes(msg), o.text().stderr);
    }
  });

  it('serves health, readiness, /metrics and the status endpoints, then shuts down cleanly', async () => {
    const { srv, base, logs } = await start('basic');
    assert.equal((await fetch(`${base}/-/healthy`)).status, 200);
    const ready = await fetch(`${base}/-/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'Prometheus Server is Ready.\n');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^prometheus_tsdb_head_series 0$/m);
    assert.match(metrics, /^prometheus_http_requests_total\{code="200",handler="\/-\/ready"\} 1$/m);
    const q = (await (await fetch(`${base}/api/v1/query?query=1%2B1&time=10`)).json()) as { data: unknown };
    assert.deepEqual(q.data, { resultType: 'scalar', result: [10, '2'] });
    assert.match(
      await (await fetch(`${base}/metrics`)).text(),
      /^prometheus_engine_query_duration_seconds_count\{slice="inner_eval"\} 1$/m,
    );
    const flags = (await (await fetch(`${base}/api/v1/status/flags`)).json()) as {
      status: string;
      data: Record<string, string>;
    };
    assert.equal(flags.status, 'success');
    assert.equal(flags.data['query.lookback-delta'], '5m');
    // Effective values, as Prometheus reports them (the Thanos sidecar reads these).
    assert.equal(flags.data['storage.tsdb.retention.time'], '15d');
    assert.equal(flags.data['storage.tsdb.max-block-duration'], '1d12h');
    assert.equal(flags.data['storage.tsdb.min-block-duration'], '2h');
    assert.equal(flags.data['storage.tsdb.retention.size'], '0B');
    assert.equal(flags.data['web.route-prefix'], '/');
    const cfg = (await (await fetch(`${base}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    assert.match(cfg.data.yaml, /job_name: ignis/);
    const build = (await (await fetch(`${base}/api/v1/status/buildinfo`)).json()) as {
      data: { version: string };
    };
    assert.match(build.data.version, /^\d+\.\d+\.\d+/);
    // Lifecycle endpoints are off by default, as in Prometheus.
    const quit = await fetch(`${base}/-/quit`, { method: 'POST' });
    assert.equal(quit.status, 403);
    assert.equal((await fetch(`${base}/no/such/page`)).status, 404);
    assert.equal((await fetch(`${base}/-/healthy`, { method: 'DELETE' })).status, 405);
    srv.shutdown('test');
    await srv.done;
    assert.match(logs(), /See you next time!/);
    assert.equal(fs.existsSync(path.join(tmp, 'basic', 'lock')), false);
    assert.ok(fs.existsSync(path.join(tmp, 'basic', 'wal')));
  });

  it('honours the route prefix and /-/quit when the lifecycle API is enabled', async () => {
    const { srv, base } = await start('prefix', ['--web.route-prefix=/prom', '--web.enable-lifecycle']);
    assert.equal((await fetch(`${base}/-/healthy`)).status, 404);
    assert.equal((await fetch(`${base}/prom/-/healthy`)).status, 200);
    const quit = await fetch(`${base}/prom/-/quit`, { method: 'POST' });
    assert.equal(quit.status, 200);
    await srv.done;
  });

  it('loads the config file, refuses a bad reload keeping the old config, and accepts a good one', async () => {
    const cfg = path.join(tmp, 'reload.yml');
    fs.writeFileSync(cfg, 'global:\n  external_labels: {region: eu}\n  scrape_interval: 30s\n');
    const { srv, base } = await start('reload', [`--config.file=${cfg}`, '--web.enable-lifecycle']);
    try {
      const yaml = async () =>
        ((await (await fetch(`${base}/api/v1/status/config`)).json()) as { data: { yaml: string } }).data
          .yaml;
      assert.match(await yaml(), /scrape_interval: 30s/);
      fs.writeFileSync(cfg, 'global:\n  scrape_intervall: 10s\n');
      const bad = await fetch(`${base}/-/reload`, { method: 'POST' });
      assert.equal(bad.status, 500);
      assert.match(await bad.text(), /failed to reload config: [\s\S]*field scrape_intervall not found/);
      assert.match(await yaml(), /scrape_interval: 30s/);
      assert.match(
        await (await fetch(`${base}/metrics`)).text(),
        /^prometheus_config_last_reload_successful 0$/m,
      );
      fs.writeFileSync(cfg, 'global:\n  scrape_interval: 10s\n');
      assert.equal((await fetch(`${base}/-/reload`, { method: 'POST' })).status, 200);
      assert.match(await yaml(), /scrape_interval: 10s/);
    } finally {
      srv.shutdown('test');
      await srv.done;
    }
  });

  it('exits 1 naming the file when the config file is invalid at start', async () => {
    const cfg = path.join(tmp, 'bad.yml');
    fs.writeFileSync(cfg, 'scrape_configs:\n  - job_name: a\n  - job_name: a\n');
    const o = io();
    assert.equal(
      await startServer([`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(tmp, 'badcfg')}`], o.io),
      1,
    );
    assert.match(
      o.text().stderr,
      /Error loading config.*found multiple scrape configs with job name \\"a\\"/,
    );
  });

  it('refuses to open a data directory another live process has locked', async () => {
    const dir = path.join(tmp, 'locked');
    fs.mkdirSync(dir, { recursive: true });
    // PID 1 is always alive.
    fs.writeFileSync(path.join(dir, 'lock'), '1');
    const o = io();
    assert.equal(
      await startServer([`--storage.tsdb.path=${dir}`, '--web.listen-address=127.0.0.1:0'], o.io),
      1,
    );
    assert.match(o.text().stderr, /lock DB directory/);
  });
});
