/**
 * Reads the index file of a block lazily (Prometheus's `index.Reader`), in formats 1 and 2.
 * Opening reads the TOC, checks the symbol table and postings offset table, and keeps only a
 * sample of both in memory: the offset of every 32nd symbol, and for each label name every
 * 32nd postings-offset entry plus the last. Symbols, series and postings are read by position
 * when asked for, through read-ahead windows (see fileutil.ts), so the heap stays small
 * whatever the size of the index.
 *
 * Format 1 differs in references: a symbol is referenced by its byte offset, a series by its
 * byte offset (not offset / 16), and the postings offset table is not sorted, so it is loaded
 * whole (format 1 blocks are small and old).
 */
import fs from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { Labels } from '../../model/labels.js';
import { compareStrings } from '../../model/strings.js';
import { decodeString, readUvarint, readVarint, varintEnd } from '../record/decbuf.js';
import { PositionalReader } from '../fileutil/fileutil.js';
import type { ChunkMeta } from '../chunks/chunks.js';
import type { Postings } from './postings.js';
import type { PostingsSource } from './postings-for-matchers.js';
import {
  FORMAT_V1,
  FORMAT_V2,
  HEADER_LEN,
  INDEX_TOC_LEN,
  IndexError,
  MAGIC_INDEX,
  SERIES_BYTE_ALIGN,
  SYMBOL_FACTOR,
  be32,
  be64,
  type TOC,
} from './format.js';

const EMPTY: Postings = new Uint32Array(0);

/** How many decoded symbols the reader keeps before starting over (label names and common values hit it). */
const SYMBOL_CACHE_LIMIT = 1 << 16;

/** Sampled postings-offset entries of one label name (format 2). */
interface SampledOffsets {
  /** Values of every 32nd entry and of the last. */
  readonly values: string[];
  /** File positions of those entries in the postings offset table. */
  readonly entries: number[];
}

/** A series as the index stores it: labels and chunk metas (without chunk data). */
export interface IndexSeries {
  readonly labels: Labels;
  readonly chunks: ChunkMeta[];
}

/** Reads one block's index file. */
export class IndexReader implements PostingsSource {
  /** The format version (1 or 2). */
  readonly version: number;
  /** The section offsets. */
  readonly toc: TOC;
  /** The size of the file in bytes. */
  readonly size: number;
  private readonly fd: number;
  // Separate windows for separate regions, so interleaved reads (a series, then a symbol it
  // references) do not evict each other.
  private readonly symbolsR: PositionalReader;
  private readonly seriesR: PositionalReader;
  private readonly postingsR: PositionalReader;
  private readonly tableR: PositionalReader;
  private symbolOffsets: number[] = [];
  private numSymbols = 0;
  private readonly symbolCache = new Map<number, string>();
  private readonly sampled = new Map<string, SampledOffsets>();
  private readonly v1Postings = new Map<string, Map<string, number>>();
  // Fields set by entryAt(): the last postings-offset entry read.
  private eName = '';
  private eValue = '';
  private eOff = 0;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
    this.size = fs.fstatSync(fd).size;
    this.symbolsR = new PositionalReader(fd, this.size, 16 * 1024);
    this.seriesR = new PositionalReader(fd, this.size);
    this.postingsR = new PositionalReader(fd, this.size);
    this.tableR = new PositionalReader(fd, this.size);
    if (this.size < HEADER_LEN + INDEX_TOC_LEN) throw this.error('index file too small');
    const h = this.tableR.read(0, HEADER_LEN);
    if (be32(h, 0) !== MAGIC_INDEX) throw this.error(`invalid magic number ${be32(h, 0).toString(16)}`);
    this.version = h[4]!;
    if (this.version !== FORMAT_V1 && this.version !== FORMAT_V2) {
      throw this.error(`unknown index file version ${this.version}`);
    }
    this.toc = this.readTOC();
  }

  /** Opens `file` and reads what a query needs up front (TOC, symbol and postings samples). */
  static open(file: string): IndexReader {
    const fd = fs.openSync(file, 'r');
    try {
      const r = new IndexReader(file, fd);
      r.readSymbols();
      r.readPostingsOffsetTable();
      return r;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  private error(reason: string): IndexError {
    return new IndexError(this.file, reason);
  }

  private readTOC(): TOC {
    const b = this.tableR.read(this.size - INDEX_TOC_LEN, INDEX_TOC_LEN);
    if (crc32c(b.subarray(0, 48)) >>> 0 !== be32(b, 48)) throw this.error('read TOC: checksum mismatch');
    return {
      symbols: be64(b, 0),
      series: be64(b, 8),
      labelIndices: be64(b, 16),
      labelIndicesTable: be64(b, 24),
      postings: be64(b, 32),
      postingsTable: be64(b, 40),
    };
  }

  /**
   * Checks the `len <4b> | contents | CRC32C <4b>` section at `off` by reading it in windows;
   * returns the contents' length.
   */
  private checkSection(r: PositionalReader, off: number, what: string): number {
    if (off + 4 > this.size) throw this.error(`${what}: offset ${off} out of range`);
    const len = be32(r.read(off, 4), 0);
    if (off + 4 + len + 4 > this.size) throw this.error(`${what}: length ${len} out of range`);
    let crc = 0;
    for (let p = 0; p < len;) {
      const n = Math.min(len - p, 1 << 20);
      crc = crc32c(r.read(off + 4 + p, n), crc);
      p += n;
    }
    if (crc >>> 0 !== be32(r.read(off + 4 + len, 4), 0)) throw this.error(`${what}: checksum mismatch`);
    return len;
  }

  private readSymbols(): void {
    const off = this.toc.symbols;
    if (off === 0) return;
    const r = this.symbolsR;
    const len = this.checkSection(r, off, 'read symbols');
    const end = off + 4 + len;
    this.numSymbols = be32(r.read(off + 4, 4), 0);
    // Format 1 references symbols by offset: nothing to sample.
    if (this.version === FORMAT_V1) return;
    const offsets: number[] = [];
    let p = off + 8;
    for (let i = 0; i < this.numSymbols; i++) {
      if (i % SYMBOL_FACTOR === 0) offsets.push(p);
      const b = r.readUpTo(p, 10);
      const n = readUvarint(b, 0);
      if (n < 0) throw this.error(`read symbols: invalid symbol length at ${p}`);
      p += varintEnd + n;
      if (p > end) throw this.error('read symbols: symbol past the end of the table');
    }
    this.symbolOffsets = offsets;
  }

  /** Reads the string `len <uvarint> | bytes` at `pos` into `eValue`; returns the position after it. */
  private strAt(r: PositionalReader, pos: number, decode: boolean): number {
    const b = r.readUpTo(pos, 10);
    const n = readUvarint(b, 0);
    if (n < 0) throw this.error(`invalid string length at ${pos}`);
    const start = pos + varintEnd;
    if (decode) {
      const s = r.read(start, n);
      this.eValue = decodeString(s, 0, n);
    }
    return start + n;
  }

  /** Reads the postings-offset entry at `pos` into eName/eValue/eOff; returns the next position. */
  private entryAt(pos: number, wantName: boolean): number {
    const r = this.tableR;
    const b = r.readUpTo(pos, 10);
    if (readUvarint(b, 0) !== 2) throw this.error(`postings offset table: unexpected key count at ${pos}`);
    let p = this.strAt(r, pos + varintEnd, wantName);
    if (wantName) this.eName = this.eValue;
    p = this.strAt(r, p, true);
    const ob = r.readUpTo(p, 10);
    this.eOff = readUvarint(ob, 0);
    if (this.eOff < 0) throw this.error(`postings offset table: invalid offset at ${p}`);
    return p + varintEnd;
  }

  private readPostingsOffsetTable(): void {
    const off = this.toc.postingsTable;
    if (off === 0) return;
    const len = this.checkSection(this.tableR, off, 'read postings offset table');
    const end = off + 4 + len;
    const count = be32(this.tableR.read(off + 4, 4), 0);
    let p = off + 8;
    if (this.version === FORMAT_V1) {
      for (let i = 0; i < count; i++) {
        p = this.entryAt(p, true);
        if (p > end) throw this.error('postings offset table: entry past the end');
        let m = this.v1Postings.get(this.eName);
        if (m === undefined) this.v1Postings.set(this.eName, (m = new Map()));
        m.set(this.eValue, this.eOff);
      }
      return;
    }
    // Keep every label name, but only every 32nd value of each plus its last one.
    let cur: SampledOffsets | null = null;
    let valueCount = 0;
    let lastValue = '';
    let lastEntry = -1;
    for (let i = 0; i < count; i++) {
      const at = p;
      p = this.entryAt(p, true);
      if (p > end) throw this.error('postings offset table: entry past the end');
      if (cur === null || !this.sampled.has(this.eName)) {
        if (cur !== null && lastEntry >= 0) {
          cur.values.push(lastValue);
          cur.entries.push(lastEntry);
        }
        cur = { values: [], entries: [] };
        this.sampled.set(this.eName, cur);
        valueCount = 0;
      }
      if (valueCount % SYMBOL_FACTOR === 0) {
        cur.values.push(this.eValue);
        cur.entries.push(at);
        lastEntry = -1;
      } else {
        lastValue = this.eValue;
        lastEntry = at;
      }
      valueCount++;
    }
    if (cur !== null && lastEntry >= 0) {
      cur.values.push(lastValue);
      cur.entries.push(lastEntry);
    }
  }

  /** The symbol with reference `ref` (its number in format 2, its offset in format 1). */
  symbol(ref: number): string {
    const hit = this.symbolCache.get(ref);
    if (hit !== undefined) return hit;
    let pos: number;
    if (this.version === FORMAT_V1) {
      pos = ref;
    } else {
      if (ref >= this.numSymbols) throw this.error(`unknown symbol offset ${ref}`);
      pos = this.symbolOffsets[Math.floor(ref / SYMBOL_FACTOR)]!;
      for (let i = ref % SYMBOL_FACTOR; i > 0; i--) pos = this.strAt(this.symbolsR, pos, false);
    }
    if (pos < this.toc.symbols || pos >= this.size) throw this.error(`symbol reference ${ref} out of range`);
    this.strAt(this.symbolsR, pos, true);
    if (this.symbolCache.size >= SYMBOL_CACHE_LIMIT) this.symbolCache.clear();
    this.symbolCache.set(ref, this.eValue);
    return this.eValue;
  }

  /** The number of symbols in the symbol table. */
  symbolCount(): number {
    return this.numSymbols;
  }

  /** Every symbol, in order (reads the whole table; for compaction and tools). */
  *symbols(): IterableIterator<string> {
    const off = this.toc.symbols;
    if (off === 0) return;
    let p = off + 8;
    for (let i = 0; i < this.numSymbols; i++) {
      p = this.strAt(this.symbolsR, p, true);
      yield this.eValue;
    }
  }

  /** The series with reference `ref`: its labels and chunk metas. */
  series(ref: number): IndexSeries {
    const off = this.version === FORMAT_V1 ? ref : ref * SERIES_BYTE_ALIGN;
    if (off < HEADER_LEN || off >= this.size) throw this.error(`series reference ${ref} out of range`);
    const r = this.seriesR;
    const hb = r.readUpTo(off, 10);
    const len = readUvarint(hb, 0);
    if (len < 0) throw this.error(`series ${ref}: invalid length`);
    const start = varintEnd;
    if (off + start + len + 4 > this.size) throw this.error(`series ${ref}: length ${len} out of range`);
    const b = r.read(off, start + len + 4);
    const end = start + len;
    if (crc32c(b.subarray(start, end)) >>> 0 !== be32(b, end))
      throw this.error(`series ${ref}: checksum mismatch`);
    const d = b.subarray(0, end);
    let p = start;
    const uv = (): number => {
      const x = readUvarint(d, p);
      if (x < 0) throw this.error(`series ${ref}: truncated entry`);
      p = varintEnd;
      return x;
    };
    const k = uv();
    const flat = new Array<string>(2 * k);
    for (let i = 0; i < 2 * k; i++) flat[i] = this.symbol(uv());
    const n = uv();
    const chunks: ChunkMeta[] = new Array<ChunkMeta>(n);
    if (n > 0) {
      const minT = readVarint(d, p);
      if (Number.isNaN(minT)) throw this.error(`series ${ref}: truncated chunk meta`);
      p = varintEnd;
      let maxT = minT + uv();
      let cref = uv();
      chunks[0] = { ref: cref, minT, maxT, chunk: null };
      for (let i = 1; i < n; i++) {
        const mint = maxT + uv();
        maxT = mint + uv();
        const delta = readVarint(d, p);
        if (Number.isNaN(delta)) throw this.error(`series ${ref}: truncated chunk meta`);
        p = varintEnd;
        cref += delta;
        chunks[i] = { ref: cref, minT: mint, maxT, chunk: null };
      }
    }
    return { labels: Labels.fromSortedFlat(flat), chunks };
  }

  /** The postings list at `off`: series references, big-endian uint32s. */
  private postingsAt(off: number): Postings {
    const r = this.postingsR;
    if (off + 8 > this.size) throw this.error(`postings at ${off}: out of range`);
    const len = be32(r.read(off, 4), 0);
    if (off + 8 + len > this.size) throw this.error(`postings at ${off}: length ${len} out of range`);
    const b = r.read(off, 4 + len + 4);
    if (crc32c(b.subarray(4, 4 + len)) >>> 0 !== be32(b, 4 + len)) {
      throw this.error(`postings at ${off}: checksum mismatch`);
    }
    const n = be32(b, 4);
    if (8 + 4 * n > 4 + len) throw this.error(`postings at ${off}: ${n} entries exceed the list`);
    const out = new Uint32Array(n);
    for (let i = 0, p = 8; i < n; i++, p += 4) out[i] = be32(b, p);
    return out;
  }

  /** Every series reference, in order. */
  allPostings(): Postings {
    return this.get('', '');
  }

  /** The series carrying `name="value"`. */
  get(name: string, value: string): Postings {
    if (this.version === FORMAT_V1) {
      const off = this.v1Postings.get(name)?.get(value);
      return off === undefined ? EMPTY : this.postingsAt(off);
    }
    const s = this.sampled.get(name);
    if (s === undefined) return EMPTY;
    // The last sampled value ≤ the wanted one; the entry, if present, is at most 31 entries on.
    let lo = 0;
    let hi = s.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStrings(s.values[mid]!, value) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < 0) return EMPTY;
    const last = s.entries[s.entries.length - 1]!;
    for (let p = s.entries[i]!; p <= last;) {
      p = this.entryAt(p, false);
      const c = compareStrings(this.eValue, value);
      if (c === 0) return this.postingsAt(this.eOff);
      if (c > 0) break;
    }
    return EMPTY;
  }

  /** Calls `fn` for each value of label `name` (in order) with the value's postings offset. */
  private forEachEntry(name: string, fn: (value: string, off: number) => void): void {
    if (this.version === FORMAT_V1) {
      const m = this.v1Postings.get(name);
      if (m === undefined) return;
      for (const v of [...m.keys()].sort(compareStrings)) fn(v, m.get(v)!);
      return;
    }
    const s = this.sampled.get(name);
    if (s === undefined) return;
    const last = s.entries[s.entries.length - 1]!;
    for (let p = s.entries[0]!; p <= last;) {
      p = this.entryAt(p, false);
      fn(this.eValue, this.eOff);
    }
  }

  /** Calls `fn` for every value of label `name` with its postings, in value order. */
  forEachValue(name: string, fn: (value: string, postings: Postings) => void): void {
    const entries: [string, number][] = [];
    this.forEachEntry(name, (v, off) => entries.push([v, off]));
    for (const [v, off] of entries) fn(v, this.postingsAt(off));
  }

  /** The values of label `name`, sorted. */
  labelValues(name: string): string[] {
    const out: string[] = [];
    this.forEachEntry(name, (v) => out.push(v));
    return out;
  }

  /** The label names in the index, sorted. */
  labelNames(): string[] {
    const names = this.version === FORMAT_V1 ? [...this.v1Postings.keys()] : [...this.sampled.keys()];
    return names.filter((n) => n !== '').sort(compareStrings);
  }

  /** Bytes read from the file so far. */
  bytesRead(): number {
    return (
      this.symbolsR.bytesRead + this.seriesR.bytesRead + this.postingsR.bytesRead + this.tableR.bytesRead
    );
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.fd);
  }
}
