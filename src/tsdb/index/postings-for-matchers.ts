/**
 * Turning a list of matchers into the postings of the series that satisfy all of them, on any
 * index (the head's or a block's). A label that a series lacks reads as "", so a matcher that
 * accepts "" (such as `a=""`, `a!="x"`, `a=~".*"`, `a!~"x"`) also selects series without the
 * label: those matchers are applied by subtracting the series that carry the label with a
 * value the matcher rejects.
 */
import type { Matcher } from '../../model/matcher.js';
import { intersect, merge, without, type Postings } from './postings.js';

/** The part of an index that matcher evaluation needs. */
export interface PostingsSource {
  /** Every series. */
  allPostings(): Postings;
  /** The series carrying `name="value"`. */
  get(name: string, value: string): Postings;
  /** Calls `fn` for every value of label `name` with its postings. */
  forEachValue(name: string, fn: (value: string, postings: Postings) => void): void;
}

/** The postings of series whose value of `m.name` is present and accepted (`accept`) by `m`. */
function postingsWhere(ix: PostingsSource, m: Matcher, accept: boolean): Postings {
  if (accept && m.type === '=') return ix.get(m.name, m.value);
  if (!accept && m.type === '!=') return ix.get(m.name, m.value);
  const lists: Postings[] = [];
  ix.forEachValue(m.name, (value, p) => {
    if (m.matches(value) === accept) lists.push(p);
  });
  return merge(lists);
}

/** The sorted references of the series that every matcher accepts. */
export function postingsForMatchers(ix: PostingsSource, matchers: readonly Matcher[]): number[] {
  const its: Postings[] = [];
  const nots: Postings[] = [];
  for (const m of matchers) {
    if (m.matches('')) {
      // Accepts a missing label: remove the series whose present value is rejected.
      nots.push(postingsWhere(ix, m, false));
    } else {
      // Requires the label to be present with an accepted value.
      const p = postingsWhere(ix, m, true);
      if (p.length === 0) return [];
      its.push(p);
    }
  }
  // With only "accepts empty" matchers, start from every series.
  if (its.length === 0) its.push(ix.allPostings());
  let res = intersect(its);
  for (const n of nots) {
    if (res.length === 0) break;
    res = without(res, n);
  }
  return res;
}
