/**
 * `static_configs`: the job's literal target groups, sourced `0`, `1`, … by their position,
 * as Prometheus's StaticConfig provider names them.
 */
import type { TargetGroup as ConfigTargetGroup } from '../config/index.js';
import type { Discoverer, GroupsListener, TargetGroup } from './target-group.js';

/** The discovered groups of a job's `static_configs`. */
export function staticGroups(configs: readonly ConfigTargetGroup[]): TargetGroup[] {
  return configs.map((c, i) => ({
    source: String(i),
    targets: c.targets.map((a) => ({ __address__: a })),
    labels: { ...c.labels },
  }));
}

/** A discoverer that sends its static groups once. */
export class StaticDiscoverer implements Discoverer {
  private readonly groups: TargetGroup[];

  /** Wraps a job's `static_configs`. */
  constructor(configs: readonly ConfigTargetGroup[]) {
    this.groups = staticGroups(configs);
  }

  /** Sends the groups at once; they never change. */
  start(listener: GroupsListener): void {
    listener(this.groups);
  }

  /** Nothing runs, so nothing stops. */
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
