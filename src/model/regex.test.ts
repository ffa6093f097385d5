import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FastRegexMatcher,
  MAX_REGEX_LENGTH,
  MAX_SET_MATCHES,
  RegexError,
  type RegexMatcherKind,
} from './regex.js';

/** Values that stress the fast paths: empty, newlines, case, folding specials, surrogates. */
const CORPUS: readonly string[] = [
  '',
  'a',
  'b',
  'ab',
  'ba',
  'aba',
  'abab',
  'abba',
  'aab',
  'foo',
  'FOO',
  'Foo',
  'foobar',
  'barfoo',
  'xfoox',
  'foofoo',
  'fo',
  'oo',
  'foo\n',
  '\nfoo',
  'foo\nbar',
  '\n',
  '\n\n',
  '\r\n',
  'bar',
  'baz',
  'BAR',
  'k',
  'K',
  '\u212a',
  's',
  'S',
  '\u017f',
  'sk',
  '\u017f\u212a',
  'KS',
  'ß',
  'é',
  'É',
  '😀',
  '😀😀',
  'a😀',
  '😀a',
  'a😀b',
  '\ud83d',
  '\ude00',
  'a\ud83d',
  '\ue000',
  '\uffff',
  'a.b',
  'axb',
  'a|b',
  '(a)',
  '\\',
  ' ',
  '\t',
  '\x07\f\v',
  'prefix_x',
  'prefix_',
  'x_suffix',
  'abcabc',
  'abcab',
  'xabc',
  'a[',
  'a{',
  '@[`',
  '`{@',
];

const PATTERNS: readonly string[] = [
  '',
  'a',
  'foo',
  'foo|bar',
  'foo|bar|',
  '|',
  '(foo|bar)',
  '(?:foo|bar)',
  '(foo|bar)(baz|)',
  'a(b|bc)(|c)',
  '()',
  '(|)',
  'a||b',
  '.*',
  '.+',
  '.*.*',
  '.*.+',
  '.+.*',
  'foo.*',
  'foo.+',
  '.*foo',
  '.+foo',
  '.*foo.*',
  '.+foo.+',
  '.*foo.+',
  '.+foo.*',
  'ab.*ba',
  'ab.+ba',
  'a.*a',
  'a.+a',
  'a.*b.*a',
  '.*a.*b.*',
  '.*b.*a.*',
  '.+a.+b.+',
  'abc.*abc',
  'ab.*c.*ab',
  '(a|ab).*(b|ab)',
  '(ab|a).*(ab|b)',
  '.*(foo|bar).*',
  '.*(foo|bar)',
  '(foo|bar).*',
  '(|a).*',
  '.*(|a).*',
  '.*(a|ab)(b|).*b',
  '.*(b|abc).*c',
  'foo.*|.*bar',
  'foo|.*bar|b.+',
  '.*|foo',
  'prefix_.*',
  '.*_suffix',
  '😀.*',
  '.*😀',
  '.*😀.*',
  'a😀b',
  '.+😀',
  '\\.',
  'a\\.b',
  'a\\|b',
  '\\(a\\)',
  '\\\\',
  '\\Qa.b\\E',
  '\\Qa|b',
  '\\Q(a)\\E.*',
  '\\n',
  '\\t',
  '\\a\\f\\v',
  'foo\\n.*',
  '.*\\n.*',
  '\\ ',
  '\\_',
  '(?i)foo',
  '(?i)FOO',
  '(?i)k',
  '(?i)s',
  '(?i)sk',
  '(?i)KS',
  '(?i)foo|bar',
  '(?i)(foo|bar)',
  '(?i)foo.*',
  '(?i).*foo',
  '(?i).*foo.*',
  '(?i)ab.*ba',
  '(?i)a.+b',
  '(?i).*(k|s).*',
  '(?i)prefix_.*',
  '(?i)\\Qa.b\\E',
  '(?i)a\\{',
  '(?i)\\@\\[\\`',
  '(?s)foo.*',
  '(?is)foo.*',
  '(?si)foo',
  '(?i)',
];

const kindOf = (p: string): RegexMatcherKind => new FastRegexMatcher(p).kind;

test('common shapes take the fast path they are meant to', () => {
  const cases: [string, RegexMatcherKind][] = [
    ['foo', 'literal'],
    ['', 'literal'],
    ['a\\.b', 'literal'],
    ['\\Qa.b\\E', 'literal'],
    ['(?i)foo', 'literal'],
    ['foo|bar', 'set'],
    ['(foo|bar)', 'set'],
    ['(?:foo|bar)baz', 'set'],
    ['(?i)foo|bar', 'set'],
    ['.*', 'any'],
    ['.*.*', 'any'],
    ['foo|.*', 'any'],
    ['.+', 'nonEmpty'],
    ['.*.+', 'nonEmpty'],
    ['foo.*', 'prefix'],
    ['.*foo', 'suffix'],
    ['.*foo.*', 'contains'],
    ['foo.+', 'glob'],
    ['(?i)foo.*', 'glob'],
    ['ab.*ba', 'glob'],
    ['.*(foo|bar).*', 'glob'],
    ['foo.*|.*bar', 'or'],
    // Left to the engine: classes, repetition of a character, anchors, mixed flags, gaps of 2
    // (which count characters, not code units), non-ASCII literals under (?i), lazy operators.
    ['[a-z]+', 'engine'],
    ['fo+', 'engine'],
    ['x{2}', 'engine'],
    ['^foo$', 'engine'],
    ['a(?i)b', 'engine'],
    ['(?i:a)', 'engine'],
    ['.+.+', 'engine'],
    ['..*', 'engine'],
    ['(?i)é', 'engine'],
    ['.*?', 'engine'],
    ['(a|b)*', 'engine'],
    ['((a))', 'engine'],
    ['(?P<n>a)', 'engine'],
    ['\\d', 'engine'],
    ['a{', 'engine'],
  ];
  for (const [p, kind] of cases) assert.equal(kindOf(p), kind, JSON.stringify(p));
});

test('every fast path answers exactly as the regex engine does', () => {
  let fast = 0;
  for (const p of PATTERNS) {
    const m = new FastRegexMatcher(p);
    const engine = FastRegexMatcher.engineOnly(p);
    if (m.kind !== 'engine') fast++;
    for (const v of CORPUS) {
      assert.equal(m.matches(v), engine(v), `${JSON.stringify(p)} (${m.kind}) on ${JSON.stringify(v)}`);
    }
  }
  // The table is about fast paths: nearly all of it must avoid the engine.
  assert.ok(fast >= PATTERNS.length - 2, `${fast} of ${PATTERNS.length} patterns took a fast path`);
});

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random patterns from the fast-path grammar agree with the engine', () => {
  const rnd = prng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const atoms = ['a', 'b', 'ab', 'A', 'k', 'K', 's', '\\.', '.*', '.+', '.*', '(a|b)', '(?:a|ab|)', '(b|ba)'];
  const more = ['\\Qa.\\E', '\\n', '😀', 'ſ', '\u212a', '.', 'a*', '[ab]'];
  const letters = [
    'a',
    'b',
    'A',
    'B',
    'k',
    'K',
    '\u212a',
    's',
    'S',
    '\u017f',
    '.',
    '\n',
    '😀',
    '\ud83d',
    'x',
  ];
  let fast = 0;
  let checked = 0;
  for (let n = 0; n < 3000; n++) {
    let p = rnd() < 0.3 ? '(?i)' : '';
    const alts = 1 + Math.floor(rnd() * 2);
    for (let a = 0; a < alts; a++) {
      if (a > 0) p += '|';
      const len = Math.floor(rnd() * 5);
      for (let k = 0; k < len; k++) p += rnd() < 0.9 ? pick(atoms) : pick(more);
    }
    const m = new FastRegexMatcher(p);
    if (m.kind === 'engine') continue;
    fast++;
    const engine = FastRegexMatcher.engineOnly(p);
    for (let k = 0; k < 40; k++) {
      let v = '';
      const len = Math.floor(rnd() * 7);
      for (let j = 0; j < len; j++) v += pick(letters);
      checked++;
      assert.equal(m.matches(v), engine(v), `${JSON.stringify(p)} (${m.kind}) on ${JSON.stringify(v)}`);
    }
  }
  assert.ok(fast > 2000, `only ${fast} random patterns took a fast path`);
  assert.ok(checked > 80000);
});

test('(?i) folds exactly the characters the engine folds onto ASCII letters', () => {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const alternation = '(?i)' + letters.split('').join('|');
  const m = new FastRegexMatcher(alternation);
  assert.equal(m.kind, 'set');
  const engine = FastRegexMatcher.engineOnly(alternation);
  const folding: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const v = String.fromCodePoint(cp);
    const want = engine(v);
    assert.equal(m.matches(v), want, `U+${cp.toString(16)}`);
    if (want) folding.push(v);
  }
  // 52 ASCII letters, KELVIN SIGN and LONG S: the two non-ASCII members of ASCII fold orbits.
  assert.equal(folding.length, 54);
  assert.ok(folding.includes('\u212a') && folding.includes('\u017f'));
  for (const l of letters) {
    const one = new FastRegexMatcher('(?i)' + l);
    const eng = FastRegexMatcher.engineOnly('(?i)' + l);
    for (const v of folding) assert.equal(one.matches(v), eng(v), `(?i)${l} on ${JSON.stringify(v)}`);
  }
});

test('dot matches newline and the match is anchored at both ends', () => {
  const cases: [string, string, boolean][] = [
    ['foo.*', 'foo\nbar', true],
    ['foo.+', 'foo\n', true],
    ['.*bar', 'foo\nbar', true],
    ['a.c', 'a\nc', true],
    ['[^x]*', 'a\nb', true],
    ['(?-s)a.c', 'a\nc', false], // the pattern may still turn it off
    ['foo', 'xfoo', false],
    ['foo', 'foox', false],
    ['foo', 'foo\n', false],
    ['fo[o]', 'foo\n', false],
    ['foo|bar', 'foobar', false],
    ['b.r', 'xbar', false],
    ['a|ab', 'ab', true], // the whole value must match, whichever alternative that takes
  ];
  for (const [p, v, want] of cases) {
    assert.equal(new FastRegexMatcher(p).matches(v), want, `${p} on ${JSON.stringify(v)}`);
  }
});

test('RE2 syntax, not JavaScript syntax', () => {
  const cases: [string, string, boolean][] = [
    ['(?i)straße', 'STRASSE', false], // simple folding only, as Go
    ['(?i)straße', 'STRAßE', true],
    ['\\pL+', 'héllo', true],
    ['\\pL+', 'h3llo', false],
    ['\\p{Greek}+', 'αβγ', true],
    ['\\p{Greek}+', 'abc', false],
    ['\\PL', '1', true],
    ['[[:alpha:]]+', 'abc', true],
    ['[[:alpha:]]+', 'é', false], // POSIX classes are ASCII
    ['\\d', '٣', false], // \d is ASCII in RE2
    ['\\w+', 'é', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['(?P<name>a)b', 'ab', true],
    ['(?<name>a)b', 'ab', true],
    ['\\x{1F600}', '😀', true],
    ['.', '😀', true], // one character, two code units
    ['..', '😀', false],
    ['\\141', 'a', true], // octal escape
    ['a{,2}', 'a{,2}', true], // not a repetition in Go: literal text
    ['\\z', '', true],
    ['(?U)a+', 'aaa', true],
    ['(?m)^a$', 'a', true],
  ];
  for (const [p, v, want] of cases) {
    assert.equal(new FastRegexMatcher(p).matches(v), want, `${p} on ${JSON.stringify(v)}`);
  }
  // JavaScript-only syntax is an error.
  for (const p of ['(?=a)', '(?!a)', '(?<=a)', '\\1', 'a++', '\\k<n>', '\\cA', '\\Z']) {
    assert.throws(() => new FastRegexMatcher(p), RegexError, p);
  }
});

test("a bad regex throws a RegexError with Go's message", () => {
  assert.throws(
    () => new FastRegexMatcher('(foo'),
    (e: unknown) =>
      e instanceof RegexError &&
      e.message === 'error parsing regexp: missing closing ): `(foo`' &&
      e.code === 'missing closing )' &&
      e.pattern === '(foo',
  );
  // The pattern is parsed alone: a prefix added for compilation must not leak into messages
  // nor let `a)|(b` through as `(?s:a)|(b)`.
  assert.throws(() => new FastRegexMatcher('a)|(b'), /unexpected \): `a\)\|\(b`$/);
  assert.throws(() => new FastRegexMatcher('[a'), /missing closing \]: `\[a`$/);
  assert.throws(() => new FastRegexMatcher('a\\'), /trailing backslash at end of expression: ``$/);
});

test('repetition counts over 1000 are rejected, as RE2 does', () => {
  assert.equal(new FastRegexMatcher('a{1000}').matches('a'.repeat(1000)), true);
  assert.throws(() => new FastRegexMatcher('a{1001}'), /invalid repeat count: `\{1001\}`/);
  assert.throws(() => new FastRegexMatcher('a{0,1001}'), /invalid repeat count/);
  // Nested counts multiply: 10 × 10 × 11 > 1000.
  assert.throws(() => new FastRegexMatcher('((a{10}){10}){11}'), /invalid repeat count/);
  assert.throws(() => new FastRegexMatcher('('.repeat(1001) + ')'.repeat(1001)), /nests too deeply/);
});

test('patterns longer than MAX_REGEX_LENGTH are refused', () => {
  // A literal alternation right at the limit is fine, and still needs no engine.
  const values: string[] = [];
  let len = 0;
  for (let i = 0; len < MAX_REGEX_LENGTH - 20; i++) {
    const v = 'value_' + i;
    values.push(v);
    len += v.length + 1;
  }
  let pattern = values.join('|');
  pattern += '|' + 'x'.repeat(MAX_REGEX_LENGTH - pattern.length - 1);
  assert.equal(pattern.length, MAX_REGEX_LENGTH);
  const m = new FastRegexMatcher(pattern);
  assert.equal(m.kind, 'set');
  assert.ok(m.matches('value_12345') && !m.matches('value_'));
  assert.throws(() => new FastRegexMatcher(pattern + 'x'), /expression too large/);
  assert.throws(() => new FastRegexMatcher('[a-z]' + 'y'.repeat(MAX_REGEX_LENGTH)), RegexError);
});

test(
  'matching time is linear: patterns that make backtracking engines hang return promptly',
  { timeout: 20_000 },
  () => {
    const input = 'a'.repeat(100_000);
    for (const p of ['(a+)+b', '(a|a)*b', '(a*)*b', '(a|aa)+$b', '(.*a){12}b', '(?:a?){30}a{30}x']) {
      assert.equal(new FastRegexMatcher(p).matches(input), false, p);
    }
  },
);

test('the same name on several groups is accepted, as Go accepts it', () => {
  const m = new FastRegexMatcher('(?P<x>a)|(?P<x>b)');
  assert.ok(m.matches('a') && m.matches('b') && !m.matches('ab'));
  // Only group names are rewritten: not text in a class, a \Q…\E quote or after a backslash.
  const tricky = new FastRegexMatcher('(?P<x>a)(?<x>b)[(?P<x>]\\Q(?P<x>\\E\\(?P<x>');
  assert.ok(tricky.matches('ab<(?P<x>(P<x>'));
  assert.ok(!tricky.matches('abP(?P<x>(<x>'));
  assert.ok(tricky.matches('abP(?P<x>(P<x>'));
  assert.ok(!tricky.matches('ab<(P<x>'));
  // A class whose first character is `]`, and a POSIX class, do not end the class early.
  const classes = new FastRegexMatcher('(?P<y>a)(?P<y>[]x(?P<y>][[:digit:](?P<y>])');
  assert.ok(classes.matches('a]7') && classes.matches('ax<') && classes.matches('a>>'));
  assert.ok(!classes.matches('a]') && !classes.matches('a7<'));
  // Invalid names and other errors are still reported, in Go's words.
  assert.throws(
    () => new FastRegexMatcher('(?P<x>a)(?P<x>b)(?P<y-z>c)'),
    /invalid named capture: `\(\?P<y-z>`$/,
  );
  assert.throws(() => new FastRegexMatcher('(?P<x>a)(?P<x>b'), /missing closing \): `\(\?P<x>a\)\(\?P<x>b`$/);
});

test('set matches and literal prefixes are exposed for index lookups', () => {
  const cases: [string, readonly string[] | null, string][] = [
    ['foo', ['foo'], 'foo'],
    ['foo|bar', ['foo', 'bar'], ''],
    ['(ab|ac)d', ['abd', 'acd'], 'a'],
    ['(?:prefix_)(a|b)', ['prefix_a', 'prefix_b'], 'prefix_'],
    ['(?i)foo', null, ''],
    ['foo.*', null, 'foo'],
    ['(foo|foz).+', null, 'fo'],
    ['.*foo', null, ''],
    ['[a-z]', null, ''],
    ['😀a|😀b', ['😀a', '😀b'], '😀'],
    ['\ud83d\ude00|\ud83d\ude01', ['😀', '😁'], ''], // never half a surrogate pair
  ];
  for (const [p, set, prefix] of cases) {
    const m = new FastRegexMatcher(p);
    assert.deepEqual(
      m.setMatches === null ? null : [...m.setMatches].sort(),
      set === null ? null : [...set].sort(),
      p,
    );
    assert.equal(m.prefix, prefix, p);
  }
});

test('cross products are bounded by MAX_SET_MATCHES, plain lists are not', () => {
  const group = (n: number, tag: string): string =>
    '(' + Array.from({ length: n }, (_, i) => tag + i).join('|') + ')';
  assert.equal(kindOf(group(16, 'a') + group(16, 'b')), 'set'); // 256
  assert.equal(kindOf(group(16, 'a') + group(17, 'b')), 'engine'); // 272
  const long = group(MAX_SET_MATCHES * 10, 'v');
  const m = new FastRegexMatcher(long);
  assert.equal(m.kind, 'set');
  assert.equal(m.setMatches?.length, MAX_SET_MATCHES * 10);
  assert.ok(m.matches('v2559') && !m.matches('v2560'));
});
