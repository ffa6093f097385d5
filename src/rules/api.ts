/**
 * The JSON bodies of `/api/v1/rules` and `/api/v1/alerts` in Prometheus's shapes, with the
 * rules endpoint's filters (`type`, `rule_name[]`, `rule_group[]`, `file[]`, `exclude_alerts`).
 */
import type { Labels } from '../model/labels.js';
import { AlertingRule, type Alert } from './alerting.js';
import type { Group } from './group.js';
import { RecordingRule } from './recording.js';

/** Go's `time.Time` JSON form (RFC 3339 with trimmed nanoseconds, UTC); 0 is Go's zero time. */
export function goTimeJSON(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d+)Z$/, (_m, f: string) => {
    const t = f.replace(/0+$/, '');
    return t === '' ? 'Z' : `.${t}Z`;
  });
}

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`, the form alert values take in the API. */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e');
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** An alert in the API. */
export interface APIAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

/** A rule in the API (alerting or recording). */
export type APIRule = Record<string, unknown>;

/** A rule group in the API. */
export interface APIRuleGroup {
  name: string;
  file: string;
  rules: APIRule[];
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

/** A successful or failed API body. */
export type APIResponse<T> =
  { status: 'success'; data: T } | { status: 'error'; errorType: 'bad_data'; error: string };

/** The filters of `/api/v1/rules`, from its query parameters. */
export interface RulesFilter {
  /** `type`: `alert` or `record` (any case); empty for both. */
  type?: string;
  /** `rule_name[]`. */
  ruleName?: readonly string[];
  /** `rule_group[]`. */
  ruleGroup?: readonly string[];
  /** `file[]`. */
  file?: readonly string[];
  /** `exclude_alerts=true`: alerting rules without their alerts. */
  excludeAlerts?: boolean;
}

function labelsJSON(l: Labels): Record<string, string> {
  return l.toObject();
}

/** An alert as the API shows it. */
export function alertToAPI(a: Alert): APIAlert {
  const out: APIAlert = {
    labels: labelsJSON(a.labels),
    annotations: labelsJSON(a.annotations),
    state: a.state,
    activeAt: goTimeJSON(a.activeAt),
    value: formatAlertValue(a.value),
  };
  if (a.keepFiringSince !== 0) {
    // Key order follows Prometheus's struct: keepFiringSince comes before value.
    delete (out as Partial<APIAlert>).value;
    out.keepFiringSince = goTimeJSON(a.keepFiringSince);
    out.value = formatAlertValue(a.value);
  }
  return out;
}

function nonEmpty(x: readonly string[] | undefined): Set<string> | null {
  return x && x.length > 0 ? new Set(x) : null;
}

/** The body of `GET /api/v1/rules`. */
export function rulesResponse(
  groups: readonly Group[],
  f: RulesFilter = {},
): APIResponse<{ groups: APIRuleGroup[] }> {
  const typ = (f.type ?? '').toLowerCase();
  if (typ !== '' && typ !== 'alert' && typ !== 'record')
    return {
      status: 'error',
      errorType: 'bad_data',
      error: `invalid parameter "type": not supported value "${f.type}"`,
    };
  const returnAlerts = typ === '' || typ === 'alert';
  const returnRecording = typ === '' || typ === 'record';
  const names = nonEmpty(f.ruleName);
  const groupNames = nonEmpty(f.ruleGroup);
  const files = nonEmpty(f.file);
  const out: APIRuleGroup[] = [];
  for (const g of groups) {
    if (groupNames && !groupNames.has(g.name)) continue;
    if (files && !files.has(g.file)) continue;
    const rules: APIRule[] = [];
    for (const r of g.rules) {
      if (names && !names.has(r.name)) continue;
      const s = r.stats;
      const common = {
        health: s.health,
        ...(s.lastError !== '' ? { lastError: s.lastError } : {}),
        evaluationTime: s.evaluationTime,
        lastEvaluation: goTimeJSON(s.lastEvaluation),
      };
      if (r instanceof AlertingRule) {
        if (!returnAlerts) continue;
        rules.push({
          state: r.state(),
          name: r.name,
          query: r.query,
          duration: r.holdDuration / 1000,
          keepFiringFor: r.keepFiringFor / 1000,
          labels: labelsJSON(r.labels),
          annotations: labelsJSON(r.annotations),
          alerts: f.excludeAlerts ? null : r.activeAlerts().map(alertToAPI),
          ...common,
          type: 'alerting',
        });
      } else if (r instanceof RecordingRule) {
        if (!returnRecording) continue;
        rules.push({
          name: r.name,
          query: r.query,
          ...(r.labels.isEmpty() ? {} : { labels: labelsJSON(r.labels) }),
          ...common,
          type: 'recording',
        });
      }
    }
    // A group all of whose rules were filtered out is left out, as Prometheus does.
    if (rules.length === 0 && (typ !== '' || names !== null)) continue;
    out.push({
      name: g.name,
      file: g.file,
      rules,
      interval: g.interval / 1000,
      limit: g.limit,
      evaluationTime: g.evaluationTime,
      lastEvaluation: goTimeJSON(g.lastEvaluation),
    });
  }
  return { status: 'success', data: { groups: out } };
}

/** The body of `GET /api/v1/alerts`: every pending and firing alert. */
export function alertsResponse(rules: readonly AlertingRule[]): APIResponse<{ alerts: APIAlert[] }> {
  return { status: 'success', data: { alerts: rules.flatMap((r) => r.activeAlerts().map(alertToAPI)) } };
}
