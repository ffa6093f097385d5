/**
 * Go's text/template as Prometheus uses it for alert labels and annotations and for console
 * templates: the language (parse.ts, exec.ts), Go's fmt (fmt.ts), the built-in functions
 * (builtins.ts), Prometheus's functions (functions.ts) and rule-style expansion (expand.ts).
 */
export {
  ALERT_DATA_TYPE,
  ALERT_TEMPLATE_PREAMBLE,
  MAX_TEMPLATE_QUERIES,
  TemplateError,
  alertTemplateData,
  checkTemplate,
  expandTemplate,
  expandTemplateAsync,
  expandText,
  expandTextAsync,
  templateExpansionStats,
  type AlertData,
  type ExpandOptions,
  type LabelSet,
} from './expand.js';
export {
  MAX_EXEC_STEPS,
  MAX_OUTPUT_LENGTH,
  MAX_TEMPLATE_DEPTH,
  FuncError,
  type TemplateFunc,
  type ParamType,
} from './exec.js';
export { formatFloat, sprintf, sprint } from './fmt.js';
export {
  humanize,
  humanize1024,
  humanizeDuration,
  humanizePercentage,
  humanizeTimestamp,
  type QueryFunc,
  type QuerySample,
} from './functions.js';
export { GoDuration, GoMap, GoSlice, GoStruct, GoTime, type GoValue } from './value.js';
