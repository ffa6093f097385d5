/**
 * Relabeling with Prometheus's semantics (model/relabel): each step reads the source labels
 * joined by the separator, matches the fully anchored RE2 regex `^(?s:regex)$`, and keeps,
 * drops, rewrites or maps labels. Used for target, metric, alert and write relabeling.
 *
 * Steps compile lazily and are cached per config object, so callers may pass the configs
 * from a loaded {@link RelabelConfig} list directly. The default regex `(.*)` never runs
 * the regex engine, and keep/drop use the matcher fast paths of src/model.
 */
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import type { Labels } from '../model/index.js';
import { FastRegexMatcher, isValidLabelName, LabelsBuilder } from '../model/index.js';
import type { RelabelConfig } from '../config/relabel.js';
import { expand, isLiteral, parseTemplate } from './expand.js';
import type { Template } from './expand.js';

/** A relabel step ready to run. */
interface Step {
  readonly cfg: RelabelConfig;
  /** True for the default regex `(.*)`: it matches everything and group 1 is the whole value. */
  readonly matchAll: boolean;
  /** Match-only test, with src/model's fast paths. */
  readonly matches: (v: string) => boolean;
  /** The engine regex with captures, compiled on first use. */
  engine: RE2JS | null;
  named: Record<string, number> | null;
  readonly target: Template;
  readonly replacement: Template;
  readonly targetLiteral: boolean;
  readonly replacementLiteral: boolean;
}

const steps = new WeakMap<RelabelConfig, Step>();

function compile(cfg: RelabelConfig): Step {
  let s = steps.get(cfg);
  if (s !== undefined) return s;
  const matchAll = cfg.regex === '(.*)';
  const target = parseTemplate(cfg.targetLabel);
  const replacement = parseTemplate(cfg.replacement);
  s = {
    cfg,
    matchAll,
    matches: matchAll ? () => true : new FastRegexMatcher(cfg.regex).matches,
    engine: null,
    named: null,
    target,
    replacement,
    targetLiteral: isLiteral(target),
    replacementLiteral: isLiteral(replacement),
  };
  steps.set(cfg, s);
  return s;
}

function engineOf(s: Step): RE2JS {
  if (s.engine === null) {
    s.engine = RE2JS.compile('^(?s:' + s.cfg.regex + ')$');
    s.named = s.engine.namedGroups();
  }
  return s.engine;
}

/**
 * Matches `val` and expands both templates; null when the regex does not match. The default
 * regex needs no engine: group 0 and group 1 are both the whole value.
 */
function expandBoth(s: Step, val: string): [string, string] | null {
  if (s.matchAll) {
    const g = (i: number): string | null => (i === 0 || i === 1 ? val : null);
    return [
      s.targetLiteral ? s.cfg.targetLabel : expand(s.target, g, 1, {}),
      s.replacementLiteral ? s.cfg.replacement : expand(s.replacement, g, 1, {}),
    ];
  }
  const re = engineOf(s);
  const m = re.matcher(val);
  if (!m.matches()) return null;
  const g = (i: number): string | null => m.group(i);
  const n = m.groupCount();
  const named = s.named!;
  return [
    s.targetLiteral ? s.cfg.targetLabel : expand(s.target, g, n, named),
    s.replacementLiteral ? s.cfg.replacement : expand(s.replacement, g, n, named),
  ];
}

/** Expands the replacement against a label name fully matched by the regex (labelmap). */
function expandName(s: Step, name: string): string {
  if (s.replacementLiteral) return s.cfg.replacement;
  if (s.matchAll) return expand(s.replacement, (i) => (i <= 1 ? name : null), 1, {});
  const m = engineOf(s).matcher(name);
  if (!m.matches()) return s.cfg.replacement;
  return expand(s.replacement, (i) => m.group(i), m.groupCount(), s.named!);
}

const TWO_32 = 4294967296;
/** Below this modulus, (hi mod m) * (2^32 mod m) + lo stays an exact double. */
const SAFE_MODULUS = 1 << 26;

/**
 * Prometheus's hashmod: the last 8 bytes of the value's MD5, as a big-endian uint64, modulo
 * `modulus`. Exact in doubles for moduli below 2^26; BigInt above.
 */
export function hashMod(val: string, modulus: number): number {
  const h = createHash('md5').update(val, 'utf8').digest();
  const hi = h.readUInt32BE(8);
  const lo = h.readUInt32BE(12);
  if (modulus <= SAFE_MODULUS) return ((((hi % modulus) * (TWO_32 % modulus)) % modulus) + lo) % modulus;
  return Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(modulus));
}

function sourceValue(lb: LabelsBuilder, cfg: RelabelConfig): string {
  const src = cfg.sourceLabels;
  if (src === null || src.length === 0) return '';
  if (src.length === 1) return lb.get(src[0]!);
  let v = lb.get(src[0]!);
  for (let i = 1; i < src.length; i++) v += cfg.separator + lb.get(src[i]!);
  return v;
}

/** Runs one step on the builder; false when the labels are dropped. */
function step(s: Step, lb: LabelsBuilder): boolean {
  const cfg = s.cfg;
  const val = sourceValue(lb, cfg);
  switch (cfg.action) {
    case 'drop':
      return !s.matches(val);
    case 'keep':
      return s.matches(val);
    case 'dropequal':
      return lb.get(cfg.targetLabel) !== val;
    case 'keepequal':
      return lb.get(cfg.targetLabel) === val;
    case 'replace': {
      // Prometheus's fast path: nothing to match and no references, so set (or delete) directly.
      if (val === '' && s.matchAll && !cfg.targetLabel.includes('$') && !cfg.replacement.includes('$')) {
        lb.set(cfg.targetLabel, cfg.replacement);
        return true;
      }
      const r = expandBoth(s, val);
      if (r === null) return true;
      const [target, value] = r;
      // A replacement that produces an invalid label name writes nothing.
      if (!isValidLabelName(target, cfg.nameValidationScheme)) return true;
      if (value === '') lb.del(target);
      else lb.set(target, value);
      return true;
    }
    case 'lowercase':
      lb.set(cfg.targetLabel, val.toLowerCase());
      return true;
    case 'uppercase':
      lb.set(cfg.targetLabel, val.toUpperCase());
      return true;
    case 'hashmod':
      lb.set(cfg.targetLabel, String(hashMod(val, cfg.modulus)));
      return true;
    case 'labelmap':
      lb.labels().forEach((name, value) => {
        if (s.matches(name)) lb.set(expandName(s, name), value);
      });
      return true;
    case 'labeldrop':
      lb.labels().forEach((name) => {
        if (s.matches(name)) lb.del(name);
      });
      return true;
    case 'labelkeep':
      lb.labels().forEach((name) => {
        if (!s.matches(name)) lb.del(name);
      });
      return true;
  }
}

/**
 * Applies the steps in order to a builder holding the labels; false as soon as one drops
 * them (the builder is then left part-way).
 */
export function processBuilder(lb: LabelsBuilder, cfgs: readonly RelabelConfig[]): boolean {
  for (let i = 0; i < cfgs.length; i++) if (!step(compile(cfgs[i]!), lb)) return false;
  return true;
}

/** Relabels a label set: the new labels, or null when a step dropped them. */
export function relabel(labels: Labels, cfgs: readonly RelabelConfig[]): Labels | null {
  if (cfgs.length === 0) return labels;
  const lb = new LabelsBuilder(labels);
  return processBuilder(lb, cfgs) ? lb.labels() : null;
}

/** Compiles the regexes of the steps now (they otherwise compile on first use). */
export function precompile(cfgs: readonly RelabelConfig[]): void {
  for (const c of cfgs) engineOf(compile(c));
}
