/**
 * Runs promqltest files against the engine over a {@link MemoryStorage}, case by case, and
 * reports each eval as passed or failed with a reason. Native-histogram cases are recognised
 * (histogram values loaded or expected) and reported as such rather than evaluated wrongly.
 */
import { Labels } from '../../model/labels.js';
import { MemoryStorage } from '../../storage/memory.js';
import type { Expr } from '../parser/ast.js';
import { children } from '../parser/ast.js';
import { ALL_FEATURES, parseExpr } from '../parser/parser.js';
import { Engine, ENGINE_FEATURES } from '../engine/engine.js';
import { almostEqual } from '../engine/mathutil.js';
import { QueryError, type QueryResult } from '../engine/types.js';
import { parseTestFile, type EvalCommand, type ExpectAnnotation, type SeriesLine } from './parse.js';

/** The outcome of one eval. */
export interface CaseResult {
  /** Line of the eval command. */
  line: number;
  /** The query. */
  expr: string;
  /** True when the case passed. */
  ok: boolean;
  /** Why it failed. */
  reason: string;
  /** True when the case needs native histograms (a later issue). */
  nativeHistogram: boolean;
}

/** The engine settings upstream's test suite runs with (promqltest README, section 1). */
export function newTestEngine(): Engine {
  return new Engine({
    lookbackDelta: 5 * 60 * 1000,
    maxSamples: 10_000,
    timeout: 100_000,
    noStepSubqueryInterval: 60_000,
    features: [...ENGINE_FEATURES],
  });
}

/** Runs every eval of a test file's text. */
export function runTestFile(text: string, engine: Engine = newTestEngine()): CaseResult[] {
  const cmds = parseTestFile(text);
  let storage = new MemoryStorage();
  let histogramSeries: Labels[] = [];
  const results: CaseResult[] = [];
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') {
      storage = new MemoryStorage();
      histogramSeries = [];
      continue;
    }
    if (cmd.kind === 'load') {
      const app = storage.appender();
      for (const s of cmd.series) {
        if (s.hasHistogram) histogramSeries.push(s.labels);
        for (let i = 0; i < s.values.length; i++) {
          const it = s.values[i]!;
          if (it.kind !== 'float') continue;
          try {
            app.append(0, s.labels, i * cmd.interval, it.v);
          } catch {
            // Rejected samples (out of order across loads) are dropped, as upstream's appender does.
          }
        }
        if (cmd.nhcb) {
          const name = s.labels.get('__name__');
          const m = /^(.*)_(bucket|count|sum)$/.exec(name);
          if (m)
            histogramSeries.push(
              Labels.fromObject({ ...s.labels.without('le').toObject(), __name__: m[1]! }),
            );
        }
      }
      app.commit();
      continue;
    }
    results.push(runEval(engine, storage, cmd, histogramSeries));
  }
  return results;
}

function selectors(e: Expr, out: Expr[]): void {
  if (e.kind === 'VectorSelector') out.push(e);
  for (const c of children(e)) selectors(c, out);
}

function touchesHistograms(expr: string, hist: Labels[]): boolean {
  if (hist.length === 0) return false;
  let parsed: Expr;
  try {
    parsed = parseExpr(expr, ALL_FEATURES);
  } catch {
    return false;
  }
  const sels: Expr[] = [];
  selectors(parsed, sels);
  for (const s of sels) {
    if (s.kind !== 'VectorSelector') continue;
    for (const h of hist) if (s.matchers.every((m) => m.matches(h.get(m.name)))) return true;
  }
  return false;
}

function runEval(engine: Engine, storage: MemoryStorage, cmd: EvalCommand, hist: Labels[]): CaseResult {
  const base = { line: cmd.line, expr: cmd.expr };
  const nh = cmd.expectsHistogram || touchesHistograms(cmd.expr, hist);
  if (nh) return { ...base, ok: false, reason: 'native histograms: later issue', nativeHistogram: true };
  let res: QueryResult;
  try {
    if (cmd.range) res = engine.rangeQuery(storage, cmd.expr, cmd.start, cmd.end, cmd.step);
    else res = engine.instantQuery(storage, cmd.expr, cmd.start);
  } catch (e) {
    if (!(e instanceof QueryError)) {
      return {
        ...base,
        ok: false,
        reason: `crash: ${(e as Error).stack ?? String(e)}`,
        nativeHistogram: false,
      };
    }
    if (!cmd.fail)
      return { ...base, ok: false, reason: `unexpected error: ${e.message}`, nativeHistogram: false };
    if (!matchesExpectation(cmd.fail, e.message)) {
      return {
        ...base,
        ok: false,
        reason: `error ${JSON.stringify(e.message)} does not match ${cmd.fail.mode}: ${cmd.fail.text}`,
        nativeHistogram: false,
      };
    }
    return { ...base, ok: true, reason: '', nativeHistogram: false };
  }
  if (cmd.fail) return { ...base, ok: false, reason: 'expected an error, got none', nativeHistogram: false };
  const why = checkAnnotations(cmd, res) ?? checkResult(cmd, res);
  return { ...base, ok: why === null, reason: why ?? '', nativeHistogram: false };
}

function matchesExpectation(a: ExpectAnnotation, text: string): boolean {
  if (a.mode === null) return true;
  if (a.mode === 'msg') return a.text === text.trim() || a.text === text;
  return new RegExp(a.text).test(text);
}

function checkKind(
  kind: string,
  expected: ExpectAnnotation[] | null,
  none: boolean,
  any: boolean,
  got: string[],
): string | null {
  if (none && got.length > 0) return `unexpected ${kind}: ${got.join('; ')}`;
  if (any && got.length === 0) return `expected a ${kind}, got none`;
  if (!expected) return null;
  if (got.length === 0) return `expected ${kind}, got none`;
  for (const g of got) if (!expected.some((e) => matchesExpectation(e, g))) return `unexpected ${kind}: ${g}`;
  for (const e of expected)
    if (!got.some((g) => matchesExpectation(e, g))) return `missing ${kind} ${e.text}; got ${got.join('; ')}`;
  return null;
}

function checkAnnotations(cmd: EvalCommand, res: QueryResult): string | null {
  return (
    checkKind('warning', cmd.warn, cmd.noWarn, cmd.anyWarn, res.warnings) ??
    checkKind('info', cmd.info, cmd.noInfo, cmd.anyInfo, res.infos)
  );
}

function floatEq(exp: number, act: number): boolean {
  return almostEqual(exp, act, 1e-6);
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Expected points of a series line at times start, start+step, …; `none` entries skipped. */
function expectedPoints(s: SeriesLine, start: number, step: number): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  s.values.forEach((it, i) => {
    if (it.kind === 'float') out.push({ t: start + i * step, v: it.v });
  });
  return out;
}

function checkMatrix(
  got: { metric: Labels; ts: Float64Array; vs: Float64Array }[],
  expected: SeriesLine[],
  start: number,
  end: number,
  step: number,
): string | null {
  for (let i = 1; i < got.length; i++) {
    if (Labels.compare(got[i - 1]!.metric, got[i]!.metric) >= 0)
      return 'matrix result is not sorted by labels';
  }
  if (got.length !== expected.length) {
    return `expected ${expected.length} series, got ${got.length}: ${got.map((g) => g.metric.toString()).join(', ')}`;
  }
  for (const e of expected) {
    const g = got.find((x) => x.metric.equals(e.labels));
    if (!g)
      return `missing series ${e.labels.toString()}; got ${got.map((x) => x.metric.toString()).join(', ')}`;
    if (start + (e.values.length - 1) * step > end && e.values.length > 0)
      return `more values than steps for ${e.labels.toString()}`;
    const pts = expectedPoints(e, start, step);
    if (pts.length !== g.ts.length) {
      return `series ${e.labels.toString()}: expected ${pts.length} points, got ${g.ts.length} (${Array.from(
        g.ts,
      )
        .map((t, k) => `${fmt(g.vs[k]!)}@${t}`)
        .join(' ')})`;
    }
    for (let k = 0; k < pts.length; k++) {
      if (pts[k]!.t !== g.ts[k] || !floatEq(pts[k]!.v, g.vs[k]!)) {
        return `series ${e.labels.toString()}: expected ${fmt(pts[k]!.v)}@${pts[k]!.t}, got ${fmt(g.vs[k]!)}@${g.ts[k]}`;
      }
    }
  }
  return null;
}

function checkResult(cmd: EvalCommand, res: QueryResult): string | null {
  const v = res.value;
  if (cmd.string !== null) {
    if (v.type !== 'string') return `expected string, got ${v.type}`;
    return v.v === cmd.string
      ? null
      : `expected string ${JSON.stringify(cmd.string)}, got ${JSON.stringify(v.v)}`;
  }
  if (cmd.range) {
    if (v.type !== 'matrix') return `expected matrix, got ${v.type}`;
    if (cmd.scalar !== null) return 'scalar expectation in range eval';
    return checkMatrix(v.series, cmd.series, cmd.start, cmd.end, cmd.step);
  }
  if (cmd.rangeVector) {
    if (v.type !== 'matrix') return `expected range vector, got ${v.type}`;
    return checkMatrix(
      v.series,
      cmd.series,
      cmd.rangeVector.start,
      cmd.rangeVector.end,
      cmd.rangeVector.step,
    );
  }
  if (cmd.scalar !== null) {
    if (v.type !== 'scalar') return `expected scalar, got ${v.type}`;
    return floatEq(cmd.scalar, v.v) ? null : `expected scalar ${fmt(cmd.scalar)}, got ${fmt(v.v)}`;
  }
  if (v.type === 'scalar') return `expected vector, got scalar ${fmt(v.v)}`;
  if (v.type !== 'vector') return `expected vector, got ${v.type}`;
  const got = v.samples;
  if (got.length !== cmd.series.length) {
    return `expected ${cmd.series.length} samples, got ${got.length}: ${got.map((s) => `${s.metric.toString()} ${fmt(s.v)}`).join(', ')}`;
  }
  for (let k = 0; k < cmd.series.length; k++) {
    const e = cmd.series[k]!;
    if (e.values.length !== 1 || e.values[0]!.kind !== 'float')
      return `expected exactly one value for ${e.labels.toString()}`;
    const want = e.values[0].v;
    const idx = cmd.ordered ? k : got.findIndex((s) => s.metric.equals(e.labels));
    const g = got[idx];
    if (!g || !g.metric.equals(e.labels)) {
      return `missing ${e.labels.toString()}${cmd.ordered ? ` at position ${k}` : ''}; got ${got.map((s) => s.metric.toString()).join(', ')}`;
    }
    if (!floatEq(want, g.v)) return `${e.labels.toString()}: expected ${fmt(want)}, got ${fmt(g.v)}`;
  }
  return null;
}
