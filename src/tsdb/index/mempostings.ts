/**
 * The head's inverted index: for every label pair, the sorted references of the series that
 * carry it, plus the list of all series. Series references only grow, so adding a series is
 * an append to each of its lists.
 */
import type { Labels } from '../../model/labels.js';
import { compareStrings } from '../../model/strings.js';
import { insertSorted, removeSorted, type Postings } from './postings.js';

const EMPTY: readonly number[] = [];

/** Label pair → sorted series references, in memory. */
export class MemPostings {
  private readonly m = new Map<string, Map<string, number[]>>();
  private readonly all: number[] = [];

  /** Adds a series under each of its label pairs. */
  add(ref: number, labels: Labels): void {
    insertSorted(this.all, ref);
    labels.forEach((name, value) => {
      let values = this.m.get(name);
      if (!values) {
        values = new Map();
        this.m.set(name, values);
      }
      let list = values.get(value);
      if (!list) {
        list = [];
        values.set(value, list);
      }
      insertSorted(list, ref);
    });
  }

  /** Removes a series (garbage collection of series without samples). */
  delete(ref: number, labels: Labels): void {
    removeSorted(this.all, ref);
    labels.forEach((name, value) => {
      const values = this.m.get(name);
      const list = values?.get(value);
      if (!values || !list) return;
      removeSorted(list, ref);
      if (list.length === 0) {
        values.delete(value);
        if (values.size === 0) this.m.delete(name);
      }
    });
  }

  /** The series carrying `name="value"` (callers must not modify the list). */
  get(name: string, value: string): Postings {
    return this.m.get(name)?.get(value) ?? EMPTY;
  }

  /** Every series. */
  allPostings(): Postings {
    return this.all;
  }

  /** The label names in use, sorted. */
  labelNames(): string[] {
    return [...this.m.keys()].sort(compareStrings);
  }

  /** The values of a label in use, sorted. */
  labelValues(name: string): string[] {
    const values = this.m.get(name);
    return values ? [...values.keys()].sort(compareStrings) : [];
  }

  /** Calls `fn` for every value of `name` and its postings, in no particular order. */
  forEachValue(name: string, fn: (value: string, postings: Postings) => void): void {
    this.m.get(name)?.forEach((list, value) => fn(value, list));
  }

  /** The number of series in the index. */
  get size(): number {
    return this.all.length;
  }
}
