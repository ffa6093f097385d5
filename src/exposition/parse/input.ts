/**
 * Turning a scrape body into the one string a parser scans, and remembering which lines were
 * not valid UTF-8.
 *
 * Prometheus works on bytes and refuses invalid UTF-8 only where it matters (label values, HELP
 * texts, quoted names); a stray byte in a text-format comment is fine. ignis decodes once and
 * keeps the (rare) lines that held invalid sequences, so a parser can reject them exactly where
 * Prometheus would.
 */

/** An input ready to scan. */
export interface DecodedInput {
  /** The whole exposition as a string (invalid sequences replaced by U+FFFD). */
  readonly text: string;
  /** Ascending 1-based numbers of the lines that held invalid UTF-8 (usually empty). */
  readonly badLines: readonly number[];
}

const NO_LINES: readonly number[] = [];

// `ignoreBOM` keeps a byte order mark in the text: OpenMetrics forbids one and Prometheus
// rejects it as an invalid first token, so it must not vanish silently during decoding.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes a body (string, Buffer or Uint8Array) once, noting the lines with invalid UTF-8. */
export function decodeInput(input: string | Uint8Array): DecodedInput {
  if (typeof input === 'string') {
    // Node 20 has String.prototype.isWellFormed (one native pass); the lib typings predate it.
    const wf = (input as { isWellFormed?: () => boolean }).isWellFormed;
    if (wf !== undefined && wf.call(input)) return { text: input, badLines: NO_LINES };
    const lines = loneSurrogateLines(input);
    return { text: input, badLines: lines.length === 0 ? NO_LINES : lines };
  }
  try {
    return { text: strictDecoder.decode(input), badLines: NO_LINES };
  } catch {
    return { text: lenientDecoder.decode(input), badLines: invalidUtf8Lines(input) };
  }
}

function loneSurrogateLines(s: string): number[] {
  const out: number[] = [];
  let line = 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      continue;
    }
    if (c < 0xd800 || c > 0xdfff) continue;
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      i++;
      continue;
    }
    if (out[out.length - 1] !== line) out.push(line);
  }
  return out;
}

/**
 * The lines holding byte sequences that Go's `utf8.Valid` refuses: stray continuation bytes,
 * truncated sequences, overlong forms, surrogates and code points above U+10FFFF.
 */
export function invalidUtf8Lines(b: Uint8Array): number[] {
  const out: number[] = [];
  let line = 1;
  const bad = (): void => {
    if (out[out.length - 1] !== line) out.push(line);
  };
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0x0a) line++;
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      bad();
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const d = i + j < b.length ? b[i + j]! : -1;
      const min = j === 1 ? lo : 0x80;
      const max = j === 1 ? hi : 0xbf;
      if (d < min || d > max) break;
    }
    if (j <= need) {
      bad();
      i += j; // resynchronise after the valid prefix, as decoders do
      continue;
    }
    i += need + 1;
  }
  return out;
}
