/** Service discovery: target groups, the static, file, HTTP and DNS mechanisms, and the manager. */
export {
  parseTargetGroupsJSON,
  parseTargetGroupsYAML,
  sameGroups,
  type Discoverer,
  type GroupsListener,
  type LabelSet,
  type TargetGroup,
} from './target-group.js';
export { StaticDiscoverer, staticGroups } from './static.js';
export {
  DEFAULT_FILE_WATCH_DEBOUNCE_MS,
  FILE_SD_FILEPATH_LABEL,
  FileDiscoverer,
  fileSource,
  readFileGroups,
  type FileDiscovererOptions,
} from './file.js';
export {
  HTTP_SD_URL_LABEL,
  HTTPDiscoverer,
  fetchHTTPGroups,
  urlSource,
  type HTTPDiscovererOptions,
} from './http.js';
export {
  DNS_MX_RECORD_TARGET_LABEL,
  DNS_NAME_LABEL,
  DNS_NS_RECORD_TARGET_LABEL,
  DNS_SRV_RECORD_PORT_LABEL,
  DNS_SRV_RECORD_TARGET_LABEL,
  DNSDiscoverer,
  lookupTargets,
  type DNSDiscovererOptions,
  type DNSResolver,
} from './dns.js';
export { RefreshDiscoverer, type RefreshFunc } from './refresh.js';
export {
  DEFAULT_DISCOVERY_UPDATE_INTERVAL_MS,
  DiscoveryManager,
  notifyDiscoveryConfigs,
  scrapeDiscoveryConfigs,
  sdConfigEntries,
  type DiscoveryManagerOptions,
  type SDConfigEntry,
  type TargetSetsListener,
} from './manager.js';
export { scrapeTargetsFromGroups, type BuiltTarget } from './targets.js';
