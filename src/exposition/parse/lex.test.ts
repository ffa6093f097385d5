import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInput, invalidUtf8Lines } from './input.js';
import {
  codePointLength,
  floatOut,
  FLOAT_OK,
  FLOAT_RANGE,
  FLOAT_SYNTAX,
  FLOAT_UNSUPPORTED,
  normalizeLabelValue,
  parseCanonicalNumber,
  scanFloat,
  scanTimestamp,
  secondsToMillis,
  unescapeHelp,
  unescapeLabel,
} from './lex.js';

function float(s: string): number | string {
  const code = scanFloat(s, 0, s.length);
  if (code === FLOAT_OK) return floatOut[0]!;
  return code === FLOAT_SYNTAX ? 'syntax' : code === FLOAT_UNSUPPORTED ? 'unsupported' : 'range';
}

describe('scanFloat follows Go strconv.ParseFloat behind Prometheus parseFloat', () => {
  it('reads decimals exactly as JavaScript does', () => {
    const cases = [
      '0',
      '1',
      '-1',
      '+1',
      '1.',
      '.5',
      '-.5e-3',
      '1e5',
      '1E+05',
      '1.5e-3',
      '0.1',
      '0.3',
      '123456.789',
      '0000000000000000000000000000000000000000001.2e-1',
      '2.2250738585072014e-308',
      '4.9e-324',
      '9007199254740993',
      '12345678901234567890.1234567890',
      '1.7976931348623157e308',
      '0.000001',
      '100000000000000000000000',
      '1e22',
      '1e23',
      '123456789012345',
      '1234567890123456',
    ];
    for (const c of cases) assert.equal(float(c), Number(c), c);
  });

  it('keeps the sign of zero', () => {
    assert.ok(Object.is(float('-0'), -0));
    assert.ok(Object.is(float('-0.0e5'), -0));
    assert.ok(Object.is(float('0'), 0));
  });

  it('reads inf, infinity and nan in any case, signs only on infinities', () => {
    assert.equal(float('Inf'), Infinity);
    assert.equal(float('+inf'), Infinity);
    assert.equal(float('-INF'), -Infinity);
    assert.equal(float('-Infinity'), -Infinity);
    assert.equal(float('infinity'), Infinity);
    assert.ok(Number.isNaN(float('NaN')));
    assert.ok(Number.isNaN(float('nan')));
    assert.equal(float('+NaN'), 'syntax');
    assert.equal(float('-nan'), 'syntax');
    assert.equal(float('infinit'), 'syntax');
    assert.equal(float('infx'), 'syntax');
  });

  it('refuses what Go or Prometheus refuse', () => {
    for (const c of [
      '',
      '+',
      '-',
      '.',
      'e5',
      '1e',
      '1e+',
      '1.2.3',
      '1 ',
      ' 1',
      '0x1',
      '0X1',
      '0b1',
      '0o1',
      'a',
      '1z',
      'true',
      '1\t',
    ]) {
      assert.equal(float(c), 'syntax', JSON.stringify(c));
    }
    // Prometheus refuses p, P and _ before Go sees them: hex floats and digit separators.
    for (const c of ['0x1p-3', '0x1P-3', '1_2', '1_000']) assert.equal(float(c), 'unsupported', c);
  });

  it('refuses overflow as Go does, but reads underflow as zero', () => {
    assert.equal(float('1e309'), 'range');
    assert.equal(float('-1e400'), 'range');
    assert.equal(float('1e-400'), 0);
    assert.equal(float('1e99999999999'), 'range');
    assert.equal(FLOAT_RANGE, 3);
  });

  it('reads only the given range of a longer string', () => {
    const s = 'a 12.5 99';
    assert.equal(scanFloat(s, 2, 6), FLOAT_OK);
    assert.equal(floatOut[0], 12.5);
  });
});

describe('scanTimestamp reads int64 milliseconds', () => {
  const ts = (s: string): number | undefined => (scanTimestamp(s, 0, s.length) ? floatOut[0] : undefined);
  it('reads digits, including leading zeros and long ones', () => {
    assert.equal(ts('0'), 0);
    assert.equal(ts('1395066363000'), 1395066363000);
    assert.equal(ts('000000000000000000001'), 1);
    assert.equal(ts('9223372036854775807'), 2 ** 63); // the nearest float64
  });
  it('refuses what overflows int64', () => {
    assert.equal(ts('9223372036854775808'), undefined);
    assert.equal(ts('99999999999999999999'), undefined);
  });
});

describe('secondsToMillis truncates as int64(seconds*1000)', () => {
  it('converts and truncates toward zero', () => {
    assert.equal(secondsToMillis(1520879607.789), Math.trunc(1520879607.789 * 1000));
    assert.equal(secondsToMillis(1.5e3), 1500000);
    assert.equal(secondsToMillis(-1.1), -1100);
    assert.ok(Object.is(secondsToMillis(-0.0000001), 0));
  });
});

describe('unescaping', () => {
  const lab = (s: string): string => unescapeLabel(s, 0, s.length);
  const help = (s: string): string => unescapeHelp(s, 0, s.length);
  it('label values: \\\\, \\" and \\n; other backslashes stay', () => {
    assert.equal(lab('b\\"a\\nr'), 'b"a\nr');
    assert.equal(lab('b\\\\a\\z'), 'b\\a\\z');
    assert.equal(lab('\\\\n'), '\\n');
    assert.equal(lab('\\\\\\n'), '\\\n');
    assert.equal(lab('plain'), 'plain');
    assert.equal(lab('end\\'), 'end\\');
  });
  it('text-format HELP: only \\\\ and \\n', () => {
    assert.equal(help('a\\"b'), 'a\\"b');
    assert.equal(help('he\\n\\\\l\\tp'), 'he\n\\l\\tp');
  });
});

describe('normalizeLabelValue rewrites le and quantile like Prometheus 3', () => {
  it('normalizes only histogram le and summary quantile', () => {
    assert.equal(normalizeLabelValue('histogram', 'le', '1'), '1.0');
    assert.equal(normalizeLabelValue('histogram', 'le', '+inf'), '+Inf');
    assert.equal(normalizeLabelValue('histogram', 'le', '1e6'), '1e+06');
    assert.equal(normalizeLabelValue('histogram', 'le', '0.00001'), '1e-05');
    assert.equal(normalizeLabelValue('summary', 'quantile', '0'), '0.0');
    assert.equal(normalizeLabelValue('summary', 'le', '1'), '1');
    assert.equal(normalizeLabelValue('gaugehistogram', 'le', '1'), '1');
    assert.equal(normalizeLabelValue('histogram', 'quantile', '1'), '1');
    assert.equal(normalizeLabelValue('histogram', 'le', 'foo'), 'foo');
  });
});

describe('parseCanonicalNumber (le and quantile in strict OpenMetrics)', () => {
  it('reads decimals and exactly +Inf/-Inf', () => {
    assert.equal(parseCanonicalNumber('1.1e-4'), 1.1e-4);
    assert.equal(parseCanonicalNumber('-1'), -1);
    assert.equal(parseCanonicalNumber('+Inf'), Infinity);
    assert.equal(parseCanonicalNumber('-Inf'), -Infinity);
    for (const v of ['+INF', 'Inf', 'inf', 'NaN', 'foo', '', '+'])
      assert.equal(parseCanonicalNumber(v), undefined, v);
  });
});

describe('codePointLength', () => {
  it('counts a surrogate pair once', () => {
    assert.equal(codePointLength('abc'), 3);
    assert.equal(codePointLength('☃'), 1);
    assert.equal(codePointLength('😀x'), 2);
  });
});

describe('decodeInput', () => {
  it('decodes valid UTF-8 once and keeps a byte order mark', () => {
    const d = decodeInput(Buffer.from('\uFEFFa 1\n', 'utf8'));
    assert.equal(d.text, '\uFEFFa 1\n');
    assert.deepEqual(d.badLines, []);
  });
  it('notes the lines with invalid UTF-8', () => {
    const b = Buffer.concat([Buffer.from('a 1\nb{x="'), Buffer.from([0xff]), Buffer.from('"} 1\nc 1\n')]);
    assert.deepEqual(decodeInput(b).badLines, [2]);
    assert.deepEqual(
      invalidUtf8Lines(
        Buffer.from([0x61, 0x0a, 0xc0, 0x80, 0x0a, 0xed, 0xa0, 0x80, 0x0a, 0xf4, 0x90, 0x80, 0x80]),
      ),
      [2, 3, 4],
    );
    assert.deepEqual(invalidUtf8Lines(Buffer.from('ü☃😀\n', 'utf8')), []);
    assert.deepEqual(invalidUtf8Lines(Buffer.from([0xe2, 0x98])), [1]);
  });
  it('notes lone surrogates in string input', () => {
    assert.deepEqual(decodeInput('a 1\nb{x="\uD800"} 1\n').badLines, [2]);
    assert.deepEqual(decodeInput('a{x="😀"} 1\n').badLines, []);
  });
});
