import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareStrings, goQuote } from './strings.js';

const utf8Order = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

test('compareStrings orders by UTF-8 bytes, not UTF-16 code units', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'a', -1],
    ['a', 'b', -1],
    ['a', 'ab', -1],
    ['B', 'a', -1],
    ['z', 'é', -1],
    ['é', 'ê', -1],
    // U+E000..U+FFFF sort before supplementary characters in UTF-8 (and in code points), while
    // JavaScript's `<` sees the surrogate 0xD83D first and puts the emoji before them.
    ['\ue000', '😀', -1],
    ['\uffff', '\u{10000}', -1],
    ['\ufb01', '𝒳', -1],
    ['\ud7ff', '\ue000', -1],
    ['a\uffff', 'a😀', -1],
    ['😀', '😁', -1],
    ['\u{10ffff}', '\u{10000}', 1],
    ['same😀', 'same😀', 0],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(sign(compareStrings(a, b)), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(sign(compareStrings(b, a)), want === 0 ? 0 : -want);
    assert.equal(sign(utf8Order(a, b)), want, 'the table itself agrees with UTF-8 bytes');
  }
  assert.ok('\ue000' > '😀', "JavaScript's own order differs, which is why compareStrings exists");
});

test('sorting with compareStrings equals sorting the UTF-8 encodings', () => {
  // Characters from every range where UTF-16 and UTF-8 orders could disagree.
  const alphabet = [
    'a',
    'Z',
    '\x7f',
    '\x80',
    'é',
    '\u07ff',
    '\u0800',
    '\ud7ff',
    '\ue000',
    '\uf8ff',
    '\uffff',
    '\u{10000}',
    '😀',
    '\u{10ffff}',
  ];
  let seed = 7;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const words: string[] = [];
  for (let i = 0; i < 2000; i++) {
    let w = '';
    const len = Math.floor(rnd() * 5);
    for (let k = 0; k < len; k++) w += alphabet[Math.floor(rnd() * alphabet.length)];
    words.push(w);
  }
  const mine = [...words].sort(compareStrings);
  const bytes = [...words].sort(utf8Order);
  assert.deepEqual(mine, bytes);
  assert.notDeepEqual([...words].sort(), bytes, 'the default sort would have been wrong');
});

test('goQuote writes Go strconv.Quote escapes', () => {
  const cases: [string, string][] = [
    ['', '""'],
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\0\x01\x1f\x7f', '"\\x00\\x01\\x1f\\x7f"'],
    ['\x80\x9f', '"\\u0080\\u009f"'],
    ['ünï 日本 😀', '"ünï 日本 😀"'],
    ['\u00a0', '"\\u00a0"'], // no-break space: a space other than U+0020 is not printable
    ['\u2000\u3000\u1680', '"\\u2000\\u3000\\u1680"'],
    ['\u00ad\u200b\u2028\u2029\ufeff', '"\\u00ad\\u200b\\u2028\\u2029\\ufeff"'],
    ['\u0378', '"\\u0378"'], // unassigned
    ['\u0600\u061c\u06dd', '"\\u0600\\u061c\\u06dd"'], // format characters
    ['\ue000\u{f0000}\u{10fffd}', '"\\ue000\\U000f0000\\U0010fffd"'], // private use
    ['\u{e0001}', '"\\U000e0001"'],
    ['\u{1f600}', '"😀"'],
    ['\ufffd', '"�"'],
    ['a\ud800b', '"a\\ufffdb"'], // a lone surrogate prints as the replacement character's escape
    ['\udc00', '"\\ufffd"'],
  ];
  for (const [s, want] of cases) assert.equal(goQuote(s), want, JSON.stringify(s));
});

// Go's decisions for a sample of code points (every 7919th plus chosen ones), as printed by
// Prometheus 3.5.3's /api/v1/format_query: escaped as \x, \u or \U, or printed as is.
// prettier-ignore
const GO_ESCAPES = [0x0, 0x7f, 0x80, 0x9f, 0xa0, 0xad, 0x378, 0x600, 0x61c, 0x6dd, 0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x200d, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x2066, 0x3000, 0xd7ff, 0xe000, 0xf778, 0xf8ff, 0xfdd0, 0xfeff, 0xfff9, 0xfffe, 0xffff, 0x1000c, 0x15445, 0x19223, 0x1fffe, 0x2a6e0, 0x2ee5e, 0x3134b, 0x34335, 0x36224, 0x38113, 0x3a002, 0x3bef1, 0x3dde0, 0x3fccf, 0x41bbe, 0x43aad, 0x4599c, 0x4788b, 0x4977a, 0x4b669, 0x4d558, 0x4f447, 0x51336, 0x53225, 0x55114, 0x57003, 0x58ef2, 0x5ade1, 0x5ccd0, 0x5ebbf, 0x60aae, 0x6299d, 0x6488c, 0x6677b, 0x6866a, 0x6a559, 0x6c448, 0x6e337, 0x70226, 0x72115, 0x74004, 0x75ef3, 0x77de2, 0x79cd1, 0x7bbc0, 0x7daaf, 0x7f99e, 0x8188d, 0x8377c, 0x8566b, 0x8755a, 0x89449, 0x8b338, 0x8d227, 0x8f116, 0x91005, 0x92ef4, 0x94de3, 0x96cd2, 0x98bc1, 0x9aab0, 0x9c99f, 0x9e88e, 0xa077d, 0xa266c, 0xa455b, 0xa644a, 0xa8339, 0xaa228, 0xac117, 0xae006, 0xafef5, 0xb1de4, 0xb3cd3, 0xb5bc2, 0xb7ab1, 0xb99a0, 0xbb88f, 0xbd77e, 0xbf66d, 0xc155c, 0xc344b, 0xc533a, 0xc7229, 0xc9118, 0xcb007, 0xccef6, 0xcede5, 0xd0cd4, 0xd2bc3, 0xd4ab2, 0xd69a1, 0xd8890, 0xda77f, 0xdc66e, 0xde55d, 0xe0001, 0xe0020, 0xe01f0, 0xe044c, 0xe233b, 0xe422a, 0xe6119, 0xe8008, 0xe9ef7, 0xebde6, 0xedcd5, 0xefbc4, 0xf0000, 0xf1ab3, 0xf39a2, 0xf5891, 0xf7780, 0xf966f, 0xfb55e, 0xfd44d, 0xff33c, 0x10122b, 0x10311a, 0x105009, 0x106ef8, 0x108de7, 0x10acd6, 0x10cbc5, 0x10eab4, 0x10fffd];
const GO_PRINTS = [
  0x20, 0x7e, 0xa1, 0xac, 0xae, 0x2ff, 0x300, 0x37e, 0x1eef, 0x20ac, 0x3001, 0x3dde, 0x4e00, 0x5ccd, 0x7bbc,
  0x9aab, 0x9fff, 0xb99a, 0xf900, 0xfe0f, 0xfffc, 0x10000, 0x11667, 0x13556, 0x17334, 0x1b112, 0x1d001,
  0x1eef0, 0x1f600, 0x1f9ff, 0x20000, 0x20ddf, 0x22cce, 0x24bbd, 0x26aac, 0x2899b, 0x2a6df, 0x2a88a, 0x2c779,
  0x2e668, 0x2ebf0, 0x2ee5d, 0x30000, 0x30557, 0x3134a, 0x32446, 0xe0100, 0xe01ef,
];

test('goQuote escapes exactly the code points Go escapes', () => {
  for (const cp of GO_ESCAPES) {
    const q = goQuote(String.fromCodePoint(cp));
    const hex = cp.toString(16);
    const want =
      cp < 0x80
        ? '\\x' + hex.padStart(2, '0')
        : cp <= 0xffff
          ? '\\u' + hex.padStart(4, '0')
          : '\\U' + hex.padStart(8, '0');
    assert.equal(q, `"${want}"`, `U+${hex}`);
  }
  for (const cp of GO_PRINTS)
    assert.equal(goQuote(String.fromCodePoint(cp)), `"${String.fromCodePoint(cp)}"`, `U+${cp.toString(16)}`);
});
