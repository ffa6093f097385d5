/**
 * `promtool test rules`: unit tests for rule files. Each test group gets fresh storage; input
 * series are appended lazily up to each evaluation step; every rule group is evaluated at every
 * step; firing alerts are compared at their `eval_time`s; PromQL expressions are checked after
 * the last step. Messages are promtool's, so a failing test reads the same with either tool.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { formatDuration, glob, parseDuration } from '../../config/index.js';
import { Labels } from '../../model/labels.js';
import { Engine, type EngineFeature } from '../../promql/engine/engine.js';
import { parseMetricSelector } from '../../promql/parser/parser.js';
import { parseSeriesLine, type SeriesLine } from '../../promql/promqltest/parse.js';
import { AlertingRule } from '../../rules/alerting.js';
import type { Group } from '../../rules/group.js';
import { RuleManager } from '../../rules/manager.js';
import { engineQueryFunc } from '../../rules/rule.js';
import { MemoryStorage } from '../../storage/memory.js';

/** Options of a unit-test run. */
export interface UnitTestOptions {
  /** `--run` patterns (OR-ed, unanchored); empty runs every group. */
  run: string[];
  /** Engine features from `--enable-feature`. */
  features: EngineFeature[];
  /** `--ignore-unknown-fields` (rule files only). */
  ignoreUnknownFields: boolean;
}

/** The outcome of one test group, for the JUnit report. */
export interface GroupResult {
  /** Group name, or `unnamed#<index>`. */
  name: string;
  /** Failure messages (empty: passed). */
  failures: string[];
}

/** The outcome of one test file. */
export interface FileResult {
  /** Errors in promtool's wording; empty when every group passed. */
  errors: string[];
  /** Per-group results. */
  groups: GroupResult[];
  /** Set when the file could not be run at all. */
  aborted: string | null;
}

interface SeriesDef {
  series: string;
  values: string;
}
interface AlertDef {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
interface AlertTest {
  eval_time: number;
  alertname: string;
  exp_alerts: AlertDef[];
}
interface SampleDef {
  labels: string;
  value: number;
  histogram: string;
}
interface ExprTest {
  expr: string;
  eval_time: number;
  exp_samples: SampleDef[];
}
interface TestGroup {
  name: string;
  interval: number;
  start: number;
  input_series: SeriesDef[];
  alert_rule_test: AlertTest[];
  promql_expr_test: ExprTest[];
  external_labels: Record<string, string>;
  external_url: string;
}
interface TestFile {
  rule_files: string[];
  evaluation_interval: number;
  group_eval_order: string[];
  fuzzy_compare: boolean;
  tests: TestGroup[];
}

/** A YAML strictness error, worded as yaml.v2's UnmarshalStrict. */
class StrictError extends Error {}

function obj(v: unknown, type: string, known: readonly string[]): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new StrictError(`yaml: unmarshal errors:\n  cannot unmarshal into ${type}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new StrictError(`yaml: unmarshal errors:\n  field ${k} not found in type ${type}`);
  return o;
}

function arr(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new StrictError('yaml: unmarshal errors:\n  cannot unmarshal into a list');
  return v;
}

function dur(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return parseDuration(String(v));
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === null || v === undefined) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = x === null ? '' : String(x);
  return out;
}

function startTimestamp(v: unknown): number {
  if (v === null || v === undefined || v === '') return 0;
  if (typeof v === 'number') return Math.round(v * 1000);
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new StrictError(`start_timestamp: cannot parse ${JSON.stringify(s)} as RFC3339 or Unix timestamp`);
  return t;
}

/** Turns YAML nulls (plain `~`, `null`, empty) of a failsafe-parsed value into JavaScript nulls. */
function nullify(v: unknown): unknown {
  if (typeof v === 'string') return ['', '~', 'null', 'Null', 'NULL'].includes(v) ? null : v;
  if (Array.isArray(v)) return v.map(nullify);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, nullify(x)]));
  return v;
}

/** A YAML float as yaml.v2 reads one (`.inf`, `.nan` and plain numbers). */
function yamlFloat(s: string): number {
  const l = s.toLowerCase();
  if (l === '.inf' || l === '+.inf') return Infinity;
  if (l === '-.inf') return -Infinity;
  if (l === '.nan') return NaN;
  const n = Number(s.replace(/_/g, ''));
  if (Number.isNaN(n))
    throw new StrictError(`yaml: unmarshal errors:\n  cannot unmarshal !!str \`${s}\` into float64`);
  return n;
}

/** Parses a unit-test file strictly (unknown keys are errors). */
export function parseTestFile(text: string): TestFile {
  // The failsafe schema keeps scalars as written: `0x10` is a series value, not sixteen.
  const doc = parseDocument(text, { schema: 'failsafe', merge: true });
  if (doc.errors.length > 0)
    throw new StrictError(
      `yaml: line ${doc.errors[0]!.linePos?.[0].line ?? 0}: ${doc.errors[0]!.message.split('\n')[0]!}`,
    );
  const root = obj(nullify(doc.toJS()), 'main.unitTestFile', [
    'rule_files',
    'evaluation_interval',
    'group_eval_order',
    'tests',
    'fuzzy_compare',
  ]);
  return {
    rule_files: arr(root.rule_files).map(String),
    evaluation_interval: dur(root.evaluation_interval),
    group_eval_order: arr(root.group_eval_order).map(String),
    fuzzy_compare: ['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'y', 'Y'].includes(
      String(root.fuzzy_compare),
    ),
    tests: arr(root.tests).map((t) => {
      const g = obj(t, 'main.testGroup', [
        'interval',
        'input_series',
        'alert_rule_test',
        'promql_expr_test',
        'external_labels',
        'external_url',
        'name',
        'start_timestamp',
      ]);
      return {
        name: g.name === undefined || g.name === null ? '' : String(g.name),
        interval: dur(g.interval),
        start: startTimestamp(g.start_timestamp),
        input_series: arr(g.input_series).map((s) => {
          const o = obj(s, 'main.series', ['series', 'values']);
          return { series: String(o.series ?? ''), values: String(o.values ?? '') };
        }),
        alert_rule_test: arr(g.alert_rule_test).map((a) => {
          const o = obj(a, 'main.alertTestCase', ['eval_time', 'alertname', 'exp_alerts']);
          return {
            eval_time: dur(o.eval_time),
            alertname: String(o.alertname ?? ''),
            exp_alerts: arr(o.exp_alerts).map((e) => {
              const x = obj(e, 'main.alert', ['exp_labels', 'exp_annotations']);
              return { exp_labels: strMap(x.exp_labels), exp_annotations: strMap(x.exp_annotations) };
            }),
          };
        }),
        promql_expr_test: arr(g.promql_expr_test).map((p) => {
          const o = obj(p, 'main.promqlTestCase', ['expr', 'eval_time', 'exp_samples']);
          return {
            expr: String(o.expr ?? ''),
            eval_time: dur(o.eval_time),
            exp_samples: arr(o.exp_samples).map((s) => {
              const x = obj(s, 'main.sample', ['labels', 'value', 'histogram']);
              return {
                labels: x.labels === undefined || x.labels === null ? '' : String(x.labels),
                value: x.value === undefined || x.value === null ? 0 : yamlFloat(String(x.value)),
                histogram: x.histogram === undefined || x.histogram === null ? '' : String(x.histogram),
              };
            }),
          };
        }),
        external_labels: strMap(g.external_labels),
        external_url: g.external_url === undefined || g.external_url === null ? '' : String(g.external_url),
      };
    }),
  };
}

/** Go's `strconv.FormatFloat(v, 'E', -1, 64)`. */
function formatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e');
  const n = Number(e);
  return `${m}E${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** Parses `metric{a="b"}` or `{a="b"}` into labels (Prometheus's ParseMetric). */
function parseMetric(s: string): Labels {
  if (s.trim() === '') return Labels.EMPTY;
  const o: Record<string, string> = {};
  for (const m of parseMetricSelector(s)) o[m.name] = m.value;
  return Labels.fromObject(o);
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** True when `b` is `a`'s next float towards `b` (one ULP apart). */
function oneUlp(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b)) return false;
  f64[0] = a;
  const x = i64[0]!;
  f64[0] = b;
  const y = i64[0]!;
  const d = x > y ? x - y : y - x;
  return d === 1n;
}

interface ParsedSample {
  labels: Labels;
  value: number;
  histogram: string;
}

function sampleString(s: ParsedSample): string {
  return s.histogram !== ''
    ? `${s.labels.toString()} ${s.histogram}`
    : `${s.labels.toString()} ${formatE(s.value)}`;
}

function samplesString(ss: ParsedSample[]): string {
  return ss.length === 0 ? 'nil' : ss.map(sampleString).join(', ');
}

interface LabelsAndAnnotations {
  labels: Labels;
  annotations: Labels;
}

function indentLines(lines: string, indent: string): string {
  return lines.split('\n').join('\n' + indent);
}

function laString(la: LabelsAndAnnotations[]): string {
  if (la.length === 0) return '[]';
  const one = (x: LabelsAndAnnotations): string =>
    `Labels:${x.labels.toString()}\nAnnotations:${x.annotations.toString()}`;
  let s = '[\n0:' + indentLines('\n' + one(la[0]!), '  ');
  la.slice(1).forEach((x, i) => (s += `,\n${i + 1}:` + indentLines('\n' + one(x), '  ')));
  return s + '\n]';
}

function laCompare(a: LabelsAndAnnotations, b: LabelsAndAnnotations): number {
  const c = Labels.compare(a.labels, b.labels);
  return c !== 0 ? c : Labels.compare(a.annotations, b.annotations);
}

/** Runs one unit-test file; `filename` relative paths resolve from the current directory. */
export function runTestFile(filename: string, opts: UnitTestOptions): FileResult {
  let file: TestFile;
  try {
    file = parseTestFile(readFileSync(filename, 'utf8'));
  } catch (e) {
    const msg =
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `open ${filename}: no such file or directory`
        : (e as Error).message;
    return { errors: [msg], groups: [], aborted: msg };
  }
  const ruleFiles: string[] = [];
  for (const rf of file.rule_files) {
    const p = isAbsolute(rf) ? rf : join(dirname(filename), rf);
    ruleFiles.push(...glob(p));
  }
  const evalInterval = file.evaluation_interval || 60_000;
  const order = new Map<string, number>();
  for (const [i, gn] of file.group_eval_order.entries()) {
    if (order.has(gn)) {
      const msg = `group name repeated in evaluation order: ${gn}`;
      return { errors: [msg], groups: [], aborted: msg };
    }
    order.set(gn, i);
  }
  const run = opts.run.length > 0 ? new RegExp(opts.run.join('|'), 'u') : null;
  const errors: string[] = [];
  const groups: GroupResult[] = [];
  file.tests.forEach((tg, i) => {
    if (run !== null && !run.test(tg.name)) return;
    const name = tg.name !== '' ? tg.name : `unnamed#${i}`;
    if (tg.interval === 0) tg.interval = evalInterval;
    const errs = runGroup(tg, evalInterval, order, ruleFiles, file.fuzzy_compare, opts);
    groups.push({ name, failures: errs });
    errors.push(...errs);
  });
  return { errors, groups, aborted: null };
}

function runGroup(
  tg: TestGroup,
  evalInterval: number,
  order: ReadonlyMap<string, number>,
  ruleFiles: string[],
  fuzzy: boolean,
  opts: UnitTestOptions,
): string[] {
  const mint = tg.start;
  // Input series: each value i at start + i × interval, appended lazily as evaluation advances.
  const inputs: { line: SeriesLine; next: number }[] = [];
  for (const [i, s] of tg.input_series.entries()) {
    try {
      inputs.push({ line: parseSeriesLine(`${s.series} ${s.values}`), next: 0 });
    } catch (e) {
      // promtool parses a `load` block whose first line is the command: series i is on line i + 2.
      return [(e as Error).message.replace(/^1:/, `${i + 2}:`)];
    }
  }
  const storage = new MemoryStorage();
  const appendTill = (t: number): void => {
    const app = storage.appender();
    for (const inp of inputs) {
      const vals = inp.line.values;
      while (inp.next < vals.length && mint + inp.next * tg.interval <= t) {
        const item = vals[inp.next]!;
        // Native histogram samples cannot be stored yet; their series simply have no samples.
        if (item.kind === 'float') app.append(0, inp.line.labels, mint + inp.next * tg.interval, item.v);
        inp.next++;
      }
    }
    app.commit();
  };
  const engine = new Engine({
    lookbackDelta: 5 * 60_000,
    maxSamples: 10_000,
    timeout: 100_000,
    noStepSubqueryInterval: evalInterval,
    features: ['promql-duration-expr', ...opts.features],
  });
  const manager = new RuleManager({
    appendable: storage,
    queryable: storage,
    query: engineQueryFunc(engine, storage),
    parseOptions: engine.parseOptions(),
  });
  const loaded = manager.loadGroups({
    interval: evalInterval,
    files: ruleFiles,
    externalLabels: Labels.fromObject(tg.external_labels),
    externalURL: tg.external_url,
    ignoreUnknownFields: opts.ignoreUnknownFields,
  });
  if (loaded.errors.length > 0) return loaded.errors;
  // Groups not in group_eval_order sort as position 0, ahead of or among the listed ones.
  const groups: Group[] = [...loaded.groups.values()].sort(
    (a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0),
  );
  for (const g of groups) for (const r of g.alertingRules()) r.restored = true;

  let maxEval = 0;
  for (const a of tg.alert_rule_test) maxEval = Math.max(maxEval, a.eval_time);
  for (const p of tg.promql_expr_test) maxEval = Math.max(maxEval, p.eval_time);
  const maxt = mint + maxEval;

  const alertTimes = [...new Set(tg.alert_rule_test.map((a) => a.eval_time))].sort((a, b) => a - b);
  const errs: string[] = [];
  let curr = 0;
  for (let ts = mint; ts <= maxt; ts += evalInterval) {
    appendTill(ts);
    const evalErrs: string[] = [];
    for (const g of groups) {
      g.evaluate(ts);
      for (const r of g.rules)
        if (r.stats.lastError !== '')
          evalErrs.push(`    rule: ${r.name}, time: ${formatDuration(ts - mint)}, err: ${r.stats.lastError}`);
    }
    if (evalErrs.length > 0) return [...errs, ...evalErrs];
    // Alert tests whose eval_time falls in [ts, ts + interval) are checked against this step.
    while (
      curr < alertTimes.length &&
      ts - mint <= alertTimes[curr]! &&
      alertTimes[curr]! < ts + evalInterval - mint
    ) {
      const t = alertTimes[curr]!;
      const tests = tg.alert_rule_test.filter((a) => a.eval_time === t);
      const present = new Set(tests.map((a) => a.alertname));
      const got = new Map<string, LabelsAndAnnotations[]>();
      for (const g of groups)
        for (const r of g.rules) {
          if (!(r instanceof AlertingRule) || !present.has(r.name)) continue;
          const list = got.get(r.name) ?? [];
          for (const a of r.activeAlerts())
            if (a.state === 'firing') list.push({ labels: a.labels, annotations: a.annotations });
          got.set(r.name, list);
        }
      for (const tc of tests) {
        const gotAlerts = [...(got.get(tc.alertname) ?? [])].sort(laCompare);
        const exp = tc.exp_alerts
          .map((a) => ({
            labels: Labels.fromObject({ ...a.exp_labels, alertname: tc.alertname }),
            annotations: Labels.fromObject(a.exp_annotations ?? {}),
          }))
          .sort(laCompare);
        const same =
          exp.length === gotAlerts.length &&
          exp.every(
            (e, k) =>
              e.labels.equals(gotAlerts[k]!.labels) && e.annotations.equals(gotAlerts[k]!.annotations),
          );
        if (!same) {
          const testName = tg.name !== '' ? `    name: ${tg.name},\n` : '';
          errs.push(
            `${testName}    alertname: ${tc.alertname}, time: ${formatDuration(tc.eval_time)}, \n` +
              `        exp:${indentLines(laString(exp), '            ')}, \n` +
              `        got:${indentLines(laString(gotAlerts), '            ')}`,
          );
        }
      }
      curr++;
    }
  }

  const query = engineQueryFunc(engine, storage);
  for (const tc of tg.promql_expr_test) {
    const where = `    expr: ${JSON.stringify(tc.expr)}, time: ${formatDuration(tc.eval_time)}`;
    let got: ParsedSample[];
    try {
      got = query(tc.expr, mint + tc.eval_time).map((s) => ({ labels: s.metric, value: s.v, histogram: '' }));
    } catch (e) {
      errs.push(`${where}, err: ${(e as Error).message}`);
      continue;
    }
    const exp: ParsedSample[] = [];
    let bad = false;
    for (const s of tc.exp_samples) {
      try {
        exp.push({ labels: parseMetric(s.labels), value: s.value, histogram: s.histogram });
      } catch (e) {
        errs.push(`${where}, err: labels ${JSON.stringify(s.labels)}: ${(e as Error).message}`);
        bad = true;
        break;
      }
      if (s.histogram !== '') {
        errs.push(
          `${where}, err: native histograms are not supported by ignis yet (expected ${s.histogram})`,
        );
        bad = true;
        break;
      }
    }
    if (bad) continue;
    const byLabels = (a: ParsedSample, b: ParsedSample): number => Labels.compare(a.labels, b.labels);
    exp.sort(byLabels);
    got.sort(byLabels);
    const eq = (a: number, b: number): boolean => a === b || (fuzzy && oneUlp(a, b));
    const same =
      exp.length === got.length &&
      exp.every(
        (e, k) =>
          e.labels.equals(got[k]!.labels) && e.histogram === got[k]!.histogram && eq(e.value, got[k]!.value),
      );
    if (!same) errs.push(`${where},\n        exp: ${samplesString(exp)}\n        got: ${samplesString(got)}`);
  }
  return errs;
}

/** Escapes text for XML attributes and content. */
function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;')
    .replace(/\n/g, '&#xA;')
    .replace(/\t/g, '&#x9;');
}

/** The JUnit XML promtool writes: one `<testsuite>` per file, one `<testcase>` per group. */
export function junitXML(results: { file: string; result: FileResult; timestamp: string }[]): string {
  let out = '<testsuites>';
  for (const { file, result, timestamp } of results) {
    const cases = result.groups.map((g) => ({ name: g.name, failures: g.failures, error: '' }));
    if (result.aborted !== null) cases.push({ name: 'aborted', failures: [], error: result.aborted });
    const failures = cases.filter((c) => c.failures.length > 0).length;
    out += `<testsuite name="${xmlEscape(file)}" tests="${cases.length}" failures="${failures}" errors="${
      result.aborted !== null ? 1 : 0
    }" skipped="0" timestamp="${timestamp}">`;
    for (const c of cases) {
      out += `<testcase name="${xmlEscape(c.name)}">`;
      for (const f of c.failures) out += `<failure>${xmlEscape(f)}</failure>`;
      if (c.error !== '') out += `<error>${xmlEscape(c.error)}</error>`;
      out += '</testcase>';
    }
    out += '</testsuite>';
  }
  return out + '</testsuites>';
}
