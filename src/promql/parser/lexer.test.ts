// Lexer tables: token kinds and texts for each lexical form, and the context-sensitive states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lex } from './lexer.js';
import { Tok, describeToken } from './token.js';

const NAMES = new Map<number, string>(Object.entries(Tok).map(([k, v]) => [v, k]));

/** The tokens of `input` as `KIND:text` strings, without the final EOF. */
function tokens(input: string): string[] {
  const ts = lex(input);
  const out: string[] = [];
  for (let i = 0; i < ts.length; i++) {
    const k = ts.kinds[i]!;
    if (k === Tok.EOF) break;
    const text = k === Tok.ERROR ? ts.error : input.slice(ts.starts[i], ts.ends[i]);
    out.push(`${NAMES.get(k)}:${text}`);
  }
  return out;
}

const CASES: [string, string[]][] = [
  [',', ['COMMA:,']],
  ['()', ['LEFT_PAREN:(', 'RIGHT_PAREN:)']],
  ['{}', ['LEFT_BRACE:{', 'RIGHT_BRACE:}']],
  ['[5m]', ['LEFT_BRACKET:[', 'DURATION:5m', 'RIGHT_BRACKET:]']],
  ['[ 5m]', ['LEFT_BRACKET:[', 'DURATION:5m', 'RIGHT_BRACKET:]']],
  ['[5m:1m]', ['LEFT_BRACKET:[', 'DURATION:5m', 'COLON::', 'DURATION:1m', 'RIGHT_BRACKET:]']],
  ['\r\n\r', []],
  // Numbers.
  ['1', ['NUMBER:1']],
  ['4.23', ['NUMBER:4.23']],
  ['.3', ['NUMBER:.3']],
  ['5.', ['NUMBER:5.']],
  ['NaN', ['NUMBER:NaN']],
  ['nAN', ['NUMBER:nAN']],
  ['NaN 123', ['NUMBER:NaN', 'NUMBER:123']],
  ['NaN123', ['IDENTIFIER:NaN123']],
  ['iNf', ['NUMBER:iNf']],
  ['Inf', ['NUMBER:Inf']],
  ['+Inf', ['ADD:+', 'NUMBER:Inf']],
  ['+Inf 123', ['ADD:+', 'NUMBER:Inf', 'NUMBER:123']],
  ['-Inf', ['SUB:-', 'NUMBER:Inf']],
  ['Infoo', ['IDENTIFIER:Infoo']],
  ['0x123', ['NUMBER:0x123']],
  ['0X_1FFFP-16', ['ERROR:bad number or duration syntax: "0X_1FFF"']],
  ['1e3', ['NUMBER:1e3']],
  ['1E-3', ['NUMBER:1E-3']],
  ['1_000', ['NUMBER:1_000']],
  ['1__000', ['ERROR:bad number or duration syntax: "1__"']],
  ['1_', ['ERROR:bad number or duration syntax: "1_"']],
  ['1e', ['ERROR:bad number or duration syntax: "1e"']],
  ['017', ['NUMBER:017']],
  // Durations.
  ['5s', ['DURATION:5s']],
  ['123m', ['DURATION:123m']],
  ['1h', ['DURATION:1h']],
  ['3w', ['DURATION:3w']],
  ['1y', ['DURATION:1y']],
  ['1h30m', ['DURATION:1h30m']],
  ['1y2w3d4h5m6s7ms', ['DURATION:1y2w3d4h5m6s7ms']],
  ['1.5m', ['DURATION:1.5m']],
  ['5mm', ['ERROR:bad number or duration syntax: "5mm"']],
  // Identifiers and keywords.
  ['abc', ['IDENTIFIER:abc']],
  ['a:bc', ['METRIC_IDENTIFIER:a:bc']],
  ['abc d', ['IDENTIFIER:abc', 'IDENTIFIER:d']],
  [':bc', ['METRIC_IDENTIFIER::bc']],
  ['0a:bc', ['ERROR:bad number or duration syntax: "0"']],
  ['offset', ['OFFSET:offset']],
  ['by', ['BY:by']],
  ['without', ['WITHOUT:without']],
  ['on', ['ON:on']],
  ['ignoring', ['IGNORING:ignoring']],
  ['group_left', ['GROUP_LEFT:group_left']],
  ['group_right', ['GROUP_RIGHT:group_right']],
  ['bool', ['BOOL:bool']],
  ['atan2', ['ATAN2:atan2']],
  ['SUM', ['SUM:SUM']],
  ['count_values', ['COUNT_VALUES:count_values']],
  ['limit_ratio', ['LIMIT_RATIO:limit_ratio']],
  ['start end step range', ['START:start', 'END:end', 'STEP:step', 'RANGE:range']],
  ['anchored smoothed', ['ANCHORED:anchored', 'SMOOTHED:smoothed']],
  ['fill fill_left fill_right', ['FILL:fill', 'FILL_LEFT:fill_left', 'FILL_RIGHT:fill_right']],
  ['min_of', ['IDENTIFIER:min_of']],
  // Operators.
  ['=', ['EQL:=']],
  ['{=}', ['LEFT_BRACE:{', 'EQL:=', 'RIGHT_BRACE:}']],
  ['==', ['EQLC:==']],
  ['!=', ['NEQ:!=']],
  ['<', ['LSS:<']],
  ['>', ['GTR:>']],
  ['>=', ['GTE:>=']],
  ['<=', ['LTE:<=']],
  ['</', ['TRIM_UPPER:</']],
  ['>/', ['TRIM_LOWER:>/']],
  ['+', ['ADD:+']],
  ['-', ['SUB:-']],
  ['*', ['MUL:*']],
  ['/', ['DIV:/']],
  ['^', ['POW:^']],
  ['%', ['MOD:%']],
  ['and or unless', ['LAND:and', 'LOR:or', 'LUNLESS:unless']],
  ['@', ['AT:@']],
  ['foo @ start()', ['IDENTIFIER:foo', 'AT:@', 'START:start', 'LEFT_PAREN:(', 'RIGHT_PAREN:)']],
  // Selectors: inside braces keywords are plain identifiers.
  [
    '{by="x", on!="y"}',
    [
      'LEFT_BRACE:{',
      'IDENTIFIER:by',
      'EQL:=',
      'STRING:"x"',
      'COMMA:,',
      'IDENTIFIER:on',
      'NEQ:!=',
      'STRING:"y"',
      'RIGHT_BRACE:}',
    ],
  ],
  [
    '{a=~"b", c!~`d`}',
    [
      'LEFT_BRACE:{',
      'IDENTIFIER:a',
      'EQL_REGEX:=~',
      'STRING:"b"',
      'COMMA:,',
      'IDENTIFIER:c',
      'NEQ_REGEX:!~',
      'STRING:`d`',
      'RIGHT_BRACE:}',
    ],
  ],
  ['{"a.b"}', ['LEFT_BRACE:{', 'STRING:"a.b"', 'RIGHT_BRACE:}']],
  ['{a="b" # comment\n}', ['LEFT_BRACE:{', 'IDENTIFIER:a', 'EQL:=', 'STRING:"b"', 'RIGHT_BRACE:}']],
  ['{a!b}', [`LEFT_BRACE:{`, 'IDENTIFIER:a', `ERROR:unexpected character after '!' inside braces: 'b'`]],
  // Strings.
  [`"test\\"string"`, [`STRING:"test\\"string"`]],
  [`'a\\'b'`, [`STRING:'a\\'b'`]],
  ['`raw\\string`', ['STRING:`raw\\string`']],
  [`"\\u00e9\\U0001F600\\x41\\101\\n"`, [`STRING:"\\u00e9\\U0001F600\\x41\\101\\n"`]],
  [`"\\'"`, [`ERROR:unknown escape sequence U+0027 '''`]],
  [`"\\777"`, ['ERROR:escape sequence is an invalid Unicode code point']],
  [`"\\U00110000"`, ['ERROR:escape sequence is an invalid Unicode code point']],
  [`"abc`, ['ERROR:unterminated quoted string']],
  ['"\ud800"', ['ERROR:invalid UTF-8 rune']],
  // Comments.
  ['# some comment', []],
  ['5 # 1+1\n5', ['NUMBER:5', 'NUMBER:5']],
  // Duration expressions inside brackets.
  ['[5m+1m]', ['LEFT_BRACKET:[', 'DURATION:5m', 'ADD:+', 'DURATION:1m', 'RIGHT_BRACKET:]']],
  ['[step()]', ['LEFT_BRACKET:[', 'STEP:step', 'LEFT_PAREN:(', 'RIGHT_PAREN:)', 'RIGHT_BRACKET:]']],
  ['[STEP()]', ['LEFT_BRACKET:[', 'STEP:STEP', 'LEFT_PAREN:(', 'RIGHT_PAREN:)', 'RIGHT_BRACKET:]']],
  ['[range()]', ['LEFT_BRACKET:[', 'RANGE:range', 'LEFT_PAREN:(', 'RIGHT_PAREN:)', 'RIGHT_BRACKET:]']],
  [
    '[min_of(1s,max_of(2s,3s))]',
    [
      'LEFT_BRACKET:[',
      'MIN_OF:min_of',
      'LEFT_PAREN:(',
      'DURATION:1s',
      'COMMA:,',
      'MAX_OF:max_of',
      'LEFT_PAREN:(',
      'DURATION:2s',
      'COMMA:,',
      'DURATION:3s',
      'RIGHT_PAREN:)',
      'RIGHT_PAREN:)',
      'RIGHT_BRACKET:]',
    ],
  ],
  ['[foo]', ['LEFT_BRACKET:[', `ERROR:unexpected character in duration expression: 'f'`]],
  ['[5m foo]', ['LEFT_BRACKET:[', 'DURATION:5m', `ERROR:unexpected character: 'f', expected ':'`]],
  ['[:5m]', ['LEFT_BRACKET:[', 'ERROR:unexpected colon before duration in duration expression']],
  ['[5m::]', ['LEFT_BRACKET:[', 'DURATION:5m', 'COLON::', `ERROR:unexpected colon ':'`]],
  ['[5m[', ['LEFT_BRACKET:[', 'DURATION:5m', `ERROR:unexpected left bracket '['`]],
  [']', [`ERROR:unexpected right bracket ']'`]],
  ['[5m', ['LEFT_BRACKET:[', 'DURATION:5m', 'ERROR:unclosed left bracket']],
  ['[', ['LEFT_BRACKET:[', 'ERROR:unexpected end of input in duration expression']],
  ['[(', ['LEFT_BRACKET:[', 'LEFT_PAREN:(', 'ERROR:unexpected end of input in duration expression']],
  // Parentheses.
  ['(', ['LEFT_PAREN:(', 'ERROR:unclosed left parenthesis']],
  [')', ["ERROR:unexpected right parenthesis ')'"]],
  ['!', [`ERROR:unexpected character after '!': '\ufffd'`]],
  ['=~', [`ERROR:unexpected character after '=': '~'`]],
  ['ä', [`ERROR:unexpected character: 'ä'`]],
  ['\u0001', [`ERROR:unexpected character: '\\x01'`]],
];

test('lexer token table', () => {
  const mismatches: string[] = [];
  for (const [input, want] of CASES) {
    const got = tokens(input);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      mismatches.push(`${JSON.stringify(input)}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test('token positions are offsets; errors start at the failing item', () => {
  const ts = lex('foo{a="b"} + 1');
  assert.deepEqual(Array.from(ts.starts), [0, 3, 4, 5, 6, 9, 11, 13, 14]);
  assert.deepEqual(Array.from(ts.ends), [3, 4, 5, 6, 9, 10, 12, 14, 14]);
  const e = lex('1 + "abc');
  assert.equal(e.kinds[e.length - 1], Tok.ERROR);
  assert.equal(e.starts[e.length - 1], 4);
  // An unbalanced `)` is reported just after it, as in Prometheus.
  const p = lex('foo)');
  assert.equal(p.starts[p.length - 1], 4);
});

test('tokens are described as in Prometheus error messages', () => {
  assert.equal(describeToken(Tok.MUL, '*'), '<op:*>');
  assert.equal(describeToken(Tok.LAND, 'AND'), '<op:AND>');
  assert.equal(describeToken(Tok.SUM, 'sum'), '<aggr:sum>');
  assert.equal(describeToken(Tok.BY, 'by'), '<by>');
  assert.equal(describeToken(Tok.LEFT_PAREN, '('), '"("');
  assert.equal(describeToken(Tok.IDENTIFIER, 'foo'), 'identifier "foo"');
  assert.equal(describeToken(Tok.METRIC_IDENTIFIER, 'a:b'), 'metric identifier "a:b"');
  assert.equal(describeToken(Tok.NUMBER, '1'), 'number "1"');
  assert.equal(describeToken(Tok.DURATION, '5m'), 'duration "5m"');
  assert.equal(describeToken(Tok.STRING, '"abc"'), 'string "\\"abc\\""');
  assert.equal(describeToken(Tok.STRING, '"abcdefghijkl"'), 'string "\\"abcdefghi"...');
  assert.equal(describeToken(Tok.EOF, ''), 'end of input');
  assert.equal(describeToken(Tok.START, 'start'), '"start"');
});
