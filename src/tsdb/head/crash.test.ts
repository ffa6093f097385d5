/**
 * Crash safety: a child process appends through the WAL and is killed with SIGKILL at random
 * moments, many times over. After every kill the WAL must open (repairing a torn tail), and
 * every sample whose commit returned before the kill must be there, each commit whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Matcher } from '../../model/matcher.js';
import { ValueType } from '../../storage/interface.js';
import { collectSeries } from '../../storage/series.js';
import { WAL } from '../wal/wal.js';
import { Head } from './head.js';
import { SERIES } from './testdata/append-child.js';
import { replayWAL } from './wal.js';

const CHILD = fileURLToPath(new URL('./testdata/append-child.js', import.meta.url));
const ROUNDS = 12;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-crash-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the child until it has committed at least once, then kills it after a random delay. */
function runAndKill(dir: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastCommitted = -1;
    let buf = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) lastCommitted = Number(l.slice('committed '.length));
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${err}`));
      else resolve(lastCommitted);
    });
  });
}

describe('WAL crash safety', () => {
  it(`keeps every committed sample across ${ROUNDS} SIGKILLs at random moments`, async () => {
    const dir = path.join(tmp, 'wal');
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    let mustHave = -1;
    for (let round = 0; round < ROUNDS; round++) {
      const printed = await runAndKill(dir, Math.floor(rnd() * 300));
      mustHave = Math.max(mustHave, printed);
      // Reopen as the server would: repair, then replay.
      const wal = await WAL.open(dir, { segmentSize: 64 * 1024 });
      await wal.close();
      const head = new Head();
      const stats = replayWAL(head, dir);
      assert.equal(stats.unknownRefSamples, 0, `round ${round}`);
      const series = collectSeries(
        head.querier(-Infinity, Infinity).select(false, undefined, Matcher.create('=', '__name__', 'crash')),
      );
      assert.equal(series.length, SERIES, `round ${round}: series`);
      let common = -1;
      for (const s of series) {
        const it = s.iterator();
        let expect = 0;
        while (it.next() !== ValueType.None) {
          assert.equal(it.t, expect, `round ${round}: ${s.labels} has a gap or duplicate at ${it.t}`);
          assert.equal(it.v, it.t / 1000);
          expect += 1000;
        }
        const last = expect - 1000;
        // Each commit is one record: all series end at the same timestamp.
        if (common === -1) common = last;
        assert.equal(last, common, `round ${round}: commits are atomic`);
      }
      assert.ok(common >= mustHave, `round ${round}: last sample ${common} < last committed ${mustHave}`);
      mustHave = common;
    }
  });
});
