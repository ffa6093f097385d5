/**
 * String helpers shared by the data model: byte-order comparison and Go-style quoting.
 *
 * Prometheus compares label names and values as Go strings, that is byte-wise over UTF-8.
 * JavaScript compares UTF-16 code units, which orders characters U+E000..U+FFFF after
 * supplementary characters (surrogate pairs) where UTF-8 orders them before. The on-disk index
 * sorts symbols in UTF-8 byte order, so every sort in ignis goes through {@link compareStrings}.
 */

/** Maps a UTF-16 code unit at or above 0xD800 so that code-unit order equals code-point order. */
function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Compares two strings in UTF-8 byte order (Go's string order); returns <0, 0 or >0. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) return fixup(ca) - fixup(cb);
      return ca - cb;
    }
  }
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

// Go's strconv.IsPrint: letters, marks, numbers, punctuation and symbols (general categories L,
// M, N, P, S), plus the ASCII space. Everything else — controls, format characters, spaces other
// than U+0020, private use, surrogates, unassigned code points — is escaped. The categories come
// from the runtime's Unicode tables (Node 20.20's ICU: Unicode 17), which agreed with Prometheus
// 3.5.3 (go1.27.1) on every code point; a character assigned in only one of two Unicode versions
// would be quoted differently.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Returns true when the code point is one Go's strconv.IsPrint would print as is. */
function isPrintable(cp: number): boolean {
  return cp === 0x20 || PRINTABLE.test(String.fromCodePoint(cp));
}

/**
 * Quotes a string the way Go's strconv.Quote does: double quotes, backslash escapes for `"` and
 * `\`, the usual short escapes, and \x, \u or \U for characters Go does not print as is.
 * Lone surrogates (invalid UTF-8 in Go's terms) become \ufffd's escape as Go would print them.
 */
export function goQuote(s: string): string {
  let out = '"';
  let plainStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    if (cp >= 0x80 && isPrintable(cp)) {
      i += width - 1;
      continue;
    }
    out += s.slice(plainStart, i);
    switch (cp) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x0b:
        out += '\\v';
        break;
      default:
        if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
        else if (cp < 0x80) out += '\\x' + HEX[cp >> 4] + HEX[cp & 15];
        else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
        else out += '\\U' + cp.toString(16).padStart(8, '0');
    }
    i += width - 1;
    plainStart = i + 1;
  }
  return out + s.slice(plainStart) + '"';
}
