/**
 * What every rule shares: the query function rules evaluate through, health and the last
 * error, and the evaluation statistics the rules API reports.
 */
import { Labels } from '../model/labels.js';
import type { Queryable } from '../storage/interface.js';
import type { Engine } from '../promql/engine/engine.js';
import type { Sample } from '../promql/engine/types.js';

/** Evaluates an instant query at `t` (ms) and returns its samples; throws on a query error. */
export type QueryFunc = (qs: string, t: number) => Sample[];

/** Rule health as the rules API reports it. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** Everything the group needs to evaluate a rule. */
export interface EvalContext {
  /** Evaluation timestamp, ms. */
  ts: number;
  /** The group's query offset, ms; queries and written samples are shifted back by it. */
  queryOffset: number;
  /** Runs the rule's query. */
  query: QueryFunc;
  /** The group's limit (0: none). */
  limit: number;
}

/** A recording or alerting rule. */
export interface Rule {
  /** The record or alert name. */
  readonly name: string;
  /** The PromQL expression as written. */
  readonly query: string;
  /** The rule's own labels (group labels merged in). */
  readonly labels: Labels;
  /** Evaluates the rule; returns the samples to append. Throws on an evaluation error. */
  eval(ctx: EvalContext): Sample[];
  /** Evaluation state for the API. */
  readonly stats: RuleStats;
}

/** Per-rule evaluation statistics. */
export class RuleStats {
  /** Health after the last evaluation. */
  health: RuleHealth = 'unknown';
  /** The last error, or "" when healthy. */
  lastError = '';
  /** Wall-clock time the last evaluation started, ms (0: never). */
  lastEvaluation = 0;
  /** Duration of the last evaluation, seconds. */
  evaluationTime = 0;
}

/** Rule labels from a rule file: group labels first, rule labels overriding them. */
export function ruleLabels(
  group: Readonly<Record<string, string>>,
  rule: Readonly<Record<string, string>>,
): Labels {
  return Labels.fromObject({ ...group, ...rule });
}

/**
 * The query function Prometheus's rule manager uses: an instant query whose scalar result
 * becomes one sample without labels; other result types are errors.
 */
export function engineQueryFunc(engine: Engine, queryable: Queryable): QueryFunc {
  return (qs, t) => {
    const r = engine.instantQuery(queryable, qs, t);
    switch (r.value.type) {
      case 'vector':
        return r.value.samples;
      case 'scalar':
        return [{ metric: Labels.EMPTY, t: r.value.t, v: r.value.v }];
      default:
        throw new Error('rule result is not a vector or scalar');
    }
  };
}
