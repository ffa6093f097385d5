/**
 * The promqltest language (Prometheus's promql/promqltest): `load`, `load_with_nhcb`, `clear` and
 * `eval` blocks with their expectations, and the series value notation (`1+2x3`, `_x2`, `stale`,
 * `{{…}}` histograms, which are recognised and counted but not decoded).
 */
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { parseDuration } from '../parser/format.js';
import { parseMetricSelector } from '../parser/parser.js';

/** One item of a series' values. */
export type ValueItem = { kind: 'float'; v: number } | { kind: 'none' } | { kind: 'histogram' };

/** A series line: labels and values (value i at i × interval for loads, at step i for results). */
export interface SeriesLine {
  /** The labels, `__name__` included. */
  labels: Labels;
  /** The expanded values; `none` means no sample at that position. */
  values: ValueItem[];
  /** True when any value is a native histogram. */
  hasHistogram: boolean;
}

/** A `load` block. */
export interface LoadCommand {
  /** Discriminator. */
  kind: 'load';
  /** Line of the command. */
  line: number;
  /** Interval between values, ms. */
  interval: number;
  /** `load_with_nhcb`. */
  nhcb: boolean;
  /** The series. */
  series: SeriesLine[];
}

/** A `clear` line. */
export interface ClearCommand {
  /** Discriminator. */
  kind: 'clear';
  /** Line of the command. */
  line: number;
}

/** An expected annotation line (`expect warn msg: …`). */
export interface ExpectAnnotation {
  /** `msg` or `regex`, or null for "any". */
  mode: 'msg' | 'regex' | null;
  /** The text or pattern. */
  text: string;
}

/** An `eval` block. */
export interface EvalCommand {
  /** Discriminator. */
  kind: 'eval';
  /** Line of the command (1-based). */
  line: number;
  /** The query. */
  expr: string;
  /** Instant (at `start`) or range. */
  range: boolean;
  /** Evaluation time or range start, ms. */
  start: number;
  /** Range end, ms. */
  end: number;
  /** Range step, ms. */
  step: number;
  /** Failure expected; with an optional message or regex. */
  fail: ExpectAnnotation | null;
  /** Expected warnings (any of them must match); null when unchecked. */
  warn: ExpectAnnotation[] | null;
  /** Expected infos. */
  info: ExpectAnnotation[] | null;
  /** `expect no_warn`. */
  noWarn: boolean;
  /** `expect no_info`. */
  noInfo: boolean;
  /** Deprecated eval_warn/eval_info: at least one annotation. */
  anyWarn: boolean;
  /** See {@link anyWarn}. */
  anyInfo: boolean;
  /** `expect ordered`. */
  ordered: boolean;
  /** `expect range vector from a to b step s`. */
  rangeVector: { start: number; end: number; step: number } | null;
  /** `expect string "…"`. */
  string: string | null;
  /** An expected scalar. */
  scalar: number | null;
  /** Expected series. */
  series: SeriesLine[];
  /** True when the expected results contain a histogram. */
  expectsHistogram: boolean;
}

/** Any command. */
export type Command = LoadCommand | ClearCommand | EvalCommand;

/** A parse error in a test file. */
export class TestFileError extends Error {}

/** Go's strconv.ParseFloat for the values the test files use. */
export function parseNumber(s: string): number {
  const l = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(l)) return l.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(l)) return NaN;
  if (/^[+-]?0x[0-9a-f]+$/.test(l))
    return l.startsWith('-') ? -Number(l.slice(1)) : Number(l.replace(/^\+/, ''));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(l))
    throw new TestFileError(`invalid number ${JSON.stringify(s)}`);
  return Number(l);
}

function durationMs(s: string): number {
  if (s === '0') return 0;
  const neg = s.startsWith('-');
  const v = parseDuration(neg ? s.slice(1) : s);
  return neg ? -v : v;
}

/** Splits a value list into items, keeping `{{…}}` groups (and their `+{{…}}xN` tails) together. */
function tokenizeValues(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let j = i;
    let depth = 0;
    while (j < s.length) {
      if (s.startsWith('{{', j)) {
        depth++;
        j += 2;
        continue;
      }
      if (s.startsWith('}}', j) && depth > 0) {
        depth--;
        j += 2;
        continue;
      }
      if (depth === 0 && /\s/.test(s[j]!)) break;
      j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Expands one value item. */
function expandItem(tok: string, out: ValueItem[]): boolean {
  if (tok.includes('{{')) {
    const m = /x(\d+)$/.exec(tok.slice(tok.lastIndexOf('}}')));
    const n = m ? Number(m[1]) + 1 : 1;
    for (let k = 0; k < n; k++) out.push({ kind: 'histogram' });
    return true;
  }
  if (tok === '_') {
    out.push({ kind: 'none' });
    return false;
  }
  let m = /^_x(\d+)$/.exec(tok);
  if (m) {
    for (let k = 0; k < Number(m[1]); k++) out.push({ kind: 'none' });
    return false;
  }
  if (tok === 'stale') {
    out.push({ kind: 'float', v: STALE_NAN });
    return false;
  }
  try {
    // In series values `0x5` is "0 repeated", not hexadecimal, as Prometheus's series lexer reads it.
    if (/^[+-]?0x\d+$/i.test(tok)) throw new TestFileError('repetition');
    out.push({ kind: 'float', v: parseNumber(tok) });
    return false;
  } catch {
    // Not a plain number: one of the expanding forms.
  }
  m = /^([+-]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))([+-])(.+)x(\d+)$/i.exec(tok);
  if (m) {
    const a = parseNumber(m[1]!);
    const b = parseNumber(m[3]!) * (m[2] === '-' ? -1 : 1);
    const n = Number(m[4]);
    for (let k = 0; k <= n; k++) out.push({ kind: 'float', v: a + k * b });
    return false;
  }
  m = /^(.+)x(\d+)$/.exec(tok);
  if (m) {
    const a = m[1] === 'stale' ? STALE_NAN : parseNumber(m[1]!);
    for (let k = 0; k <= Number(m[2]); k++) out.push({ kind: 'float', v: a });
    return false;
  }
  throw new TestFileError(`invalid value ${JSON.stringify(tok)}`);
}

/** Parses `<selector> <values>`. */
export function parseSeriesLine(line: string): SeriesLine {
  let split: number;
  const brace = line.indexOf('{');
  const firstSpace = line.search(/\s/);
  if (brace >= 0 && (firstSpace < 0 || brace < firstSpace)) {
    let i = brace + 1;
    let inStr: string | null = null;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (inStr) {
        if (c === '\\') i++;
        else if (c === inStr) inStr = null;
      } else if (c === '"' || c === "'" || c === '`') inStr = c;
      else if (c === '}') break;
    }
    split = i + 1;
  } else {
    split = firstSpace < 0 ? line.length : firstSpace;
  }
  const sel = line.slice(0, split).trim();
  const rest = line.slice(split).trim();
  const matchers = parseMetricSelector(sel);
  const obj: Record<string, string> = {};
  for (const m of matchers) obj[m.name] = m.value;
  const values: ValueItem[] = [];
  let hasHistogram = false;
  for (const tok of tokenizeValues(rest)) if (expandItem(tok, values)) hasHistogram = true;
  return { labels: Labels.fromObject(obj), values, hasHistogram };
}

const EVAL_RE =
  /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(instant|range)\s+(?:at\s+(\S+)|from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.*)$/i;
const EXPECT_RE = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;

/** Parses a whole test file. */
export function parseTestFile(text: string): Command[] {
  const lines = text.split('\n').map((l) => l.trim());
  const cmds: Command[] = [];
  let i = 0;
  const isBlank = (l: string): boolean => l === '' || l.startsWith('#');
  while (i < lines.length) {
    const l = lines[i]!;
    if (isBlank(l)) {
      i++;
      continue;
    }
    const word = l.split(/\s+/)[0]!.toLowerCase();
    if (word === 'clear') {
      cmds.push({ kind: 'clear', line: i + 1 });
      i++;
      continue;
    }
    if (word === 'load' || word === 'load_with_nhcb') {
      const interval = durationMs(l.split(/\s+/)[1] ?? '');
      const cmd: LoadCommand = {
        kind: 'load',
        line: i + 1,
        interval,
        nhcb: word === 'load_with_nhcb',
        series: [],
      };
      i++;
      while (i < lines.length && !isBlank(lines[i]!)) {
        const sl = lines[i]!;
        if (/^\S+@st\s/.test(sl) || /}@st\s/.test(sl)) {
          i++;
          continue;
        }
        const s = parseSeriesLine(sl);
        const prev = cmd.series.findIndex((x) => x.labels.equals(s.labels));
        if (prev >= 0) cmd.series[prev] = s;
        else cmd.series.push(s);
        i++;
      }
      cmds.push(cmd);
      continue;
    }
    if (word.startsWith('eval')) {
      const m = EVAL_RE.exec(l);
      if (!m) throw new TestFileError(`line ${i + 1}: invalid eval command: ${l}`);
      const variant = m[1]!.toLowerCase();
      const range = m[2]!.toLowerCase() === 'range';
      const cmd: EvalCommand = {
        kind: 'eval',
        line: i + 1,
        expr: m[7]!,
        range,
        start: durationMs(range ? m[4]! : m[3]!),
        end: range ? durationMs(m[5]!) : 0,
        step: range ? durationMs(m[6]!) : 0,
        fail: variant === 'eval_fail' ? { mode: null, text: '' } : null,
        warn: null,
        info: null,
        noWarn: false,
        noInfo: false,
        anyWarn: variant === 'eval_warn',
        anyInfo: variant === 'eval_info',
        ordered: variant === 'eval_ordered',
        rangeVector: null,
        string: null,
        scalar: null,
        series: [],
        expectsHistogram: false,
      };
      if (!range) cmd.end = cmd.start;
      i++;
      while (i < lines.length && !isBlank(lines[i]!)) {
        const dl = lines[i]!;
        i++;
        if (dl.startsWith('expected_fail_message ')) {
          cmd.fail = { mode: 'msg', text: dl.slice('expected_fail_message '.length).trim() };
          continue;
        }
        if (dl.startsWith('expected_fail_regexp ')) {
          cmd.fail = { mode: 'regex', text: dl.slice('expected_fail_regexp '.length).trim() };
          continue;
        }
        let em = /^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/.exec(dl);
        if (em) {
          cmd.rangeVector = { start: durationMs(em[1]!), end: durationMs(em[2]!), step: durationMs(em[3]!) };
          continue;
        }
        em = /^expect\s+string\s+(.*)$/.exec(dl);
        if (em) {
          const q = em[1]!.trim();
          cmd.string = q.startsWith('`') ? q.slice(1, -1) : (JSON.parse(q) as string);
          continue;
        }
        em = EXPECT_RE.exec(dl);
        if (em) {
          const a: ExpectAnnotation = {
            mode: (em[2] as 'msg' | 'regex' | undefined) ?? null,
            text: (em[3] ?? '').trim(),
          };
          switch (em[1]) {
            case 'ordered':
              cmd.ordered = true;
              break;
            case 'fail':
              cmd.fail = a;
              break;
            case 'warn':
              (cmd.warn ??= []).push(a);
              break;
            case 'info':
              (cmd.info ??= []).push(a);
              break;
            case 'no_warn':
              cmd.noWarn = true;
              break;
            case 'no_info':
              cmd.noInfo = true;
              break;
          }
          continue;
        }
        if (dl.startsWith('expect')) throw new TestFileError(`line ${i}: invalid expect line: ${dl}`);
        try {
          cmd.scalar = parseNumber(dl);
          continue;
        } catch {
          // A series line.
        }
        const s = parseSeriesLine(dl);
        if (s.hasHistogram) cmd.expectsHistogram = true;
        cmd.series.push(s);
      }
      cmds.push(cmd);
      continue;
    }
    throw new TestFileError(`line ${i + 1}: unknown command ${JSON.stringify(word)}`);
  }
  return cmds;
}
