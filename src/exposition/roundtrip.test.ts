/**
 * Property: any valid metric family, written by ignis's writers and read back by its strict
 * parser, comes back unchanged, in both formats.
 *
 * "Unchanged" has two deliberate exceptions, both from the formats themselves: NaNs compare by
 * NaN-ness (the text formats have one NaN), and -0 reads back as 0 (expfmt writes both zeros
 * as `0`, and ignis writes what expfmt writes). Histogram `le` and summary `quantile` values
 * are generated in OpenMetrics' canonical form, since reading normalizes them to it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Labels } from '../model/labels.js';
import type { MetricType } from '../model/metadata.js';
import type { Exemplar, FamilySample, MetricFamily } from './family.js';
import { parseFamilies } from './parse/index.js';
import { writeText } from './write-text.js';
import { formatOpenMetricsFloat, writeOpenMetrics } from './write-openmetrics.js';

type Format = 'text' | 'openmetrics';

/** Runs per property; raise locally with FC_RUNS=10000 for a deeper search. */
const RUNS = Number(process.env['FC_RUNS'] ?? 300);

// Suffixes that would make a family name end like another family's sample name, or that
// OpenMetrics reserves for its own samples.
const RESERVED_SUFFIXES = ['total', 'created', 'bucket', 'count', 'sum', 'gcount', 'gsum', 'info'];

const legacyName = fc.stringMatching(/^[a-zA-Z:][a-zA-Z0-9_:]{0,12}$/);
// Any well-formed Unicode (fast-check's `binary` unit never yields lone surrogates).
const utf8Name = fc.string({ unit: 'binary', minLength: 1, maxLength: 10 });
const nameStem = fc.oneof({ weight: 3, arbitrary: legacyName }, { weight: 2, arbitrary: utf8Name });

const legacyLabelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/);
// Label names starting with `_` are reserved (`__name__`, and OpenMetrics reserves all).
const labelName = fc
  .oneof({ weight: 3, arbitrary: legacyLabelName }, { weight: 1, arbitrary: utf8Name })
  .filter((n) => !n.startsWith('_') && n !== 'le' && n !== 'quantile');

const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\\', '"', '\n', '\\n', 'a\\"b', '\r\t', '\0', '} # {', ' ', '=,'),
  },
);

const labelSet = fc
  .uniqueArray(fc.tuple(labelName, labelValue), { maxLength: 4, selector: (p) => p[0] })
  .map((pairs) => Labels.fromStrings(...pairs.flat()));

/** Distinct label sets for the series of one family (a family's series must differ). */
const seriesLabels = fc.uniqueArray(labelSet, { maxLength: 4, selector: (l) => l.flat().join('\u0000') });

const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, -2.2250738585072014e-308, 1e6, 0.1),
  },
  { weight: 2, arbitrary: fc.integer({ min: -1e9, max: 1e9 }) },
);
const nonNegative = fc.oneof(
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 0, max: 1e12 }),
);
const timestamp = fc.option(fc.integer({ min: -1e12, max: 4e12 }), { nil: undefined });
/** Timestamps for the text format (negative ones parse at the strict level, as in promtool). */
const textTimestamp = timestamp;
const count = fc.integer({ min: 0, max: 1e9 });

/** Exemplar label sets within OpenMetrics' 128 code point budget for names plus values. */
const exemplarLabels = labelSet.filter((l) => {
  let n = 0;
  l.forEach((k, v) => {
    n += [...k].length + [...v].length;
  });
  return n <= 128;
});

function exemplarOf(value: fc.Arbitrary<number>): fc.Arbitrary<Exemplar | undefined> {
  return fc.option(
    fc.record({ labels: exemplarLabels, value, timestamp }).map((e) => {
      const out: { labels: Labels; value: number; timestamp?: number } = { labels: e.labels, value: e.value };
      if (e.timestamp !== undefined) out.timestamp = e.timestamp;
      return out;
    }),
    { nil: undefined },
  );
}

function sample(
  name: string,
  labels: Labels,
  value: number,
  ts: number | undefined,
  ex?: Exemplar,
): FamilySample {
  const s: { name: string; labels: Labels; value: number; timestamp?: number; exemplar?: Exemplar } = {
    name,
    labels,
    value,
  };
  if (ts !== undefined) s.timestamp = ts;
  if (ex !== undefined) s.exemplar = ex;
  return s;
}

function withLabel(l: Labels, name: string, value: string): Labels {
  return Labels.fromStrings(...l.flat(), name, value);
}

/** Sorted distinct finite thresholds, formatted for the format's `le` labels. */
const thresholds = fc
  .uniqueArray(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), {
    maxLength: 3,
    selector: (v) => (v === 0 ? 0 : v),
  })
  .map((a) => a.map((v) => (Object.is(v, -0) ? 0 : v)).sort((x, y) => x - y));

/** The samples of one series of each type, given its name, labels and format. */
function seriesSamples(
  type: MetricType,
  name: string,
  labels: Labels,
  format: Format,
): fc.Arbitrary<FamilySample[]> {
  const om = format === 'openmetrics';
  // `le` and `quantile` in OpenMetrics' canonical form, which is what Prometheus 3 (and ignis's
  // parser) normalizes them to on reading, in both formats.
  const fmt = formatOpenMetricsFloat;
  const tsArb = om ? timestamp : textTimestamp;
  switch (type) {
    case 'gauge':
    case 'unknown':
      return fc.tuple(anyValue, tsArb).map(([v, ts]) => [sample(name, labels, v, ts)]);
    case 'counter':
      if (!om) return fc.tuple(anyValue, tsArb).map(([v, ts]) => [sample(name, labels, v, ts)]);
      return fc
        .tuple(nonNegative, tsArb, exemplarOf(anyValue))
        .map(([v, ts, ex]) => [sample(name + '_total', labels, v, ts, ex)]);
    case 'histogram':
    case 'gaugehistogram': {
      const gauge = type === 'gaugehistogram';
      return fc
        .tuple(
          thresholds,
          fc.array(count, { minLength: 4, maxLength: 4 }),
          // OpenMetrics: a sum is a counter (non-negative, not NaN), and a gauge histogram's
          // sum may only be negative when it has negative buckets, which these have not.
          om ? nonNegative : anyValue,
          tsArb,
          fc.array(exemplarOf(fc.constant(0)), { minLength: 4, maxLength: 4 }),
        )
        .map(([les, incs, sum, ts, exs]) => {
          const out: FamilySample[] = [];
          let cum = 0;
          const bounds = [...les, Infinity];
          for (let i = 0; i < bounds.length; i++) {
            cum += incs[i]!;
            // An exemplar's value must fall in its bucket: use the bucket's upper bound.
            const ex = om ? exs[i] : undefined;
            const exemplar = ex === undefined ? undefined : { ...ex, value: bounds[i]! };
            out.push(sample(name + '_bucket', withLabel(labels, 'le', fmt(bounds[i]!)), cum, ts, exemplar));
          }
          if (gauge) {
            out.push(sample(name + '_gcount', labels, cum, ts), sample(name + '_gsum', labels, sum, ts));
          } else {
            out.push(sample(name + '_sum', labels, sum, ts), sample(name + '_count', labels, cum, ts));
          }
          return out;
        });
    }
    case 'summary':
      return fc
        .tuple(
          fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), {
            maxLength: 3,
            selector: (v) => (v === 0 ? 0 : v),
          }),
          fc.array(om ? fc.oneof(nonNegative, fc.constant(NaN)) : anyValue, { minLength: 3, maxLength: 3 }),
          om ? nonNegative : anyValue,
          count,
          tsArb,
        )
        .map(([qs, vals, sum, n, ts]) => {
          const out = qs
            .map((q) => (Object.is(q, -0) ? 0 : q))
            .sort((a, b) => a - b)
            .map((q, i) => sample(name, withLabel(labels, 'quantile', fmt(q)), vals[i]!, ts));
          out.push(sample(name + '_sum', labels, sum, ts), sample(name + '_count', labels, n, ts));
          return out;
        });
    case 'info':
      return tsArb.map((ts) => [sample(name + '_info', labels, 1, ts)]);
    case 'stateset':
      return fc
        .tuple(
          fc.uniqueArray(labelValue, { minLength: 1, maxLength: 3 }),
          fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
          tsArb,
        )
        .map(([states, on, ts]) =>
          states.map((st, i) => sample(name, withLabel(labels, name, st), on[i] ? 1 : 0, ts)),
        );
  }
}

const unitArb = fc
  .stringMatching(/^[a-z]{1,8}$/)
  .filter((u) => !RESERVED_SUFFIXES.some((r) => u.endsWith(r)));

/** One family of a type valid for the format; `index` makes its name and sample names unique. */
function familyArb(format: Format, index: number): fc.Arbitrary<MetricFamily> {
  const types: MetricType[] =
    format === 'text'
      ? ['counter', 'gauge', 'histogram', 'summary', 'unknown']
      : ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'];
  // Help: no leading or trailing blanks (both formats drop them); OpenMetrics treats an empty
  // HELP as none, so it is generated only for the text format.
  const help = fc.option(
    fc
      .string({ unit: 'binary', minLength: format === 'text' ? 0 : 1, maxLength: 20 })
      .filter((h) => h.trim() === h && !/^[ \t]|[ \t]$/.test(h)),
    { nil: undefined },
  );
  return fc
    .tuple(fc.constantFrom(...types), nameStem, help, fc.option(unitArb, { nil: undefined }), seriesLabels)
    .chain(([type, stem, helpText, unitText, series]) => {
      // The `_f<index>` part is the last digits in any sample name (units and suffixes have
      // none), so two families can never produce the same sample name.
      const unit = format === 'openmetrics' && type !== 'info' && type !== 'stateset' ? unitText : undefined;
      const name = stem + '_f' + index + (unit === undefined ? '' : '_' + unit);
      const usable = type === 'stateset' ? series.filter((l) => !l.has(name)) : series;
      return fc.tuple(...usable.map((l) => seriesSamples(type, name, l, format))).map((per) => {
        const fam: { name: string; type: MetricType; help?: string; unit?: string; samples: FamilySample[] } =
          {
            name,
            type,
            samples: per.flat(),
          };
        if (helpText !== undefined) fam.help = helpText;
        if (unit !== undefined) fam.unit = unit;
        return fam;
      });
    });
}

function familiesArb(format: Format): fc.Arbitrary<MetricFamily[]> {
  return fc
    .integer({ min: 0, max: 4 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => familyArb(format, i))));
}

function sameValue(a: number, b: number): boolean {
  if (a !== a) return b !== b;
  return a === b; // -0 === 0: the writers print both zeros as 0, as expfmt does.
}

function describeSample(s: FamilySample | undefined): string {
  return s === undefined
    ? 'nothing'
    : `${JSON.stringify(s.name)}${s.labels.toString()} ${s.value} @${s.timestamp}`;
}

/** Asserts that the families read back equal the families written, explaining the first difference. */
function assertSameFamilies(got: readonly MetricFamily[], want: readonly MetricFamily[], page: string): void {
  const ctx = `\n--- page ---\n${page}`;
  assert.equal(got.length, want.length, `family count${ctx}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    assert.equal(g.name, w.name, `family ${i} name${ctx}`);
    assert.equal(g.type, w.type, `family ${w.name} type${ctx}`);
    assert.equal(g.help, w.help, `family ${w.name} help${ctx}`);
    assert.equal(g.unit, w.unit, `family ${w.name} unit${ctx}`);
    assert.equal(g.samples.length, w.samples.length, `family ${w.name} sample count${ctx}`);
    for (let j = 0; j < w.samples.length; j++) {
      const gs = g.samples[j]!;
      const ws = w.samples[j]!;
      const what = `family ${w.name} sample ${j}: got ${describeSample(gs)}, want ${describeSample(ws)}${ctx}`;
      assert.equal(gs.name, ws.name, what);
      assert.ok(gs.labels.equals(ws.labels), what);
      assert.ok(sameValue(gs.value, ws.value), what);
      assert.equal(gs.timestamp, ws.timestamp, what);
      assert.equal(gs.exemplar === undefined, ws.exemplar === undefined, what);
      if (gs.exemplar !== undefined && ws.exemplar !== undefined) {
        assert.ok(gs.exemplar.labels.equals(ws.exemplar.labels), `exemplar labels: ${what}`);
        assert.ok(sameValue(gs.exemplar.value, ws.exemplar.value), `exemplar value: ${what}`);
        assert.equal(gs.exemplar.timestamp, ws.exemplar.timestamp, `exemplar timestamp: ${what}`);
      }
    }
  }
}

function roundTrip(format: Format, families: MetricFamily[]): void {
  const page = format === 'text' ? writeText(families) : writeOpenMetrics(families);
  let got: MetricFamily[];
  try {
    got = parseFamilies(page, format, { strictness: 'strict' });
  } catch (e) {
    throw new Error(`the page did not parse: ${(e as Error).message}\n--- page ---\n${page}`, { cause: e });
  }
  assertSameFamilies(got, families, page);
}

/** With FC_STATS=1, prints what the generators produce, to check they reach the edges. */
function printStatistics(format: Format): void {
  fc.statistics(
    familiesArb(format),
    (fams) => {
      const tags: string[] = [];
      for (const f of fams) {
        tags.push('type ' + f.type);
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) tags.push('UTF-8 family name');
        if (f.help !== undefined) tags.push('help');
        if (f.unit !== undefined) tags.push('unit');
        for (const s of f.samples) {
          if (s.timestamp !== undefined) tags.push('timestamp');
          if (s.exemplar !== undefined) tags.push('exemplar');
          if (s.value !== s.value) tags.push('NaN value');
          if (/[\\"\n]/.test(s.labels.flat().join(''))) tags.push('label needing escapes');
          if (s.labels.flat().some((x, i) => i % 2 === 0 && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(x)))
            tags.push('UTF-8 label name');
        }
      }
      return [...new Set(tags)];
    },
    { numRuns: 2000, logger: (l) => console.log(`[${format}] ${l}`) },
  );
}

describe('write then parse gives the families back', () => {
  if (process.env['FC_STATS'] === '1') {
    printStatistics('text');
    printStatistics('openmetrics');
  }

  it('in the Prometheus text format', () => {
    fc.assert(
      fc.property(familiesArb('text'), (fams) => roundTrip('text', fams)),
      { numRuns: RUNS },
    );
  });

  it('in OpenMetrics', () => {
    fc.assert(
      fc.property(familiesArb('openmetrics'), (fams) => roundTrip('openmetrics', fams)),
      { numRuns: RUNS },
    );
  });

  it('with negative timestamps in the text format (strict reads them, the scraper does not)', () => {
    const fams: MetricFamily[] = [
      {
        name: 'something_weird',
        type: 'gauge',
        samples: [
          sample('something_weird', Labels.fromStrings('problem', 'division by zero'), Infinity, -3982045),
        ],
      },
    ];
    roundTrip('text', fams);
    // Prometheus's scraper rejects the sign, and so does the lenient level.
    assert.throws(
      () => parseFamilies(writeText(fams), 'text', { strictness: 'lenient' }),
      /expected timestamp/,
    );
  });

  it('with the tricky values written out', () => {
    // A fixed family covering the edges, so a regression shows without shrinking.
    const L = Labels.fromStrings;
    const fams: MetricFamily[] = [
      {
        name: 'édge.case_f0',
        type: 'gauge',
        help: 'quotes " and \\ and\nnewline',
        samples: [
          sample('édge.case_f0', L('a', '\\"\n', 'ü.name', 'x'), -Infinity, 1),
          sample('édge.case_f0', L('b', '1'), 5e-324, 0),
          sample('édge.case_f0', L('b', '2'), NaN, 1520879607789),
          sample('édge.case_f0', L('b', '3'), 1e21, undefined),
        ],
      },
    ];
    roundTrip('text', fams);
    roundTrip('openmetrics', fams);
  });
});

const CONFORMANCE = fileURLToPath(new URL('../../../shared/conformance/', import.meta.url));

/** Parses, writes and parses again, and asserts the two parses agree. */
function rewriteRoundTrip(input: Uint8Array, format: Format, what: string): void {
  const first = parseFamilies(input, format, { strictness: 'strict' });
  const page = format === 'text' ? writeText(first) : writeOpenMetrics(first);
  let second: MetricFamily[];
  try {
    second = parseFamilies(page, format, { strictness: 'strict' });
  } catch (e) {
    throw new Error(
      `${what}: the rewritten page did not parse: ${(e as Error).message}\n--- page ---\n${page}`,
      {
        cause: e,
      },
    );
  }
  assertSameFamilies(second, first, page);
}

describe('real pages read, written and read again are unchanged', () => {
  const present = existsSync(CONFORMANCE);
  const skip = (t: { skip(msg: string): void }): boolean => {
    if (present) return false;
    if (process.env['CI'] === 'true') assert.fail(`missing ${CONFORMANCE}`);
    t.skip(`skipped: ${CONFORMANCE} not present`);
    return true;
  };

  it('every OpenMetrics conformance case that must parse', (t) => {
    if (skip(t)) return;
    const dir = CONFORMANCE + 'openmetrics/parsers/';
    let n = 0;
    for (const c of readdirSync(dir).sort()) {
      const spec = JSON.parse(readFileSync(dir + c + '/test.json', 'utf8')) as { shouldParse: boolean };
      if (!spec.shouldParse) continue;
      rewriteRoundTrip(readFileSync(dir + c + '/metrics'), 'openmetrics', c);
      n++;
    }
    assert.equal(n, 44);
  });

  it('the textparse benchmark pages', (t) => {
    if (skip(t)) return;
    const dir = CONFORMANCE + 'textparse/testdata/';
    rewriteRoundTrip(readFileSync(dir + 'alltypes.237mfs.prom.txt'), 'text', 'alltypes.237mfs.prom.txt');
    rewriteRoundTrip(
      readFileSync(dir + 'alltypes.237mfs.nometa.prom.txt'),
      'text',
      'alltypes.237mfs.nometa.prom.txt',
    );
    rewriteRoundTrip(readFileSync(dir + '1histogram.om.txt'), 'openmetrics', '1histogram.om.txt');
    // alltypes.5mfs.om.txt has a histogram with negative buckets and a (negative) _sum, which
    // OpenMetrics forbids; the strict parser rightly refuses it.
  });
});
