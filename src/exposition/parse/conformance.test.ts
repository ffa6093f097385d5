/**
 * The upstream conformance data in ../shared/conformance: every OpenMetrics parser case in
 * both strictness levels, and the textparse benchmark inputs with their family and sample
 * counts (conformance README, sections 4 and 5).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricFamily } from '../family.js';
import { ParseError } from './errors.js';
import { parseFamilies } from './families.js';
import { OM_LENIENT_ACCEPTS } from './om-lenient-accepts.js';

/** The repository root: the nearest directory above this file holding package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir)
      throw new Error('conformance.test: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const CONFORMANCE = join(repoRoot(), '..', 'shared', 'conformance');
const present = existsSync(CONFORMANCE);
if (!present) {
  if (process.env.CI === 'true')
    throw new Error(`conformance data missing at ${CONFORMANCE} (required under CI)`);
  console.log(`skipped: exposition parser conformance, no ${CONFORMANCE}`);
}

interface Case {
  readonly name: string;
  readonly input: Buffer;
  readonly shouldParse: boolean;
}

function omCases(): Case[] {
  const dir = join(CONFORMANCE, 'openmetrics', 'parsers');
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const spec = JSON.parse(readFileSync(join(dir, name, 'test.json'), 'utf8')) as {
        type: string;
        file: string;
        shouldParse: boolean;
      };
      assert.equal(spec.type, 'text', `${name}: only text cases exist upstream`);
      // Bytes, not a string: three inputs lack a final newline, two are non-ASCII, one holds a NUL.
      return { name, input: readFileSync(join(dir, name, spec.file)), shouldParse: spec.shouldParse };
    });
}

/** Parses, returning the error (a ParseError, or the test fails) or undefined. */
function tryParse(input: Buffer, strictness: 'strict' | 'lenient'): ParseError | undefined {
  try {
    parseFamilies(input, 'openmetrics', { strictness });
    return undefined;
  } catch (e) {
    assert.ok(e instanceof ParseError, `threw ${String(e)}, not a ParseError`);
    return e;
  }
}

describe('OpenMetrics conformance suite', { skip: !present }, () => {
  const cases = present ? omCases() : [];

  it('has the 211 cases the README describes (44 valid, 167 invalid)', () => {
    assert.equal(cases.length, 211);
    assert.equal(cases.filter((c) => c.shouldParse).length, 44);
  });

  it('strict mode accepts every valid case and rejects every invalid one', () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const err = tryParse(c.input, 'strict');
      if ((err === undefined) !== c.shouldParse)
        wrong.push(`${c.name}: ${err === undefined ? 'accepted' : err.message}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('strict rejections name a line inside the input', () => {
    for (const c of cases) {
      if (c.shouldParse) continue;
      const err = tryParse(c.input, 'strict')!;
      const lines = c.input.toString('utf8').split('\n').length;
      assert.ok(err.line >= 1 && err.line <= lines, `${c.name}: line ${err.line} of ${lines}`);
    }
  });

  it('lenient mode accepts the valid cases plus exactly the listed invalid ones', () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const expectAccept = c.shouldParse || c.name in OM_LENIENT_ACCEPTS;
      const err = tryParse(c.input, 'lenient');
      if ((err === undefined) !== expectAccept) {
        wrong.push(`${c.name}: ${err === undefined ? 'accepted' : 'rejected: ' + err.message}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the lenient list names only existing invalid cases, each with a reason', () => {
    const byName = new Map(cases.map((c) => [c.name, c]));
    for (const [name, reason] of Object.entries(OM_LENIENT_ACCEPTS)) {
      assert.ok(byName.has(name), `${name} is not a case`);
      assert.equal(byName.get(name)!.shouldParse, false, `${name} is valid; it needs no entry`);
      assert.ok(reason.length > 20, `${name} needs a reason`);
    }
  });
});

describe('textparse testdata', { skip: !present }, () => {
  const dir = join(CONFORMANCE, 'textparse', 'testdata');
  const load = (file: string): Buffer => readFileSync(join(dir, file));
  const count = (fams: MetricFamily[]): number => fams.reduce((n, f) => n + f.samples.length, 0);

  it('alltypes.237mfs.prom.txt: 237 families with HELP and TYPE, 1,857 samples, in both modes', () => {
    for (const strictness of ['lenient', 'strict'] as const) {
      const fams = parseFamilies(load('alltypes.237mfs.prom.txt'), 'text', { strictness });
      assert.equal(fams.length, 237);
      assert.equal(count(fams), 1857);
      assert.ok(fams.every((f) => f.help !== undefined && f.type !== 'unknown' && f.samples.length > 0));
    }
  });

  it('alltypes.237mfs.nometa.prom.txt: the same 1,857 samples without metadata', () => {
    for (const strictness of ['lenient', 'strict'] as const) {
      const fams = parseFamilies(load('alltypes.237mfs.nometa.prom.txt'), 'text', { strictness });
      assert.equal(count(fams), 1857);
      assert.ok(fams.every((f) => f.type === 'unknown' && f.help === undefined));
    }
  });

  it('the two text files hold the same samples; only typed ones get le and quantile normalized', () => {
    const typed = parseFamilies(load('alltypes.237mfs.prom.txt'), 'text');
    const bare = parseFamilies(load('alltypes.237mfs.nometa.prom.txt'), 'text');
    const shape = (fams: MetricFamily[]): string[] =>
      fams.flatMap((f) => f.samples.map((s) => `${s.name} ${s.labels.names().join(',')} ${s.value}`));
    assert.deepEqual(shape(bare), shape(typed));
    // Prometheus 3 rewrites le/quantile into the OpenMetrics form only when TYPE says histogram/summary.
    const quantiles = (fams: MetricFamily[]): string[] =>
      fams
        .flatMap((f) => f.samples)
        .filter((s) => s.name === 'go_gc_duration_seconds')
        .map((s) => s.labels.get('quantile'));
    assert.deepEqual(quantiles(typed), ['0.0', '0.25', '0.5', '0.75', '1.0']);
    assert.deepEqual(quantiles(bare), ['0', '0.25', '0.5', '0.75', '1']);
  });

  it('alltypes.5mfs.om.txt: 5 families, 53 samples, 6 exemplars (lenient)', () => {
    const fams = parseFamilies(load('alltypes.5mfs.om.txt'), 'openmetrics');
    assert.equal(fams.length, 5);
    assert.equal(count(fams), 53);
    assert.equal(fams.flatMap((f) => f.samples.filter((s) => s.exemplar !== undefined)).length, 6);
  });

  it('alltypes.5mfs.om.txt is not strictly valid: its histogram has negative buckets and a negative _sum', () => {
    assert.throws(
      () => parseFamilies(load('alltypes.5mfs.om.txt'), 'openmetrics', { strictness: 'strict' }),
      (e: unknown) =>
        e instanceof ParseError && e.line === 33 && /histogram sum .* non-negative/.test(e.reason),
    );
  });

  it('1histogram.om.txt: 1 family, 42 samples, in both modes', () => {
    for (const strictness of ['lenient', 'strict'] as const) {
      const fams = parseFamilies(load('1histogram.om.txt'), 'openmetrics', { strictness });
      assert.equal(fams.length, 1);
      assert.equal(fams[0]!.type, 'histogram');
      assert.equal(count(fams), 42);
    }
  });
});
