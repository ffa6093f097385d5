import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { ValueType } from '../../storage/interface.js';
import { XORChunk } from '../chunkenc/xor.js';
import { blockChunkRef, refOffset, refSegment, segmentName, type ChunkMeta } from './chunks.js';
import { ChunkReader } from './reader.js';
import { ChunkWriter } from './writer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-chunks-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A chunk of `n` samples from `t0`, one per 15 s, values i * 1.5. */
function chunkOf(t0: number, n: number): ChunkMeta {
  const c = new XORChunk();
  const app = c.appender();
  for (let i = 0; i < n; i++) app.append(t0 + i * 15_000, i * 1.5);
  return { ref: 0, minT: t0, maxT: t0 + (n - 1) * 15_000, chunk: c };
}

function samples(r: ChunkReader, ref: number): [number, number][] {
  const it = r.chunk(ref).iterator();
  const out: [number, number][] = [];
  while (it.next() !== ValueType.None) out.push([it.t, it.v]);
  return out;
}

describe('chunk segments', () => {
  it('packs references as segment << 32 | offset', () => {
    assert.equal(blockChunkRef(0, 8), 8);
    assert.equal(blockChunkRef(3, 1234), 3 * 2 ** 32 + 1234);
    assert.equal(refSegment(blockChunkRef(3, 1234)), 3);
    assert.equal(refOffset(blockChunkRef(3, 1234)), 1234);
    assert.equal(segmentName(1), '000001');
    assert.equal(segmentName(1234567), '1234567');
  });

  it('writes the layout of chunks.md byte for byte', () => {
    const dir = path.join(tmp, 'golden');
    const w = new ChunkWriter(dir);
    const c = chunkOf(1000, 3);
    w.writeChunks([c]);
    w.close();
    assert.equal(c.ref, 8);
    const data = c.chunk!.bytes();
    const body = Buffer.concat([Buffer.from([data.length, 1]), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(body.subarray(1)) >>> 0);
    const want = Buffer.concat([Buffer.from('85bd40dd01000000', 'hex'), body, crc]);
    assert.deepEqual(fs.readFileSync(path.join(dir, '000001')), want);
    assert.deepEqual(fs.readdirSync(dir), ['000001']);
  });

  it('reads back what it wrote, by reference, with checksums verified', () => {
    const dir = path.join(tmp, 'roundtrip');
    const w = new ChunkWriter(dir);
    const metas = [chunkOf(0, 120), chunkOf(2_000_000, 1), chunkOf(4_000_000, 240)];
    w.writeChunks(metas.slice(0, 2));
    w.writeChunks(metas.slice(2));
    w.close();
    const r = ChunkReader.open(dir, { verifyChecksums: true });
    for (const m of metas) {
      const want: [number, number][] = [];
      const it = m.chunk!.iterator();
      while (it.next() !== ValueType.None) want.push([it.t, it.v]);
      assert.deepEqual(samples(r, m.ref), want);
    }
    r.close();
  });

  it('cuts a new segment when the next batch would overflow it, as Prometheus batches', () => {
    const dir = path.join(tmp, 'cut');
    const w = new ChunkWriter(dir, 1024);
    const metas: ChunkMeta[] = [];
    for (let s = 0; s < 10; s++) {
      const series = [chunkOf(s * 1e7, 30), chunkOf(s * 1e7 + 5e6, 30)];
      w.writeChunks(series);
      metas.push(...series);
    }
    w.close();
    const files = fs.readdirSync(dir).sort();
    assert.ok(files.length > 1, `expected several segments, got ${files.join(',')}`);
    for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 1024);
    // References grow through the segments; every chunk reads back.
    for (let i = 1; i < metas.length; i++) assert.ok(metas[i]!.ref > metas[i - 1]!.ref);
    const r = ChunkReader.open(dir, { verifyChecksums: true });
    for (const m of metas) assert.equal(samples(r, m.ref).length, 30);
    r.close();
  });

  it('reports a corrupt chunk with its file and offset', () => {
    const dir = path.join(tmp, 'corrupt');
    const w = new ChunkWriter(dir);
    const c = chunkOf(0, 10);
    w.writeChunks([c]);
    w.close();
    const f = path.join(dir, '000001');
    const b = fs.readFileSync(f);
    b[12]! ^= 0xff;
    fs.writeFileSync(f, b);
    const r = ChunkReader.open(dir, { verifyChecksums: true });
    assert.throws(() => r.chunk(c.ref), /000001: chunk at offset 8: checksum mismatch/);
    assert.throws(() => r.chunk(blockChunkRef(0, 5000)), /offset out of range/);
    assert.throws(() => r.chunk(blockChunkRef(7, 8)), /segment index 7 out of range/);
    r.close();
    fs.writeFileSync(f, Buffer.from('00000000010000', 'hex'));
    assert.throws(() => ChunkReader.open(dir), /invalid segment header/);
  });

  it('reads chunks on demand without loading the segment', () => {
    const dir = path.join(tmp, 'lazy');
    const w = new ChunkWriter(dir);
    const metas: ChunkMeta[] = [];
    for (let i = 0; i < 5000; i++) metas.push(chunkOf(i * 1e7, 120));
    for (const m of metas) w.writeChunks([m]);
    w.close();
    const size = fs.statSync(path.join(dir, '000001')).size;
    const r = ChunkReader.open(dir);
    assert.equal(samples(r, metas[4321]!.ref).length, 120);
    // The header and one read-ahead window, not the segment.
    assert.ok(
      r.bytesRead() <= 2 * 64 * 1024 && size > 8 * 64 * 1024,
      `read ${r.bytesRead()} of ${size} bytes`,
    );
    r.close();
  });
});
