/**
 * Writes chunk segment files (Prometheus's `chunks.Writer`): chunks go to the current segment
 * until the next batch would make it exceed the segment size, then a new segment is cut. Each
 * segment appears through `<name>.tmp` + rename with its header already written, and is fsynced
 * when it is finished.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { writeUvarint } from '../record/encbuf.js';
import { FileWriter, syncDir } from '../fileutil/fileutil.js';
import {
  CHUNK_ENCODING_SIZE,
  CHUNKS_FORMAT_V1,
  CRC_SIZE,
  DEFAULT_CHUNK_SEGMENT_SIZE,
  MAGIC_CHUNKS,
  MAX_CHUNK_LENGTH_FIELD_SIZE,
  SEGMENT_HEADER_SIZE,
  blockChunkRef,
  segmentName,
  type ChunkMeta,
} from './chunks.js';

/** Writes the `chunks/` directory of a block. */
export class ChunkWriter {
  private files = 0;
  private cur: FileWriter | null = null;
  private readonly scratch = new Uint8Array(MAX_CHUNK_LENGTH_FIELD_SIZE + CHUNK_ENCODING_SIZE);
  private readonly crcBuf = new Uint8Array(CRC_SIZE);
  /** Total bytes written to all segments (headers included). */
  bytesWritten = 0;

  /** Creates the directory `dir` (if needed) for segments of at most `segmentSize` bytes. */
  constructor(
    readonly dir: string,
    private readonly segmentSize = DEFAULT_CHUNK_SEGMENT_SIZE,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /**
   * Writes the chunks of one series and sets each meta's `ref`. The chunks of one call are
   * batched as Prometheus batches them, so segments are cut at the same places.
   */
  writeChunks(chks: ChunkMeta[]): void {
    // Batches of chunks that fit into one segment, split as Prometheus's WriteChunks does:
    // sizes count the largest length field, and the first batch accounts for what the
    // current segment already holds.
    const starts: number[] = [0];
    let batchSize = 0;
    let firstBatch = true;
    const n = this.cur === null ? 0 : this.cur.pos;
    for (let i = 0; i < chks.length; i++) {
      const chkSize =
        MAX_CHUNK_LENGTH_FIELD_SIZE + CHUNK_ENCODING_SIZE + chks[i]!.chunk!.bytes().length + CRC_SIZE;
      batchSize += chkSize;
      let cutNewBatch = i !== 0 && batchSize + SEGMENT_HEADER_SIZE > this.segmentSize;
      if (firstBatch && n > SEGMENT_HEADER_SIZE) {
        cutNewBatch = batchSize + n > this.segmentSize;
        if (cutNewBatch) firstBatch = false;
      }
      if (cutNewBatch) {
        starts.push(i);
        batchSize = chkSize;
      }
    }
    if (this.cur === null) this.cut();
    for (let b = 0; b < starts.length; b++) {
      const end = b + 1 < starts.length ? starts[b + 1]! : chks.length;
      // A first batch cut off before its first chunk is empty: nothing to write there.
      for (let i = starts[b]!; i < end; i++) this.writeChunk(chks[i]!);
      if (b < starts.length - 1) this.cut();
    }
  }

  private writeChunk(c: ChunkMeta): void {
    const w = this.cur!;
    const data = c.chunk!.bytes();
    c.ref = blockChunkRef(this.files - 1, w.pos);
    const s = this.scratch;
    let p = writeUvarint(s, 0, data.length);
    s[p++] = c.chunk!.encoding();
    w.write(s.subarray(0, p));
    w.write(data);
    // The CRC covers the encoding byte and the data.
    const crc = crc32c(data, crc32c(s.subarray(p - 1, p))) >>> 0;
    const cb = this.crcBuf;
    cb[0] = crc >>> 24;
    cb[1] = crc >>> 16;
    cb[2] = crc >>> 8;
    cb[3] = crc;
    w.write(cb);
    this.bytesWritten += p + data.length + CRC_SIZE;
  }

  /** Finishes the current segment and starts the next one. */
  private cut(): void {
    this.finalizeTail();
    const name = path.join(this.dir, segmentName(this.files + 1));
    const tmp = name + '.tmp';
    const w = new FileWriter(tmp);
    const header = new Uint8Array(SEGMENT_HEADER_SIZE);
    new DataView(header.buffer).setUint32(0, MAGIC_CHUNKS);
    header[4] = CHUNKS_FORMAT_V1;
    w.write(header);
    w.flush();
    fs.renameSync(tmp, name);
    this.cur = w;
    this.files++;
    this.bytesWritten += SEGMENT_HEADER_SIZE;
  }

  private finalizeTail(): void {
    if (this.cur === null) return;
    this.cur.close();
    this.cur = null;
  }

  /** Syncs and closes the last segment and syncs the directory. */
  close(): void {
    this.finalizeTail();
    syncDir(this.dir);
  }

  /** The number of segment files written. */
  segments(): number {
    return this.files;
  }
}
