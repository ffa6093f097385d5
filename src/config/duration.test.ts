import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  const ok: [string, number, string][] = [
    ['0', 0, '0s'],
    ['0s', 0, '0s'],
    ['15s', 15_000, '15s'],
    ['1m', 60_000, '1m'],
    ['1h30m', 5_400_000, '1h30m'],
    ['90m', 5_400_000, '1h30m'],
    ['1d', 86_400_000, '1d'],
    ['2w', 14 * 86_400_000, '2w'],
    ['90d', 90 * 86_400_000, '90d'],
    ['1y', 365 * 86_400_000, '1y'],
    ['1y1d', 366 * 86_400_000, '366d'],
    ['100ms', 100, '100ms'],
    ['1s500ms', 1500, '1s500ms'],
  ];
  for (const [s, ms, printed] of ok) {
    it(`parses ${s}`, () => {
      assert.equal(parseDuration(s), ms);
      assert.equal(formatDuration(ms), printed);
    });
  }
  // Messages as promtool prints them.
  const bad: [string, string][] = [
    ['', 'empty duration string'],
    ['abc', 'not a valid duration string: "abc"'],
    ['10', 'not a valid duration string: "10"'],
    ['1x', 'unknown unit "x" in duration "1x"'],
    ['1h1d', 'not a valid duration string: "1h1d"'],
    ['1m1m', 'not a valid duration string: "1m1m"'],
    ['-1s', 'not a valid duration string: "-1s"'],
    ['1.5h', 'unknown unit "." in duration "1.5h"'],
    ['300y', 'duration out of range'],
  ];
  for (const [s, msg] of bad)
    it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseDuration(s), { message: msg }));
});
