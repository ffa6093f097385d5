/**
 * Go's regexp.Expand: the template language of relabel `replacement` and `target_label`.
 * `$1` and `${1}` are numbered groups, `$name`/`${name}` named ones, `$$` a dollar sign. A
 * name is the longest run of letters, digits and `_`, so `$1x` refers to a group named `1x`
 * (usually empty): the classic surprise that `${1}x` avoids. A malformed reference leaves the
 * `$` as text.
 */

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** A template parsed once: literal text and group references in order. */
export type Template = readonly (string | number | { name: string })[];

/** Parses a template into literals, group numbers and named references. */
export function parseTemplate(t: string): Template {
  const out: (string | number | { name: string })[] = [];
  let lit = '';
  let i = 0;
  while (i < t.length) {
    const dollar = t.indexOf('$', i);
    if (dollar < 0) {
      lit += t.slice(i);
      break;
    }
    lit += t.slice(i, dollar);
    i = dollar + 1;
    if (t[i] === '$') {
      lit += '$';
      i++;
      continue;
    }
    const brace = t[i] === '{';
    let j = brace ? i + 1 : i;
    const start = j;
    while (j < t.length) {
      const cp = t.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!NAME_CHAR.test(ch)) break;
      j += ch.length;
    }
    const name = t.slice(start, j);
    if (name === '' || (brace && t[j] !== '}')) {
      // Malformed: the dollar sign is kept as text.
      lit += '$';
      continue;
    }
    if (brace) j++;
    if (lit !== '') out.push(lit);
    lit = '';
    out.push(/^[0-9]+$/.test(name) ? groupNumber(name) : { name });
    i = j;
  }
  if (lit !== '') out.push(lit);
  return out;
}

/** Go stops reading a group number at 1e8 and then treats it as no group (-1). */
function groupNumber(digits: string): number {
  let n = 0;
  for (const c of digits) {
    n = n * 10 + (c.charCodeAt(0) - 0x30);
    if (n >= 1e8) return -1;
  }
  return n;
}

/** True when the template has no references (the result is the template text itself). */
export function isLiteral(t: Template): boolean {
  return t.every((p) => typeof p === 'string');
}

/**
 * Expands a parsed template; `group(i)` returns a group's text or null when it did not
 * participate, `named` maps group names to numbers.
 */
export function expand(
  t: Template,
  group: (i: number) => string | null,
  groupCount: number,
  named: Readonly<Record<string, number>>,
): string {
  let out = '';
  for (const p of t) {
    if (typeof p === 'string') out += p;
    else if (typeof p === 'number') {
      if (p >= 0 && p <= groupCount) out += group(p) ?? '';
    } else {
      const idx = named[p.name];
      if (idx !== undefined) out += group(idx) ?? '';
    }
  }
  return out;
}
