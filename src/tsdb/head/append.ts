/**
 * The head's append path. A transaction collects samples in typed arrays; `commit` writes the
 * records (new series, samples, exemplars, metadata) to the WAL first and only then applies
 * the samples to the series, so nothing becomes visible before it is durable.
 */
import type { Labels } from '../../model/labels.js';
import type { Metadata } from '../../model/metadata.js';
import { METRIC_NAME } from '../../model/names.js';
import { StorageError, type Appender, type Exemplar, type SeriesRef } from '../../storage/interface.js';
import { Encbuf } from '../record/encbuf.js';
import { encodeExemplars, encodeMetadata, encodeSeries } from '../record/encode.js';
import { SampleBatch, encodeSamples } from '../record/samples.js';
import type { RefExemplar, RefMetadata } from '../record/types.js';
import type { Head } from './head.js';
import { Appendable, type MemSeries } from './series.js';

// One encoding buffer reused by every commit: commits run one at a time on the event loop.
const enc = new Encbuf(64 * 1024);

/** A transaction against the head. */
export class HeadAppender implements Appender {
  private readonly txn: number;
  private readonly minValid: number;
  private readonly created: MemSeries[] = [];
  private readonly series: MemSeries[] = [];
  private readonly batch = new SampleBatch(64);
  private readonly exemplars: { s: MemSeries; e: Exemplar }[] = [];
  private readonly metadata: { s: MemSeries; m: Metadata }[] = [];
  private closed = false;

  /** Starts a transaction on `head`. */
  constructor(private readonly head: Head) {
    this.txn = head.nextTxn();
    this.minValid = head.appendableMinValidTime();
  }

  private open(): void {
    if (this.closed) throw new Error('appender already committed or rolled back');
  }

  private resolve(ref: SeriesRef, labels: Labels): MemSeries {
    const byRef = ref > 0 ? this.head.seriesByRef(ref) : undefined;
    if (byRef !== undefined) return byRef;
    validateLabels(labels);
    const { series, created } = this.head.getOrCreate(labels);
    if (created) this.created.push(series);
    return series;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    this.open();
    if (t < this.minValid) {
      this.head.stats.outOfBoundSamples++;
      throw new StorageError('out_of_bounds');
    }
    const s = this.resolve(ref, labels);
    switch (s.appendable(t, v, this.txn, this.batch)) {
      case Appendable.Yes:
        break;
      case Appendable.Duplicate:
        return s.ref;
      case Appendable.OutOfOrder:
        this.head.stats.outOfOrderSamples++;
        throw new StorageError('out_of_order');
      case Appendable.DuplicateDifferentValue:
        throw new StorageError('duplicate_sample');
    }
    s.pendingTxn = this.txn;
    s.pendingIdx = this.batch.length;
    this.series.push(s);
    this.batch.push(s.ref, t, v);
    return s.ref;
  }

  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef {
    this.open();
    const s = this.resolve(ref, labels);
    if (this.head.exemplars.validate(s.ref, e)) this.exemplars.push({ s, e });
    return s.ref;
  }

  updateMetadata(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef {
    this.open();
    const s = this.resolve(ref, labels);
    const cur = s.metadata;
    if (!cur || cur.type !== m.type || cur.help !== m.help || cur.unit !== m.unit)
      this.metadata.push({ s, m });
    return s.ref;
  }

  commit(): void {
    this.open();
    this.closed = true;
    this.log();
    const n = this.batch.length;
    const ts = this.batch.ts;
    const vs = this.batch.values;
    const range = this.head.chunkRange;
    const stats = this.head.stats;
    for (let i = 0; i < n; i++) {
      const s = this.series[i]!;
      const t = ts[i]!;
      if (s.append(t, vs[i]!, range)) stats.chunksCreated++;
      this.head.updateTimeBounds(t);
      s.pendingTxn = 0;
    }
    stats.samplesAppended += n;
    for (const { s, e } of this.exemplars) this.head.exemplars.add(s.ref, s.labels, e);
    for (const { s, m } of this.metadata) s.metadata = m;
  }

  rollback(): void {
    this.open();
    this.closed = true;
    for (const s of this.series) s.pendingTxn = 0;
    // Series were created in the head already; the WAL must know them whatever happens to
    // the samples, or a later sample for the same series would reference an unknown ref.
    if (this.head.wal !== null && this.created.length > 0) {
      enc.reset();
      this.head.wal.log(encodeSeries(this.created, enc));
    }
  }

  /** Writes this transaction's records to the WAL, if there is one. */
  private log(): void {
    const wal = this.head.wal;
    if (wal === null) return;
    enc.reset();
    const recs: Uint8Array[] = [];
    if (this.created.length > 0) recs.push(encodeSeries(this.created, enc));
    if (this.batch.length > 0) recs.push(encodeSamples(this.batch, enc));
    if (this.exemplars.length > 0) {
      const list: RefExemplar[] = this.exemplars.map(({ s, e }) => ({
        ref: s.ref,
        t: e.ts,
        v: e.value,
        labels: e.labels,
      }));
      recs.push(encodeExemplars(list, enc));
    }
    if (this.metadata.length > 0) {
      const list: RefMetadata[] = this.metadata.map(({ s, m }) => ({
        ref: s.ref,
        type: m.type,
        unit: m.unit,
        help: m.help,
      }));
      recs.push(encodeMetadata(list, enc));
    }
    if (recs.length > 0) wal.log(...recs);
  }
}

/** Rejects label sets Prometheus rejects: empty, or with an empty metric name. */
function validateLabels(labels: Labels): void {
  if (labels.isEmpty()) throw new StorageError('invalid_labels', 'empty label set');
  if (labels.has(METRIC_NAME) && labels.get(METRIC_NAME) === '') {
    throw new StorageError('invalid_labels', 'empty metric name');
  }
  for (let i = 0; i < labels.size; i++) {
    if (labels.nameAt(i) === '')
      throw new StorageError('invalid_labels', `empty label name in ${labels.toString()}`);
  }
}
