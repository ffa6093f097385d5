/**
 * Target groups as service discovery produces them (Prometheus's targetgroup.Group), the
 * interface every discovery mechanism implements, and the decoding of the file_sd / http_sd
 * target group documents (JSON and YAML) with the checks Go's decoders apply.
 */
import { isSeq } from 'yaml';
import type { Node } from 'yaml';
import { isValidLabelName } from '../model/index.js';
import { ConfigError, targetGroupCodec } from '../config/index.js';
import { parseYAML } from '../config/yaml.js';

/** A label set as discovery produces it: label name to value, unordered. */
export type LabelSet = Record<string, string>;

/**
 * A set of targets sharing labels, as Prometheus's targetgroup.Group: each target is a label
 * set holding at least `__address__` (plus per-target meta labels), `labels` apply to all of
 * them, and `source` identifies the group within its discoverer so an update replaces it.
 */
export interface TargetGroup {
  /** The group's identity within its provider (`0`, `<file>:<index>`, `<url>:<index>`, a DNS name). */
  readonly source: string;
  /** One label set per target. */
  readonly targets: readonly LabelSet[];
  /** Labels common to every target of the group. */
  readonly labels: LabelSet;
}

/** Receives a discoverer's full current set of groups each time it changes. */
export type GroupsListener = (groups: TargetGroup[]) => void;

/**
 * A running discovery mechanism. Unlike Prometheus's channel of partial updates, a discoverer
 * hands over its whole current set every time: simpler for the manager, and the sets are small.
 * A failed refresh sends nothing, so the last good groups stay in effect.
 */
export interface Discoverer {
  /** Starts discovering; `listener` is called with every new full set of groups. */
  start(listener: GroupsListener): void;
  /** Stops timers, watchers and requests in flight; no listener call happens afterwards. */
  stop(): Promise<void>;
}

/** The target group document element Prometheus rejects (`[null]`). */
const NIL_GROUP = 'nil target group item found';

/** Go's json type names for JavaScript values, for "cannot unmarshal" messages. */
function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function jsonLabelSet(v: unknown, field: string): LabelSet {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new Error(
      `json: cannot unmarshal ${jsonKind(v)} into Go struct field .${field} of type model.LabelSet`,
    );
  const out: LabelSet = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (!isValidLabelName(k, 'utf8')) throw new Error(`${JSON.stringify(k)} is not a valid label name`);
    if (typeof val !== 'string')
      throw new Error(
        `json: cannot unmarshal ${jsonKind(val)} into Go struct field .${field} of type model.LabelValue`,
      );
    out[k] = val;
  }
  return out;
}

/** Target addresses become `__address__` label sets, as targetgroup.Group's decoders do. */
function addressTargets(addrs: readonly string[]): LabelSet[] {
  return addrs.map((a) => ({ __address__: a }));
}

/**
 * Decodes a JSON list of target groups (file_sd `.json` files, http_sd bodies) as Go's
 * encoding/json does with Prometheus's types: unknown fields rejected, label names validated,
 * `null` items an error. Sources are left empty for the caller to assign.
 */
export function parseTargetGroupsJSON(text: string): { targets: LabelSet[]; labels: LabelSet }[] {
  const doc: unknown = JSON.parse(text);
  if (doc === null) return [];
  if (!Array.isArray(doc))
    throw new Error(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type []*targetgroup.Group`);
  return doc.map((g: unknown) => {
    if (g === null) throw new Error(NIL_GROUP);
    if (typeof g !== 'object' || Array.isArray(g))
      throw new Error(`json: cannot unmarshal ${jsonKind(g)} into Go value of type targetgroup.Group`);
    const rec = g as Record<string, unknown>;
    for (const k of Object.keys(rec))
      if (k !== 'targets' && k !== 'labels') throw new Error(`json: unknown field ${JSON.stringify(k)}`);
    const t = rec['targets'];
    const addrs: string[] = [];
    if (t !== null && t !== undefined) {
      if (!Array.isArray(t))
        throw new Error(
          `json: cannot unmarshal ${jsonKind(t)} into Go struct field .targets of type []string`,
        );
      for (const a of t) {
        if (typeof a !== 'string')
          throw new Error(
            `json: cannot unmarshal ${jsonKind(a)} into Go struct field .targets of type string`,
          );
        addrs.push(a);
      }
    }
    return { targets: addressTargets(addrs), labels: jsonLabelSet(rec['labels'], 'labels') };
  });
}

/**
 * Decodes a YAML list of target groups (file_sd `.yml`/`.yaml` files) strictly, as
 * yaml.UnmarshalStrict does, reusing the config module's target group schema.
 */
export function parseTargetGroupsYAML(text: string): { targets: LabelSet[]; labels: LabelSet }[] {
  const d = parseYAML(text);
  const root = d.resolve(d.doc.contents as Node | null);
  if (root === null) return [];
  if (!isSeq(root)) {
    d.typeError(root, 'cannot unmarshal !!map into []*targetgroup.Group');
    throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
  }
  const out: { targets: LabelSet[]; labels: LabelSet }[] = [];
  root.items.forEach((it, i) => {
    const n = d.resolve(it as Node);
    if (n === null) throw new Error(NIL_GROUP);
    const g = d.within(`[${i}]`, () => targetGroupCodec.decode(n, d));
    if (g === null) throw new Error(NIL_GROUP);
    out.push({ targets: addressTargets(g.targets), labels: { ...g.labels } });
  });
  if (d.typeErrors.length > 0)
    throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
  return out;
}

/** True when two group lists are equal (same sources, targets and labels, in order). */
export function sameGroups(a: readonly TargetGroup[], b: readonly TargetGroup[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
