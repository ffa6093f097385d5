import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../cmd/ignis.js';
import { Head } from '../../tsdb/head/head.js';
import { WAL } from '../../tsdb/wal/wal.js';
import { startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { peerBinary } from '../../util/testenv.js';
import { getJSON, loadFixture } from '../testing.js';

const prometheus = peerBinary('prometheus', 'admin API side by side with Prometheus');

describe('admin API side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-admin-'));
  const now = Math.floor(Date.now() / 1000) * 1000;
  const servers: { ours: RunningServer[]; prom: RunningPrometheus[] } = { ours: [], prom: [] };
  const bases = { ours: '', prom: '', oursOff: '', promOff: '' };

  const data = async (name: string): Promise<string> => {
    const dir = path.join(tmp, name);
    const wal = await WAL.open(path.join(dir, 'wal'));
    const head = new Head({ wal });
    loadFixture(head, now);
    await wal.close();
    return dir;
  };
  const ignis = async (dir: string, extra: string[]): Promise<string> => {
    const cfg = path.join(tmp, 'empty.yml');
    fs.writeFileSync(cfg, 'global: {}\n');
    const r = await startServer(
      [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, '--web.listen-address=127.0.0.1:0', ...extra],
      {
        stdout: new PassThrough().resume(),
        stderr: new PassThrough().resume(),
      },
    );
    assert.notEqual(typeof r, 'number');
    servers.ours.push(r as RunningServer);
    return `http://${(r as RunningServer).addresses[0]}`;
  };
  const prom = async (dir: string, flags: string[]): Promise<string> => {
    const p = await startPrometheus({ binary: prometheus!, dataDir: dir, config: 'global: {}\n', flags });
    servers.prom.push(p);
    return p.base;
  };

  before(async () => {
    bases.ours = await ignis(await data('ours'), ['--web.enable-admin-api']);
    bases.prom = await prom(await data('prom'), ['--web.enable-admin-api']);
    bases.oursOff = await ignis(await data('ours-off'), []);
    bases.promOff = await prom(await data('prom-off'), []);
  });
  after(async () => {
    for (const p of servers.prom) p.kill();
    for (const s of servers.ours) {
      s.shutdown('test');
      await s.done;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const post = async (base: string, p: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(base + p, { method: 'POST' });
    return { status: res.status, body: await res.text() };
  };

  it('answers as Prometheus when the admin API is disabled', async () => {
    assert.deepEqual(
      await post(bases.oursOff, '/api/v1/admin/tsdb/snapshot'),
      await post(bases.promOff, '/api/v1/admin/tsdb/snapshot'),
    );
  });

  it('deletes series by matcher and time range the same way', async () => {
    const del = `/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent('up{job="api"}')}&end=${(now - 100_000) / 1000}`;
    const a = await post(bases.ours, del);
    const b = await post(bases.prom, del);
    assert.deepEqual(a, b);
    const q = `/api/v1/query?query=${encodeURIComponent('count_over_time(up[10m])')}&time=${now / 1000}`;
    assert.deepEqual(await getJSON(bases.ours, q), await getJSON(bases.prom, q));
    assert.deepEqual(
      await post(bases.ours, '/api/v1/admin/tsdb/clean_tombstones'),
      await post(bases.prom, '/api/v1/admin/tsdb/clean_tombstones'),
    );
    assert.deepEqual(await getJSON(bases.ours, q), await getJSON(bases.prom, q));
    const bad = '/api/v1/admin/tsdb/delete_series';
    assert.deepEqual(await post(bases.ours, bad), await post(bases.prom, bad));
  });

  it('creates a snapshot directory named as Prometheus names it', async () => {
    const r = await post(bases.ours, '/api/v1/admin/tsdb/snapshot');
    assert.equal(r.status, 200);
    const name = (JSON.parse(r.body) as { data: { name: string } }).data.name;
    assert.match(name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    assert.ok(fs.existsSync(path.join(tmp, 'ours', 'snapshots', name)));
  });
});
