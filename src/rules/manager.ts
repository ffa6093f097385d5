/**
 * The rule manager: loads rule files into groups, runs them, and on reload keeps groups whose
 * definition did not change running untouched, hands the state of changed groups (alerts,
 * series for stale markers) to their replacements, and stops removed groups with stale
 * markers, as Prometheus's rules.Manager does. Alerts to send go to a notify callback.
 */
import type { Labels } from '../model/labels.js';
import { Labels as L } from '../model/labels.js';
import type { NameValidationScheme } from '../model/names.js';
import type { Engine } from '../promql/engine/engine.js';
import type { ParseOptions } from '../promql/parser/parser.js';
import type { Appendable, Queryable } from '../storage/interface.js';
import { NOP_LOG, type Logger } from '../util/log.js';
import { AlertingRule, type Alert } from './alerting.js';
import { Group, groupKey } from './group.js';
import { RecordingRule } from './recording.js';
import { engineQueryFunc, ruleLabels, type QueryFunc, type Rule } from './rule.js';
import { parseRuleFileFromPath } from './rulefmt.js';
import type { TemplateExpander } from './template.js';

/** An alert as handed to the notifier (Prometheus's notifier.Alert). Times are ms since the epoch. */
export interface NotifierAlert {
  /** Identifying labels. */
  labels: Labels;
  /** Annotations. */
  annotations: Labels;
  /** When the alert started firing. */
  startsAt: number;
  /** When it resolved, or until when the firing notification is valid. */
  endsAt: number;
  /** Link to the expression in the UI. */
  generatorURL: string;
}

/** Options of a {@link RuleManager}. */
export interface RuleManagerOptions {
  /** Where rule results are written. */
  appendable: Appendable;
  /** What rules query (and where `ALERTS_FOR_STATE` is restored from). */
  queryable: Queryable;
  /** The engine; alternatively pass `query`. */
  engine?: Engine;
  /** How rules query; defaults to an instant query on `engine` over `queryable`. */
  query?: QueryFunc;
  /** Receives alerts to send to Alertmanager. */
  notify?: (alerts: NotifierAlert[]) => void;
  /** `--rules.alert.resend-delay`, ms (default 1m). */
  resendDelay?: number;
  /** `--rules.alert.for-outage-tolerance`, ms (default 1h). */
  outageTolerance?: number;
  /** `--rules.alert.for-grace-period`, ms (default 10m). */
  forGracePeriod?: number;
  /** Restore `for` state also for groups added on reload (feature `restore-new-rule-groups`?). */
  restoreNewRuleGroups?: boolean;
  /** Template expansion. */
  templates?: TemplateExpander;
  /** Name validation for rule files. */
  nameValidation?: NameValidationScheme;
  /** PromQL parser features for rule files. */
  parseOptions?: ParseOptions;
  /** Logger. */
  logger?: Logger;
  /** Wall clock, ms. */
  now?: () => number;
}

/** What a (re)load applies: the global settings and the rule files (globs already resolved). */
export interface RuleSettings {
  /** Global `evaluation_interval`, ms. */
  interval: number;
  /** Global `rule_query_offset`, ms. */
  queryOffset?: number;
  /** External labels. */
  externalLabels?: Labels;
  /** `--web.external-url`. */
  externalURL?: string;
  /** Rule files. */
  files: readonly string[];
  /** Tolerate unknown fields in rule files (promtool only). */
  ignoreUnknownFields?: boolean;
}

/** Error from a (re)load, with every rule-file error message. */
export class RuleLoadError extends Error {
  /** Each message, prefixed with its file. */
  readonly errors: string[];
  /** Builds the error. */
  constructor(errors: string[]) {
    super(errors.join('; '));
    this.name = 'RuleLoadError';
    this.errors = errors;
  }
}

/** The graph link of an expression, as Prometheus's strutil.TableLinkForExpression. */
export function tableLinkForExpression(expr: string): string {
  return `/graph?g0.expr=${encodeURIComponent(expr).replace(/%20/g, '+')}&g0.tab=1`;
}

/** Loads and runs rule groups. */
export class RuleManager {
  private groups = new Map<string, Group>();
  private restored = false;
  private readonly log: Logger;
  private readonly query: QueryFunc;
  private externalURL = '';

  /** Creates a manager with no groups. */
  constructor(private readonly opts: RuleManagerOptions) {
    this.log = (opts.logger ?? NOP_LOG).with({ component: 'rule manager' });
    if (opts.query) this.query = opts.query;
    else if (opts.engine) this.query = engineQueryFunc(opts.engine, opts.queryable);
    else throw new Error('rule manager needs an engine or a query function');
  }

  /**
   * Builds the groups of the given files without starting them. Errors (every file's) are
   * returned instead of groups when any file is invalid.
   */
  loadGroups(
    settings: RuleSettings,
    shouldRestore = false,
  ): { groups: Map<string, Group>; errors: string[] } {
    const groups = new Map<string, Group>();
    const errors: string[] = [];
    for (const file of settings.files) {
      const parsed = parseRuleFileFromPath(file, {
        ignoreUnknownFields: settings.ignoreUnknownFields,
        nameValidation: this.opts.nameValidation,
        parseOptions: this.opts.parseOptions,
        templates: this.opts.templates,
      });
      if (parsed.errors.length > 0) {
        errors.push(...parsed.errors);
        continue;
      }
      for (const g of parsed.groups) {
        const rules: Rule[] = g.rules.map((r) => {
          const labels = ruleLabels(g.labels, r.labels);
          if (r.alert !== '')
            return new AlertingRule(r.alert, r.expr, labels, {
              holdDuration: r.for,
              keepFiringFor: r.keepFiringFor,
              annotations: L.fromObject(r.annotations),
              externalLabels: settings.externalLabels,
              externalURL: settings.externalURL,
              restored: !shouldRestore,
              templates: this.opts.templates,
              onTemplateError: (err) =>
                this.log.warn('Expanding alert template failed', {
                  err,
                  alert: r.alert,
                  file,
                  group: g.name,
                }),
            });
          return new RecordingRule(r.record, r.expr, labels);
        });
        const group = new Group({
          name: g.name,
          file,
          interval: g.interval || settings.interval,
          queryOffset: g.queryOffset ?? settings.queryOffset ?? 0,
          limit: g.limit,
          rules,
          appendable: this.opts.appendable,
          queryable: this.opts.queryable,
          query: this.query,
          notify: (expr, alerts) => this.send(expr, alerts),
          resendDelay: this.opts.resendDelay,
          outageTolerance: this.opts.outageTolerance,
          forGracePeriod: this.opts.forGracePeriod,
          shouldRestore,
          logger: this.opts.logger,
          now: this.opts.now,
          definition: JSON.stringify(g),
        });
        groups.set(groupKey(file, g.name), group);
      }
    }
    return errors.length > 0 ? { groups: new Map(), errors } : { groups, errors };
  }

  /**
   * Applies new settings: unchanged groups keep running, changed ones are replaced and
   * inherit state, removed ones stop with stale markers. Throws {@link RuleLoadError} and keeps
   * the current groups when any file is invalid.
   */
  update(settings: RuleSettings): void {
    const shouldRestore = !this.restored || (this.opts.restoreNewRuleGroups ?? false);
    const { groups, errors } = this.loadGroups(settings, shouldRestore);
    if (errors.length > 0) {
      this.log.error('loading groups failed', { err: errors.join('; ') });
      throw new RuleLoadError(errors);
    }
    this.restored = true;
    this.externalURL = settings.externalURL ?? '';
    const old = this.groups;
    const next = new Map<string, Group>();
    for (const [key, g] of groups) {
      const prev = old.get(key);
      if (prev) {
        old.delete(key);
        if (prev.equals(g)) {
          next.set(key, prev);
          continue;
        }
        prev.stop(false);
        g.copyState(prev);
      }
      next.set(key, g);
      g.run();
    }
    for (const g of old.values()) g.stop(true);
    this.groups = next;
  }

  private send(expr: string, alerts: Alert[]): void {
    if (!this.opts.notify || alerts.length === 0) return;
    this.opts.notify(
      alerts.map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.firedAt,
        endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil,
        generatorURL: this.externalURL + tableLinkForExpression(expr),
      })),
    );
  }

  /** The running groups, ordered by file and then name as Prometheus lists them. */
  ruleGroups(): Group[] {
    return [...this.groups.values()].sort((a, b) =>
      a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  /** Every alerting rule of every group. */
  alertingRules(): AlertingRule[] {
    return this.ruleGroups().flatMap((g) => g.alertingRules());
  }

  /** Stops every group (shutdown: no stale markers, as Prometheus). */
  stop(): void {
    for (const g of this.groups.values()) g.stop(false);
    this.groups = new Map();
  }
}
