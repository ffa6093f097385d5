import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '../../util/log.js';
import { ActiveQueryTracker } from './active-queries.js';

describe('ActiveQueryTracker', () => {
  it('keeps running queries in queries.active and logs those a dead process left behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-aqt-'));
    try {
      let logs = '';
      const log = new Logger({ write: (s: string) => (logs += s) }, 'info');
      const first = new ActiveQueryTracker(dir, log);
      const a = first.insert('sum(rate(x[5m]))');
      const b = first.insert('up');
      first.done(b);
      const file = JSON.parse(fs.readFileSync(path.join(dir, 'queries.active'), 'utf8')) as {
        query: string;
      }[];
      assert.deepEqual(
        file.map((q) => q.query),
        ['sum(rate(x[5m]))'],
      );
      void a; // the "process dies" here: query a never finishes
      assert.equal(logs, '');
      new ActiveQueryTracker(dir, log);
      assert.match(logs, /These queries didn't finish/);
      assert.match(logs, /query=sum\(rate\(x\[5m\]\)\) timestamp_sec=\d+/);
      assert.equal(fs.readFileSync(path.join(dir, 'queries.active'), 'utf8').trim(), '[]');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
