/**
 * From discovered groups to scrape targets: each target's labels merged with its group's and
 * run through Prometheus's target building (relabel/target.ts's populateLabels), with
 * Prometheus's error wording (`instance <i> in group <source>: ...`). The scrape manager's
 * wiring calls this for each job of a {@link DiscoveryManager} send.
 */
import { Labels } from '../model/index.js';
import type { ScrapeConfig } from '../config/index.js';
import { populateLabels } from '../relabel/target.js';
import type { TargetGroup } from './target-group.js';

/** One discovered target after target building: kept (with its labels) or dropped by relabeling. */
export interface BuiltTarget {
  /** The target's labels after relabeling, or null when relabeling dropped it. */
  readonly labels: Labels | null;
  /** The target's own labels over its group's, before defaults and relabeling. */
  readonly discovered: Labels;
}

/** The targets of one job's groups, and the errors of the targets that were rejected. */
export function scrapeTargetsFromGroups(
  cfg: ScrapeConfig,
  groups: readonly TargetGroup[],
): { targets: BuiltTarget[]; errors: string[] } {
  const targets: BuiltTarget[] = [];
  const errors: string[] = [];
  for (const g of groups)
    g.targets.forEach((t, i) => {
      const r = populateLabels(cfg, t, g.labels);
      if (r.error !== null) {
        errors.push(`instance ${i} in group ${g.source}: ${r.error}`);
        return;
      }
      targets.push({ labels: r.labels, discovered: Labels.fromObject({ ...g.labels, ...t }) });
    });
  return { targets, errors };
}
