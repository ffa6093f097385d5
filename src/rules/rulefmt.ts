/**
 * Rule files (Prometheus's model/rulefmt): strict YAML decoding into rule groups, then
 * validation with Prometheus's messages and `line:column` positions, so that `check rules`
 * output and the server's reload errors read as Prometheus's do.
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { parseDuration } from '../config/duration.js';
import { isValidLabelName, isValidLabelValue, isValidMetricName } from '../model/names.js';
import type { NameValidationScheme } from '../model/names.js';
import { parseExpr } from '../promql/parser/parser.js';
import type { ParseOptions } from '../promql/parser/parser.js';
import { goTemplateExpander, type TemplateExpander } from './template.js';

/** One rule as written in a rule file. */
export interface RuleDef {
  /** The recording rule's output metric name, or "". */
  record: string;
  /** The alert name, or "". */
  alert: string;
  /** The PromQL expression. */
  expr: string;
  /** `for`, ms. */
  for: number;
  /** `keep_firing_for`, ms. */
  keepFiringFor: number;
  /** Labels to add or overwrite (templates for alerts), in file order. */
  labels: Record<string, string>;
  /** Annotations (templates), in file order. */
  annotations: Record<string, string>;
}

/** One rule group as written in a rule file. */
export interface RuleGroupDef {
  /** The group's name, unique within its file. */
  name: string;
  /** `interval`, ms; 0 means the global evaluation interval. */
  interval: number;
  /** `query_offset`, ms; null means the global rule query offset. */
  queryOffset: number | null;
  /** `limit`: most series a recording rule or alerts an alerting rule may produce (0: none). */
  limit: number;
  /** Labels added to every rule of the group (rule labels win). */
  labels: Record<string, string>;
  /** The rules, in evaluation order. */
  rules: RuleDef[];
}

/** Options for parsing a rule file. */
export interface RuleFileOptions {
  /** Tolerate unknown keys (promtool's `--ignore-unknown-fields`). */
  ignoreUnknownFields?: boolean;
  /** Metric and label name validation (default UTF-8). */
  nameValidation?: NameValidationScheme;
  /** PromQL parser features. */
  parseOptions?: ParseOptions;
  /** Template checker for alert labels and annotations. */
  templates?: TemplateExpander;
}

/** The result of parsing a rule file: the groups, or the errors (never both). */
export interface ParsedRuleFile {
  /** The groups; empty when there are errors. */
  groups: RuleGroupDef[];
  /** Error messages in Prometheus's wording, in the order found. */
  errors: string[];
}

interface Pos {
  line: number;
  col: number;
}

const NO_POS: Pos = { line: 0, col: 0 };

interface RuleNodes {
  record: Pos;
  alert: Pos;
  expr: Pos;
}

/** Collects yaml.v3-style unmarshal errors while walking the document. */
class Walker {
  readonly errors: string[] = [];
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly strict: boolean,
  ) {}

  pos(n: Node | null): Pos {
    if (n === null || !n.range) return NO_POS;
    const p = this.lines.linePos(n.range[0]);
    return { line: p.line, col: p.col };
  }

  resolve(n: unknown): Node | null {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) return (n.resolve(this.doc) as Node | undefined) ?? null;
    if (
      isScalar(n) &&
      n.type === 'PLAIN' &&
      (n.value === null || ['', '~', 'null', 'Null', 'NULL'].includes(String(n.value)))
    )
      return null;
    return n as Node;
  }

  typeError(n: Node, goType: string): void {
    const tag = isMap(n) ? '!!map' : isSeq(n) ? '!!seq' : '!!str';
    let shown = '';
    if (isScalar(n)) {
      const v = String(n.value);
      shown = v.length > 10 ? ` \`${v.slice(0, 7)}...\`` : ` \`${v}\``;
    }
    this.errors.push(`line ${this.pos(n).line}: cannot unmarshal ${tag}${shown} into ${goType}`);
  }

  /** The pairs of a mapping, with unknown keys reported against `typeName`. */
  fields(n: Node, typeName: string, known: readonly string[]): Map<string, Node | null> {
    const out = new Map<string, Node | null>();
    if (!isMap(n)) return out;
    // Merge keys (`<<: *anchor`) contribute the pairs of the mappings they name; explicit keys win.
    const merged: { key: Node | null; value: unknown }[] = [];
    const own: { key: Node | null; value: unknown }[] = [];
    for (const p of n.items) {
      const k = this.resolve(p.key);
      if (k !== null && isScalar(k) && (k.value === '<<' || typeof k.value === 'symbol')) {
        const v = this.resolve(p.value);
        const sources = v !== null && isSeq(v) ? v.items.map((x) => this.resolve(x)) : [v];
        for (const src of sources)
          if (src !== null && isMap(src))
            for (const q of src.items) merged.push({ key: this.resolve(q.key), value: q.value });
        continue;
      }
      own.push({ key: k, value: p.value });
    }
    const ownKeys = new Set(own.map((p) => (p.key !== null && isScalar(p.key) ? String(p.key.value) : '')));
    const pairs = [
      ...own,
      ...merged.filter((p) => !ownKeys.has(p.key !== null && isScalar(p.key) ? String(p.key.value) : '')),
    ];
    const fromMerge = new Set(merged.map((p) => p.key));
    for (const p of pairs) {
      const k = p.key;
      const key = k !== null && isScalar(k) ? String(k.value) : '';
      if (!known.includes(key)) {
        if (this.strict)
          this.errors.push(`line ${this.pos(k).line}: field ${key} not found in type ${typeName}`);
        continue;
      }
      if (out.has(key)) {
        if (fromMerge.has(k)) continue;
        this.errors.push(`line ${this.pos(k).line}: mapping key "${key}" already defined`);
        continue;
      }
      out.set(key, this.resolve(p.value));
    }
    return out;
  }

  str(n: Node | null | undefined): string {
    if (n === null || n === undefined) return '';
    if (!isScalar(n)) {
      this.typeError(n, 'string');
      return '';
    }
    return String(n.value);
  }

  duration(n: Node | null | undefined): number {
    const s = this.str(n);
    if (s === '') return 0;
    try {
      return parseDuration(s);
    } catch (e) {
      this.errors.push(`line ${this.pos(n ?? null).line}: ${(e as Error).message}`);
      return 0;
    }
  }

  int(n: Node | null | undefined): number {
    const s = this.str(n);
    if (s === '') return 0;
    if (!/^[-+]?\d+$/.test(s)) {
      this.typeError(n!, 'int');
      return 0;
    }
    return Number(s);
  }

  strMap(n: Node | null | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (n === null || n === undefined) return out;
    if (!isMap(n)) {
      this.typeError(n, 'map[string]string');
      return out;
    }
    for (const p of n.items) {
      const k = this.resolve(p.key);
      out[k !== null && isScalar(k) ? String(k.value) : ''] = this.str(this.resolve(p.value));
    }
    return out;
  }

  list(n: Node | null | undefined, goType: string): Node[] {
    if (n === null || n === undefined) return [];
    if (!isSeq(n)) {
      this.typeError(n, goType);
      return [];
    }
    return n.items.map((x) => this.resolve(x)).filter((x): x is Node => x !== null);
  }
}

const GROUP_FIELDS = ['name', 'interval', 'query_offset', 'limit', 'rules', 'labels'];
const RULE_FIELDS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

/** Parses and validates the text of a rule file; messages carry no file name. */
export function parseRuleFile(content: string, opts: RuleFileOptions = {}): ParsedRuleFile {
  const lines = new LineCounter();
  const doc = parseDocument(content, { schema: 'failsafe', merge: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0].line ?? 0;
    return { groups: [], errors: [`yaml: line ${line}: ${err.message.split('\n')[0]!}`] };
  }
  const w = new Walker(doc as Document, lines, !opts.ignoreUnknownFields);
  const groups: RuleGroupDef[] = [];
  const groupPos: Pos[] = [];
  const rulePos: RuleNodes[][] = [];
  const root = w.resolve(doc.contents);
  if (root !== null) {
    if (!isMap(root)) w.typeError(root, 'rulefmt.RuleGroups');
    const top = w.fields(root, 'rulefmt.RuleGroups', ['groups']);
    for (const gn of w.list(top.get('groups'), '[]rulefmt.RuleGroup')) {
      if (!isMap(gn)) {
        w.typeError(gn, 'rulefmt.RuleGroup');
        continue;
      }
      const f = w.fields(gn, 'rulefmt.RuleGroup', GROUP_FIELDS);
      const qo = f.get('query_offset');
      const g: RuleGroupDef = {
        name: w.str(f.get('name')),
        interval: w.duration(f.get('interval')),
        queryOffset: qo === undefined || qo === null ? null : w.duration(qo),
        limit: w.int(f.get('limit')),
        labels: w.strMap(f.get('labels')),
        rules: [],
      };
      const positions: RuleNodes[] = [];
      for (const rn of w.list(f.get('rules'), '[]rulefmt.Rule')) {
        if (!isMap(rn)) {
          w.typeError(rn, 'rulefmt.Rule');
          continue;
        }
        const rf = w.fields(rn, 'rulefmt.Rule', RULE_FIELDS);
        g.rules.push({
          record: w.str(rf.get('record')),
          alert: w.str(rf.get('alert')),
          expr: w.str(rf.get('expr')),
          for: w.duration(rf.get('for')),
          keepFiringFor: w.duration(rf.get('keep_firing_for')),
          labels: w.strMap(rf.get('labels')),
          annotations: w.strMap(rf.get('annotations')),
        });
        positions.push({
          record: w.pos(rf.get('record') ?? null),
          alert: w.pos(rf.get('alert') ?? null),
          expr: w.pos(rf.get('expr') ?? null),
        });
      }
      groups.push(g);
      // yaml.v3 reports the group node's position as 0:0 (the embedded node is not filled).
      groupPos.push(NO_POS);
      rulePos.push(positions);
    }
  }
  if (w.errors.length > 0)
    return { groups: [], errors: [`yaml: unmarshal errors:\n  ${w.errors.join('\n  ')}`] };
  const errors = validateGroups(groups, groupPos, rulePos, opts);
  return errors.length > 0 ? { groups: [], errors } : { groups, errors };
}

function validateGroups(
  groups: readonly RuleGroupDef[],
  groupPos: readonly Pos[],
  rulePos: readonly RuleNodes[][],
  opts: RuleFileOptions,
): string[] {
  const scheme = opts.nameValidation ?? 'utf8';
  const errs: string[] = [];
  const seen = new Set<string>();
  groups.forEach((g, j) => {
    const p = groupPos[j]!;
    if (g.name === '') errs.push(`${p.line}:${p.col}: Groupname must not be empty`);
    if (seen.has(g.name))
      errs.push(`${p.line}:${p.col}: groupname: "${g.name}" is repeated in the same file`);
    seen.add(g.name);
    for (const [k, v] of Object.entries(g.labels)) {
      if (!isValidLabelName(k, scheme) || k === '__name__') errs.push(`invalid label name: ${k}`);
      if (!isValidLabelValue(v)) errs.push(`invalid label value: ${v}`);
    }
    g.rules.forEach((r, i) => {
      const name = r.alert !== '' ? r.alert : r.record;
      for (const e of validateRule(r, rulePos[j]![i]!, opts, scheme))
        errs.push(
          `${e.pos}group ${JSON.stringify(g.name)}, rule ${i + 1}, ${JSON.stringify(name)}: ${e.msg}`,
        );
    });
  });
  return errs;
}

function validateRule(
  r: RuleDef,
  n: RuleNodes,
  opts: RuleFileOptions,
  scheme: NameValidationScheme,
): { pos: string; msg: string }[] {
  const out: { pos: string; msg: string }[] = [];
  const at = (p: Pos, alt?: Pos): string => `${p.line}:${p.col}: ` + (alt ? `${alt.line}:${alt.col}: ` : '');
  if (r.record !== '' && r.alert !== '')
    out.push({ pos: at(n.record, n.alert), msg: "only one of 'record' and 'alert' must be set" });
  if (r.record === '' && r.alert === '')
    out.push({ pos: at(n.record, n.alert), msg: "one of 'record' or 'alert' must be set" });
  if (r.expr === '') out.push({ pos: at(n.expr), msg: "field 'expr' must be set in rule" });
  else {
    try {
      parseExpr(r.expr, opts.parseOptions ?? {});
    } catch (e) {
      out.push({ pos: at(n.expr), msg: `could not parse expression: ${(e as Error).message}` });
    }
  }
  if (r.record !== '') {
    if (Object.keys(r.annotations).length > 0)
      out.push({ pos: at(n.record), msg: "invalid field 'annotations' in recording rule" });
    if (r.for !== 0) out.push({ pos: at(n.record), msg: "invalid field 'for' in recording rule" });
    if (r.keepFiringFor !== 0)
      out.push({ pos: at(n.record), msg: "invalid field 'keep_firing_for' in recording rule" });
    if (!isValidMetricName(r.record, scheme))
      out.push({ pos: at(n.record), msg: `invalid recording rule name: ${r.record}` });
    // A PromQL selector pasted as the record name is a common mistake, so braces are refused.
    if (r.record.includes('{') || r.record.includes('}'))
      out.push({
        pos: at(n.record),
        msg: `braces present in the recording rule name; should it be in expr?: ${r.record}`,
      });
  }
  for (const [k, v] of Object.entries(r.labels)) {
    if (!isValidLabelName(k, scheme) || k === '__name__')
      out.push({ pos: '', msg: `invalid label name: ${k}` });
    if (!isValidLabelValue(v)) out.push({ pos: '', msg: `invalid label value: ${v}` });
  }
  for (const k of Object.keys(r.annotations))
    if (!isValidLabelName(k, scheme)) out.push({ pos: '', msg: `invalid annotation name: ${k}` });
  if (r.alert !== '') {
    const t = opts.templates ?? goTemplateExpander;
    const check = (kind: string, k: string, text: string): void => {
      const err = t.parseTest(`__alert_${r.alert}`, text);
      if (err !== null) out.push({ pos: '', msg: `${kind} ${JSON.stringify(k)}: ${err}` });
    };
    for (const [k, v] of Object.entries(r.labels)) check('label', k, v);
    for (const [k, v] of Object.entries(r.annotations)) check('annotation', k, v);
  }
  return out;
}

/** Reads and parses a rule file; every message is prefixed with the file name, as Prometheus does. */
export function parseRuleFileFromPath(file: string, opts: RuleFileOptions = {}): ParsedRuleFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg = code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    return { groups: [], errors: [`${file}: open ${file}: ${msg}`] };
  }
  const r = parseRuleFile(text, opts);
  return { groups: r.groups, errors: r.errors.map((e) => `${file}: ${e}`) };
}
