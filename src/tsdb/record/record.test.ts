import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { Decbuf, HI_WORD, LO_WORD, readUvarint, readVarint, varintEnd } from './decbuf.js';
import { decodeExemplars, decodeMetadata, decodeSeries, decodeTombstones, rejectRecord } from './decode.js';
import { Encbuf, writeUvarint, writeVarint } from './encbuf.js';
import { encodeExemplars, encodeMetadata, encodeSeries, encodeTombstones } from './encode.js';
import { HistogramSampleSpans, scanHistogramSamples } from './histograms.js';
import { SampleBatch, decodeSamples, encodeSamples } from './samples.js';
import {
  RecordError,
  RecordType,
  UnsupportedRecordError,
  recordType,
  type RefExemplar,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
} from './types.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Raw bits of a float64 as a 16-digit hex string, read without going through the encoder. */
function bitsOf(values: Float64Array, i: number): string {
  const w = new Uint32Array(values.buffer, values.byteOffset);
  return (
    w[2 * i + HI_WORD]!.toString(16).padStart(8, '0') + w[2 * i + LO_WORD]!.toString(16).padStart(8, '0')
  );
}

/** A sample batch whose values are given as raw bits (hex), so NaN payloads are exact. */
function batchFromBits(rows: [number, number, string][]): SampleBatch {
  const b = new SampleBatch(2);
  for (const [ref, t, bits] of rows) {
    b.push(ref, t, 0);
    const i = b.length - 1;
    b.valueWords[2 * i + HI_WORD] = parseInt(bits.slice(0, 8), 16);
    b.valueWords[2 * i + LO_WORD] = parseInt(bits.slice(8), 16);
  }
  return b;
}

/** Go's binary.PutUvarint / PutVarint, with BigInt: an independent reference for the encoders. */
function goUvarint(x: bigint): string {
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out).toString('hex');
}
function goVarint(x: bigint): string {
  const ux = BigInt.asUintN(64, x << 1n) ^ (x < 0n ? 0xffffffffffffffffn : 0n);
  return goUvarint(ux);
}

describe('varints', () => {
  const cases: number[] = [
    0,
    1,
    -1,
    63,
    -64,
    64,
    -65,
    127,
    128,
    300,
    -300,
    2 ** 28 - 1,
    2 ** 28,
    2 ** 30 - 1,
    2 ** 30,
    -(2 ** 30),
    -(2 ** 30) - 1,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    2 ** 32,
    2 ** 35 + 7,
    -(2 ** 40) - 3,
    2 ** 52 + 1,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1700000000000,
    -1700000000000,
  ];

  it('writeVarint matches Go and readVarint inverts it', () => {
    const b = new Uint8Array(10);
    for (const n of cases) {
      const end = writeVarint(b, 0, n);
      assert.equal(toHex(b.subarray(0, end)), goVarint(BigInt(n)), `varint ${n}`);
      assert.equal(readVarint(b.subarray(0, end), 0), n, `read varint ${n}`);
      assert.equal(varintEnd, end);
    }
  });

  it('writeUvarint matches Go and readUvarint inverts it', () => {
    const b = new Uint8Array(10);
    for (const n of cases.filter((c) => c >= 0)) {
      const end = writeUvarint(b, 0, n);
      assert.equal(toHex(b.subarray(0, end)), goUvarint(BigInt(n)), `uvarint ${n}`);
      assert.equal(readUvarint(b.subarray(0, end), 0), n);
    }
  });

  it('encodes the int64 extremes exactly', () => {
    const b = new Uint8Array(10);
    // math.MinInt64 is exactly -2^63; math.MaxInt64 rounds to 2^63 as a double and is clamped back.
    assert.equal(toHex(b.subarray(0, writeVarint(b, 0, -(2 ** 63)))), 'ffffffffffffffffff01');
    assert.equal(toHex(b.subarray(0, writeVarint(b, 0, 2 ** 63))), 'feffffffffffffffff01');
    assert.equal(readVarint(hex('ffffffffffffffffff01'), 0), -(2 ** 63));
    assert.equal(readVarint(hex('feffffffffffffffff01'), 0), 2 ** 63);
    assert.equal(toHex(b.subarray(0, writeUvarint(b, 0, 2 ** 64))), 'ffffffffffffffffff01');
    const e = new Encbuf(8);
    e.putBE64(2 ** 63);
    e.putBE64(-(2 ** 63));
    e.putBE64(-1);
    assert.equal(toHex(e.bytes()), '7fffffffffffffff' + '8000000000000000' + 'ffffffffffffffff');
  });

  it('reports truncated and overflowing varints', () => {
    assert.ok(Number.isNaN(readVarint(hex('80'), 0)));
    assert.equal(varintEnd, -1);
    assert.equal(readUvarint(hex('ffffffffffffffffff02'), 0), -2);
    assert.equal(readUvarint(hex('ffffffffffffffffffff01'), 0), -2);
    const d = new Decbuf(hex('0280'), RecordType.Samples, 1);
    assert.throws(
      () => d.uvarint('series ref'),
      (e: unknown) => e instanceof RecordError && e.offset === 1 && /truncated series ref/.test(e.message),
    );
  });
});

describe('samples records', () => {
  it('match hand-computed bytes', () => {
    const enc = new Encbuf(4);
    const one = batchFromBits([[1, 1000, '3ff0000000000000']]);
    assert.equal(
      toHex(encodeSamples(one, enc)),
      '02' + '0000000000000001' + '00000000000003e8' + '00' + '00' + '3ff0000000000000',
    );
    enc.reset();
    const two = batchFromBits([
      [100, 5000, '7ff0000000000002'],
      [99, 5200, 'c004000000000000'],
    ]);
    // ref delta -1 is zig-zag 1; timestamp delta 200 is zig-zag 400 = 0x90 0x03.
    assert.equal(
      toHex(encodeSamples(two, enc)),
      '02' +
        '0000000000000064' +
        '0000000000001388' +
        '0000' +
        '7ff0000000000002' +
        '019003' +
        'c004000000000000',
    );
    enc.reset();
    assert.equal(toHex(encodeSamples(new SampleBatch(), enc)), '02');
  });

  it('round-trip refs, timestamps and raw value bits, NaN payloads included', () => {
    const bits = [
      '7ff0000000000002', // stale marker
      '7ff8000000000001', // Go's math.NaN()
      'fff0000000000001', // a negative signalling NaN
      '7ff4000000000000',
      '8000000000000000', // -0
      '7ff0000000000000', // +Inf
      'fff0000000000000',
      '0000000000000001', // smallest subnormal
      '3ff0000000000000',
      '4197d78400000000',
    ];
    const rows: [number, number, string][] = [];
    for (let i = 0; i < 500; i++) {
      // Refs jump around (negative and multi-byte deltas), timestamps too (negative, large).
      const ref = i % 7 === 0 ? 2 ** 40 + i : 1000 + ((i * 7919) % 4000);
      const t = i % 11 === 0 ? -86400000 * (i + 1) : 1700000000000 + i * 15000;
      rows.push([ref, t, bits[i % bits.length]!]);
    }
    const batch = batchFromBits(rows);
    const enc = new Encbuf();
    const rec = encodeSamples(batch, enc);
    const out = new SampleBatch(1);
    decodeSamples(rec, out);
    assert.equal(out.length, rows.length);
    for (let i = 0; i < rows.length; i++) {
      assert.equal(out.refs[i], rows[i]![0]);
      assert.equal(out.ts[i], rows[i]![1]);
      assert.equal(bitsOf(out.values, i), rows[i]![2], `value bits of sample ${i}`);
    }
    // Decoding into the same batch again replaces, not appends.
    decodeSamples(rec, out);
    assert.equal(out.length, rows.length);
  });

  it('keep the stale marker pushed as a number', () => {
    const b = new SampleBatch();
    b.push(1, 2, STALE_NAN);
    const out = decodeSamples(encodeSamples(b, new Encbuf()), new SampleBatch());
    assert.equal(bitsOf(out.values, 0), '7ff0000000000002');
  });

  it('encode a sub-range of a batch', () => {
    const b = new SampleBatch();
    for (let i = 0; i < 10; i++) b.push(i, i * 10, i);
    const out = decodeSamples(encodeSamples(b, new Encbuf(), 3, 6), new SampleBatch());
    assert.deepEqual(Array.from(out.refs.subarray(0, out.length)), [3, 4, 5]);
    assert.deepEqual(Array.from(out.values.subarray(0, out.length)), [3, 4, 5]);
  });

  it('reject truncation and the wrong type with a RecordError', () => {
    const b = new SampleBatch();
    for (let i = 0; i < 4; i++) b.push(10 + i, 1000 + 300 * i, i / 3);
    const rec = encodeSamples(b, new Encbuf()).slice();
    // Sample boundaries: header 17, then 10, 11, 11, 11 bytes.
    const boundaries = new Set([1, 17, 27, 38, 49, 60]);
    for (let n = 0; n < rec.length; n++) {
      const cut = rec.subarray(0, n);
      if (boundaries.has(n)) {
        const out = decodeSamples(cut, new SampleBatch());
        assert.ok(out.length < 4);
        continue;
      }
      assert.throws(() => decodeSamples(cut, new SampleBatch()), RecordError, `cut at ${n}`);
    }
    assert.throws(
      () => decodeSamples(hex('01'), new SampleBatch()),
      (e: unknown) => e instanceof RecordError && /not a samples record/.test(e.message),
    );
  });
});

describe('series records', () => {
  it('match hand-computed bytes', () => {
    const rec = encodeSeries(
      [{ ref: 3, labels: Labels.fromStrings('__name__', 'up', 'job', 'a') }],
      new Encbuf(),
    );
    assert.equal(
      toHex(rec),
      '01' + '0000000000000003' + '02' + '085f5f6e616d655f5f' + '027570' + '036a6f62' + '0161',
    );
  });

  it('round-trip, with UTF-8 and large refs', () => {
    const series: RefSeries[] = [
      {
        ref: 1,
        labels: Labels.fromStrings('__name__', 'up', 'instance', 'localhost:9090', 'job', 'prometheus'),
      },
      {
        ref: 2 ** 40 + 5,
        labels: Labels.fromStrings('a', 'ünïcödé ✓', 'b', '😀\ue000', 'c', 'x'.repeat(300)),
      },
      { ref: 7, labels: Labels.EMPTY },
    ];
    const out = decodeSeries(encodeSeries(series, new Encbuf(1)), [{ ref: 99, labels: Labels.EMPTY }]);
    assert.equal(out.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(out[i]!.ref, series[i]!.ref);
      assert.ok(out[i]!.labels.equals(series[i]!.labels), out[i]!.labels.toString());
    }
    // Byte length prefix counts UTF-8 bytes: 'ünïcödé ✓' is 15 bytes.
    const one = toHex(encodeSeries([{ ref: 0, labels: Labels.fromStrings('a', 'ünïcödé ✓') }], new Encbuf()));
    assert.ok(one.includes('0f' + Buffer.from('ünïcödé ✓').toString('hex')));
  });

  it('sort labels that were written out of order', () => {
    // {b="1", a="2"} as a careless writer might produce it.
    const rec = hex('01' + '0000000000000001' + '02' + '0162' + '0131' + '0161' + '0132');
    const [s] = decodeSeries(rec);
    assert.deepEqual(s!.labels.flat(), ['a', '2', 'b', '1']);
  });

  it('name the position of malformed bytes', () => {
    const rec = encodeSeries([{ ref: 3, labels: Labels.fromStrings('job', 'abc') }], new Encbuf()).slice();
    for (let n = 2; n < rec.length; n++) {
      assert.throws(() => decodeSeries(rec.subarray(0, n)), RecordError, `cut at ${n}`);
    }
    const bad = hex('01' + '0000000000000003' + 'ffffffff0f');
    assert.throws(
      () => decodeSeries(bad),
      (e: unknown) => e instanceof RecordError && e.offset === 9 && /implausible label count/.test(e.message),
    );
  });
});

describe('tombstone records', () => {
  it('match hand-computed bytes', () => {
    const rec = encodeTombstones([{ ref: 5, mint: -1, maxt: 300 }], new Encbuf());
    assert.equal(toHex(rec), '03' + '0000000000000005' + '01' + 'd804');
  });

  it('round-trip, including the int64 extremes', () => {
    const stones: RefTombstone[] = [
      { ref: 1, mint: 0, maxt: 1700000000000 },
      { ref: 2 ** 33, mint: -(2 ** 63), maxt: 2 ** 63 },
      { ref: 3, mint: -5, maxt: -1 },
    ];
    assert.deepEqual(decodeTombstones(encodeTombstones(stones, new Encbuf())), stones);
    assert.deepEqual(decodeTombstones(encodeTombstones([], new Encbuf())), []);
  });
});

describe('exemplar records', () => {
  it('match hand-computed bytes', () => {
    const rec = encodeExemplars(
      [{ ref: 7, t: 2000, v: 1, labels: Labels.fromStrings('trace_id', 'ab') }],
      new Encbuf(),
    );
    assert.equal(
      toHex(rec),
      '04' +
        '0000000000000007' +
        '00000000000007d0' +
        '00' +
        '00' +
        '3ff0000000000000' +
        '01' +
        '0874726163655f6964' +
        '026162',
    );
    assert.equal(toHex(encodeExemplars([], new Encbuf())), '04');
  });

  it('round-trip', () => {
    const ex: RefExemplar[] = [
      { ref: 10, t: 1000, v: 0.5, labels: Labels.fromStrings('trace_id', 'abc') },
      { ref: 3, t: 900, v: -Infinity, labels: Labels.EMPTY },
      { ref: 2 ** 41, t: 5000, v: 1e300, labels: Labels.fromStrings('span_id', 'x', 'trace_id', 'y') },
    ];
    const out = decodeExemplars(encodeExemplars(ex, new Encbuf()));
    assert.equal(out.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(out[i]!.ref, ex[i]!.ref);
      assert.equal(out[i]!.t, ex[i]!.t);
      assert.equal(out[i]!.v, ex[i]!.v);
      assert.ok(out[i]!.labels.equals(ex[i]!.labels));
    }
  });
});

describe('metadata records', () => {
  it('match hand-computed bytes', () => {
    const rec = encodeMetadata([{ ref: 300, type: 'counter', unit: '', help: 'hi' }], new Encbuf());
    assert.equal(toHex(rec), '06' + 'ac02' + '01' + '02' + '04554e4954' + '00' + '0448454c50' + '026869');
  });

  it('round-trip every metric type', () => {
    const types = [
      'unknown',
      'counter',
      'gauge',
      'histogram',
      'gaugehistogram',
      'summary',
      'info',
      'stateset',
    ] as const;
    const md: RefMetadata[] = types.map((type, i) => ({
      ref: i + 1,
      type,
      unit: i % 2 ? 'seconds' : '',
      help: `hélp ${i}`,
    }));
    assert.deepEqual(decodeMetadata(encodeMetadata(md, new Encbuf())), md);
  });

  it('skip fields it does not know and map unknown type bytes to unknown', () => {
    // ref 1, type byte 42, three fields: FOO=bar, HELP=h, UNIT=u.
    const rec = hex(
      '06' + '01' + '2a' + '03' + '03464f4f' + '03626172' + '0448454c50' + '0168' + '04554e4954' + '0175',
    );
    assert.deepEqual(decodeMetadata(rec), [{ ref: 1, type: 'unknown', unit: 'u', help: 'h' }]);
  });
});

describe('record types', () => {
  it('are read from the first byte', () => {
    assert.equal(recordType(new Uint8Array(0)), RecordType.Unknown);
    assert.equal(recordType(hex('02')), RecordType.Samples);
    assert.equal(recordType(hex('0e')), RecordType.MinValidTime);
    assert.equal(recordType(hex('0f')), RecordType.Unknown);
    assert.equal(recordType(hex('00')), RecordType.Unknown);
  });

  it('that ignis does not decode are rejected with a clear error', () => {
    assert.throws(
      () => rejectRecord(hex('07')),
      (e: unknown) =>
        e instanceof UnsupportedRecordError && /histogram_samples record: .*not supported/.test(e.message),
    );
    assert.throws(
      () => rejectRecord(hex('63')),
      (e: unknown) =>
        e instanceof RecordError && !(e instanceof UnsupportedRecordError) && /unknown\(99\)/.test(e.message),
    );
  });
});

describe('histogram records', () => {
  // Integer histogram, exponential schema 3: two samples.
  const intSample = (dref: string, dt: string): string =>
    dref +
    dt +
    '00' + // counter reset hint
    '06' + // schema 3 (zig-zag)
    '3f50624dd2f1a9fc' + // zero threshold
    '02' + // zero count
    '0a' + // count
    '4024000000000000' + // sum
    '01' +
    '00' +
    '02' + // one positive span: offset 0, length 2
    '00' + // no negative spans
    '02' +
    '02' +
    '04' + // two positive buckets (varint deltas 1, 2)
    '00'; // no negative buckets
  const intRec =
    '07' + '0000000000000009' + '00000000000003e8' + intSample('00', '00') + intSample('02', 'd00f');

  it('are walked sample by sample without decoding', () => {
    const rec = hex(intRec);
    const spans = scanHistogramSamples(rec, new HistogramSampleSpans(1));
    assert.equal(spans.length, 2);
    assert.deepEqual(Array.from(spans.refs.subarray(0, 2)), [9, 10]);
    assert.deepEqual(Array.from(spans.ts.subarray(0, 2)), [1000, 2000]);
    assert.equal(spans.starts[0], 17);
    assert.equal(spans.ends[0], spans.starts[1]);
    assert.equal(spans.ends[1], rec.length);
  });

  it('walk float and custom-bucket layouts', () => {
    const floatSample =
      '00' +
      '00' +
      '00' +
      '06' +
      '3f50624dd2f1a9fc' +
      '4000000000000000' +
      '4024000000000000' +
      '4024000000000000' +
      '01' +
      '00' +
      '01' +
      '00' +
      '01' +
      '3ff0000000000000' +
      '00';
    const custom =
      '02' +
      '02' +
      '00' +
      '69' +
      '0000000000000000' +
      '00' +
      '05' +
      '4024000000000000' +
      '01' +
      '00' +
      '02' +
      '00' +
      '02' +
      '02' +
      '02' +
      '00' +
      '02' +
      '3ff0000000000000' +
      '4000000000000000';
    const f = scanHistogramSamples(
      hex('08' + '0000000000000001' + '0000000000000000' + floatSample),
      new HistogramSampleSpans(),
    );
    assert.equal(f.length, 1);
    const c = scanHistogramSamples(
      hex('09' + '0000000000000001' + '0000000000000064' + custom),
      new HistogramSampleSpans(),
    );
    assert.equal(c.length, 1);
    assert.equal(c.refs[0], 2);
    assert.equal(c.ts[0], 101);
    // Schema -53 carries custom bounds; losing them would desynchronise the walk.
    assert.throws(
      () =>
        scanHistogramSamples(
          hex('09' + '0000000000000001' + '0000000000000064' + custom.slice(0, -2)),
          new HistogramSampleSpans(),
        ),
      RecordError,
    );
  });

  it('fail with a RecordError when truncated', () => {
    const rec = hex(intRec);
    const sampleEnd = 17 + hex(intSample('00', '00')).length;
    for (let n = 2; n < rec.length; n++) {
      if (n === 17 || n === sampleEnd) continue;
      assert.throws(
        () => scanHistogramSamples(rec.subarray(0, n), new HistogramSampleSpans()),
        RecordError,
        `cut at ${n}`,
      );
    }
  });
});
