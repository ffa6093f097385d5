/**
 * The `relabel_config` block (relabel_configs, metric_relabel_configs, alert_relabel_configs,
 * write_relabel_configs) and its validation, with Prometheus's defaults and messages. The
 * relabeling itself is in src/relabel.
 */
import { FastRegexMatcher, isValidLabelName, RegexError } from '../model/index.js';
import type { NameValidationScheme } from '../model/index.js';
import { field, list, str, struct, uint64 } from './yaml.js';
import type { Codec, Decoder } from './yaml.js';

/** The relabel actions, by their configuration names. */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
]);

/** One relabeling step, as configured. */
export interface RelabelConfig {
  /** Labels whose values are joined with `separator`; null when the field is absent. */
  sourceLabels: string[] | null;
  /** Joins the source values; default `;`. */
  separator: string;
  /** The regex as written, matched fully anchored (`^(?s:regex)$`); default `(.*)`. */
  regex: string;
  /** Modulus for hashmod. */
  modulus: number;
  /** The label written by replace, hashmod, lowercase, uppercase; compared by keepequal/dropequal. */
  targetLabel: string;
  /** The replacement with `$1`/`${name}` references; default `$1`. */
  replacement: string;
  /** The action; default `replace`. */
  action: RelabelAction;
  /** The name validation scheme of the enclosing scrape config (or the global one). */
  nameValidationScheme: NameValidationScheme;
}

/** The defaults Prometheus applies before reading a relabel config. */
export const DEFAULT_RELABEL_CONFIG: Readonly<RelabelConfig> = {
  sourceLabels: null,
  separator: ';',
  regex: '(.*)',
  modulus: 0,
  targetLabel: '',
  replacement: '$1',
  action: 'replace',
  nameValidationScheme: 'utf8',
};

const action: Codec<RelabelAction> = {
  goType: 'relabel.Action',
  decode(n, d) {
    const s = str.decode(n, d);
    const a = s.toLowerCase();
    if (!ACTIONS.has(a)) d.fail(`unknown relabel action ${JSON.stringify(s)}`);
    return a as RelabelAction;
  },
  encode: (v) => v,
};

const regex: Codec<string> = {
  goType: 'relabel.Regexp',
  decode(n, d) {
    const s = str.decode(n, d);
    try {
      new FastRegexMatcher(s);
    } catch (e) {
      // Go reports the anchored expression it compiled.
      if (e instanceof RegexError) d.fail(e.message.replace(`\`${s}\``, () => `\`^(?s:${s})$\``));
      throw e;
    }
    return s;
  },
  encode: (v) => v,
};

/** Label names with `$1`/`${name}` references, as the legacy scheme allows for targets. */
const LEGACY_TARGET_WITH_VARS = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

function validTargetWithVars(s: string, scheme: NameValidationScheme): boolean {
  return scheme === 'utf8' ? isValidLabelName(s, 'utf8') : LEGACY_TARGET_WITH_VARS.test(s);
}

/**
 * Validates a relabel config under a name validation scheme; returns Prometheus's message for
 * the first problem, or null.
 */
export function relabelConfigError(c: RelabelConfig, scheme: NameValidationScheme): string | null {
  const a = c.action;
  const def = DEFAULT_RELABEL_CONFIG;
  const invalidTarget = `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${a} action`;
  if (c.modulus === 0 && a === 'hashmod')
    return 'relabel configuration for hashmod requires non-zero modulus';
  const needsTarget =
    a === 'replace' ||
    a === 'hashmod' ||
    a === 'lowercase' ||
    a === 'uppercase' ||
    a === 'keepequal' ||
    a === 'dropequal';
  if (needsTarget && c.targetLabel === '')
    return `relabel configuration for ${a} action requires 'target_label' value`;
  const hasVar = c.targetLabel.includes('$');
  if (a === 'replace' && !hasVar && !isValidLabelName(c.targetLabel, scheme)) return invalidTarget;
  if (a === 'replace' && hasVar && !validTargetWithVars(c.targetLabel, scheme)) return invalidTarget;
  const simple = a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';
  if (simple && !isValidLabelName(c.targetLabel, scheme)) return invalidTarget;
  if (simple && c.replacement !== def.replacement) return `'replacement' can not be set for ${a} action`;
  if (a === 'labelmap' && !validTargetWithVars(c.replacement, scheme))
    return `${JSON.stringify(c.replacement)} is invalid 'replacement' for ${a} action`;
  if (a === 'hashmod' && !isValidLabelName(c.targetLabel, scheme)) return invalidTarget;
  if (
    (a === 'dropequal' || a === 'keepequal') &&
    (c.regex !== def.regex ||
      c.modulus !== def.modulus ||
      c.separator !== def.separator ||
      c.replacement !== def.replacement)
  )
    return `${a} action requires only 'source_labels' and \`target_label\`, and no other fields`;
  if (
    (a === 'labeldrop' || a === 'labelkeep') &&
    (c.sourceLabels !== null ||
      c.targetLabel !== def.targetLabel ||
      c.modulus !== def.modulus ||
      c.separator !== def.separator ||
      c.replacement !== def.replacement)
  )
    return `${a} action requires only 'regex', and no other fields`;
  return null;
}

/**
 * Sets the name validation scheme of each relabel config and validates it, as Prometheus does
 * once the enclosing scrape config knows its scheme. Stops at the first error.
 */
export function validateRelabelConfigs(
  cfgs: readonly (RelabelConfig | null)[],
  scheme: NameValidationScheme,
  d: Decoder,
  nullMessage: string,
): void {
  for (const c of cfgs) {
    if (c === null) d.fail(nullMessage);
    c.nameValidationScheme = scheme;
    const err = relabelConfigError(c, scheme);
    if (err !== null) d.fail(err);
  }
}

const sourceLabels: Codec<string[] | null> = {
  goType: 'model.LabelNames',
  decode: (n, d) => (n === null ? null : list(str).decode(n, d)),
  encode: (v) => (v === null || v.length === 0 ? undefined : v),
};

/** The relabel_config codec (`relabel.plain` in Go's messages). */
export const relabelConfigCodec = struct<RelabelConfig>(
  'relabel.plain',
  [
    field('source_labels', 'sourceLabels', sourceLabels),
    field('separator', 'separator', str),
    field('regex', 'regex', regex),
    field('modulus', 'modulus', uint64),
    field('target_label', 'targetLabel', str),
    field('replacement', 'replacement', str),
    field('action', 'action', action),
  ],
  { defaults: () => ({ ...DEFAULT_RELABEL_CONFIG }), goName: 'relabel.Config' },
);

/** A list of relabel configs (null entries kept, for the "empty or null" checks). */
export const relabelConfigs = list(relabelConfigCodec);
