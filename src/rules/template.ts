/**
 * The seam between rules and Go-template expansion. Alerting rules expand their labels and
 * annotations through a {@link TemplateExpander}; the full Go text/template engine lives in
 * src/template, and until it is wired in, {@link defaultTemplateExpander} covers the forms rule
 * files use most (now only a fallback; {@link goTemplateExpander} is the default): `{{ $labels.x }}`, `{{ $value }}`, `{{ $externalLabels.x }}`,
 * `{{ $externalURL }}`, their `.Labels`/`.Value` spellings, and simple pipelines.
 */

import { checkTemplate, expandTemplate } from '../template/index.js';

/** The data an alert template sees (Prometheus's AlertTemplateData). */
export interface AlertTemplateData {
  /** The alert's labels (the query result's, before rule labels are applied). */
  labels: Record<string, string>;
  /** The server's external labels. */
  externalLabels: Record<string, string>;
  /** The server's external URL. */
  externalURL: string;
  /** The sample value that produced the alert. */
  value: number;
}

/** Expands alert templates; an implementation may be backed by any Go-template engine. */
export interface TemplateExpander {
  /** Expands `text` named `name` (e.g. `__alert_HighLatency`) at `time` (ms); throws on a template error. */
  expand(name: string, text: string, data: AlertTemplateData, time: number): string;
  /** Checks that `text` parses, as rulefmt does; the error text (`template: name:1: …`) or null. */
  parseTest(name: string, text: string): string | null;
}

/** The variables Prometheus defines before every alert template. */
const DEFINED_VARS = new Set(['$', '$labels', '$externalLabels', '$externalURL', '$value']);

/** Keywords of text/template that the interim expander recognises only syntactically. */
const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

type Fn = (args: unknown[]) => unknown;

/** Go's `%g` with a precision, as strconv formats it. */
function goG(v: number, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(prec)))));
  if (exp < -4 || exp >= prec) {
    const [m, e] = v.toExponential(prec - 1).split('e');
    const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, prec - 1 - exp));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Go's `%v` for a float64 (strconv 'g' with the shortest precision). */
function goFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = v.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goG(v, 4);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return goG(v, 4) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return goG(v, 4) + prefix;
}

function toNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  const n = Number(x);
  if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(n)) return n;
  throw new Error(`can't convert ${JSON.stringify(x)} to float`);
}

function printValue(x: unknown): string {
  if (x === undefined || x === null) return '';
  if (typeof x === 'number') return goFloatV(x);
  if (typeof x === 'object')
    return `map[${Object.entries(x as Record<string, string>)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ')}]`;
  return String(x);
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%(%|[-+ 0#]*\d*(?:\.\d+)?[vsdfgeq])/g, (_m, spec: string) => {
    if (spec === '%') return '%';
    const a = args[i++];
    const verb = spec[spec.length - 1]!;
    const prec = /\.(\d+)/.exec(spec);
    switch (verb) {
      case 'd':
        return String(Math.trunc(toNumber(a)));
      case 'f':
        return toNumber(a).toFixed(prec ? Number(prec[1]) : 6);
      case 'e':
        return toNumber(a)
          .toExponential(prec ? Number(prec[1]) : 6)
          .replace(/e([+-])(\d)$/, 'e$10$2');
      case 'g':
        return prec ? goG(toNumber(a), Number(prec[1])) : goFloatV(toNumber(a));
      case 'q':
        return JSON.stringify(printValue(a));
      default:
        return printValue(a);
    }
  });
}

const FUNCS: ReadonlyMap<string, Fn> = new Map<string, Fn>([
  ['humanize', (a) => humanize(toNumber(a[0]))],
  ['humanizePercentage', (a) => humanize(toNumber(a[0]) * 100) + '%'],
  ['toUpper', (a) => String(a[0]).toUpperCase()],
  ['toLower', (a) => String(a[0]).toLowerCase()],
  ['title', (a) => String(a[0]).replace(/\b\w/g, (c) => c.toUpperCase())],
  ['printf', (a) => sprintf(String(a[0]), a.slice(1))],
  ['print', (a) => a.map(printValue).join('')],
]);

class TemplateError extends Error {}

/** Splits a template into text and action parts, honouring `{{-` and `-}}` trim markers. */
function splitActions(name: string, text: string): { text: string; action: string | null }[] {
  const parts: { text: string; action: string | null }[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    let chunk = open < 0 ? text.slice(i) : text.slice(i, open);
    if (trimNext) chunk = chunk.replace(/^\s+/, '');
    if (open < 0) {
      parts.push({ text: chunk, action: null });
      break;
    }
    let inner = open + 2;
    if (text.startsWith('- ', inner) || text.startsWith('-\t', inner) || text.startsWith('-\n', inner)) {
      chunk = chunk.replace(/\s+$/, '');
      inner += 1;
    }
    line += (text.slice(i, open).match(/\n/g) ?? []).length;
    const close = text.indexOf('}}', inner);
    if (close < 0) throw new TemplateError(`template: ${name}:${line}: unclosed action`);
    let body = text.slice(inner, close);
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -1);
    parts.push({ text: chunk, action: body.trim() });
    i = close + 2;
  }
  return parts;
}

/** Splits an action into commands and their words, keeping quoted strings whole. */
function words(action: string): string[][] {
  const cmds: string[][] = [[]];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|"`]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(action)) !== null) {
    if (m[1] === '|') cmds.push([]);
    else cmds[cmds.length - 1]!.push(m[1]!);
  }
  return cmds;
}

function resolveTerm(w: string, data: AlertTemplateData): unknown {
  if (w.startsWith('"')) return JSON.parse(w) as string;
  if (w.startsWith('`')) return w.slice(1, -1);
  if (/^[-+]?(\d|\.\d)/.test(w)) return Number(w);
  const root: Record<string, unknown> = {
    $labels: data.labels,
    $externalLabels: data.externalLabels,
    $externalURL: data.externalURL,
    $value: data.value,
  };
  const dot: Record<string, unknown> = {
    Labels: data.labels,
    ExternalLabels: data.externalLabels,
    ExternalURL: data.externalURL,
    Value: data.value,
  };
  const segs = w.split('.');
  let cur: unknown;
  if (w.startsWith('.')) {
    cur = dot;
    segs.shift();
  } else if (segs[0] === '$') cur = dot;
  else cur = root[segs[0]!];
  for (const s of w.startsWith('.') ? segs : segs.slice(1)) {
    if (s === '') continue;
    if (cur === null || typeof cur !== 'object') throw new TemplateError(`can't evaluate field ${s}`);
    // A missing label reads as "" (Prometheus runs templates with missingkey=zero).
    cur = (cur as Record<string, unknown>)[s] ?? '';
  }
  return cur;
}

/** The interim expander: variables, field access, a few functions, no control structures. */
export const defaultTemplateExpander: TemplateExpander = {
  expand(name, text, data) {
    let out = '';
    for (const p of splitActions(name, text)) {
      out += p.text;
      if (p.action === null || p.action.startsWith('/*')) continue;
      let val: unknown = undefined;
      let first = true;
      for (const cmd of words(p.action)) {
        const [head, ...rest] = cmd;
        if (head === undefined) throw new TemplateError(`template: ${name}:1: missing command`);
        if (KEYWORDS.has(head))
          throw new TemplateError(
            `template: ${name}:1: "${head}" needs the full template engine (src/template)`,
          );
        const fn = FUNCS.get(head);
        if (fn) {
          const args = rest.map((r) => resolveTerm(r, data));
          if (!first) args.push(val);
          val = fn(args);
        } else {
          if (!first || rest.length > 0)
            throw new TemplateError(`template: ${name}:1: function "${head}" not defined`);
          val = resolveTerm(head, data);
        }
        first = false;
      }
      out += printValue(val);
    }
    return out;
  },
  parseTest(name, text) {
    try {
      for (const p of splitActions(name, text)) {
        if (p.action === null || p.action.startsWith('/*')) continue;
        for (const cmd of words(p.action))
          for (const w of cmd) {
            if (w.startsWith('$')) {
              const v = w.split('.')[0]!;
              if (!DEFINED_VARS.has(v) && !p.action.includes(`${v} :=`) && !text.includes(`${v} :=`))
                return `template: ${name}:1: undefined variable "${v}"`;
            }
          }
      }
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
};

/**
 * The Go text/template engine of src/template behind the rules' interface. Expansion errors
 * come back as the `<error expanding template: …>` text itself, as Prometheus writes them.
 * The template `query` function is not wired yet (it needs the rule's query function).
 */
export const goTemplateExpander: TemplateExpander = {
  expand(name, text, data, time) {
    return expandTemplate(name, text, data, { timestamp: time, externalURL: data.externalURL });
  },
  parseTest(name, text) {
    return checkTemplate(name, text);
  },
};
