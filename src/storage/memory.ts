/**
 * A small in-memory storage: correct, simple, not fast. The query engine and the rule manager
 * are tested against it, and it is the reference the TSDB's querier is compared with.
 */
import { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Metadata } from '../model/metadata.js';
import { compareStrings } from '../model/strings.js';
import {
  StorageError,
  type Appender,
  type Exemplar,
  type LabelHints,
  type Querier,
  type SelectHints,
  type SeriesRef,
  type SeriesSet,
  type Storage,
} from './interface.js';
import { ListSeries, ListSeriesSet } from './series.js';

interface MemSeries {
  readonly ref: SeriesRef;
  readonly labels: Labels;
  ts: number[];
  // Values live in a Float64Array: V8 canonicalizes NaNs stored in plain double arrays, which
  // would turn the stale marker into an ordinary NaN.
  vs: Float64Array;
  n: number;
  metadata?: Metadata;
  exemplars: Exemplar[];
}

const bits = new Float64Array(1);
const bitsU32 = new Uint32Array(bits.buffer);

/** True when two float64 values have the same bit pattern (so NaN payloads count). */
function sameBits(a: number, b: number): boolean {
  bits[0] = a;
  const a0 = bitsU32[0];
  const a1 = bitsU32[1];
  bits[0] = b;
  return a0 === bitsU32[0] && a1 === bitsU32[1];
}

/** True when every matcher accepts the label set (a missing label reads as ""). */
export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matches(labels.get(m.name))) return false;
  return true;
}

/** An in-memory {@link Storage} with the head's append rules (ordering, duplicates). */
export class MemoryStorage implements Storage {
  private readonly byHash = new Map<number, MemSeries[]>();
  private readonly byRef: MemSeries[] = [];

  /** Finds or creates the series for a label set. */
  private getOrCreate(labels: Labels): MemSeries {
    const h = labels.hash();
    let bucket = this.byHash.get(h);
    if (!bucket) {
      bucket = [];
      this.byHash.set(h, bucket);
    }
    for (const s of bucket) if (s.labels.equals(labels)) return s;
    const s: MemSeries = {
      ref: this.byRef.length + 1,
      labels,
      ts: [],
      vs: new Float64Array(8),
      n: 0,
      exemplars: [],
    };
    bucket.push(s);
    this.byRef.push(s);
    return s;
  }

  private resolve(ref: SeriesRef, labels: Labels): MemSeries {
    const s = ref > 0 ? this.byRef[ref - 1] : undefined;
    return s && s.labels.equals(labels) ? s : this.getOrCreate(labels);
  }

  appender(): Appender {
    // Pending samples are objects, not tuples: a double held in an object field keeps its NaN
    // payload, one held in a plain array does not.
    const pending: { s: MemSeries; t: number; v: number }[] = [];
    const pendingEx: { s: MemSeries; e: Exemplar }[] = [];
    const pendingMeta: { s: MemSeries; m: Metadata }[] = [];
    let done = false;
    const check = (): void => {
      if (done) throw new Error('appender used after commit or rollback');
    };
    return {
      append: (ref, labels, t, v) => {
        check();
        if (labels.isEmpty()) throw new StorageError('invalid_labels', 'empty label set');
        const s = this.resolve(ref, labels);
        // The last sample this transaction or earlier ones wrote for the series.
        let lastT = s.n ? s.ts[s.n - 1]! : -Infinity;
        let lastV = s.n ? s.vs[s.n - 1]! : 0;
        for (let i = pending.length - 1; i >= 0; i--) {
          if (pending[i]!.s === s) {
            lastT = pending[i]!.t;
            lastV = pending[i]!.v;
            break;
          }
        }
        if (t < lastT) throw new StorageError('out_of_order');
        if (t === lastT) {
          if (sameBits(v, lastV)) return s.ref;
          throw new StorageError('duplicate_sample');
        }
        pending.push({ s, t, v });
        return s.ref;
      },
      appendExemplar: (ref, labels, e) => {
        check();
        const s = this.resolve(ref, labels);
        pendingEx.push({ s, e });
        return s.ref;
      },
      updateMetadata: (ref, labels, m) => {
        check();
        const s = this.resolve(ref, labels);
        pendingMeta.push({ s, m });
        return s.ref;
      },
      commit: () => {
        check();
        done = true;
        for (const p of pending) {
          const s = p.s;
          if (s.n === s.vs.length) {
            const grown = new Float64Array(s.vs.length * 2);
            grown.set(s.vs);
            s.vs = grown;
          }
          s.ts.push(p.t);
          s.vs[s.n++] = p.v;
        }
        for (const p of pendingEx) p.s.exemplars.push(p.e);
        for (const p of pendingMeta) p.s.metadata = p.m;
      },
      rollback: () => {
        check();
        done = true;
      },
    };
  }

  querier(mint: number, maxt: number): Querier {
    const all = this.byRef;
    const inRange = (s: MemSeries): boolean => s.n > 0 && s.ts[0]! <= maxt && s.ts[s.n - 1]! >= mint;
    const matching = (matchers: readonly Matcher[]): MemSeries[] =>
      all.filter((s) => inRange(s) && matchesAll(matchers, s.labels));
    const limited = (list: string[], hints?: LabelHints): string[] =>
      hints?.limit && list.length > hints.limit ? list.slice(0, hints.limit) : list;
    return {
      select(sorted: boolean, hints: SelectHints | undefined, ...matchers: Matcher[]): SeriesSet {
        const list = matching(matchers);
        if (sorted) list.sort((a, b) => Labels.compare(a.labels, b.labels));
        const series = list
          .map((s) => {
            let lo = 0;
            while (lo < s.n && s.ts[lo]! < mint) lo++;
            let hi = lo;
            while (hi < s.n && s.ts[hi]! <= maxt) hi++;
            return new ListSeries(s.labels, s.ts.slice(lo, hi), s.vs.slice(lo, hi));
          })
          .filter((s) => s.ts.length > 0);
        return new ListSeriesSet(hints?.limit ? series.slice(0, hints.limit) : series);
      },
      labelValues(name: string, hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
        const vals = new Set<string>();
        for (const s of matching(matchers)) {
          const v = s.labels.get(name);
          if (v !== '') vals.add(v);
        }
        return limited([...vals].sort(compareStrings), hints);
      },
      labelNames(hints: LabelHints | undefined, ...matchers: Matcher[]): string[] {
        const names = new Set<string>();
        for (const s of matching(matchers)) s.labels.forEach((n) => names.add(n));
        return limited([...names].sort(compareStrings), hints);
      },
      close(): void {},
    };
  }

  /** The metadata last recorded for a series, if any (for tests and the metadata API). */
  metadataOf(labels: Labels): Metadata | undefined {
    return this.byHash.get(labels.hash())?.find((s) => s.labels.equals(labels))?.metadata;
  }

  /** The exemplars recorded for a series (for tests and the exemplar API). */
  exemplarsOf(labels: Labels): readonly Exemplar[] {
    return this.byHash.get(labels.hash())?.find((s) => s.labels.equals(labels))?.exemplars ?? [];
  }
}
