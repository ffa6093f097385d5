/**
 * Prints a loaded config back as YAML, as `/api/v1/status/config` shows it: defaults filled
 * in, fields in Prometheus's order, empty optional fields left out, secrets as `<secret>`.
 */
import { stringify } from 'yaml';
import type { Config } from './config.js';
import { CONFIG_CODEC } from './config.js';
import { spreadOtherSD } from './discovery.js';

/** The config as YAML text with secrets masked. */
export function configToYAML(cfg: Config): string {
  const printable = {
    ...cfg,
    scrapeConfigs: cfg.scrapeConfigs.map(spreadOtherSD),
    alerting: { ...cfg.alerting, alertmanagers: cfg.alerting.alertmanagers.map(spreadOtherSD) },
  };
  const data = CONFIG_CODEC.encode(printable) ?? {};
  return stringify(data, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}
