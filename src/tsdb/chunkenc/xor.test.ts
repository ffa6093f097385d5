import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueType } from '../../storage/interface.js';
import { XORChunk, XORIterator } from './xor.js';
import { chunkFromData, Encoding } from './chunk.js';

// ---- Helpers ---------------------------------------------------------------------------------

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

// Values are kept as bit patterns (BigInt) and turned into numbers only at the call, because
// a JS array of numbers may quiet a signalling NaN such as the stale marker.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function fromBits(b: bigint): number {
  u64[0] = b;
  return f64[0]!;
}
function toBits(v: number): bigint {
  f64[0] = v;
  return u64[0]!;
}

const STALE = 0x7ff0000000000002n;
const SPECIAL_BITS: bigint[] = [
  0n, // +0
  0x8000000000000000n, // -0
  0x7ff0000000000000n, // +Inf
  0xfff0000000000000n, // -Inf
  0x7ff8000000000001n, // Go's math.NaN()
  0x7ff8000000000000n, // JS's canonical NaN
  STALE, // Prometheus's stale marker
  0xfff8000000000000n, // negative quiet NaN
  0x7ff0000000000001n, // signalling NaN
  0x7fffffffffffffffn, // NaN with every payload bit set
  0xffffffffffffffffn,
  0x0000000000000001n, // smallest subnormal
  0x000fffffffffffffn, // largest subnormal
  0x8000000000000001n, // negative subnormal
  0x0010000000000000n, // smallest normal
  0x7fefffffffffffffn, // largest finite
  0xffefffffffffffffn, // most negative finite
  0x3ff0000000000000n, // 1
  0xbff0000000000000n, // -1
  0x3fb999999999999an, // 0.1
];

type Sample = [t: number, bits: bigint];

function encode(samples: Sample[]): XORChunk {
  const c = new XORChunk();
  const app = c.appender();
  for (const [t, b] of samples) app.append(t, fromBits(b));
  return c;
}

function decode(it: XORIterator): Sample[] {
  const out: Sample[] = [];
  while (it.next() === ValueType.Float) out.push([it.t, toBits(it.v)]);
  assert.equal(it.err(), null);
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

// ---- Reference encoder -------------------------------------------------------------------------
//
// An independent model of Prometheus's writer, straight from its documented behaviour: Go's
// bstream (a byte slice plus the count of free bits in its last byte; since Prometheus 3,
// prometheus/prometheus#14854, writeByte on a full last byte appends just that byte) and the
// XOR appender, on BigInt. Slow and obviously literal; the
// codec must produce exactly its bytes.

const M64 = (1n << 64n) - 1n;

class RefStream {
  stream: number[] = [0, 0];
  count = 0;
  writeBit(bit: boolean): void {
    if (this.count === 0) {
      this.stream.push(0);
      this.count = 8;
    }
    if (bit) this.stream[this.stream.length - 1]! |= 1 << (this.count - 1);
    this.count--;
  }
  writeByte(byt: number): void {
    if (this.count === 0) {
      this.stream.push(byt);
      return;
    }
    this.stream[this.stream.length - 1]! |= byt >> (8 - this.count);
    this.stream.push((byt << this.count) & 0xff);
  }
  writeBits(u: bigint, nbits: number): void {
    u = (u << BigInt(64 - nbits)) & M64;
    for (; nbits >= 8; nbits -= 8) {
      this.writeByte(Number(u >> 56n));
      u = (u << 8n) & M64;
    }
    for (; nbits > 0; nbits--) {
      this.writeBit(u >> 63n === 1n);
      u = (u << 1n) & M64;
    }
  }
  uvarint(x: bigint): void {
    x &= M64;
    while (x >= 0x80n) {
      this.writeByte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.writeByte(Number(x));
  }
}

function clz64(x: bigint): number {
  return 64 - x.toString(2).length;
}
function ctz64(x: bigint): number {
  let n = 0;
  for (; (x & 1n) === 0n; n++) x >>= 1n;
  return n;
}

function refEncode(samples: Sample[]): Uint8Array {
  const b = new RefStream();
  let t = 0n;
  let tDelta = 0n;
  let v = 0n;
  let leading = 0xff;
  let trailing = 0;
  const xorWrite = (nv: bigint) => {
    const delta = nv ^ v;
    if (delta === 0n) return b.writeBit(false);
    b.writeBit(true);
    let nl = clz64(delta);
    const nt = ctz64(delta);
    if (nl >= 32) nl = 31;
    if (leading !== 0xff && nl >= leading && nt >= trailing) {
      b.writeBit(false);
      return b.writeBits(delta >> BigInt(trailing), 64 - leading - trailing);
    }
    leading = nl;
    trailing = nt;
    b.writeBit(true);
    b.writeBits(BigInt(nl), 5);
    const sig = 64 - nl - nt;
    b.writeBits(BigInt(sig), 6);
    b.writeBits(delta >> BigInt(nt), sig);
  };
  samples.forEach(([ts, bits], num) => {
    const tn = BigInt(ts);
    let d = 0n;
    if (num === 0) {
      b.uvarint(tn >= 0n ? tn << 1n : ~(tn << 1n));
      b.writeBits(bits, 64);
    } else if (num === 1) {
      d = tn - t;
      b.uvarint(d);
      xorWrite(bits);
    } else {
      d = tn - t;
      const dod = d - tDelta;
      const fits = (n: bigint) => -(n / 2n - 1n) <= dod && dod <= n / 2n;
      if (dod === 0n) {
        b.writeBit(false);
      } else if (fits(1n << 14n)) {
        b.writeBits(0b10n, 2);
        b.writeBits(dod, 14);
      } else if (fits(1n << 17n)) {
        b.writeBits(0b110n, 3);
        b.writeBits(dod, 17);
      } else if (fits(1n << 20n)) {
        b.writeBits(0b1110n, 4);
        b.writeBits(dod, 20);
      } else {
        b.writeBits(0b1111n, 4);
        b.writeBits(dod, 64);
      }
      xorWrite(bits);
    }
    t = tn;
    tDelta = d;
    v = bits;
    b.stream[0] = ((num + 1) >> 8) & 0xff;
    b.stream[1] = (num + 1) & 0xff;
  });
  return Uint8Array.from(b.stream);
}

// ---- Series generators -------------------------------------------------------------------------

function randomBits(rnd: () => number): bigint {
  return (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
}

/** Random series of several shapes: scrape-like, jittery, irregular, with special values. */
function randomSeries(rnd: () => number, n: number): Sample[] {
  const shape = Math.floor(rnd() * 6);
  let t = Math.floor((rnd() - 0.5) * 2 * 9.2e12);
  const step = [1, 15000, 60000, 1000, 7, 30000][shape]!;
  let counter = Math.floor(rnd() * 1e6);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    let bits: bigint;
    switch (shape) {
      case 0:
        bits = randomBits(rnd);
        break;
      case 1:
        counter += Math.floor(rnd() * 100);
        bits = toBits(counter);
        break;
      case 2:
        bits = toBits(Math.round(rnd() * 1000) / 10);
        break;
      case 3:
        bits = rnd() < 0.3 ? SPECIAL_BITS[Math.floor(rnd() * SPECIAL_BITS.length)]! : toBits(rnd() * 1e-300);
        break;
      default:
        bits = rnd() < 0.5 ? toBits(counter) : toBits((rnd() - 0.5) * 1e10);
    }
    out.push([t, bits]);
    // Timestamps: regular, jittered, or jumping across every dod bucket.
    const r = rnd();
    if (shape === 0 && r < 0.2) t += Math.floor(rnd() * 2 ** 40) + 1;
    else if (r < 0.7) t += step;
    else if (r < 0.9) t += Math.max(1, step + Math.floor((rnd() - 0.5) * 200));
    else t += 1 + Math.floor(rnd() * 2 ** Math.floor(rnd() * 34));
  }
  return out;
}

// ---- Tests -------------------------------------------------------------------------------------

test('random series round-trip bit-exactly and match the reference encoder', () => {
  const rnd = prng(42);
  for (let round = 0; round < 400; round++) {
    const n = 1 + Math.floor(rnd() * (round % 10 === 0 ? 1000 : 130));
    const samples = randomSeries(rnd, n);
    const c = encode(samples);
    assert.equal(c.numSamples(), n);
    assert.equal(hex(c.bytes()), hex(refEncode(samples)), `round ${round}`);
    assert.deepEqual(decode(c.iterator()), samples, `round ${round}`);
  }
});

test('every special float round-trips after every other, including the stale marker', () => {
  const samples: Sample[] = [];
  let t = 1_700_000_000_000;
  for (const a of SPECIAL_BITS) {
    for (const b of SPECIAL_BITS) {
      samples.push([t, a], [t + 15000, b]);
      t += 30000;
    }
  }
  // Several chunks' worth, appended to one chunk: 800 samples.
  const c = encode(samples);
  assert.equal(hex(c.bytes()), hex(refEncode(samples)));
  const got = decode(c.iterator());
  assert.deepEqual(got, samples);
  assert.ok(got.some(([, b]) => b === STALE));
});

test('the stale marker survives optimised append and iterate loops', () => {
  // Warm the code up so the optimising compiler handles it, then check the NaN payload.
  const c = new XORChunk();
  const app = c.appender();
  const stale = fromBits(STALE);
  for (let i = 0; i < 20000; i++) app.append(i * 15000, i % 3 === 0 ? stale : i);
  const it = c.iterator();
  let n = 0;
  while (it.next() === ValueType.Float) {
    const want = n % 3 === 0 ? STALE : toBits(n);
    if (toBits(it.v) !== want) assert.fail(`sample ${n}: ${toBits(it.v).toString(16)}`);
    n++;
  }
  assert.equal(n, 20000);
});

test('timestamps: first sample large, negative and at the int64 millisecond limits', () => {
  for (const t0 of [
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    1_700_000_000_000,
    -1_700_000_000_000,
    9223372036854,
    -9223372036854,
    2 ** 52,
    -(2 ** 52),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ]) {
    const samples: Sample[] = [[t0, 1n]];
    if (t0 < 2 ** 52) samples.push([t0 + 15000, 2n], [t0 + 30000, 3n]);
    const c = encode(samples);
    assert.equal(hex(c.bytes()), hex(refEncode(samples)), `t0 ${t0}`);
    assert.deepEqual(decode(c.iterator()), samples, `t0 ${t0}`);
  }
});

test('delta-of-delta bucket boundaries', () => {
  // Bucket n (14, 17, 20 bits) holds -(2^(n-1) - 1) .. 2^(n-1); beyond 20 bits, 64 bits.
  const dods = [0, 1, -1];
  for (const n of [14, 17, 20]) {
    const hi = 2 ** (n - 1);
    dods.push(hi - 1, hi, hi + 1, -(hi - 1), -hi, -(hi + 1));
  }
  dods.push(2 ** 31, -(2 ** 31), 2 ** 32 + 5, -(2 ** 32) - 5, 2 ** 40, -(2 ** 40));
  // Expected bits each dod takes, after the bit that says "not zero".
  const width = (d: number) =>
    d === 0
      ? 1
      : d >= -8191 && d <= 8192
        ? 16
        : d >= -65535 && d <= 65536
          ? 20
          : d >= -524287 && d <= 524288
            ? 24
            : 68;
  for (const dod of dods) {
    const base = 1_000_000_000_000;
    const d1 = 2 ** 41; // large first delta so that negative dods keep time moving forwards
    const samples: Sample[] = [
      [base, 0n],
      [base + d1, 0n],
      [base + 2 * d1 + dod, 0n],
      [base + 3 * d1 + 2 * dod, 0n],
    ];
    const c = encode(samples);
    assert.equal(hex(c.bytes()), hex(refEncode(samples)), `dod ${dod}`);
    assert.deepEqual(decode(c.iterator()), samples, `dod ${dod}`);
    // Sample 2 and 3 each take width(dod) + 1 (unchanged value) bits after sample 1.
    const withZero = encode(samples.slice(0, 2)).bytes().length;
    const bits = 2 * (width(dod) + 1);
    assert.ok(c.bytes().length <= withZero + Math.ceil(bits / 8) + 1, `dod ${dod} width`);
  }
});

test('irregular deltas: negative, zero and huge first deltas', () => {
  for (const d of [0, -1, -15000, 1, 127, 128, 2 ** 35, -(2 ** 35)]) {
    const samples: Sample[] = [
      [5_000_000, 0x4000000000000000n],
      [5_000_000 + d, 0x4000000000000000n],
      [5_000_000 + 2 * d + 3, 0x4010000000000000n],
    ];
    const c = encode(samples);
    assert.equal(hex(c.bytes()), hex(refEncode(samples)), `delta ${d}`);
    assert.deepEqual(decode(c.iterator()), samples, `delta ${d}`);
  }
});

test('hand-computed golden chunks from the format description', () => {
  // One sample: count, varint 0, 64 zero bits. (Before Prometheus 3 an empty byte followed, as
  // in every chunk of the conformance block.)
  assert.equal(hex(encode([[0, 0n]]).bytes()), '0001' + '00' + '0000000000000000');
  // t=1000 (zigzag 2000 = d0 0f), v=1; t=2000 (delta 1000 = e8 07), unchanged value: one 0 bit.
  assert.equal(
    hex(
      encode([
        [1000, 0x3ff0000000000000n],
        [2000, 0x3ff0000000000000n],
      ]).bytes(),
    ),
    '0002' + 'd00f' + '3ff0000000000000' + 'e807' + '00',
  );
  // v 1 → 2: xor 0x7ff0…, new window '11' leading 1 (00001) length 11 (001011) 11111111111;
  // t=30: dod 0 → '0'; v 2 → 3: xor 0x0008…, leading 12 < 1? no, trailing 51 < 52 → new
  // window '11' 01100 000001 '1'. Bits: 11 00001 001011 11111111111 0 11 01100 000001 1.
  assert.equal(
    hex(
      encode([
        [0, 0x3ff0000000000000n],
        [15, 0x4000000000000000n],
        [30, 0x4008000000000000n],
      ]).bytes(),
    ),
    '0003' + '00' + '3ff0000000000000' + '0f' + 'c25fff6c06',
  );
  // Zero values, timestamps 0, 10, 8212, 8222, 532520, 1581107: dods 8192 (14-bit bucket),
  // -8192 (17-bit), 524288 (20-bit), 524289 (64-bit), each followed by an unchanged value bit.
  assert.equal(
    hex(
      encode([
        [0, 0n],
        [10, 0n],
        [8212, 0n],
        [8222, 0n],
        [532520, 0n],
        [1581107, 0n],
      ]).bytes(),
    ),
    '0006' + '00' + '0000000000000000' + '0a' + '50003780' + '01d00000f0000000' + '0000800010',
  );
});

test('seek', () => {
  const samples: Sample[] = [];
  for (let i = 0; i < 50; i++) samples.push([1000 + i * 10, toBits(i)]);
  const c = encode(samples);
  const it = c.iterator();
  assert.equal(it.seek(0), ValueType.Float, 'before the first sample: lands on it');
  assert.equal(it.t, 1000);
  assert.equal(it.seek(0), ValueType.Float, 'never moves backwards');
  assert.equal(it.t, 1000);
  assert.equal(it.seek(1055), ValueType.Float, 'between samples: the next one');
  assert.equal(it.t, 1060);
  assert.equal(it.v, 6);
  assert.equal(it.seek(1060), ValueType.Float, 'current sample qualifies: stays');
  assert.equal(it.t, 1060);
  assert.equal(it.next(), ValueType.Float);
  assert.equal(it.t, 1070);
  assert.equal(it.seek(1490), ValueType.Float, 'exactly the last');
  assert.equal(it.v, 49);
  assert.equal(it.seek(1490), ValueType.Float, 'exhausted but the current sample qualifies');
  assert.equal(it.seek(1491), ValueType.None, 'past the end');
  assert.equal(it.next(), ValueType.None);
  assert.equal(it.err(), null);
  assert.equal(new XORChunk().iterator().seek(0), ValueType.None, 'empty chunk');
  const fresh = c.iterator();
  assert.equal(fresh.seek(5000), ValueType.None);
});

test('iterators see the samples present when they were created, and can be reused', () => {
  const c = new XORChunk();
  const app = c.appender();
  for (let i = 0; i < 10; i++) app.append(i, i);
  const it = c.iterator();
  for (let i = 10; i < 300; i++) app.append(i, i * 1.5); // grows the buffer
  let n = 0;
  while (it.next() === ValueType.Float) {
    assert.equal(it.v, n);
    n++;
  }
  assert.equal(n, 10);
  const reused = c.iterator(it);
  assert.equal(reused, it);
  assert.equal(decode(reused).length, 300);
  const other = encode([[5, 0x3ff0000000000000n]]);
  assert.deepEqual(decode(other.iterator(it)), [[5, 0x3ff0000000000000n]]);
});

test('an appender reopened on a chunk continues the same bytes', () => {
  const rnd = prng(7);
  let compared = 0;
  for (let round = 0; round < 100; round++) {
    const samples = randomSeries(rnd, 2 + Math.floor(rnd() * 150));
    const cut = 2 + Math.floor(rnd() * (samples.length - 1));
    // Reopened on the live chunk and on a copy of its stored bytes.
    const live = encode(samples.slice(0, cut));
    const data = Uint8Array.from(live.bytes());
    const dataBefore = hex(data);
    const stored = chunkFromData(Encoding.XOR, data);
    // Prometheus recovers the XOR window from its iterator, which knows none until a value has
    // changed; before that, the reopened appender's bytes differ (see the next test).
    const windowKnown = samples.slice(1, cut).some(([, b], i) => b !== samples[i]![1]);
    for (const c of [live, stored]) {
      const app = c.appender();
      for (const [t, b] of samples.slice(cut)) app.append(t, fromBits(b));
      if (windowKnown) assert.equal(hex(c.bytes()), hex(encode(samples).bytes()), `round ${round}`);
      assert.deepEqual(decode(c.iterator() as XORIterator), samples, `round ${round}`);
    }
    assert.equal(hex(data), dataBefore, 'a stored chunk never writes into its source bytes');
    compared += windowKnown ? 1 : 0;
  }
  assert.ok(compared > 50, `only ${compared} rounds compared bytes`);
});

test('an appender reopened after one sample uses a 64-bit window, as Prometheus does', () => {
  // Prometheus's reopened appender takes leading = trailing = 0 from its iterator, so the next
  // changed value reuses that window: '10' and all 64 bits of the XOR.
  const c = chunkFromData(
    Encoding.XOR,
    encode([[0, 0x3ff0000000000000n]])
      .bytes()
      .slice(),
  );
  c.appender().append(10, 2);
  assert.equal(hex(c.bytes()), '0002' + '00' + '3ff0000000000000' + '0a' + '9ffc000000000000' + '00');
  assert.deepEqual(decode(c.iterator() as XORIterator), [
    [0, 0x3ff0000000000000n],
    [10, 0x4000000000000000n],
  ]);
});

test('appending rejects what the format cannot hold, leaving the chunk intact', () => {
  const c = new XORChunk();
  const app = c.appender();
  assert.throws(() => app.append(0.5, 1), RangeError);
  assert.throws(() => app.append(2 ** 53, 1), RangeError);
  assert.throws(() => app.append(NaN, 1), RangeError);
  app.append(100, 1);
  app.append(200, 2);
  assert.throws(() => app.append(300.5, 3), RangeError);
  assert.throws(() => app.append(2 ** 60, 3), RangeError);
  app.append(300, 3);
  assert.deepEqual(decode(c.iterator()), [
    [100, toBits(1)],
    [200, toBits(2)],
    [300, toBits(3)],
  ]);
  const full = new XORChunk();
  const fa = full.appender();
  for (let i = 0; i < 0xffff; i++) fa.append(i, 0);
  assert.equal(full.numSamples(), 0xffff);
  assert.throws(() => fa.append(0x10000, 0), RangeError);
  assert.equal(decode(full.iterator()).length, 0xffff);
});

test('truncated or corrupt chunks end iteration with an error', () => {
  const good = encode(randomSeries(prng(3), 120)).bytes();
  for (let len = 0; len < good.length - 1; len++) {
    const it = XORChunk.fromData(good.slice(0, len)).iterator();
    let n = 0;
    while (it.next() === ValueType.Float) n++;
    assert.ok(n < 120, `length ${len}`);
    assert.notEqual(it.err(), null, `length ${len}`);
    assert.equal(it.next(), ValueType.None);
    assert.equal(it.seek(0), ValueType.None);
  }
  // A header claiming more samples than the data holds.
  const more = Uint8Array.from(good);
  more[1] = 200;
  const it = XORChunk.fromData(more).iterator();
  while (it.next() === ValueType.Float);
  assert.notEqual(it.err(), null);
  assert.throws(() => XORChunk.fromData(more).appender());
});

test('compact keeps the bytes and the ability to append', () => {
  const c = encode([
    [1, 1n],
    [2, 2n],
  ]);
  const before = hex(c.bytes());
  c.compact();
  assert.equal(hex(c.bytes()), before);
  c.appender().append(3, 3);
  assert.equal(
    hex(c.bytes()),
    hex(
      encode([
        [1, 1n],
        [2, 2n],
        [3, toBits(3)],
      ]).bytes(),
    ),
  );
});

test('chunks as promtool 3.5.3 wrote them (create-blocks-from openmetrics)', () => {
  const enc = (samples: [number, number][]): string => {
    const c = new XORChunk();
    const app = c.appender();
    for (const [t, v] of samples) app.append(t, v);
    return hex(c.bytes());
  };
  // A single sample ends on a byte boundary: Prometheus 3 writes no empty byte after it.
  assert.equal(enc([[1000000, 1]]), '0001' + '80897a' + '3ff0000000000000');
  assert.equal(enc([[1000000, 2]]), '0001' + '80897a' + '4000000000000000');
  assert.equal(
    enc([
      [1000000, 21.5],
      [1015000, 22.5],
    ]),
    '0002' + '80897a' + '4035800000000000' + '9875' + 'dc16',
  );
});
