// Corpus test: every expression of the upstream promqltest files and every (expanded) query of
// the PromQL compliance suite must parse, print, and parse back to the same tree.
import { VARIANT_VALUES } from '../compliance/queries.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_FEATURES, parseExpr } from './parser.js';
import { exprToString } from './printer.js';
import { normalize } from './testing.js';

// dist/promql/parser/corpus.test.js → the repository root is three levels up.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const conformance = join(repoRoot, '..', 'shared', 'conformance');
const promqlDir = join(conformance, 'promql', 'testdata');
const complianceFile = join(conformance, 'promql-compliance', 'promql-test-queries.yml');
const present = existsSync(promqlDir) && existsSync(complianceFile);

if (!present) {
  if (process.env.CI === 'true') {
    test('conformance data present', () => {
      assert.fail(`conformance folder missing: ${conformance}`);
    });
  } else {
    console.log(`skipped: promql parser corpus tests, no conformance data at ${conformance}`);
  }
}

interface Case {
  file: string;
  line: number;
  query: string;
  expectFail: boolean;
}

const EVAL_RE =
  /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;

/** The expression of every `eval…` line, with whether the case expects failure. */
function promqlTestCases(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(promqlDir).filter((f) => f.endsWith('.test'))) {
    const lines = readFileSync(join(promqlDir, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = EVAL_RE.exec(lines[i]!.trim());
      if (!m) continue;
      let expectFail = m[1] === 'eval_fail';
      // A block ends at a blank line or a comment line.
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j]!.trim();
        if (l === '' || l.startsWith('#')) break;
        if (/^expect\s+fail\b/.test(l)) expectFail = true;
      }
      cases.push({ file, line: i + 1, query: m[2]!, expectFail });
    }
  }
  return cases;
}

/** A YAML scalar as the compliance file writes them: plain, 'single' or "double" quoted. */
function yamlScalar(s: string): string {
  s = s.trim();
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('"')) return JSON.parse(s) as string;
  return s;
}

/** The compliance queries with their Go templates expanded over the variant values. */
function complianceCases(): Case[] {
  const lines = readFileSync(complianceFile, 'utf8').split('\n');
  const templates: { line: number; query: string; args: string[]; shouldFail: boolean }[] = [];
  for (let i = 0; i < lines.length; i++) {
    // An item starts with `- query:`, or with `- # comment` followed by an indented `query:`.
    const q = /^\s*(?:- )?query:\s*(.*)$/.exec(lines[i]!);
    if (q) {
      templates.push({ line: i + 1, query: yamlScalar(q[1]!), args: [], shouldFail: false });
      continue;
    }
    const cur = templates[templates.length - 1];
    if (cur === undefined) continue;
    const v = /^\s*variant_args:\s*\[(.*)\]\s*$/.exec(lines[i]!);
    if (v) cur.args = v[1]!.split(',').map(yamlScalar);
    if (/^\s*should_fail:\s*true\s*$/.test(lines[i]!)) cur.shouldFail = true;
  }
  const cases: Case[] = [];
  for (const t of templates) {
    let expanded = [t.query];
    for (const arg of t.args) {
      const values = VARIANT_VALUES[arg];
      assert.ok(values, `unknown variant argument ${arg}`);
      expanded = expanded.flatMap((q) => values.map((v) => q.split(`{{.${arg}}}`).join(v)));
    }
    for (const query of expanded) {
      assert.ok(!query.includes('{{'), `unexpanded template in ${query}`);
      cases.push({ file: 'promql-test-queries.yml', line: t.line, query, expectFail: t.shouldFail });
    }
  }
  return cases;
}

/** Parses every case; cases not expected to fail must parse and round-trip through the printer. */
function runCorpus(cases: Case[]): { parsed: number; failAccepted: number; failRejected: number } {
  const problems: string[] = [];
  let parsed = 0;
  let failAccepted = 0;
  let failRejected = 0;
  for (const c of cases) {
    const where = `${c.file}:${c.line}: ${c.query}`;
    let expr;
    try {
      expr = parseExpr(c.query, ALL_FEATURES);
    } catch (e) {
      if (c.expectFail) failRejected++;
      else problems.push(`${where}: ${(e as Error).message}`);
      continue;
    }
    if (c.expectFail) failAccepted++;
    else parsed++;
    const printed = exprToString(expr);
    try {
      const again = parseExpr(printed, ALL_FEATURES);
      assert.deepEqual(normalize(again), normalize(expr));
      assert.equal(exprToString(again), printed);
    } catch (e) {
      problems.push(`${where}: printed as ${printed}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  assert.deepEqual(problems, []);
  return { parsed, failAccepted, failRejected };
}

test('promqltest eval expressions parse and round-trip', { skip: !present }, (t) => {
  const cases = promqlTestCases();
  assert.ok(cases.length >= 2000, `only ${cases.length} eval lines found`);
  const r = runCorpus(cases);
  // Expected failures cannot be told apart from runtime failures, so they are counted, not asserted.
  t.diagnostic(
    `promqltest: ${cases.length} evals, ${r.parsed} parsed; expect-fail cases: ${r.failAccepted} parse (fail at run time), ${r.failRejected} rejected by the parser`,
  );
});

test('promql-compliance queries parse and round-trip', { skip: !present }, (t) => {
  const cases = complianceCases();
  assert.equal(cases.length, 539);
  const r = runCorpus(cases);
  t.diagnostic(
    `compliance: ${cases.length} queries, ${r.parsed} parsed; should_fail: ${r.failAccepted} parse, ${r.failRejected} rejected by the parser`,
  );
});
