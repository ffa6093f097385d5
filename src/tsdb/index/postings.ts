/**
 * Postings: sorted lists of series references, one per label pair, and the set operations the
 * query path combines them with. Lists are plain sorted integer arrays; intersection gallops
 * (exponential search) through the longer list, so a selective matcher stays cheap against a
 * label pair that every series has.
 */

/** A sorted list of series references without duplicates. */
export type Postings = ArrayLike<number>;

/** The first index `i >= from` with `list[i] >= x` (list.length when none), by galloping. */
export function gallop(list: Postings, x: number, from: number): number {
  const n = list.length;
  if (from >= n || list[from]! >= x) return from;
  // Exponential probe, then binary search inside the last step.
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < n && list[hi]! < x) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  // Invariant: list[lo] < x, and list[hi] >= x or hi == n.
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The references present in both lists. */
export function intersect2(a: Postings, b: Postings): number[] {
  if (a.length > b.length) [a, b] = [b, a];
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i]!;
    j = gallop(b, x, j);
    if (j < b.length && b[j] === x) {
      out.push(x);
      j++;
    }
  }
  return out;
}

/** The references present in every list (empty for no lists). Smallest lists go first. */
export function intersect(lists: readonly Postings[]): number[] {
  if (lists.length === 0) return [];
  const sorted = [...lists].sort((x, y) => x.length - y.length);
  let acc: number[] = Array.from(sorted[0]!);
  for (let i = 1; i < sorted.length && acc.length > 0; i++) acc = intersect2(acc, sorted[i]!);
  return acc;
}

/** The references present in any list, sorted and deduplicated. */
export function merge(lists: readonly Postings[]): number[] {
  const live = lists.filter((l) => l.length > 0);
  if (live.length === 0) return [];
  if (live.length === 1) return Array.from(live[0]!);
  if (live.length === 2) return merge2(live[0]!, live[1]!);
  // Pairwise merging keeps the work at O(n log k) without a heap.
  let level: number[][] = live.map((l) => Array.from(l));
  while (level.length > 1) {
    const next: number[][] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? merge2(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

function merge2(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out.push(x);
      i++;
    } else if (y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The references in `a` that are not in `b`. */
export function without(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    j = gallop(b, x, j);
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/** Inserts `ref` into a sorted list in place, keeping it sorted; no-op if present. */
export function insertSorted(list: number[], ref: number): void {
  const n = list.length;
  // Series references grow, so the common case is an append.
  if (n === 0 || list[n - 1]! < ref) {
    list.push(ref);
    return;
  }
  const i = gallop(list, ref, 0);
  if (list[i] === ref) return;
  list.splice(i, 0, ref);
}

/** Removes `ref` from a sorted list in place; no-op if absent. */
export function removeSorted(list: number[], ref: number): void {
  const i = gallop(list, ref, 0);
  if (list[i] === ref) list.splice(i, 1);
}
