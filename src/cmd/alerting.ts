/**
 * Wires rules and alerting: rule files → the rule manager (evaluating through the engine,
 * writing through the DB) → the notifier, whose Alertmanagers come from the notify
 * discovery manager; plus the /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers
 * routes. Lives in cmd because it joins rules, notifier, discovery and web.
 */
import { glob, type Config } from '../config/index.js';
import { DiscoveryManager, notifyDiscoveryConfigs, type TargetGroup } from '../discovery/index.js';
import { Labels } from '../model/labels.js';
import { Notifier } from '../notifier/notifier.js';
import type { Engine } from '../promql/engine/engine.js';
import { alertsResponse, rulesResponse } from '../rules/api.js';
import { RuleManager } from '../rules/manager.js';
import { goTemplateExpanderWith } from '../rules/template.js';
import { templateExpansionStats } from '../template/index.js';
import type { Appendable, Queryable } from '../storage/interface.js';
import type { Logger } from '../util/log.js';
import { family, type Registry } from '../web/metrics/registry.js';
import type { WebServer } from '../web/server.js';

/** Durations from the `--rules.*` and `--alertmanager.*` flags, ms and counts. */
export interface AlertingOptions {
  resendDelay: number;
  outageTolerance: number;
  forGracePeriod: number;
  queueCapacity: number;
  batchSize: number;
  discoveryInterval: number;
  externalURL: string;
  userAgent: string;
}

/** Rules, their evaluation and the delivery of their alerts. */
export class AlertingService {
  readonly rules: RuleManager;
  readonly notifier: Notifier;
  private readonly discovery: DiscoveryManager;

  /** Creates the service; nothing runs until {@link applyConfig}. */
  constructor(
    appendable: Appendable,
    queryable: Queryable,
    engine: Engine,
    log: Logger,
    private readonly opts: AlertingOptions,
  ) {
    this.notifier = new Notifier({
      queueCapacity: opts.queueCapacity,
      batchSize: opts.batchSize,
      logger: log.with({ component: 'notifier' }),
      userAgent: opts.userAgent,
    });
    this.rules = new RuleManager({
      appendable,
      queryable,
      engine,
      notify: (alerts) => this.notifier.send(...alerts),
      // Templates may call `query`: an instant query at the rule's evaluation time.
      templates: goTemplateExpanderWith((q, t) => {
        const r = engine.instantQuery(queryable, q, t).value;
        if (r.type === 'vector') return r.samples.map((x) => ({ labels: x.metric.toObject(), value: x.v }));
        if (r.type === 'scalar') return [{ labels: {}, value: r.v }];
        throw new Error(`query ${JSON.stringify(q)} returned a ${r.type}, not a vector or scalar`);
      }),
      resendDelay: opts.resendDelay,
      outageTolerance: opts.outageTolerance,
      forGracePeriod: opts.forGracePeriod,
      logger: log.with({ component: 'rule manager' }),
    });
    this.discovery = new DiscoveryManager((tsets) => this.onAlertmanagers(tsets), {
      name: 'notify',
      updateInterval: opts.discoveryInterval,
      userAgent: opts.userAgent,
      logger: log.with({ component: 'discovery manager notify' }),
    });
  }

  private onAlertmanagers(tsets: Map<string, TargetGroup[]>): void {
    for (const [key, groups] of tsets) {
      this.notifier.setDiscovered(
        key,
        groups.flatMap((g) => g.targets.map((t) => ({ ...g.labels, ...t }))),
      );
    }
  }

  /**
   * Applies a (re)loaded configuration. Throws when a rule file is bad; the rules that were
   * running keep running then, as in Prometheus.
   */
  applyConfig(config: Config): void {
    this.notifier.applyConfig(config);
    this.discovery.applyConfig(notifyDiscoveryConfigs(config));
    const files = config.ruleFiles.flatMap((pattern) => glob(pattern));
    this.rules.update({
      interval: config.global.evaluationInterval,
      queryOffset: config.global.ruleQueryOffset,
      externalLabels: Labels.fromObject(config.global.externalLabels),
      externalURL: this.opts.externalURL,
      files,
    });
  }

  /** Stops rule evaluation, discovery, and (after sending what is queued) the notifier. */
  async stop(): Promise<void> {
    this.rules.stop();
    await this.discovery.stop();
    await this.notifier.stop(true);
  }
}

/** Registers /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers; `service()` is null until ready. */
export function registerAlertingAPI(web: WebServer, service: () => AlertingService | null): void {
  web.handle('GET', '/api/v1/rules', (req) => {
    const s = service();
    const body = rulesResponse(s?.rules.ruleGroups() ?? [], {
      type: req.form.get('type') ?? undefined,
      ruleName: req.form.getAll('rule_name[]'),
      ruleGroup: req.form.getAll('rule_group[]'),
      file: req.form.getAll('file[]'),
      excludeAlerts: req.form.get('exclude_alerts') === 'true',
    });
    return { status: body.status === 'success' ? 200 : 400, body };
  });
  web.handle('GET', '/api/v1/alerts', () => ({
    body: alertsResponse(service()?.rules.alertingRules() ?? []),
  }));
  web.handle('GET', '/api/v1/alertmanagers', () => ({
    body: {
      status: 'success',
      data: {
        activeAlertmanagers: (service()?.notifier.alertmanagers() ?? []).map((url) => ({ url })),
        droppedAlertmanagers: [],
      },
    },
  }));
}

/** Registers the rule and notifier counters under Prometheus's names. */
export function registerAlertingMetrics(reg: Registry, service: () => AlertingService | null): void {
  reg.register(() => [
    family(
      'prometheus_template_text_expansions_total',
      'counter',
      'The total number of template text expansions.',
      templateExpansionStats.total,
    ),
    family(
      'prometheus_template_text_expansion_failures_total',
      'counter',
      'The total number of template text expansion failures.',
      templateExpansionStats.failures,
    ),
  ]);
  reg.register(() => {
    const s = service();
    if (!s) return [];
    const n = s.notifier;
    const out = [
      family(
        'prometheus_notifications_queue_length',
        'gauge',
        'The number of alert notifications in the queue.',
        n.queueLength(),
      ),
      family(
        'prometheus_notifications_queue_capacity',
        'gauge',
        'The capacity of the alert notifications queue.',
        n.queueCapacity(),
      ),
      family(
        'prometheus_notifications_alertmanagers_discovered',
        'gauge',
        'The number of alertmanagers discovered and active.',
        n.alertmanagers().length,
      ),
    ];
    out.push(
      family(
        'prometheus_notifications_dropped_total',
        'counter',
        'Total number of alerts dropped due to errors when sending to Alertmanager.',
        n.stats.dropped,
      ),
    );
    const perAM = (name: string, help: string, m: Map<string, number>) => ({
      name,
      type: 'counter' as const,
      help,
      samples: [...m].map(([am, v]) => ({ name, labels: Labels.fromStrings('alertmanager', am), value: v })),
    });
    out.push(perAM('prometheus_notifications_sent_total', 'Total number of alerts sent.', n.stats.sent));
    out.push(
      perAM(
        'prometheus_notifications_errors_total',
        'Total number of sent alerts affected by errors.',
        n.stats.errors,
      ),
    );
    const groups = s.rules.ruleGroups();
    const perGroup = (
      name: string,
      help: string,
      type: 'counter' | 'gauge',
      get: (g: (typeof groups)[number]) => number,
    ) => ({
      name,
      type,
      help,
      samples: groups.map((g) => ({
        name,
        labels: Labels.fromStrings('rule_group', `${g.file};${g.name}`),
        value: get(g),
      })),
    });
    out.push(
      perGroup(
        'prometheus_rule_group_iterations_missed_total',
        'The total number of rule group evaluations missed due to slow rule group evaluation.',
        'counter',
        (g) => g.metrics.iterationsMissed,
      ),
    );
    out.push(
      perGroup(
        'prometheus_rule_group_iterations_total',
        'The total number of scheduled rule group evaluations, whether executed or missed.',
        'counter',
        (g) => g.metrics.iterationsScheduled,
      ),
    );
    out.push(
      perGroup(
        'prometheus_rule_evaluations_total',
        'The total number of rule evaluations.',
        'counter',
        (g) => g.metrics.evalTotal,
      ),
    );
    out.push(
      perGroup(
        'prometheus_rule_evaluation_failures_total',
        'The total number of rule evaluation failures.',
        'counter',
        (g) => g.metrics.evalFailures,
      ),
    );
    return out;
  });
}
