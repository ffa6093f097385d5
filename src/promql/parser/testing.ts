/**
 * Test support: a position-free, plain-data view of an AST, so that two parses can be compared
 * with deepEqual (matchers hold compiled regexes, and positions differ after printing).
 */
import type { Expr } from './ast.js';

/** A JSON-like copy of `e` without positions; numbers as strings so that NaN and -0 compare. */
export function normalize(e: unknown): unknown {
  if (e === null || typeof e !== 'object') return typeof e === 'number' ? numberKey(e) : e;
  if (Array.isArray(e)) {
    const items = e.map(normalize);
    // Matchers print sorted, so their order is not part of a selector's meaning.
    return items.every((x) => typeof x === 'string') ? items.sort() : items;
  }
  const o = e as Record<string, unknown>;
  if (typeof o['matches'] === 'function' && 'type' in o && 'name' in o && 'value' in o) {
    return `${String(o['name'])}${String(o['type'])}${JSON.stringify(o['value'])}`;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    if (k === 'pos') continue;
    if (k === 'func') {
      out[k] = (o[k] as { name: string }).name;
      continue;
    }
    out[k] = normalize(o[k]);
  }
  return out;
}

function numberKey(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** Shorthand for tests: the normalized form of an expression. */
export function normalized(e: Expr): unknown {
  return normalize(e);
}
