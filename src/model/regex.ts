/**
 * Regular expressions for label matchers, with Prometheus 3 semantics: RE2 syntax (Go's
 * regexp/syntax with its Perl flags), fully anchored, and `.` matching newlines, as if the
 * pattern were compiled as `^(?s:re)$`.
 *
 * Matchers run once per series in postings and index scans, so the common shapes — a literal,
 * an alternation of literals, `foo.*`, `.*foo`, `.*foo.*`, `.*`, `.+` and their combinations —
 * are answered by plain string operations that never start a regex engine and never allocate
 * (the idea of Prometheus's FastRegexMatcher). Everything else runs on re2js, a port of RE2J,
 * whose matching time is linear in the input: no pattern can make a match hang.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * The longest pattern accepted, in UTF-16 code units. RE2 already bounds what a pattern can
 * cost (nesting depth 1000, repetition counts up to 1000 with nested counts multiplied, a cap
 * on program size), but compiling still takes time and memory proportional to the pattern, and
 * a matcher is built from untrusted query text. Go's own limits sit far above any pattern a
 * person writes; 1 MiB still takes a Grafana multi-value variable of some 50,000 values.
 */
export const MAX_REGEX_LENGTH = 1 << 20;

/**
 * The most strings a cross product such as `(a|b)(c|d)` may expand to before the pattern is left
 * to the engine (Prometheus's maxSetMatches): a product grows fast, and a long list scanned per
 * series would be slower than the engine.
 */
export const MAX_SET_MATCHES = 256;

/**
 * The most alternatives containing wildcards (`a.*|.*b|…`) answered by trying each in turn;
 * beyond this the engine, which runs all alternatives in one pass, is faster.
 */
const MAX_OR_ALTERNATIVES = 16;

/** A regular expression that does not parse; `message` is the text Go's regexp package gives. */
export class RegexError extends Error {
  /** The pattern as written. */
  readonly pattern: string;
  /** The error kind, e.g. `missing closing )` (Go's syntax.ErrorCode text). */
  readonly code: string;

  /** Builds the error; `expr` is the offending part of the pattern, as Go quotes it. */
  constructor(pattern: string, code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'RegexError';
    this.pattern = pattern;
    this.code = code;
  }
}

const DUPLICATE_NAME = 'duplicate capture group name';
const TRAILING_BACKSLASH = 'trailing backslash at end of expression';

/**
 * Compiles a pattern for the engine, with `.` matching newline. Anchoring comes from
 * `testExact`, which matches the whole input like `^(?:…)$`. Prefixing a flag group cannot
 * change whether a pattern parses, but it would show up in the messages that quote the whole
 * pattern, so on failure the bare pattern is parsed again for Go's exact message.
 */
function compileEngine(pattern: string): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new RegexError(pattern, 'expression too large', pattern.slice(0, 64) + '…');
  }
  let source = pattern;
  try {
    return RE2JS.compile('(?s)' + source);
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    if (e.error !== DUPLICATE_NAME) return failWithGoMessage(pattern, source);
  }
  // Go accepts the same name on several capture groups (`(?P<x>a)|(?P<x>b)`); RE2 and re2js do
  // not. Names play no part in matching, so the groups are compiled as unnamed ones.
  source = stripCaptureNames(pattern);
  try {
    return RE2JS.compile('(?s)' + source);
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    return failWithGoMessage(pattern, source);
  }
}

/** Parses the bare `source` (the pattern, maybe rewritten) and throws its error in Go's words. */
function failWithGoMessage(pattern: string, source: string): never {
  try {
    RE2JS.compile(source);
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    // Go quotes the whole pattern for errors without a position (too large, nesting too deep)
    // and an empty string for a trailing backslash; re2js leaves the quote out for both.
    let expr = e.input ?? '';
    if (expr === source || (expr === '' && e.error !== TRAILING_BACKSLASH)) expr = pattern;
    throw new RegexError(pattern, e.error, expr);
  }
  // Not reached: a flag group in front does not make a valid pattern invalid.
  throw new RegexError(pattern, 'invalid or unsupported Perl syntax', pattern);
}

/** True when `name` is a capture name Go accepts: one or more of `[A-Za-z0-9_]`. */
function isCaptureName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!(isAsciiAlnum(c) || c === 0x5f)) return false;
  }
  return true;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Rewrites `(?P<name>` and `(?<name>` to `(` wherever they open a group (not inside a character
 * class, an escape or `\Q…\E`), for names Go accepts; invalid names are left for the parser to
 * report. A capturing group keeps the group count and therefore every other error unchanged.
 */
function stripCaptureNames(p: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (p[i + 1] === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        i = end < 0 ? p.length : end + 2;
      } else {
        i += 2;
      }
    } else if (c === '[') {
      i = skipClass(p, i);
    } else if (c === '(' && p[i + 1] === '?') {
      const open = p.startsWith('P<', i + 2) ? i + 4 : p[i + 2] === '<' ? i + 3 : -1;
      const close = open < 0 ? -1 : p.indexOf('>', open);
      if (close >= 0 && isCaptureName(p.slice(open, close))) {
        out += p.slice(copied, i) + '(';
        copied = close + 1;
        i = close + 1;
      } else {
        i += 2;
      }
    } else {
      i++;
    }
  }
  return out + p.slice(copied);
}

/**
 * Returns the index after the character class that opens at `p[i]`, following Go's rules: a `]`
 * right after `[` or `[^` is literal, `[:name:]` is a named class, a backslash escapes the next
 * character.
 */
function skipClass(p: string, i: number): number {
  i++;
  if (p[i] === '^') i++;
  let first = true;
  while (i < p.length) {
    const c = p[i];
    if (c === ']' && !first) return i + 1;
    first = false;
    if (c === '\\') {
      i += 2;
    } else if (c === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2);
      i = end < 0 ? i + 1 : end + 2;
    } else {
      i++;
    }
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Recognising the shapes that need no engine.
//
// The recogniser reads a small, strictly valid subset of RE2 syntax and gives up (returns null)
// on anything else, which then goes to the engine; giving up is always correct, accepting is
// correct only when the plan answers exactly as the regex would.

/**
 * A pattern of the shape `P W1 M1 W2 … Mk-1 Wk S`: literal sets P (prefixes), M (middles) and S
 * (suffixes), wildcards W of `.*` (gap 0) or `.+` (gap 1). With no wildcard it is just the set P.
 */
interface Plan {
  /** Alternatives for the fixed start (with no wildcard: the whole value). */
  readonly prefixes: string[];
  /** Minimum length of each wildcard, 0 for `.*` and 1 for `.+`. */
  readonly gaps: number[];
  /** Alternatives for each fixed part between two wildcards. */
  readonly middles: string[][];
  /** Alternatives for the fixed end; unused when there is no wildcard. */
  readonly suffixes: string[];
}

/** What the recogniser makes of a whole pattern: its alternatives, and whether `(?i)` is on. */
interface Analysis {
  readonly fold: boolean;
  readonly alternatives: Plan[];
}

// Go's metacharacters (regexp.QuoteMeta). Quantifiers are among them, so a quantifier after
// any atom stops the recogniser: `ab*` repeats only `b`, and `.*?` is lazy.
const META = '\\.+*?()|[]{}^$';

/**
 * Recognises `pattern` as an alternation of plans, or returns null. Accepted syntax: a leading
 * `(?i)`/`(?s)` flag group; literal characters; escapes of ASCII punctuation, `\n \t \r \f \v \a`
 * and `\Q…\E`; `.*` and `.+`; groups `(…)` or `(?:…)` holding only `|`-separated literals; and
 * top-level `|`. Under `(?i)` every literal must be ASCII, where case folding is simple (see
 * foldUnit).
 */
function analyze(pattern: string): Analysis | null {
  let i = 0;
  let fold = false;
  const n = pattern.length;
  if (pattern.startsWith('(?')) {
    let j = 2;
    while (j < n && (pattern[j] === 'i' || pattern[j] === 's')) j++;
    if (j > 2 && pattern[j] === ')') {
      fold = pattern.slice(2, j).includes('i');
      i = j + 1;
    }
  }

  // Reads one literal atom at `i` (a character, a surrogate pair, an escape or \Q…\E) and
  // returns its text, advancing `i`; null when the atom is not a plain literal.
  const literalAtom = (): string | null => {
    const c = pattern.charCodeAt(i);
    let text: string;
    if (c === 0x5c) {
      if (i + 1 >= n) return null;
      const e = pattern.charCodeAt(i + 1);
      if (e === 0x51 /* Q */) {
        const end = pattern.indexOf('\\E', i + 2);
        text = pattern.slice(i + 2, end < 0 ? n : end);
        i = end < 0 ? n : end + 2;
        if (!isWellFormed(text)) return null;
      } else {
        const esc = simpleEscape(e);
        if (esc === null) return null;
        text = esc;
        i += 2;
      }
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = pattern.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return null;
      text = pattern.slice(i, i + 2);
      i += 2;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return null;
    } else {
      if (META.includes(pattern[i]!)) return null;
      text = pattern[i]!;
      i++;
    }
    if (fold) {
      for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) >= 0x80) return null;
      text = text.toLowerCase();
    }
    return text;
  };

  const alternatives: Plan[] = [];
  for (;;) {
    // One top-level alternative: a sequence of literal sets and wildcards.
    const builder = new PlanBuilder();
    while (i < n && pattern[i] !== '|') {
      const c = pattern[i];
      if (c === '.') {
        const q = pattern[i + 1];
        if (q !== '*' && q !== '+') return null;
        i += 2;
        if (!builder.wildcard(q === '+' ? 1 : 0)) return null;
      } else if (c === '(') {
        i += pattern.startsWith('(?:', i) ? 3 : 1;
        const set: string[] = [];
        let lit = '';
        for (;;) {
          if (i >= n) return null;
          const d = pattern[i];
          if (d === ')' || d === '|') {
            set.push(lit);
            lit = '';
            i++;
            if (d === ')') break;
            continue;
          }
          const atom = literalAtom();
          if (atom === null) return null;
          lit += atom;
        }
        if (!builder.literals(set)) return null;
      } else {
        const atom = literalAtom();
        if (atom === null) return null;
        if (!builder.literals([atom])) return null;
      }
    }
    alternatives.push(builder.plan());
    if (i >= n) break;
    i++; // past '|'
  }
  return { fold, alternatives };
}

/** The character an escape `\c` stands for, when it is a plain literal; null otherwise. */
function simpleEscape(c: number): string | null {
  switch (c) {
    case 0x61:
      return '\x07'; // \a
    case 0x66:
      return '\f';
    case 0x6e:
      return '\n';
    case 0x72:
      return '\r';
    case 0x74:
      return '\t';
    case 0x76:
      return '\v';
  }
  // Go: "Escaped non-word characters are always themselves" — any ASCII but [0-9A-Za-z].
  if (c < 0x80 && !isAsciiAlnum(c)) return String.fromCharCode(c);
  return null;
}

/** True when `s` holds no lone surrogate. */
function isWellFormed(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00 || k + 1 >= s.length) return false;
    const d = s.charCodeAt(k + 1);
    if (d < 0xdc00 || d > 0xdfff) return false;
    k++;
  }
  return true;
}

/** Accumulates one alternative into the `P W M W … S` shape of a {@link Plan}. */
class PlanBuilder {
  private readonly fixed: string[][] = [];
  private readonly gaps: number[] = [];
  private current: string[] = [''];
  private afterWildcard = false;

  /** Appends a set of literal alternatives (the cross product with what precedes it). */
  literals(set: readonly string[]): boolean {
    const uniq = [...new Set(set)];
    if (uniq.length === 1) {
      this.current = this.current.map((s) => s + uniq[0]!);
    } else {
      // Only a true product is bounded: `(a|b|…)` alone is one list, however long.
      if (this.current.length > 1 && this.current.length * uniq.length > MAX_SET_MATCHES) return false;
      const next: string[] = [];
      for (const a of this.current) for (const b of uniq) next.push(a + b);
      this.current = [...new Set(next)];
    }
    if (!(this.current.length === 1 && this.current[0] === '')) this.afterWildcard = false;
    return true;
  }

  /** Appends a wildcard of minimum length `gap` (0 or 1). */
  wildcard(gap: number): boolean {
    if (this.afterWildcard) {
      // Two wildcards in a row merge. A gap of 2 would count characters, and a code unit is not
      // a character when surrogate pairs are involved, so that shape goes to the engine.
      const merged = this.gaps[this.gaps.length - 1]! + gap;
      if (merged > 1) return false;
      this.gaps[this.gaps.length - 1] = merged;
      return true;
    }
    this.fixed.push(this.current);
    this.gaps.push(gap);
    this.current = [''];
    this.afterWildcard = true;
    return true;
  }

  /** The finished plan. */
  plan(): Plan {
    const byLength = (a: string, b: string): number => a.length - b.length;
    if (this.gaps.length === 0) return { prefixes: this.current, gaps: [], middles: [], suffixes: [''] };
    return {
      prefixes: [...this.fixed[0]!].sort(byLength),
      gaps: this.gaps,
      middles: this.fixed.slice(1),
      suffixes: [...this.current].sort(byLength),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Case folding under (?i), restricted to ASCII literals.
//
// Go's (?i) matches a character against every member of its simple case-folding orbit. For an
// ASCII letter the orbit is the letter's two cases, plus U+212A KELVIN SIGN for k and U+017F
// LATIN SMALL LETTER LONG S for s; no other character folds to ASCII. So a value character can
// match an ASCII literal character only if foldUnit maps it to that literal's lower case.

/** Maps a UTF-16 code unit to the ASCII lower case it folds to; other units map to themselves. */
function foldUnit(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c + 0x20;
  if (c === 0x212a) return 0x6b; // KELVIN SIGN → k
  if (c === 0x17f) return 0x73; // LATIN SMALL LETTER LONG S → s
  return c;
}

/** True when `v` equals `lit` (ASCII, lower case) under case folding. */
function foldEquals(v: string, lit: string): boolean {
  return v.length === lit.length && foldHasAt(v, 0, lit);
}

/** True when `v` at `pos` holds `lit` (ASCII, lower case) under case folding. */
function foldHasAt(v: string, pos: number, lit: string): boolean {
  if (pos < 0 || pos + lit.length > v.length) return false;
  for (let k = 0; k < lit.length; k++) {
    if (foldUnit(v.charCodeAt(pos + k)) !== lit.charCodeAt(k)) return false;
  }
  return true;
}

/** The first index at or after `from` where `lit` occurs in `v` under case folding, or -1. */
function foldIndexOf(v: string, lit: string, from: number): number {
  const last = v.length - lit.length;
  for (let p = from; p <= last; p++) if (foldHasAt(v, p, lit)) return p;
  return -1;
}

/**
 * FNV-1a over the folded code units of `s`, cut to 30 bits so that V8 keeps it a small integer
 * (a larger number would be boxed on its way into Map.get); -1 when `s` has a unit that folds to
 * no ASCII.
 */
function foldHash(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) {
    const c = foldUnit(s.charCodeAt(k));
    if (c >= 0x80) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x3fffffff;
}

/** A set of ASCII lower-case strings looked up under case folding, without allocating. */
class FoldSet {
  private readonly buckets = new Map<number, string[]>();

  constructor(values: readonly string[]) {
    for (const s of values) {
      const h = foldHash(s);
      const b = this.buckets.get(h);
      if (b === undefined) this.buckets.set(h, [s]);
      else b.push(s);
    }
  }

  has(v: string): boolean {
    const h = foldHash(v);
    if (h < 0) return false;
    const b = this.buckets.get(h);
    if (b === undefined) return false;
    for (let k = 0; k < b.length; k++) if (foldEquals(v, b[k]!)) return true;
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Matching a plan.

/**
 * True when `v` matches the wildcard plan. Choosing the shortest matching prefix and suffix, and
 * for each middle part the occurrence that ends first, is optimal: wildcards only demand a
 * minimum length, so leaving more room never hurts what follows.
 */
function matchGlob(v: string, plan: Plan, fold: boolean): boolean {
  const len = v.length;
  const prefixes = plan.prefixes;
  let start = -1;
  for (let k = 0; k < prefixes.length; k++) {
    const p = prefixes[k]!;
    if (fold ? foldHasAt(v, 0, p) : v.startsWith(p)) {
      start = p.length; // prefixes are sorted by length, so the first hit is the shortest
      break;
    }
  }
  if (start < 0) return false;
  const suffixes = plan.suffixes;
  let limit = -1;
  for (let k = 0; k < suffixes.length; k++) {
    const s = suffixes[k]!;
    if (fold ? foldHasAt(v, len - s.length, s) : v.endsWith(s)) {
      limit = len - s.length;
      break;
    }
  }
  if (limit < 0) return false;
  const gaps = plan.gaps;
  const middles = plan.middles;
  let cur = start;
  for (let k = 0; k < middles.length; k++) {
    cur += gaps[k]!;
    let best = Infinity;
    const set = middles[k]!;
    for (let a = 0; a < set.length; a++) {
      const m = set[a]!;
      const at = fold ? foldIndexOf(v, m, cur) : v.indexOf(m, cur);
      if (at >= 0 && at + m.length < best) best = at + m.length;
    }
    if (best > limit) return false;
    cur = best;
  }
  return cur + gaps[gaps.length - 1]! <= limit;
}

/** Which strategy a {@link FastRegexMatcher} uses; `engine` means the regex engine runs. */
export type RegexMatcherKind =
  'literal' | 'set' | 'any' | 'nonEmpty' | 'prefix' | 'suffix' | 'contains' | 'glob' | 'or' | 'engine';

interface Strategy {
  readonly kind: RegexMatcherKind;
  readonly match: (v: string) => boolean;
  /** The exact values matched, when finite and case-sensitive (for postings lookups). */
  readonly setMatches: readonly string[] | null;
  /** A literal prefix every match starts with (case-sensitive), or `""`. */
  readonly prefix: string;
}

/** Builds the engine-free strategy for one plan. */
function planStrategy(plan: Plan, fold: boolean): Strategy {
  const { prefixes, gaps, middles, suffixes } = plan;
  const commonPrefix = fold ? '' : longestCommonPrefix(prefixes);
  if (gaps.length === 0) {
    if (prefixes.length === 1) {
      const lit = prefixes[0]!;
      return fold
        ? {
            kind: 'literal',
            match: (v) => foldEquals(v, lit),
            setMatches: null,
            prefix: '',
          }
        : { kind: 'literal', match: (v) => v === lit, setMatches: [lit], prefix: lit };
    }
    if (fold) {
      const set = new FoldSet(prefixes);
      return { kind: 'set', match: (v) => set.has(v), setMatches: null, prefix: '' };
    }
    const set = new Set(prefixes);
    return { kind: 'set', match: (v) => set.has(v), setMatches: prefixes, prefix: commonPrefix };
  }
  const only = (list: readonly string[]): string | null => (list.length === 1 ? list[0]! : null);
  const p = only(prefixes);
  const s = only(suffixes);
  if (gaps.length === 1 && p === '' && s === '') {
    return gaps[0] === 0
      ? { kind: 'any', match: () => true, setMatches: null, prefix: '' }
      : { kind: 'nonEmpty', match: (v) => v.length > 0, setMatches: null, prefix: '' };
  }
  if (!fold && gaps.length === 1 && gaps[0] === 0 && p !== null && s === '') {
    return { kind: 'prefix', match: (v) => v.startsWith(p), setMatches: null, prefix: p };
  }
  if (!fold && gaps.length === 1 && gaps[0] === 0 && p === '' && s !== null) {
    return { kind: 'suffix', match: (v) => v.endsWith(s), setMatches: null, prefix: '' };
  }
  if (!fold && gaps.length === 2 && gaps[0] === 0 && gaps[1] === 0 && p === '' && s === '') {
    const m = only(middles[0]!);
    if (m !== null) return { kind: 'contains', match: (v) => v.includes(m), setMatches: null, prefix: '' };
  }
  return { kind: 'glob', match: (v) => matchGlob(v, plan, fold), setMatches: null, prefix: commonPrefix };
}

function longestCommonPrefix(list: readonly string[]): string {
  if (list.length === 0) return '';
  let prefix = list[0]!;
  for (const s of list) {
    let k = 0;
    while (k < prefix.length && k < s.length && prefix.charCodeAt(k) === s.charCodeAt(k)) k++;
    prefix = prefix.slice(0, k);
  }
  // Never end between the halves of a surrogate pair.
  const last = prefix.charCodeAt(prefix.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? prefix.slice(0, -1) : prefix;
}

/** Builds the engine-free strategy for a whole analysis, or null when it has too many parts. */
function analysisStrategy(a: Analysis): Strategy | null {
  const literals: string[] = [];
  const globs: Plan[] = [];
  for (const plan of a.alternatives) {
    if (plan.gaps.length === 0) {
      for (const lit of plan.prefixes) literals.push(lit);
      continue;
    }
    // Prefixes, middles and suffixes are scanned one by one per value, so keep them short.
    const parts = [plan.prefixes, plan.suffixes, ...plan.middles];
    if (parts.some((list) => list.length > MAX_SET_MATCHES)) return null;
    globs.push(plan);
  }
  const uniq = [...new Set(literals)];
  const setPlan: Plan = { prefixes: uniq, gaps: [], middles: [], suffixes: [''] };
  if (globs.length === 0) return planStrategy(setPlan, a.fold);
  if (globs.length === 1 && uniq.length === 0) return planStrategy(globs[0]!, a.fold);
  if (globs.length > MAX_OR_ALTERNATIVES) return null;
  const parts = globs.map((g) => planStrategy(g, a.fold));
  if (uniq.length > 0) parts.unshift(planStrategy(setPlan, a.fold));
  if (parts.some((s) => s.kind === 'any'))
    return { kind: 'any', match: () => true, setMatches: null, prefix: '' };
  const fns = parts.map((s) => s.match);
  const match = (v: string): boolean => {
    for (let k = 0; k < fns.length; k++) if (fns[k]!(v)) return true;
    return false;
  };
  const prefix = a.fold ? '' : longestCommonPrefix(parts.map((s) => s.prefix));
  return { kind: 'or', match, setMatches: null, prefix };
}

/**
 * A compiled matcher regex with Prometheus 3 semantics: fully anchored, `.` matches newline,
 * RE2 syntax. Throws {@link RegexError} for a pattern that does not parse.
 */
export class FastRegexMatcher {
  /** The pattern as written. */
  readonly source: string;
  /** The strategy in use (`engine` when no fast path applies). */
  readonly kind: RegexMatcherKind;
  /** The exact values this regex matches, when it is a finite case-sensitive set; else null. */
  readonly setMatches: readonly string[] | null;
  /** A literal prefix that every matching value starts with (`""` when there is none known). */
  readonly prefix: string;
  /** Tests a value; allocation-free on every fast path. */
  readonly matches: (v: string) => boolean;

  /** Compiles `pattern`, choosing a fast path when one gives exactly the regex's answers. */
  constructor(pattern: string) {
    this.source = pattern;
    const analysis = pattern.length <= MAX_REGEX_LENGTH ? analyze(pattern) : null;
    const strategy = analysis === null ? null : analysisStrategy(analysis);
    if (strategy !== null) {
      // The recogniser accepts valid syntax only, so like Prometheus for literal alternations
      // this skips the engine's parser, and with it RE2's size limits on long value lists.
      this.kind = strategy.kind;
      this.matches = strategy.match;
      this.setMatches = strategy.setMatches;
      this.prefix = strategy.prefix;
    } else {
      const re = compileEngine(pattern);
      this.kind = 'engine';
      this.matches = (v) => re.testExact(v);
      this.setMatches = null;
      this.prefix = '';
    }
  }

  /** A matcher that always runs the engine, for checking the fast paths against it. */
  static engineOnly(pattern: string): (v: string) => boolean {
    const re = compileEngine(pattern);
    return (v) => re.testExact(v);
  }
}
