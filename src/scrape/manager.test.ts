import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Labels } from '../model/labels.js';
import { MemoryStorage } from '../storage/memory.js';
import { ScrapeManager, targetLimitMessage, type ScrapePoolConfig } from './manager.js';
import { scrapeOffset, targetHash, type ScrapeOptions, type ScrapeTarget } from './target.js';
import { FixtureServer, key, readAll } from './testing.js';

let srv: FixtureServer;
before(async () => {
  srv = await FixtureServer.start();
  srv.serve('/a', 'm 1\n');
  srv.serve('/b', 'm 2\n');
  srv.serve('/c', 'm 3\n');
});
after(async () => {
  await srv.close();
});

const OPTS: ScrapeOptions = { interval: 100, timeout: 80 };

function target(p: string, job = 'j'): ScrapeTarget {
  return { url: srv.url(p), labels: Labels.fromStrings('job', job, 'instance', p) };
}

function pool(targets: ScrapeTarget[], options: ScrapeOptions = OPTS, name = 'j'): ScrapePoolConfig {
  return { name, options, targets };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('scrape manager', () => {
  it('starts, keeps unchanged loops across syncs, stops removed targets with stale markers', async () => {
    const s = new MemoryStorage();
    const m = new ScrapeManager(s, { skipOffset: true });
    try {
      m.sync([pool([target('/a'), target('/b')])]);
      const [la, lb] = m.loops('j');
      await until('both scraped', () => la!.health().health === 'up' && lb!.health().health === 'up');
      // A reload with the same targets (new objects, same content) keeps the loops.
      m.sync([pool([target('/a'), target('/b')], { ...OPTS })]);
      assert.deepEqual(m.loops('j'), [la, lb]);
      // /b goes away.
      m.sync([pool([target('/a')])]);
      assert.deepEqual(m.loops('j'), [la]);
      await m.stalenessSettled();
      const all = readAll(s);
      const mb = all.get(key('__name__', 'm', 'instance', '/b', 'job', 'j'))!;
      assert.ok(mb.at(-1)!.stale, 'removed target series is stale-marked');
      assert.ok(all.get(key('__name__', 'up', 'instance', '/b', 'job', 'j'))!.at(-1)!.stale);
      const ma = all.get(key('__name__', 'm', 'instance', '/a', 'job', 'j'))!;
      assert.ok(!ma.some((x) => x.stale), 'the remaining target is untouched');
      assert.equal(m.activeTargets().length, 1);
      assert.equal(m.activeTargets()[0]!.health, 'up');
    } finally {
      await m.shutdown();
    }
  });

  it('restarts the loops of a pool whose options changed', async () => {
    const m = new ScrapeManager(new MemoryStorage(), { skipOffset: true });
    try {
      const fn = (l: Labels): Labels => l;
      m.sync([pool([target('/a')], { ...OPTS, metricRelabel: fn, metricRelabelKey: 'k1' })]);
      const [l1] = m.loops('j');
      // A rebuilt function with the same fingerprint is the same config.
      m.sync([pool([target('/a')], { ...OPTS, metricRelabel: (l) => l, metricRelabelKey: 'k1' })]);
      assert.equal(m.loops('j')[0], l1);
      m.sync([pool([target('/a')], { ...OPTS, sampleLimit: 10, metricRelabelKey: 'k1' })]);
      assert.notEqual(m.loops('j')[0], l1);
      // Removing the pool stops its loops.
      m.sync([]);
      assert.deepEqual(m.scrapePools(), []);
    } finally {
      await m.shutdown();
    }
  });

  it('target_limit fails every target of the pool without scraping it', async () => {
    const s = new MemoryStorage();
    const m = new ScrapeManager(s, { skipOffset: true });
    try {
      const before = srv.count('/c');
      m.sync([pool([target('/a', 'lim'), target('/c', 'lim')], { ...OPTS, targetLimit: 1 }, 'lim')]);
      await until('scraped', () => m.activeTargets().every((t) => t.health !== 'unknown'));
      for (const t of m.activeTargets()) {
        assert.equal(t.health, 'down');
        assert.equal(t.lastError, targetLimitMessage(2, 1));
      }
      assert.equal(srv.count('/c'), before, 'no request was made');
      const up = readAll(s).get(key('__name__', 'up', 'instance', '/c', 'job', 'lim'))!;
      assert.equal(up[0]!.v, 0);
      // Back under the limit: scrapes succeed again.
      m.sync([pool([target('/c', 'lim')], { ...OPTS, targetLimit: 1 }, 'lim')]);
      await until('up again', () => m.activeTargets()[0]!.health === 'up');
    } finally {
      await m.shutdown();
    }
  });

  it('shutdown writes no stale markers, also none still pending for removed targets', async () => {
    const s = new MemoryStorage();
    const m = new ScrapeManager(s, { skipOffset: true });
    m.sync([pool([target('/a'), target('/b')])]);
    await until('scraped', () => m.activeTargets().every((t) => t.health === 'up'));
    m.sync([pool([target('/a')])]);
    await m.shutdown();
    await sleep(300);
    for (const v of readAll(s).values()) assert.ok(!v.some((x) => x.stale));
  });

  it('exposes metadata per target', async () => {
    srv.serve('/meta', '# HELP x The x.\n# TYPE x gauge\nx 1\n');
    const m = new ScrapeManager(new MemoryStorage(), { skipOffset: true });
    try {
      m.sync([pool([target('/meta')])]);
      await until('scraped', () => m.activeTargets()[0]!.health === 'up');
      assert.deepEqual(m.targetMetadata(), [
        { metric: 'x', type: 'gauge', help: 'The x.', unit: '', target: target('/meta').labels },
      ]);
    } finally {
      await m.shutdown();
    }
  });
});

describe('scrape offset', () => {
  it('is stable per target, inside the interval, pinned to absolute time', () => {
    const t = target('/a');
    const h = targetHash(t);
    assert.equal(h, targetHash(target('/a')));
    assert.notEqual(h, targetHash(target('/b')));
    const interval = 15_000;
    const now = 1_700_000_000_123;
    const off = scrapeOffset(interval, h, 42, now);
    assert.ok(off >= 0 && off <= interval);
    // The first scrape lands on the same phase whenever the loop starts.
    const phase = (now + off) % interval;
    for (const later of [now + 1, now + 7_777, now + 14_999]) {
      assert.equal((later + scrapeOffset(interval, h, 42, later)) % interval, phase);
    }
    // Another seed moves it.
    assert.notEqual((now + scrapeOffset(interval, h, 43, now)) % interval, phase);
  });
});
