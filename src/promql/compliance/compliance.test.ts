/**
 * The upstream PromQL compliance queries (prometheus/compliance, 539 after expansion), run
 * through ../shared/tools/promdiff against the real Prometheus and ignis over the same demo
 * data: ignis writes a WAL, Prometheus replays it, and ignis serves the same head through the
 * HTTP query API. Differences must be exactly the ones listed, with reasons, in
 * known-differences.txt; that list may only shrink.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { Head } from '../../tsdb/head/head.js';
import { WAL } from '../../tsdb/wal/wal.js';
import { startPrometheus, type RunningPrometheus } from '../../util/peer-prometheus.js';
import { conformancePath, peerBinary, REPO_ROOT } from '../../util/testenv.js';
import { registerQueryAPI } from '../../web/api/query.js';
import { Registry } from '../../web/metrics/registry.js';
import { WebServer } from '../../web/server.js';
import { Engine } from '../engine/engine.js';
import { generateDemoData } from './demo-data.js';
import { expandComplianceQueries, promdiffQueryFile, type ComplianceTestCase } from './queries.js';

const WHAT = 'PromQL compliance queries against Prometheus';
const KNOWN_DIFFERENCES = path.join(REPO_ROOT, 'src', 'promql', 'compliance', 'known-differences.txt');
const PROMDIFF = path.join(REPO_ROOT, '..', 'shared', 'tools', 'promdiff', 'promdiff.mjs');

/** Two hours of data: enough for 1h ranges before the query window, short of Prometheus's 3h compaction. */
const DATA_DURATION_MS = 2 * 3_600_000;

/** When (seconds, relative to the end of the data) the last target restarts: inside the query range. */
const RESTART_S = -17 * 60;

/** Reads known-differences.txt: `query<TAB>reason` per line, `#` comments and blank lines ignored. */
function readKnownDifferences(text: string): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    assert.ok(tab > 0, `known-differences.txt: no tab between query and reason in ${JSON.stringify(line)}`);
    known.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return known;
}

const queriesPath = conformancePath('promql-compliance/promql-test-queries.yml', WHAT);
const prometheus = queriesPath === null ? null : peerBinary('prometheus', WHAT);

describe('PromQL compliance side by side with Prometheus', { skip: prometheus === null }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-promql-compliance-'));
  let prom: RunningPrometheus | null = null;
  let web: WebServer | null = null;
  let ours = '';
  let dataEnd = 0;

  before(async () => {
    dataEnd = Math.floor(Date.now() / 1000) * 1000;
    const dataDir = path.join(tmp, 'data');
    const wal = await WAL.open(path.join(dataDir, 'wal'));
    const head = new Head({ wal });
    generateDemoData(head, {
      end: dataEnd,
      duration: DATA_DURATION_MS,
      restartAt: dataEnd + RESTART_S * 1000,
    });
    await wal.close();
    prom = await startPrometheus({ binary: prometheus!, dataDir, config: 'global: {}\n' });
    const engine = new Engine();
    web = new WebServer({ listenAddresses: ['127.0.0.1:0'], routePrefix: '', registry: new Registry() });
    registerQueryAPI(web, {
      engine: {
        instantQuery: (s, q, t) => engine.instantQuery(s, q, t),
        rangeQuery: (s, q, a, b, st) => engine.rangeQuery(s, q, a, b, st),
      },
      storage: head,
      maxConcurrency: 4,
    });
    ours = `http://${(await web.start())[0]}`;
  });

  after(async () => {
    await prom?.stop();
    await web?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('every query matches except the known differences', { timeout: 300_000 }, async () => {
    const cases = (parseYaml(fs.readFileSync(queriesPath!, 'utf8')) as { test_cases: ComplianceTestCase[] })
      .test_cases;
    const queries = expandComplianceQueries(cases);
    assert.equal(queries.length, 539);
    assert.equal(queries.filter((q) => q.shouldFail).length, 3);
    // As the upstream tester does, relative to the end of the data: the range ends 12m before
    // it and spans 10m at a 10s step (and so covers the restart). The instant times add the
    // range's end, a time 47m back that falls between scrapes, one just after the failed scrape
    // of the restart, and the last second of the data.
    const end = dataEnd / 1000;
    const rangeEnd = end - 12 * 60;
    const file = path.join(tmp, 'queries.yml');
    fs.writeFileSync(
      file,
      promdiffQueryFile(queries, {
        instant: [rangeEnd, end - 47 * 60 + 2.123, RESTART_S + end + 2.5, end - 1],
        range: { start: rangeEnd - 600, end: rangeEnd, step: 10 },
      }),
    );
    const report = path.join(tmp, 'report.json');
    const out = await runPromdiff([
      '--quiet',
      '--concurrency',
      '4',
      '--report',
      report,
      prom!.base,
      ours,
      file,
    ]);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      matched: number;
      total: number;
      queries: { query: string; match: boolean }[];
    };
    console.log(`compliance: ${rep.matched}/${rep.total} queries match`);

    const known = readKnownDifferences(fs.readFileSync(KNOWN_DIFFERENCES, 'utf8'));
    const all = new Set(queries.map((q) => q.query));
    const stale = [...known.keys()].filter((q) => !all.has(q));
    const nowMatching = rep.queries.filter((q) => q.match && known.has(q.query)).map((q) => q.query);
    const unexpected = rep.queries.filter((q) => !q.match && !known.has(q.query)).map((q) => q.query);
    assert.deepEqual(
      { stale, nowMatching, unexpected },
      { stale: [], nowMatching: [], unexpected: [] },
      `known-differences.txt is out of date (stale: not a suite query; nowMatching: remove them; unexpected: new differences).\npromdiff output:\n${out}`,
    );
  });
});

/** Runs promdiff as a child process (the servers keep answering meanwhile); resolves with its output. */
function runPromdiff(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [PROMDIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      // Exit 1 only says that something differs, which the caller judges against the list.
      if (code === 0 || code === 1) resolve(out);
      else reject(new Error(`promdiff exited with ${code}:\n${out}`));
    });
  });
}
