/**
 * File globs as Prometheus allows them in rule_files, scrape_config_files and file_sd: a `*`
 * only in the last path element (the config rejects other patterns), matched like Go's
 * filepath.Glob with `*`, `?` and `[...]` classes. Node 20 has no fs.glob.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function hasMeta(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/** Converts one path element's pattern to a RegExp with filepath.Match semantics. */
function elementRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 'u');
}

/**
 * The files matching `pattern`, sorted; a pattern without metacharacters matches itself when
 * it exists. Throws only for a malformed pattern.
 */
export function glob(pattern: string): string[] {
  if (!hasMeta(pattern)) {
    try {
      statSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const dir = dirname(pattern);
  const re = elementRegExp(basename(pattern));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n));
}
