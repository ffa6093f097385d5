import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from './log.js';

const fixed = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

describe('Logger', () => {
  it('writes logfmt lines, quoting values that need it, and filters by level', () => {
    let out = '';
    const log = new Logger(
      { write: (s: string) => (out += s) },
      'info',
      'logfmt',
      { component: 'tsdb' },
      fixed,
    );
    log.debug('hidden');
    log.info('WAL replay completed', { samples: 12, file: 'a b', empty: '', err: new Error('boom "x"') });
    assert.equal(
      out,
      'time=2026-01-02T03:04:05.678Z level=INFO msg="WAL replay completed" component=tsdb samples=12 file="a b" empty="" err="boom \\"x\\""\n',
    );
  });

  it('writes one JSON object per line with --log.format=json', () => {
    let out = '';
    new Logger({ write: (s: string) => (out += s) }, 'debug', 'json', {}, fixed)
      .with({ component: 'web' })
      .warn('slow', { ms: 5 });
    assert.deepEqual(JSON.parse(out), {
      time: '2026-01-02T03:04:05.678Z',
      level: 'WARN',
      msg: 'slow',
      component: 'web',
      ms: 5,
    });
  });
});
