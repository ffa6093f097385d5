/**
 * The upstream block with an index in format 1 (tsdb-format/testdata/index_format_v1, written
 * by an old Prometheus): ignis opens it and answers what Prometheus's TestIndexFormatV1 asserts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matcher } from '../../model/matcher.js';
import { collectSamples, collectSeries } from '../../storage/series.js';
import { conformancePath } from '../../util/testenv.js';
import { Block } from './block.js';

const dir = conformancePath('tsdb-format/testdata/index_format_v1', 'index format v1 block');

describe('index format v1 block', { skip: dir === null }, () => {
  const q = (...ms: Matcher[]): [string, [number, number][]][] => {
    const b = Block.open(dir!, { verifyChecksums: true });
    try {
      return collectSeries(b.querier(0, 1000).select(true, undefined, ...ms)).map((s) => [
        s.labels.toString(),
        collectSamples(s),
      ]);
    } finally {
      b.close();
    }
  };

  it('opens with its meta.json and version-1 index', () => {
    const b = Block.open(dir!);
    assert.equal(b.meta.ulid, '01DXXFZDYD1MQW6079WK0K6EDQ');
    assert.equal(b.meta.minTime, 0);
    assert.equal(b.meta.maxTime, 7200000);
    assert.deepEqual(b.meta.stats, { numSamples: 102, numSeries: 102, numChunks: 102 });
    assert.equal(b.index.version, 1);
    assert.equal(b.index.allPostings().length, 102);
    assert.deepEqual(b.index.labelNames(), ['bar', 'foo']);
    assert.equal(b.tombstones.size, 0);
    b.close();
  });

  it('selects {foo="bar"} over [0, 1000]', () => {
    assert.deepEqual(q(Matcher.create('=', 'foo', 'bar')), [['{foo="bar"}', [[1, 2]]]]);
  });

  it('selects foo!~"^.?$" over [0, 1000]', () => {
    assert.deepEqual(q(Matcher.create('!~', 'foo', '^.?$')), [
      ['{foo="bar"}', [[1, 2]]],
      ['{foo="baz"}', [[3, 4]]],
    ]);
  });

  it('reads all 102 series with one sample each', () => {
    const all = q(Matcher.create('=~', 'bar', '.*'));
    assert.equal(all.length, 102);
    for (const [, s] of all) assert.equal(s.length, 1);
  });
});
