/**
 * Label matchers — `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"` — with Prometheus 3
 * semantics. A missing label has the value `""`, so `{a=""}` selects series without `a`, and
 * regexes are fully anchored with `.` matching newline (see regex.ts).
 */
import type { Labels } from './labels.js';
import { isValidLegacyLabelName } from './names.js';
import { FastRegexMatcher } from './regex.js';
import { goQuote } from './strings.js';

export { FastRegexMatcher, MAX_REGEX_LENGTH, RegexError, type RegexMatcherKind } from './regex.js';

/** The four kinds of matcher, written as PromQL writes them. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** The matcher types by Prometheus's names (MatchEqual, MatchNotEqual, …). */
export const MatchType = {
  Equal: '=',
  NotEqual: '!=',
  Regexp: '=~',
  NotRegexp: '!~',
} as const;

/** True when `s` is one of the four matcher operators. */
export function isMatchType(s: string): s is MatchType {
  return s === '=' || s === '!=' || s === '=~' || s === '!~';
}

// The operator as a small integer, so that matches() switches on a number.
const EQUAL = 0;
const NOT_EQUAL = 1;
const REGEXP = 2;
const NOT_REGEXP = 3;

/**
 * One label matcher. Construction compiles a regex once and throws {@link RegexError} (with
 * Go's message, e.g. ``error parsing regexp: missing closing ): `(foo` ``) when it does not
 * parse; {@link matches} is then cheap enough to run per series.
 */
export class Matcher {
  /** The operator. */
  readonly type: MatchType;
  /** The label name. */
  readonly name: string;
  /** The value or, for `=~` and `!~`, the regex as written. */
  readonly value: string;
  private readonly op: number;
  private readonly re: FastRegexMatcher | null;

  /** Builds a matcher; throws for an unknown operator or a regex that does not parse. */
  constructor(type: MatchType, name: string, value: string) {
    if (!isMatchType(type)) throw new Error(`invalid match type ${JSON.stringify(type)}`);
    this.type = type;
    this.name = name;
    this.value = value;
    this.op = type === '=' ? EQUAL : type === '!=' ? NOT_EQUAL : type === '=~' ? REGEXP : NOT_REGEXP;
    this.re = this.op >= REGEXP ? new FastRegexMatcher(value) : null;
  }

  /** Builds a matcher, as the constructor does (Prometheus's NewMatcher). */
  static create(type: MatchType, name: string, value: string): Matcher {
    return new Matcher(type, name, value);
  }

  /** True when a label value (`""` for a missing label) satisfies the matcher. Does not allocate. */
  matches(v: string): boolean {
    switch (this.op) {
      case EQUAL:
        return v === this.value;
      case NOT_EQUAL:
        return v !== this.value;
      case REGEXP:
        return this.re!.matches(v);
      default:
        return !this.re!.matches(v);
    }
  }

  /**
   * For a regex matcher whose regex matches a finite, case-sensitive set of values, that set
   * (so postings can be looked up value by value instead of scanning all values); else null.
   * As in Prometheus, null for `=` and `!=` too.
   */
  setMatches(): readonly string[] | null {
    return this.re === null ? null : this.re.setMatches;
  }

  /** A literal prefix every value matched by the regex starts with; `""` when unknown or not a regex. */
  prefix(): string {
    return this.re === null ? '' : this.re.prefix;
  }

  /** True when the regex is answered without the regex engine. */
  isRegexOptimized(): boolean {
    return this.re !== null && this.re.kind !== 'engine';
  }

  /** Prometheus's form: `name="value"`, the value Go-quoted, the name quoted unless legacy-valid. */
  toString(): string {
    const name = isValidLegacyLabelName(this.name) ? this.name : goQuote(this.name);
    return name + this.type + goQuote(this.value);
  }
}

/** True when every matcher accepts its label's value in `labels` (missing labels read as `""`). */
export function matchLabels(matchers: readonly Matcher[], labels: Labels): boolean {
  for (let i = 0; i < matchers.length; i++) {
    const m = matchers[i]!;
    if (!m.matches(labels.get(m.name))) return false;
  }
  return true;
}
