import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueType } from '../../storage/interface.js';
import {
  chunkFromData,
  computeChunkEndTime,
  DEFAULT_SAMPLES_PER_CHUNK,
  Encoding,
  encodingString,
  isValidEncoding,
  MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND,
  newEmptyChunk,
  rangeForTimestamp,
} from './chunk.js';
import { XORChunk } from './xor.js';

test('encodings have Prometheus numbers and names', () => {
  assert.deepEqual([Encoding.None, Encoding.XOR, Encoding.Histogram, Encoding.FloatHistogram], [0, 1, 2, 3]);
  assert.deepEqual([0, 1, 2, 3, 9].map(encodingString), [
    'none',
    'XOR',
    'histogram',
    'floathistogram',
    '<unknown>',
  ]);
  assert.deepEqual([0, 1, 2, 3, 4].map(isValidEncoding), [false, true, true, true, false]);
});

test('chunkFromData and newEmptyChunk', () => {
  const c = newEmptyChunk(Encoding.XOR);
  assert.ok(c instanceof XORChunk);
  assert.equal(c.encoding(), Encoding.XOR);
  assert.deepEqual([...c.bytes()], [0, 0]);
  c.appender().append(1000, 42);
  const d = chunkFromData(Encoding.XOR, c.bytes());
  assert.equal(d.numSamples(), 1);
  const it = d.iterator();
  assert.equal(it.next(), ValueType.Float);
  assert.deepEqual([it.t, it.v], [1000, 42]);
  assert.throws(() => chunkFromData(Encoding.None, new Uint8Array(2)), /invalid chunk encoding "none"/);
  assert.throws(() => chunkFromData(Encoding.Histogram, new Uint8Array(2)), /histogram/);
  assert.throws(() => newEmptyChunk(7), /invalid chunk encoding/);
});

test('rangeForTimestamp truncates toward zero like Go', () => {
  const h2 = 2 * 3600 * 1000;
  assert.equal(rangeForTimestamp(0, h2), h2);
  assert.equal(rangeForTimestamp(h2 - 1, h2), h2);
  assert.equal(rangeForTimestamp(h2, h2), 2 * h2);
  assert.equal(rangeForTimestamp(-1, h2), h2, 'Go: (-1/w)*w + w = w');
  assert.equal(rangeForTimestamp(-h2 - 1, h2), 0);
});

test('computeChunkEndTime splits the rest of the range into equal chunks', () => {
  const h2 = 2 * 3600 * 1000;
  // 15s scrapes from the start of a range: after 30 samples (a quarter of 120) the range is
  // predicted to hold 480 samples, so it is cut into 4 chunks of 30 minutes.
  assert.equal(computeChunkEndTime(0, 29 * 15000, h2, 4), h2 / 4);
  // Slow series: fewer than one chunk's worth fits, so the chunk runs to the range end.
  assert.equal(computeChunkEndTime(0, 1_000_000, h2, 4), h2);
  // A mid-range start: the float division and truncation of Prometheus's version.
  assert.equal(computeChunkEndTime(1656900002688, 1656900147688, 1656907200000, 4), 1656900602464);
  assert.equal(computeChunkEndTime(10, 20, 1000, 1.5), Math.trunc(10 + 990 / 60));
});

test('cutting rule: 120-sample chunks for a steady 15s series over one 2h range', () => {
  // A model of the head's rule (chunk.ts, "Chunk cutting"), to pin down the numbers it gives.
  const h2 = 2 * 3600 * 1000;
  const sizes: number[] = [];
  let c: XORChunk | null = null;
  let minT = 0;
  let maxT = 0;
  let nextAt = 0;
  const cut = (t: number) => {
    if (c !== null) sizes.push(c.numSamples());
    c = new XORChunk();
    minT = t;
    nextAt = rangeForTimestamp(t, h2);
  };
  for (let t = 0; t < 2 * h2; t += 15000) {
    if (c === null) cut(t);
    const n: number = c!.numSamples();
    if (n > 0 && c!.bytes().length > MAX_BYTES_PER_XOR_CHUNK_BEFORE_APPEND) cut(t);
    if (n === DEFAULT_SAMPLES_PER_CHUNK / 4) nextAt = computeChunkEndTime(minT, maxT, nextAt, 4);
    if (t >= nextAt || n >= 2 * DEFAULT_SAMPLES_PER_CHUNK) cut(t);
    c!.appender().append(t, t / 1000);
    maxT = t;
  }
  sizes.push(c!.numSamples());
  assert.deepEqual(sizes, [120, 120, 120, 120, 120, 120, 120, 120]);
});
