/**
 * Go-compatible quoting helpers for error messages (`%q` of a rune, `%#U`) and the unquoting of
 * PromQL string literals (Prometheus's strutil.Unquote, i.e. Go's escape rules).
 */
import { goQuote } from '../../model/strings.js';

/** Go's `%q` of a rune: `'x'`, `'\n'`, `'\''`. A negative rune (end of input) prints as `'�'`. */
export function quoteRune(cp: number): string {
  if (cp < 0) return "'\ufffd'";
  const ch = String.fromCodePoint(cp);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return "'" + goQuote(ch).slice(1, -1) + "'";
}

/** Go's `%#U` of a rune: `U+0078 'x'`, or just `U+000A` when the rune is not printable. */
export function formatUnicode(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(cp);
  const printable = ch === '"' || ch === '\\' || goQuote(ch) === `"${ch}"`;
  return printable ? `${hex} '${ch}'` : hex;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}

/**
 * Turns the bytes produced by `\x` and octal escapes into a string: valid UTF-8 sequences decode
 * to their characters (`"\xc3\xa9"` is `é`, as in Go), and each byte that is not part of a valid
 * sequence becomes the lone surrogate U+DC00+byte (U+DC80..U+DCFF) ("surrogateescape"), so that the string is not
 * well-formed Unicode, just as Go's string is not valid UTF-8, and the byte can be recovered.
 */
function decodeBytes(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      min = 0x10000;
    }
    let ok = need > 0 && i + need < bytes.length;
    for (let j = 1; ok && j <= need; j++) {
      const c = bytes[i + j];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

/**
 * Unquotes a PromQL string literal as written in the source (with its quotes). The lexer has
 * already rejected bad escapes, so this only fails (returns null) on input the lexer would not
 * produce. Backquoted strings are raw; `"` and `'` strings take Go's escapes.
 */
export function unquote(s: string): string | null {
  if (s.length < 2) return null;
  const q = s.charCodeAt(0);
  if (s.charCodeAt(s.length - 1) !== q) return null;
  const body = s.slice(1, -1);
  if (q === 0x60) return body.includes('`') ? null : body;
  if (q !== 0x22 && q !== 0x27) return null;
  if (body.includes('\n')) return null;
  if (!body.includes('\\')) return body;
  let out = '';
  // Bytes from \x and octal escapes are collected and decoded together, so that a UTF-8
  // sequence spelled as escapes becomes its character.
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length > 0) {
      out += decodeBytes(pending);
      pending = [];
    }
  };
  for (let i = 0; i < body.length;) {
    const c = body.charCodeAt(i);
    if (c !== 0x5c) {
      flush();
      out += body[i];
      i++;
      continue;
    }
    const e = body.charCodeAt(i + 1);
    i += 2;
    switch (e) {
      case 0x61: // a
        flush();
        out += '\x07';
        continue;
      case 0x62:
        flush();
        out += '\b';
        continue;
      case 0x66:
        flush();
        out += '\f';
        continue;
      case 0x6e:
        flush();
        out += '\n';
        continue;
      case 0x72:
        flush();
        out += '\r';
        continue;
      case 0x74:
        flush();
        out += '\t';
        continue;
      case 0x76:
        flush();
        out += '\v';
        continue;
      case 0x5c:
        flush();
        out += '\\';
        continue;
      case 0x22:
      case 0x27:
        if (e !== q) return null;
        flush();
        out += String.fromCharCode(e);
        continue;
      case 0x78: {
        // \xNN: one byte.
        const v = hexVal(body.charCodeAt(i)) * 16 + hexVal(body.charCodeAt(i + 1));
        if (v > 255) return null;
        pending.push(v);
        i += 2;
        continue;
      }
      case 0x75:
      case 0x55: {
        const n = e === 0x75 ? 4 : 8;
        let v = 0;
        for (let j = 0; j < n; j++) {
          const d = hexVal(body.charCodeAt(i + j));
          if (d >= 16) return null;
          v = v * 16 + d;
        }
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return null;
        flush();
        out += String.fromCodePoint(v);
        i += n;
        continue;
      }
      default: {
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let j = 0; j < 2; j++) {
            const d = body.charCodeAt(i + j) - 0x30;
            if (!(d >= 0 && d <= 7)) return null;
            v = v * 8 + d;
          }
          if (v > 255) return null;
          pending.push(v);
          i += 2;
          continue;
        }
        return null;
      }
    }
  }
  flush();
  return out;
}

/**
 * Go's strconv.Quote for a string from {@link unquote}: like goQuote, except that the lone
 * surrogates U+DC80..U+DCFF standing for raw bytes print as `\xNN`, as Go prints invalid UTF-8.
 */
export function quoteString(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      out += goQuote(s.slice(from, i)).slice(1, -1) + '\\x' + (c - 0xdc00).toString(16).padStart(2, '0');
      from = i + 1;
    }
  }
  if (from === 0) return goQuote(s);
  return '"' + out + goQuote(s.slice(from)).slice(1, -1) + '"';
}
