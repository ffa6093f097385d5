/**
 * Crash safety of compaction and retention: a child process runs maintenance over a data
 * directory and is killed with SIGKILL at a random step (while a block is written, right after
 * a block was renamed into place, half-way through deleting one, after the head was truncated),
 * over and over until compaction is complete. After every kill the directory must open, hold
 * every sample exactly once (or, under retention, a whole suffix of each series), and keep no
 * temporary directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { ValueType } from '../storage/interface.js';
import { collectSeries } from '../storage/series.js';
import { DB } from './db.js';
import { CRASH_END, CRASH_OPTIONS, CRASH_SERIES, CRASH_STEP, crashValue } from './testdata/crash-data.js';

const CHILD = fileURLToPath(new URL('./testdata/compact-child.js', import.meta.url));
const MAX_ROUNDS = 60;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-compact-crash-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the child; resolves to 'killed' or 'done'. */
function runChild(dir: string, killAt: number, retention: number): Promise<'killed' | 'done'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(killAt), String(retention)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && out.startsWith('done')) resolve('done');
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

/** Opens the directory and checks its samples; with `suffix`, series may have lost their start. */
async function verify(dir: string, round: number, suffix: boolean): Promise<number> {
  const db = await DB.open(dir, CRASH_OPTIONS);
  try {
    assert.ok(!fs.readdirSync(dir).some((x) => x.includes('.tmp-for-')), `round ${round}: tmp dirs left`);
    const series = collectSeries(
      db.querier(-Infinity, Infinity).select(true, undefined, Matcher.create('=', '__name__', 'c')),
    );
    assert.equal(series.length, CRASH_SERIES, `round ${round}: series`);
    let first = 0;
    for (const s of series) {
      const i = Number(s.labels.get('i'));
      const it = s.iterator();
      let expect = -1;
      while (it.next() !== ValueType.None) {
        if (expect === -1) {
          expect = suffix ? it.t : 0;
          first = Math.max(first, it.t);
        }
        assert.equal(it.t, expect, `round ${round}: series ${i} has a gap or duplicate at ${it.t}`);
        assert.equal(it.v, crashValue(i, it.t));
        expect += CRASH_STEP;
      }
      assert.equal(expect, CRASH_END, `round ${round}: series ${i} ends at ${expect}`);
    }
    return first;
  } finally {
    await db.close();
  }
}

describe('compaction and retention crash safety', () => {
  it('keeps every sample exactly once across SIGKILLs at random maintenance steps', async () => {
    const dir = path.join(tmp, 'data');
    const db = await DB.open(dir, CRASH_OPTIONS);
    const labels = Array.from({ length: CRASH_SERIES }, (_, i) =>
      Labels.fromStrings('__name__', 'c', 'i', String(i)),
    );
    for (let t = 0; t < CRASH_END; t += CRASH_STEP) {
      const app = db.appender();
      labels.forEach((l, i) => app.append(0, l, t, crashValue(i, t)));
      app.commit();
    }
    await db.close();

    let seed = Number(process.env.CRASH_SEED ?? 4242);
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    let kills = 0;
    let done = false;
    for (let round = 0; round < MAX_ROUNDS && !done; round++) {
      const outcome = await runChild(dir, 1 + Math.floor(rnd() * 300), 0);
      if (outcome === 'killed') kills++;
      else done = true;
      await verify(dir, round, false);
    }
    assert.ok(done, 'compaction completed within the rounds');
    assert.ok(kills >= 3, `only ${kills} kills`);
    const after = await DB.open(dir, CRASH_OPTIONS);
    assert.ok(
      after.blocks().some((b) => b.meta.compaction.level >= 3),
      'blocks were compacted by level',
    );
    assert.ok(!fs.existsSync(path.join(dir, 'wal', '00000000')), 'the WAL was truncated');
    await after.close();

    // Retention: blocks go whole, newest kept; a kill mid-deletion leaves no half block.
    let lastFirst = 0;
    for (let round = 0; round < 8; round++) {
      await runChild(dir, 1 + Math.floor(rnd() * 3), 60_000);
      const first = await verify(dir, 100 + round, true);
      assert.ok(first >= lastFirst, 'retention only moves forward');
      lastFirst = first;
    }
    assert.ok(lastFirst > 0, 'retention removed old blocks');
  });
});
