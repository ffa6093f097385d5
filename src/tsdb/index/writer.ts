/**
 * Writes the index file of a block in format 2, byte for byte as Prometheus's `index.Writer`
 * lays it out for the same symbols and series: header, symbol table, 16-byte aligned series
 * with their chunk metas, one label index per label name, postings (all series first, then by
 * label name and value), the label offset table, the postings offset table and the TOC.
 *
 * Postings are gathered in memory while series are added (one small integer per label of each
 * series), then written after the series; Prometheus re-reads its series section instead,
 * which yields the same bytes.
 */
import { crc32c } from '@node-rs/crc32';
import { Labels } from '../../model/labels.js';
import { compareStrings } from '../../model/strings.js';
import { Encbuf } from '../record/encbuf.js';
import { FileWriter } from '../fileutil/fileutil.js';
import type { ChunkMeta } from '../chunks/chunks.js';
import { FORMAT_V2, MAGIC_INDEX, SERIES_BYTE_ALIGN, putBE32, type TOC } from './format.js';

/** Encoded bytes are handed to the file (and the running CRC) in pieces of about this size. */
const FLUSH_AT = 64 * 1024;

const enum Stage {
  Symbols = 0,
  Series = 1,
  Done = 2,
}

/** Writes one index file; call {@link addSymbol} for every symbol, then {@link addSeries} in label order, then {@link close}. */
export class IndexWriter {
  private readonly f: FileWriter;
  private stage = Stage.Symbols;
  private readonly toc: TOC = {
    symbols: 0,
    series: 0,
    labelIndices: 0,
    labelIndicesTable: 0,
    postings: 0,
    postingsTable: 0,
  };
  private readonly symbolList: string[] = [];
  private readonly symbolIndex = new Map<string, number>();
  private lastSeries: Labels | null = null;
  private lastChunkRef = 0;
  /** Series references in the order written. */
  private readonly allRefs: number[] = [];
  /** Label name symbol → label value symbol → series references. */
  private readonly postings = new Map<number, Map<number, number[]>>();
  private readonly buf = new Encbuf(4096);
  private readonly head = new Encbuf(16);
  private crc = 0;

  /** Creates the index file at `file` and writes the header. */
  constructor(readonly file: string) {
    this.f = new FileWriter(file);
    const h = new Uint8Array(5);
    putBE32(h, 0, MAGIC_INDEX);
    h[4] = FORMAT_V2;
    this.f.write(h);
  }

  /** Adds a symbol; symbols must come in increasing byte order and before any series. */
  addSymbol(s: string): void {
    if (this.stage !== Stage.Symbols) throw new Error('index writer: symbol added after series');
    const last = this.symbolList[this.symbolList.length - 1];
    if (last !== undefined && compareStrings(s, last) <= 0) {
      throw new Error(`index writer: symbol ${JSON.stringify(s)} out-of-order`);
    }
    this.symbolIndex.set(s, this.symbolList.length);
    this.symbolList.push(s);
  }

  private finishSymbols(): void {
    this.toc.symbols = this.f.pos;
    const b = this.buf;
    b.reset();
    b.putBE32(0); // Length, patched below.
    b.putBE32(this.symbolList.length);
    this.crc = crc32c(b.since(4));
    this.f.write(b.bytes());
    b.reset();
    for (const s of this.symbolList) {
      b.putUvarintStr(s);
      if (b.length >= FLUSH_AT) this.flushCrc();
    }
    this.flushCrc();
    const len = this.f.pos - this.toc.symbols - 4;
    if (len > 0xffffffff) throw new Error('index writer: symbol table exceeds 4 GiB');
    const lb = new Uint8Array(4);
    putBE32(lb, 0, len);
    this.f.writeAt(lb, this.toc.symbols);
    this.putCrc();
    this.toc.series = this.f.pos;
    this.stage = Stage.Series;
  }

  /** Writes `buf` to the file, adding it to the running CRC. */
  private flushCrc(): void {
    const bytes = this.buf.bytes();
    this.crc = crc32c(bytes, this.crc);
    this.f.write(bytes);
    this.buf.reset();
  }

  /** Writes the running CRC (big-endian). */
  private putCrc(): void {
    const c = new Uint8Array(4);
    putBE32(c, 0, this.crc >>> 0);
    this.f.write(c);
  }

  private symbol(s: string): number {
    const i = this.symbolIndex.get(s);
    if (i === undefined) throw new Error(`index writer: symbol ${JSON.stringify(s)} not found`);
    return i;
  }

  /**
   * Adds a series with its chunks (already written, so their `ref`s are set); series must come
   * in increasing label order. Returns the series reference (its offset / 16).
   */
  addSeries(labels: Labels, chunks: readonly ChunkMeta[]): number {
    if (this.stage === Stage.Symbols) this.finishSymbols();
    if (this.stage !== Stage.Series) throw new Error('index writer: series added after close');
    if (this.lastSeries !== null && Labels.compare(labels, this.lastSeries) <= 0) {
      throw new Error(`index writer: out-of-order series added with label set ${labels.toString()}`);
    }
    let lastRef = this.lastChunkRef;
    let lastMaxT = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.ref < lastRef)
        throw new Error(`index writer: unsorted chunk reference ${c.ref}, previous: ${lastRef}`);
      if (i > 0 && c.minT <= lastMaxT) {
        throw new Error(`index writer: chunk minT ${c.minT} not after the previous chunk's maxT ${lastMaxT}`);
      }
      if (c.maxT < c.minT) throw new Error(`index writer: chunk maxT ${c.maxT} before minT ${c.minT}`);
      lastRef = c.ref;
      lastMaxT = c.maxT;
    }
    // Padding to 16 bytes makes 4-byte series references address 64 GiB of index.
    this.f.addPadding(SERIES_BYTE_ALIGN);
    const ref = this.f.pos / SERIES_BYTE_ALIGN;
    if (ref > 0xffffffff) throw new Error('index writer: series reference exceeds 4 bytes');

    const b = this.buf;
    b.reset();
    b.putUvarint(labels.size);
    for (let i = 0; i < labels.size; i++) {
      const n = this.symbol(labels.nameAt(i));
      const v = this.symbol(labels.valueAt(i));
      b.putUvarint(n);
      b.putUvarint(v);
      let byValue = this.postings.get(n);
      if (byValue === undefined) this.postings.set(n, (byValue = new Map()));
      const list = byValue.get(v);
      if (list === undefined) byValue.set(v, [ref]);
      else list.push(ref);
    }
    b.putUvarint(chunks.length);
    if (chunks.length > 0) {
      const c0 = chunks[0]!;
      b.putVarint(c0.minT);
      b.putUvarint(c0.maxT - c0.minT);
      b.putUvarint(c0.ref);
      let t0 = c0.maxT;
      let ref0 = c0.ref;
      for (let i = 1; i < chunks.length; i++) {
        const c = chunks[i]!;
        b.putUvarint(c.minT - t0);
        b.putUvarint(c.maxT - c.minT);
        t0 = c.maxT;
        b.putVarint(c.ref - ref0);
        ref0 = c.ref;
      }
    }
    const h = this.head;
    h.reset();
    h.putUvarint(b.length);
    this.f.write(h.bytes());
    this.f.write(b.bytes());
    this.crc = crc32c(b.bytes());
    this.putCrc();

    this.allRefs.push(ref);
    this.lastSeries = labels;
    this.lastChunkRef = lastRef;
    return ref;
  }

  /** Writes label indices, postings, the offset tables and the TOC; syncs and closes the file. */
  close(): void {
    if (this.stage === Stage.Done) return;
    try {
      if (this.stage === Stage.Symbols) this.finishSymbols();
      this.finish();
      this.f.close();
    } catch (e) {
      this.f.abandon();
      throw e;
    }
    this.stage = Stage.Done;
  }

  /** Closes the file without finishing it (after an error; the caller removes it). */
  abandon(): void {
    this.stage = Stage.Done;
    this.f.abandon();
  }

  private finish(): void {
    const names = [...this.postings.keys()].sort((a, b) => a - b);
    // Symbol numbers are in string order, so sorting numbers sorts names and values.
    const values = new Map<number, number[]>();
    for (const n of names)
      values.set(
        n,
        [...this.postings.get(n)!.keys()].sort((a, b) => a - b),
      );

    // Label indices: one per label name, listing its values.
    this.toc.labelIndices = this.f.pos;
    const labelIndexOffsets: number[] = [];
    const b = this.buf;
    for (const n of names) {
      this.f.addPadding(4);
      labelIndexOffsets.push(this.f.pos);
      const vs = values.get(n)!;
      b.reset();
      b.putBE32(8 + 4 * vs.length);
      b.putBE32(1);
      b.putBE32(vs.length);
      this.crc = crc32c(b.since(4));
      this.f.write(b.bytes());
      b.reset();
      for (const v of vs) {
        b.putBE32(v);
        if (b.length >= FLUSH_AT) this.flushCrc();
      }
      this.flushCrc();
      this.putCrc();
    }

    // Postings: every series first (under the empty label pair), then by name and value.
    this.toc.postings = this.f.pos;
    this.f.addPadding(4);
    const offsets = new Encbuf(4096);
    let entries = 0;
    const posting = (name: string, value: string, refs: readonly number[]): void => {
      this.f.addPadding(4);
      offsets.putUvarint(2);
      offsets.putUvarintStr(name);
      offsets.putUvarintStr(value);
      offsets.putUvarint(this.f.pos);
      entries++;
      b.reset();
      b.putBE32(4 + 4 * refs.length);
      b.putBE32(refs.length);
      this.crc = crc32c(b.since(4));
      this.f.write(b.bytes());
      b.reset();
      for (const r of refs) {
        b.putBE32(r);
        if (b.length >= FLUSH_AT) this.flushCrc();
      }
      this.flushCrc();
      this.putCrc();
    };
    posting('', '', this.allRefs);
    for (const n of names) {
      const byValue = this.postings.get(n)!;
      const name = this.symbolList[n]!;
      for (const v of values.get(n)!) posting(name, this.symbolList[v]!, byValue.get(v)!);
    }

    // Label offset table.
    this.toc.labelIndicesTable = this.f.pos;
    b.reset();
    b.putBE32(0);
    b.putBE32(names.length);
    for (let i = 0; i < names.length; i++) {
      b.putUvarint(1);
      b.putUvarintStr(this.symbolList[names[i]!]!);
      b.putUvarint(labelIndexOffsets[i]!);
    }
    this.writeTable(b);

    // Postings offset table.
    this.toc.postingsTable = this.f.pos;
    b.reset();
    b.putBE32(0);
    b.putBE32(entries);
    b.putBytes(offsets.bytes());
    this.writeTable(b);

    // TOC.
    b.reset();
    const t = this.toc;
    for (const off of [
      t.symbols,
      t.series,
      t.labelIndices,
      t.labelIndicesTable,
      t.postings,
      t.postingsTable,
    ]) {
      b.putBE64(off);
    }
    this.crc = crc32c(b.bytes());
    this.f.write(b.bytes());
    this.putCrc();
  }

  /** Writes a `len | contents | CRC` section whose contents follow 4 placeholder bytes in `b`. */
  private writeTable(b: Encbuf): void {
    const len = b.length - 4;
    if (len > 0xffffffff) throw new Error('index writer: table exceeds 4 GiB');
    putBE32(b.buf, 0, len);
    this.crc = crc32c(b.since(4));
    this.f.write(b.bytes());
    this.putCrc();
  }
}
