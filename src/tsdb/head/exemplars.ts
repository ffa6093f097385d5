/**
 * The exemplar store: one ring buffer of fixed capacity shared by all series
 * (`storage.exemplars.max_exemplars`), as in Prometheus. When the buffer is full the oldest
 * exemplar of any series is overwritten. Each series links its exemplars oldest to newest
 * through buffer indices, so a look-up walks only that series' entries.
 */
import type { Labels } from '../../model/labels.js';
import { StorageError, type Exemplar } from '../../storage/interface.js';

/** OpenMetrics' limit on the combined length of an exemplar's label names and values (runes). */
export const EXEMPLAR_MAX_LABEL_SET_LENGTH = 128;

interface Slot {
  seriesRef: number;
  exemplar: Exemplar;
  /** Index of the next (newer) exemplar of the same series, or -1. */
  next: number;
}

interface SeriesEntry {
  labels: Labels;
  oldest: number;
  newest: number;
}

/** Exemplars of one series, as the query API returns them. */
export interface SeriesExemplars {
  readonly seriesLabels: Labels;
  readonly exemplars: Exemplar[];
}

function runeLength(labels: Labels): number {
  let n = 0;
  labels.forEach((name, value) => {
    for (const _ of name) n++;
    for (const _ of value) n++;
  });
  return n;
}

/** A fixed-capacity ring buffer of exemplars keyed by series reference. */
export class ExemplarStorage {
  private slots: (Slot | null)[];
  private nextIndex = 0;
  private readonly series = new Map<number, SeriesEntry>();
  /** prometheus_tsdb_exemplar_exemplars_appended_total */
  appended = 0;

  /** Creates a store for at most `capacity` exemplars (0 disables it). */
  constructor(private capacity: number) {
    this.slots = new Array<Slot | null>(Math.max(0, capacity)).fill(null);
  }

  /** The capacity (prometheus_tsdb_exemplar_max_exemplars). */
  maxExemplars(): number {
    return this.capacity;
  }

  /** The number of stored exemplars (prometheus_tsdb_exemplar_exemplars_in_storage). */
  size(): number {
    let n = 0;
    for (const s of this.slots) if (s !== null) n++;
    return n;
  }

  /**
   * Checks an exemplar without storing it: throws for a label set over 128 runes and for one
   * older than the series' newest; returns false for an exact repeat (silently skipped).
   */
  validate(seriesRef: number, e: Exemplar): boolean {
    if (runeLength(e.labels) > EXEMPLAR_MAX_LABEL_SET_LENGTH)
      throw new StorageError('exemplar_labels_too_long');
    if (this.capacity === 0) return false;
    const entry = this.series.get(seriesRef);
    if (!entry) return true;
    const last = this.slots[entry.newest]?.exemplar;
    if (!last) return true;
    if (last.ts === e.ts && last.value === e.value && last.labels.equals(e.labels)) return false;
    if (e.ts < last.ts) throw new StorageError('out_of_order_exemplar');
    return true;
  }

  /** Stores an exemplar for a series (after {@link validate} accepted it). */
  add(seriesRef: number, seriesLabels: Labels, e: Exemplar): void {
    if (this.capacity === 0) return;
    const i = this.nextIndex;
    const old = this.slots[i];
    if (old) this.unlinkOldest(old.seriesRef, i);
    this.slots[i] = { seriesRef, exemplar: e, next: -1 };
    const entry = this.series.get(seriesRef);
    if (!entry) {
      this.series.set(seriesRef, { labels: seriesLabels, oldest: i, newest: i });
    } else {
      this.slots[entry.newest]!.next = i;
      entry.newest = i;
    }
    this.nextIndex = (i + 1) % this.capacity;
    this.appended++;
  }

  // The slot being overwritten is always the oldest of its series: the ring is in time order.
  private unlinkOldest(seriesRef: number, index: number): void {
    const entry = this.series.get(seriesRef);
    if (!entry) return;
    const next = this.slots[index]!.next;
    if (next === -1 || entry.oldest !== index) this.series.delete(seriesRef);
    else entry.oldest = next;
  }

  /** Exemplars with `start <= ts <= end` of the series `accept` selects, per series. */
  select(start: number, end: number, accept: (labels: Labels) => boolean): SeriesExemplars[] {
    const out: SeriesExemplars[] = [];
    for (const entry of this.series.values()) {
      if (!accept(entry.labels)) continue;
      const list: Exemplar[] = [];
      for (let i = entry.oldest; i !== -1; i = this.slots[i]!.next) {
        const e = this.slots[i]!.exemplar;
        if (e.ts >= start && e.ts <= end) list.push(e);
      }
      if (list.length > 0) out.push({ seriesLabels: entry.labels, exemplars: list });
    }
    return out;
  }

  /** Changes the capacity, keeping the newest exemplars that fit (config reload). */
  resize(capacity: number): void {
    const kept: Slot[] = [];
    for (let k = 0; k < this.capacity; k++) {
      const s = this.slots[(this.nextIndex + k) % this.capacity];
      if (s) kept.push(s);
    }
    const labelsOf = new Map([...this.series].map(([ref, e]) => [ref, e.labels]));
    this.capacity = Math.max(0, capacity);
    this.slots = new Array<Slot | null>(this.capacity).fill(null);
    this.series.clear();
    this.nextIndex = 0;
    const appended = this.appended;
    for (const s of kept.slice(Math.max(0, kept.length - this.capacity))) {
      this.add(s.seriesRef, labelsOf.get(s.seriesRef)!, s.exemplar);
    }
    this.appended = appended;
  }
}
