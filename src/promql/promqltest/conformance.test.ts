// The upstream PromQL test suite (../shared/conformance/promql/testdata/*.test) against the
// engine. Every case must pass unless it is listed in known-failures.txt with its reason; a
// listed case that passes fails the test so that the list only shrinks. Set
// UPDATE_KNOWN_FAILURES=1 to rewrite the list from the current results.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT, conformancePath } from '../../util/testenv.js';
import { runTestFile, type CaseResult } from './runner.js';

const KNOWN_FAILURES = join(REPO_ROOT, 'src', 'promql', 'promqltest', 'known-failures.txt');

function readKnown(): Map<string, string> {
  const known = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(KNOWN_FAILURES, 'utf8');
  } catch {
    return known;
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.indexOf(' ');
    known.set(sp < 0 ? line : line.slice(0, sp), sp < 0 ? '' : line.slice(sp + 1).trim());
  }
  return known;
}

const dir = conformancePath('promql/testdata', 'promql conformance suite');

if (dir !== null) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test'))
    .sort();
  const all = new Map<string, CaseResult[]>();
  for (const f of files) all.set(f, runTestFile(readFileSync(join(dir, f), 'utf8')));

  if (process.env.UPDATE_KNOWN_FAILURES === '1') {
    const lines = [
      '# Upstream promqltest cases that do not pass yet: file:line reason. This list may only shrink.',
    ];
    for (const [f, results] of all) {
      for (const r of results) {
        if (r.ok) continue;
        const reason = r.nativeHistogram
          ? 'native histograms: later issue'
          : /\b(anchored|smoothed)\b/.test(r.expr)
            ? 'extended range selectors (anchored/smoothed): not implemented yet'
            : /\binfo\s*\(/.test(r.expr)
              ? 'info(): not implemented yet'
              : f === 'start_timestamps.test'
                ? 'start timestamps: not in the storage interface yet'
                : r.reason.split('\n')[0]!.slice(0, 200);
        lines.push(`${f}:${r.line} ${reason}`);
      }
    }
    writeFileSync(KNOWN_FAILURES, lines.join('\n') + '\n');
  }

  const known = readKnown();
  let total = 0;
  let passed = 0;
  for (const [f, results] of all) {
    const ok = results.filter((r) => r.ok).length;
    total += results.length;
    passed += ok;
    console.log(`promqltest ${f}: ${ok}/${results.length} passed`);
    test(`promqltest ${f}`, () => {
      const problems: string[] = [];
      for (const r of results) {
        const key = `${f}:${r.line}`;
        if (r.ok && known.has(key)) problems.push(`${key} passes now: remove it from known-failures.txt`);
        if (!r.ok && !known.has(key)) problems.push(`${key} ${r.expr}\n    ${r.reason}`);
      }
      assert.deepEqual(problems, []);
    });
  }
  console.log(`promqltest total: ${passed}/${total} passed`);
}
