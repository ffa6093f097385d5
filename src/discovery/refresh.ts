/**
 * The polling loop shared by HTTP and DNS discovery, as Prometheus's refresh.Discovery: one
 * refresh at start, then one per interval; a successful refresh sends its groups, a failed one
 * is logged and sends nothing, so the last good groups stay.
 */
import { NOP_LOG, type Logger } from '../util/log.js';
import type { Discoverer, GroupsListener, TargetGroup } from './target-group.js';

/** Produces a full set of groups, or throws; `signal` aborts when the discoverer stops. */
export type RefreshFunc = (signal: AbortSignal) => Promise<TargetGroup[]>;

/** A discoverer that calls a refresh function every interval. */
export class RefreshDiscoverer implements Discoverer {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private listener: GroupsListener | null = null;

  /** `mech` names the mechanism in log lines (`http`, `dns`). */
  constructor(
    private readonly mech: string,
    private readonly interval: number,
    private readonly refreshFn: RefreshFunc,
    private readonly logger: Logger = NOP_LOG,
  ) {}

  /** Refreshes now and then every interval. */
  start(listener: GroupsListener): void {
    this.listener = listener;
    this.tick();
  }

  /** Stops the timer and aborts a refresh in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.ac.abort();
    await this.running;
  }

  /** Resolves when the refresh in progress, if any, is done (tests). */
  async settled(): Promise<void> {
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    // The next refresh is timed from the end of this one, so a slow endpoint never sees two
    // requests from the same job at once.
    this.running = this.refreshOnce().finally(() => {
      this.running = null;
      if (!this.stopped && this.interval > 0) this.timer = setTimeout(() => this.tick(), this.interval);
    });
  }

  private async refreshOnce(): Promise<void> {
    let groups: TargetGroup[];
    try {
      groups = await this.refreshFn(this.ac.signal);
    } catch (err) {
      if (!this.stopped)
        this.logger.error('Unable to refresh target groups', { mechanism: this.mech, err: err as Error });
      return;
    }
    if (!this.stopped) this.listener?.(groups);
  }
}
