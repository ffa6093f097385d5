import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BStream, BStreamReader } from './bstream.js';

/** A small seeded PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bits of a byte array as a string of '0' and '1'. */
function bitString(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(2).padStart(8, '0');
  return s;
}

test('writeBits and readBits round-trip random widths and values', () => {
  const rnd = prng(1);
  for (let round = 0; round < 200; round++) {
    const w = new BStream(0, 1); // tiny capacity exercises growth
    const widths: number[] = [];
    const values: number[] = [];
    let expected = '';
    const n = 1 + Math.floor(rnd() * 100);
    for (let i = 0; i < n; i++) {
      const width = 1 + Math.floor(rnd() * 32);
      const v = Math.floor(rnd() * 2 ** width);
      widths.push(width);
      values.push(v);
      if (width === 1 && rnd() < 0.5) w.writeBit(v);
      else w.writeBits(v, width);
      expected += v.toString(2).padStart(width, '0');
    }
    assert.equal(w.pos, expected.length);
    assert.equal(bitString(w.bytes()).slice(0, expected.length), expected);
    // Padding bits are zero.
    assert.match(bitString(w.bytes()).slice(expected.length), /^0*$/);
    const r = new BStreamReader(w.bytes());
    for (let i = 0; i < n; i++) {
      const got = widths[i] === 1 && rnd() < 0.5 ? r.readBit() : r.readBits(widths[i]!);
      assert.equal(got, values[i], `round ${round}, field ${i} (${widths[i]} bits)`);
    }
    assert.ok(!r.overrun());
  }
});

test('writeBits drops bits above the width, as Go does for negative values', () => {
  const w = new BStream();
  w.writeBits(-3, 5); // ...11101 → 11101
  w.writeBits(0xffffffff, 3);
  assert.deepEqual([...w.bytes()], [0b11101111]);
});

test('writeBits64 writes the low n bits of a 64-bit value', () => {
  const w = new BStream();
  w.writeBits64(0x12345678, 0x9abcdef0, 64);
  w.writeBits64(0xffffffff, 0x00000001, 33);
  const r = new BStreamReader(w.bytes());
  assert.equal(r.readBits(32), 0x12345678);
  assert.equal(r.readBits(32), 0x9abcdef0);
  assert.equal(r.readBits(1), 1);
  assert.equal(r.readBits(32), 1);
});

test('byte length is the bytes the written bits touch, as Prometheus 3 writes them', () => {
  // Before Prometheus 3 (prometheus/prometheus#14854) a whole-byte write on a byte boundary left
  // an extra empty byte; none of these lengths include one.
  const cases: [string, (w: BStream) => void, number][] = [
    ['nothing', () => {}, 2],
    ['one bit', (w) => w.writeBit(1), 3],
    ['8 single bits', (w) => [...Array(8)].forEach(() => w.writeBit(0)), 3],
    ['writeByte', (w) => w.writeByte(0xab), 3],
    ['writeBits 8', (w) => w.writeBits(1, 8), 3],
    ['writeBits 16', (w) => w.writeBits(1, 16), 4],
    ['writeBits 12', (w) => w.writeBits(1, 12), 4],
    ['writeBits 4 + 4', (w) => (w.writeBits(1, 4), w.writeBits(1, 4)), 3],
    ['writeBits 4 + 12', (w) => (w.writeBits(1, 4), w.writeBits(1, 12)), 4],
    ['writeBits 3 + 8 + 5', (w) => (w.writeBits(1, 3), w.writeBits(1, 8), w.writeBits(1, 5)), 4],
    ['writeBits 2 + 8 + 6', (w) => (w.writeBits(1, 2), w.writeBits(1, 8), w.writeBits(1, 6)), 4],
    ['writeBits 7 + 9', (w) => (w.writeBits(1, 7), w.writeBits(1, 9)), 4],
    ['writeBits64 64', (w) => w.writeBits64(1, 2, 64), 10],
    ['writeBits64 40', (w) => w.writeBits64(1, 2, 40), 7],
    ['writeBits64 36 + 4', (w) => (w.writeBits64(1, 2, 36), w.writeBits(1, 4)), 7],
    ['writeByte then bit', (w) => (w.writeByte(1), w.writeBit(1)), 4],
  ];
  for (const [name, write, len] of cases) {
    const w = new BStream(2);
    write(w);
    assert.equal(w.byteLength(), len, name);
    assert.equal(w.bytes().length, len, name);
  }
});

test('reads past the end yield zeros and report an overrun', () => {
  const r = new BStreamReader(new Uint8Array([0xff, 0xff]));
  assert.equal(r.readBits(12), 0xfff);
  assert.equal(r.readBits(8), 0xf0);
  assert.ok(r.overrun());
  assert.equal(r.readBit(), 0);
});

test('readBits takes the slow path near the end and agrees with the fast one', () => {
  const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67]);
  const bits = bitString(bytes);
  for (let start = 0; start < 64; start++) {
    for (let n = 1; n <= 32 && start + n <= 64; n++) {
      const r = new BStreamReader(bytes, start);
      assert.equal(r.readBits(n), parseInt(bits.slice(start, start + n), 2), `start ${start}, n ${n}`);
    }
  }
});

test('resume continues at a bit position and clears stale padding', () => {
  const w = new BStream();
  w.writeBits(0b101, 3);
  const data = Uint8Array.from(w.bytes());
  data[0] |= 0b11111; // garbage in the padding must not leak into later writes
  const s = BStream.resume(data, 3);
  assert.equal(s.byteLength(), 1);
  s.writeBits(0b11, 2);
  assert.deepEqual([...s.bytes()], [0b10111000]);
  assert.equal(data[0], 0b10111111, 'the source bytes are not written to');
  const aligned = BStream.resume(new Uint8Array([1, 2, 0]), 16);
  assert.equal(aligned.byteLength(), 2, 'the empty trailing byte an older Prometheus wrote is dropped');
});
