/**
 * The labels of a discovered target, as Prometheus builds them before a scrape
 * (scrape.PopulateLabels) and for an Alertmanager (notifier.AlertmanagerFromGroup): target
 * and group labels, the job's defaults in `__`-labels, target relabeling, then the checks
 * that reject a target. The scrape and notifier modules build on these.
 */
import { isWellFormedUtf8, Labels, LabelsBuilder } from '../model/index.js';
import { checkTargetAddress } from '../config/config.js';
import type { AlertmanagerConfig, ScrapeConfig } from '../config/config.js';
import type { TargetGroup } from '../config/discovery.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { processBuilder } from './relabel.js';

/** A target's labels after relabeling, or why it was rejected; `labels` null means dropped. */
export type TargetResult = { labels: Labels | null; error: null } | { labels: null; error: string };

function setDefaults(
  lb: LabelsBuilder,
  target: Readonly<Record<string, string>>,
  group: Readonly<Record<string, string>>,
): void {
  for (const [k, v] of Object.entries(target)) lb.set(k, v);
  for (const [k, v] of Object.entries(group)) if (!(k in target)) lb.set(k, v);
}

/**
 * Builds and relabels a scrape target's labels (`__address__` and the rest from discovery),
 * then validates address, interval and timeout and adds `instance`, as Prometheus does.
 */
export function populateLabels(
  cfg: ScrapeConfig,
  target: Readonly<Record<string, string>>,
  group: Readonly<Record<string, string>>,
): TargetResult {
  const lb = new LabelsBuilder();
  setDefaults(lb, target, group);
  const defaults: [string, string][] = [
    ['job', cfg.jobName],
    ['__scrape_interval__', formatDuration(cfg.scrapeInterval)],
    ['__scrape_timeout__', formatDuration(cfg.scrapeTimeout)],
    ['__metrics_path__', cfg.metricsPath],
    ['__scheme__', cfg.scheme],
  ];
  for (const [k, v] of defaults) if (lb.get(k) === '') lb.set(k, v);
  for (const [k, vs] of Object.entries(cfg.params)) {
    const name = '__param_' + k;
    if (vs.length > 0 && lb.get(name) === '') lb.set(name, vs[0]!);
  }
  if (!processBuilder(lb, cfg.relabelConfigs)) return { labels: null, error: null };
  const addr = lb.get('__address__');
  if (addr === '') return { labels: null, error: 'no address' };
  const bad = checkTargetAddress(addr);
  if (bad !== null) return { labels: null, error: bad };
  const interval = lb.get('__scrape_interval__');
  const timeout = lb.get('__scrape_timeout__');
  let iv: number;
  let to: number;
  try {
    iv = parseDuration(interval);
  } catch (e) {
    return { labels: null, error: `error parsing scrape interval: ${(e as Error).message}` };
  }
  if (iv === 0) return { labels: null, error: 'scrape interval cannot be 0' };
  try {
    to = parseDuration(timeout);
  } catch (e) {
    return { labels: null, error: `error parsing scrape timeout: ${(e as Error).message}` };
  }
  if (to === 0) return { labels: null, error: 'scrape timeout cannot be 0' };
  if (to > iv)
    return {
      labels: null,
      error: `scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`,
    };
  // Meta labels exist for relabeling only.
  for (const name of lb.labels().names()) if (name.startsWith('__meta_')) lb.del(name);
  if (lb.get('instance') === '') lb.set('instance', addr);
  const res = lb.labels();
  let err: string | null = null;
  res.forEach((n, v) => {
    if (err === null && !isWellFormedUtf8(v))
      err = `invalid label value for ${JSON.stringify(n)}: ${JSON.stringify(v)}`;
  });
  return err === null ? { labels: res, error: null } : { labels: null, error: err };
}

/**
 * The scrape targets of one target group, with Prometheus's error wording
 * (`instance 0 in group 0: ...`); `source` names the group (its index for static configs).
 */
export function targetsFromGroup(
  cfg: ScrapeConfig,
  tg: TargetGroup,
  source: string,
): { targets: Labels[]; errors: string[] } {
  const targets: Labels[] = [];
  const errors: string[] = [];
  tg.targets.forEach((addr, i) => {
    const r = populateLabels(cfg, { __address__: addr }, tg.labels);
    if (r.error !== null) errors.push(`instance ${i} in group ${source}: ${r.error}`);
    else if (r.labels !== null) targets.push(r.labels);
  });
  return { targets, errors };
}

/** The path alerts are posted to: `path_prefix` + `/api/v2/alerts`, cleaned like Go's path.Join. */
export function alertsPath(pathPrefix: string): string {
  const parts = ['', ...pathPrefix.split('/'), 'api', 'v2', 'alerts'].filter(
    (p, i) => i === 0 || (p !== '' && p !== '.'),
  );
  const out: string[] = [];
  for (const p of parts.slice(1)) {
    if (p === '..') out.pop();
    else out.push(p);
  }
  return '/' + out.join('/');
}

/**
 * The Alertmanagers of one target group after relabeling; throws Prometheus's message for an
 * address that is a URL.
 */
export function alertmanagersFromGroup(cfg: AlertmanagerConfig, tg: TargetGroup): Labels[] {
  const out: Labels[] = [];
  for (const addr of tg.targets) {
    const lb = new LabelsBuilder();
    lb.set('__address__', addr);
    lb.set('__scheme__', cfg.scheme);
    lb.set('__alerts_path__', alertsPath(cfg.pathPrefix));
    for (const [k, v] of Object.entries(tg.labels)) if (k !== '__address__') lb.set(k, v);
    if (!processBuilder(lb, cfg.relabelConfigs)) continue;
    const bad = checkTargetAddress(lb.get('__address__'));
    if (bad !== null) throw new Error(bad);
    out.push(lb.labels());
  }
  return out;
}
