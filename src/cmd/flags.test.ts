import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, parseBytes, parseFlags, parsePromDuration, type FlagDef } from './flags.js';

const defs: FlagDef[] = [
  { name: 'a.path', kind: 'string', default: 'data/', help: '' },
  { name: 'lifecycle', kind: 'bool', default: 'false', help: '' },
  { name: 'timeout', kind: 'duration', default: '2m', help: '' },
  { name: 'feature', kind: 'string', default: '', help: '', repeatable: true },
];

describe('parseFlags', () => {
  it('takes --name=value, --name value, --bool and --no-bool, repeatable flags and positionals', () => {
    const p = parseFlags(defs, [
      '--a.path',
      '/x',
      '--lifecycle',
      '--timeout=1h30m',
      '--feature=a',
      '--feature',
      'b,c',
      'pos',
    ]);
    assert.equal(p.values.get('a.path'), '/x');
    assert.equal(p.values.get('lifecycle'), 'true');
    assert.equal(p.values.get('timeout'), '1h30m');
    assert.deepEqual(p.lists.get('feature'), ['a', 'b,c']);
    assert.deepEqual(p.args, ['pos']);
    assert.equal(parseFlags(defs, ['--no-lifecycle']).values.get('lifecycle'), 'false');
    assert.equal(parseFlags(defs, []).values.get('timeout'), '2m');
  });

  it('rejects unknown, repeated, valueless and malformed flags', () => {
    assert.throws(
      () => parseFlags(defs, ['--nope']),
      (e: unknown) => e instanceof FlagError && e.message === "unknown long flag '--nope'",
    );
    assert.throws(() => parseFlags(defs, ['--a.path=x', '--a.path=y']), /cannot be repeated/);
    assert.throws(() => parseFlags(defs, ['--a.path']), /expected argument for flag '--a.path'/);
    assert.throws(
      () => parseFlags(defs, ['--timeout=5 minutes']),
      /invalid value "5 minutes" for flag '--timeout'/,
    );
    assert.throws(() => parseFlags(defs, ['-x']), /unknown short flag '-x'/);
  });

  it('parses Prometheus durations and byte sizes', () => {
    assert.equal(parsePromDuration('1h30m'), 5_400_000);
    assert.equal(parsePromDuration('15d'), 15 * 86_400_000);
    assert.equal(parsePromDuration('100ms'), 100);
    assert.equal(parsePromDuration('0'), 0);
    assert.throws(() => parsePromDuration('30m1h'));
    assert.equal(parseBytes('512MB'), 512 * 1024 * 1024);
    assert.equal(parseBytes('1GB'), 1024 ** 3);
    assert.throws(() => parseBytes('lots'));
  });
});
