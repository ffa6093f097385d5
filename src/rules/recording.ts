/** Recording rules: the query's result, renamed to `record` and relabelled, written back to storage. */
import { Labels, LabelsBuilder } from '../model/labels.js';
import type { Sample } from '../promql/engine/types.js';
import { RuleStats, type EvalContext, type Rule } from './rule.js';

/** A recording rule. */
export class RecordingRule implements Rule {
  /** Evaluation statistics. */
  readonly stats = new RuleStats();

  /** Creates the rule; `labels` already include the group's labels. */
  constructor(
    readonly name: string,
    readonly query: string,
    readonly labels: Labels = Labels.EMPTY,
  ) {}

  /** Evaluates the query and returns the samples to record, with Prometheus's errors. */
  eval(ctx: EvalContext): Sample[] {
    const t = ctx.ts - ctx.queryOffset;
    const vector = ctx.query(this.query, t);
    const lb = new LabelsBuilder();
    const out: Sample[] = [];
    const seen = new Set<string>();
    for (const s of vector) {
      lb.reset(s.metric);
      lb.set('__name__', this.name);
      this.labels.forEach((n, v) => lb.set(n, v));
      const metric = lb.labels();
      const key = metric.toString();
      // Two input series that become one after relabelling would write conflicting samples.
      if (seen.has(key))
        throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ metric, t, v: s.v });
    }
    if (ctx.limit > 0 && out.length > ctx.limit)
      throw new Error(`exceeded limit of ${ctx.limit} with ${out.length} series`);
    return out;
  }
}
