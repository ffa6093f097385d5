import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { MemPostings } from './mempostings.js';
import { gallop, insertSorted, intersect, merge, removeSorted, without } from './postings.js';
import { postingsForMatchers } from './postings-for-matchers.js';

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomList(r: () => number, max: number, density: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= max; i++) if (r() < density) out.push(i);
  return out;
}

describe('postings set operations', () => {
  it('gallop finds the first element >= x', () => {
    const l = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20];
    for (let x = 0; x <= 22; x++) {
      for (let from = 0; from <= l.length; from++) {
        const want = Math.max(
          from,
          l.findIndex((v) => v >= x) === -1 ? l.length : l.findIndex((v) => v >= x),
        );
        assert.equal(gallop(l, x, from), want, `x=${x} from=${from}`);
      }
    }
  });

  it('intersect, merge and without agree with set arithmetic on random lists', () => {
    const r = rng(42);
    for (let round = 0; round < 200; round++) {
      const lists = Array.from({ length: 1 + Math.floor(r() * 4) }, () =>
        randomList(r, 500, [0.01, 0.1, 0.5, 0.9][Math.floor(r() * 4)]!),
      );
      const sets = lists.map((l) => new Set(l));
      const wantAnd = lists[0]!.filter((x) => sets.every((s) => s.has(x)));
      const wantOr = [...new Set(lists.flat())].sort((a, b) => a - b);
      const wantNot = lists[0]!.filter((x) => !(sets[1] ?? new Set()).has(x));
      assert.deepEqual(intersect(lists), wantAnd);
      assert.deepEqual(merge(lists), wantOr);
      assert.deepEqual(without(lists[0]!, lists[1] ?? []), wantNot);
    }
    assert.deepEqual(intersect([]), []);
    assert.deepEqual(merge([]), []);
  });

  it('insertSorted and removeSorted keep lists sorted and unique', () => {
    const l: number[] = [];
    for (const x of [5, 1, 9, 5, 3, 10, 1]) insertSorted(l, x);
    assert.deepEqual(l, [1, 3, 5, 9, 10]);
    removeSorted(l, 5);
    removeSorted(l, 7);
    assert.deepEqual(l, [1, 3, 9, 10]);
  });
});

describe('postingsForMatchers on MemPostings', () => {
  const series = [
    Labels.fromStrings('__name__', 'up', 'job', 'api', 'env', 'prod'),
    Labels.fromStrings('__name__', 'up', 'job', 'api'),
    Labels.fromStrings('__name__', 'up', 'job', 'db', 'env', 'dev'),
    Labels.fromStrings('__name__', 'go_goroutines', 'job', 'db', 'env', 'prod'),
    Labels.fromStrings('__name__', 'go_goroutines', 'job', 'api\nx'),
  ];
  const ix = new MemPostings();
  series.forEach((ls, i) => ix.add(i + 1, ls));

  const cases: [string, [string, string, string][]][] = [
    ['equal', [['=', '__name__', 'up']]],
    [
      'equal and not equal',
      [
        ['=', '__name__', 'up'],
        ['!=', 'env', 'prod'],
      ],
    ],
    ['empty equal selects missing', [['=', 'env', '']]],
    ['not empty requires presence', [['!=', 'env', '']]],
    ['regex', [['=~', 'job', 'a.*']]],
    ['regex matching empty', [['=~', 'env', 'prod|']]],
    ['negative regex', [['!~', 'job', 'api|db']]],
    ['dot matches newline', [['=~', 'job', 'api.x']]],
    ['nothing', [['=', 'job', 'nope']]],
    ['match all', [['=~', '__name__', '.*']]],
  ];
  for (const [name, spec] of cases) {
    it(name, () => {
      const ms = spec.map(([t, n, v]) => Matcher.create(t as '=', n, v));
      const want = series
        .map((ls, i) => [ls, i + 1] as const)
        .filter(([ls]) => ms.every((m) => m.matches(ls.get(m.name))))
        .map(([, ref]) => ref);
      assert.deepEqual(postingsForMatchers(ix, ms), want);
    });
  }

  it('deleting a series removes it from every list', () => {
    const p = new MemPostings();
    p.add(1, series[0]!);
    p.add(2, series[1]!);
    p.delete(1, series[0]!);
    assert.deepEqual(Array.from(p.allPostings()), [2]);
    assert.deepEqual(p.labelNames(), ['__name__', 'job']);
    assert.deepEqual(p.labelValues('env'), []);
  });
});
