/**
 * A persisted block opened for reading (Prometheus's `tsdb.Block`): its meta.json, a lazy index
 * reader, a chunk reader that reads chunks on demand, and its tombstones. Queries go through
 * {@link Block.querier}.
 */
import path from 'node:path';
import type { Querier, Queryable } from '../../storage/interface.js';
import { ChunkReader, type ChunkReaderOptions } from '../chunks/reader.js';
import { IndexReader } from '../index/reader.js';
import { readTombstones, type Tombstones } from '../tombstones/tombstones.js';
import { readMeta, type BlockMeta } from './meta.js';
import { BlockQuerier } from './querier.js';
import { CHUNKS_DIRNAME, INDEX_FILENAME } from './writer.js';

/** Options of {@link Block.open}. */
export type BlockOptions = ChunkReaderOptions;

/** A block directory opened for reading. */
export class Block implements Queryable {
  private closed = false;

  private constructor(
    /** The block directory. */
    readonly dir: string,
    /** The contents of meta.json. */
    readonly meta: BlockMeta,
    /** The index reader. */
    readonly index: IndexReader,
    /** The chunk reader. */
    readonly chunks: ChunkReader,
    /** Deleted intervals by series reference. */
    readonly tombstones: Tombstones,
  ) {}

  /** Opens the block in `dir`: reads meta.json, the index's TOC and samples, the tombstones. */
  static open(dir: string, opts: BlockOptions = {}): Block {
    const meta = readMeta(dir);
    const index = IndexReader.open(path.join(dir, INDEX_FILENAME));
    let chunks: ChunkReader;
    try {
      chunks = ChunkReader.open(path.join(dir, CHUNKS_DIRNAME), opts);
    } catch (e) {
      index.close();
      throw e;
    }
    try {
      const { tombstones } = readTombstones(dir);
      return new Block(dir, meta, index, chunks, tombstones);
    } catch (e) {
      index.close();
      chunks.close();
      throw e;
    }
  }

  /** The block's ULID. */
  get ulid(): string {
    return this.meta.ulid;
  }

  /** First timestamp of the block's range (inclusive), ms. */
  minTime(): number {
    return this.meta.minTime;
  }

  /** End of the block's range (exclusive), ms. */
  maxTime(): number {
    return this.meta.maxTime;
  }

  /** True when the block's range overlaps `[mint, maxt]` (both inclusive). */
  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && mint < this.meta.maxTime;
  }

  /** A querier over `[mint, maxt]`, both inclusive. */
  querier(mint: number, maxt: number): Querier {
    if (this.closed) throw new Error(`block ${this.meta.ulid} is closed`);
    return new BlockQuerier(this.index, this.chunks, this.tombstones, mint, maxt);
  }

  /** Closes the index and chunk files. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
    this.chunks.close();
  }
}
