import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  defaultHTTPClientConfig,
  defaultSDConfigs,
  loadConfig,
  type ServiceDiscoveryConfigs,
} from '../config/index.js';
import {
  DiscoveryManager,
  notifyDiscoveryConfigs,
  scrapeDiscoveryConfigs,
  type SDConfigEntry,
} from './manager.js';
import type { Discoverer, GroupsListener, TargetGroup } from './target-group.js';
import { captureLogger, sleep, waitFor } from './testing.js';

const INTERVAL = 50;

/** A discoverer the test drives by hand. */
class FakeDiscoverer implements Discoverer {
  listener: GroupsListener | null = null;
  stopped = false;
  constructor(readonly id: string) {}
  start(l: GroupsListener): void {
    this.listener = l;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  emit(...addrs: string[]): void {
    this.listener!([{ source: `${this.id}:0`, targets: addrs.map((a) => ({ __address__: a })), labels: {} }]);
  }
}

/** SD configs with one HTTP SD entry per URL (the fakes are told apart by URL). */
function sd(...urls: string[]): ServiceDiscoveryConfigs {
  const c = defaultSDConfigs();
  c.httpSDConfigs = urls.map((url) => ({ ...defaultHTTPClientConfig(), url, refreshInterval: 60_000 }));
  return c;
}

function setup(extra: { fake?: boolean } = {}) {
  const fakes: FakeDiscoverer[] = [];
  const sends: { at: number; tsets: Map<string, TargetGroup[]> }[] = [];
  const { logger, lines } = captureLogger();
  const m = new DiscoveryManager((tsets) => sends.push({ at: Date.now(), tsets }), {
    logger,
    updateInterval: INTERVAL,
    fileWatchDebounce: 10,
    ...(extra.fake === false
      ? {}
      : {
          newDiscoverer: (e: SDConfigEntry): Discoverer => {
            const f = new FakeDiscoverer(e.type === 'http' ? e.config.url : e.type);
            fakes.push(f);
            return f;
          },
        }),
  });
  const fake = (id: string): FakeDiscoverer => {
    const all = fakes.filter((f) => f.id === id);
    assert.equal(all.length, 1, `one discoverer for ${id}`);
    return all[0]!;
  };
  /** The last send as `job: addr,addr` strings. */
  const view = (): Record<string, string> => {
    const last = sends[sends.length - 1];
    const out: Record<string, string> = {};
    if (last === undefined) return out;
    for (const [job, groups] of last.tsets)
      out[job] = groups.flatMap((g) => g.targets.map((t) => t.__address__)).join(',');
    return out;
  };
  return { m, fakes, fake, sends, lines, view };
}

describe('discovery manager', () => {
  it('sends at most once per update interval, with the latest groups', async () => {
    const { m, fake, sends, view } = setup();
    try {
      m.applyConfig(new Map([['a', sd('u1')]]));
      const u1 = fake('u1');
      u1.emit('h1:1');
      u1.emit('h1:1', 'h2:2');
      u1.emit('h3:3');
      await sleep(INTERVAL / 2);
      assert.equal(sends.length, 0, 'nothing before the interval');
      await waitFor(() => sends.length === 1, 'first send');
      assert.deepEqual(view(), { a: 'h3:3' });
      u1.emit('h4:4');
      u1.emit('h5:5');
      await waitFor(() => sends.length === 2, 'second send');
      assert.deepEqual(view(), { a: 'h5:5' });
      assert.ok(sends[1]!.at - sends[0]!.at >= INTERVAL - 5, 'sends are an interval apart');
      await sleep(INTERVAL * 2);
      assert.equal(sends.length, 2, 'no send without a change');
    } finally {
      await m.stop();
    }
  });

  it('does not send again for an identical set, and drops empty groups', async () => {
    const { m, fake, sends, view } = setup();
    try {
      m.applyConfig(new Map([['a', sd('u1')]]));
      fake('u1').emit('h1:1');
      await waitFor(() => sends.length === 1, 'first send');
      fake('u1').emit('h1:1');
      await sleep(INTERVAL * 2);
      assert.equal(sends.length, 1);
      fake('u1').emit();
      await waitFor(() => sends.length === 2, 'send for the emptied group');
      assert.deepEqual(sends[1]!.tsets.get('a'), []);
      assert.deepEqual(view(), { a: '' });
    } finally {
      await m.stop();
    }
  });

  it('merges static groups (sourced by index) and lists jobs without targets', async () => {
    const { m, sends } = setup({ fake: false });
    try {
      const { config } = loadConfig(`
scrape_configs:
  - job_name: s
    static_configs:
      - targets: [a:1]
        labels: {env: x}
      - targets: [b:2, c:3]
  - job_name: empty
`);
      m.applyConfig(scrapeDiscoveryConfigs(config.scrapeConfigs));
      await waitFor(() => sends.length === 1, 'first send');
      assert.deepEqual(
        sends[0]!.tsets,
        new Map([
          [
            's',
            [
              { source: '0', targets: [{ __address__: 'a:1' }], labels: { env: 'x' } },
              { source: '1', targets: [{ __address__: 'b:2' }, { __address__: 'c:3' }], labels: {} },
            ],
          ],
          ['empty', []],
        ]),
      );
    } finally {
      await m.stop();
    }
  });

  it('on reload keeps unchanged providers, restarts changed ones, stops removed ones', async () => {
    const { m, fakes, fake, sends, view } = setup();
    try {
      m.applyConfig(
        new Map([
          ['a', sd('u1')],
          ['b', sd('u2')],
          ['c', sd('u4')],
        ]),
      );
      fake('u1').emit('h1:1');
      fake('u2').emit('h2:2');
      fake('u4').emit('h4:4');
      await waitFor(() => sends.length === 1, 'first send');
      assert.deepEqual(view(), { a: 'h1:1', b: 'h2:2', c: 'h4:4' });

      // a unchanged, b changed, c removed, d shares a's config.
      m.applyConfig(
        new Map([
          ['a', sd('u1')],
          ['b', sd('u3')],
          ['d', sd('u1')],
        ]),
      );
      assert.equal(fake('u1').stopped, false);
      assert.equal(fake('u2').stopped, true);
      assert.equal(fake('u4').stopped, true);
      assert.equal(fakes.length, 4, 'only the changed config started a discoverer');
      await waitFor(() => sends.length === 2, 'send after reload');
      // b's new discoverer has not spoken yet, so b has no targets; c is gone.
      assert.deepEqual(view(), { a: 'h1:1', b: '', d: 'h1:1' });
      fake('u3').emit('h3:3');
      // A late report from a stopped discoverer is ignored.
      fake('u2').emit('h9:9');
      await waitFor(() => sends.length === 3, 'send after the new discoverer spoke');
      assert.deepEqual(view(), { a: 'h1:1', b: 'h3:3', d: 'h1:1' });
      assert.deepEqual(
        m.providerNames().map((p) => [p.name, p.subs]),
        [
          ['http/0', ['a', 'd']],
          ['http/3', ['b']],
        ],
      );
    } finally {
      await m.stop();
    }
  });

  it('stops every discoverer on stop and sends nothing more', async () => {
    const { m, fake, sends } = setup();
    m.applyConfig(new Map([['a', sd('u1')]]));
    fake('u1').emit('h1:1');
    await m.stop();
    assert.equal(fake('u1').stopped, true);
    await sleep(INTERVAL * 2);
    assert.equal(sends.length, 0);
  });

  it('warns once about SD mechanisms ignis does not implement', async () => {
    const { m, lines } = setup();
    try {
      const { config } = loadConfig(`
scrape_configs:
  - job_name: k
    kubernetes_sd_configs:
      - role: pod
    ec2_sd_configs:
      - region: eu-west-1
  - job_name: s
    static_configs: [{targets: [a:1]}]
`);
      m.applyConfig(scrapeDiscoveryConfigs(config.scrapeConfigs));
      const warnings = lines.filter((l) => l.includes('level=WARN'));
      assert.equal(warnings.length, 1, lines.join(''));
      assert.match(warnings[0]!, /configs="k: kubernetes_sd_configs, k: ec2_sd_configs"/);
    } finally {
      await m.stop();
    }
  });

  it('keys Alertmanager SD configs config-<index>', () => {
    const { config } = loadConfig(`
alerting:
  alertmanagers:
    - static_configs: [{targets: [am1:9093]}]
    - static_configs: [{targets: [am2:9093]}]
`);
    assert.deepEqual([...notifyDiscoveryConfigs(config).keys()], ['config-0', 'config-1']);
  });

  it('keeps a broken file’s last good targets and drops a deleted file’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ignis-sd-manager-'));
    const { m, sends, view, lines } = setup({ fake: false });
    try {
      const f = join(dir, 'targets.json');
      writeFileSync(f, '[{"targets": ["h1:1"]}]');
      const c = defaultSDConfigs();
      c.fileSDConfigs = [{ files: [join(dir, '*.json')], refreshInterval: 3_600_000 }];
      m.applyConfig(new Map([['f', c]]));
      await waitFor(() => view()['f'] === 'h1:1', 'file targets');
      writeFileSync(f, '[{"targets": ["h1:1",');
      await waitFor(() => lines.some((l) => l.includes('msg="Error reading file"')), 'error logged');
      await sleep(INTERVAL * 2);
      assert.deepEqual(view(), { f: 'h1:1' });
      const before = sends.length;
      unlinkSync(f);
      await waitFor(() => sends.length > before && view()['f'] === '', 'deleted file dropped');
    } finally {
      await m.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
