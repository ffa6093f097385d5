/** Loading, validating and printing `prometheus.yml`. */
export * from './config.js';
export * from './discovery.js';
export { formatDuration, parseDuration, DurationError } from './duration.js';
export * from './http-client.js';
export { DEFAULT_RELABEL_CONFIG, relabelConfigError } from './relabel.js';
export type { RelabelAction, RelabelConfig } from './relabel.js';
export { configToYAML } from './serialize.js';
export { ConfigError } from './yaml.js';
export { glob } from './glob.js';
