// Golden bytes from a block Prometheus wrote (../shared/conformance/tsdb-format/testdata): every
// chunk of its segment file must decode, pass its CRC32C, and re-encode to identical bytes, but
// for the empty trailing byte Prometheus wrote before 3.0 (prometheus/prometheus#14854) after
// a whole-byte write on a byte boundary; Prometheus 3, like ignis, no longer writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32c } from '@node-rs/crc32';
import { ValueType } from '../../storage/interface.js';
import { chunkFromData, Encoding } from './chunk.js';
import { XORChunk } from './xor.js';

// This file runs as dist/tsdb/chunkenc/conformance.test.js: the repository root is three levels
// up, and the conformance data sits beside the repository.
const BLOCK = fileURLToPath(
  new URL('../../../../shared/conformance/tsdb-format/testdata/index_format_v1/', import.meta.url),
);
const present = existsSync(BLOCK);
if (!present) {
  if (process.env.CI === 'true') {
    test('chunk conformance data present', () => assert.fail(`missing ${BLOCK} (required under CI)`));
  } else {
    console.log(`skipped: chunk conformance tests (no ${BLOCK})`);
  }
}

const SEGMENT_MAGIC = 0x85bd40dd;
const SEGMENT_HEADER_SIZE = 8;

interface StoredChunk {
  offset: number;
  encoding: number;
  data: Uint8Array;
}

/** Parses a chunk segment file: header, then `len uvarint, encoding, data, crc32c` records. */
function parseSegment(buf: Uint8Array): StoredChunk[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  assert.equal(dv.getUint32(0), SEGMENT_MAGIC, 'magic');
  assert.equal(buf[4], 1, 'version');
  assert.deepEqual([...buf.subarray(5, 8)], [0, 0, 0], 'padding');
  const out: StoredChunk[] = [];
  let off = SEGMENT_HEADER_SIZE;
  while (off < buf.length) {
    const start = off;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[off++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const encoding = buf[off]!;
    const data = buf.subarray(off + 1, off + 1 + len);
    const crc = dv.getUint32(off + 1 + len);
    assert.equal(crc32c(buf.subarray(off, off + 1 + len)) >>> 0, crc, `CRC32C of the chunk at ${start}`);
    out.push({ offset: start, encoding, data });
    off += 1 + len + 4;
  }
  assert.equal(off, buf.length, 'the last chunk ends at the end of the file');
  return out;
}

test('a Prometheus-written segment decodes and re-encodes byte for byte', { skip: !present }, () => {
  const meta = JSON.parse(readFileSync(BLOCK + 'meta.json', 'utf8')) as {
    stats: { numSamples: number; numChunks: number };
  };
  const chunks = parseSegment(readFileSync(BLOCK + 'chunks/000001'));
  assert.equal(chunks.length, meta.stats.numChunks);
  let samples = 0;
  for (const { offset, encoding, data } of chunks) {
    assert.equal(encoding, Encoding.XOR, `encoding of the chunk at ${offset}`);
    const stored = chunkFromData(encoding, data);
    const again = new XORChunk();
    const app = again.appender();
    const it = stored.iterator();
    while (it.next() === ValueType.Float) {
      app.append(it.t, it.v);
      samples++;
    }
    assert.equal(it.err(), null, `decoding the chunk at ${offset}`);
    assert.equal(again.numSamples(), stored.numSamples());
    const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
    const got = hex(again.bytes());
    assert.ok(got === hex(data) || got + '00' === hex(data), `re-encoding the chunk at ${offset}: ${got}`);
  }
  assert.equal(samples, meta.stats.numSamples);
});
