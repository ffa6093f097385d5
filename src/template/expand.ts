/**
 * Template expansion as Prometheus's rules do it: the text is parsed under the name
 * `__alert_<alertname>` behind a preamble that defines `$labels`, `$externalLabels`,
 * `$externalURL` and `$value`, executed with the alert's data and Prometheus's functions, and a
 * failure becomes the annotation text `<error expanding template: …>` instead of an exception.
 */
import { BUILTINS } from './builtins.js';
import { execute, Suspend, TemplateExecError, type TemplateFunc } from './exec.js';
import { prometheusFunctions, type QueryFunc, type QuerySample } from './functions.js';
import { parse, TemplateParseError, type ParsedTemplates } from './parse.js';
import { GoMap, GoStruct, type GoValue } from './value.js';

/** The variables Prometheus defines before every alert label and annotation template. */
export const ALERT_TEMPLATE_PREAMBLE =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** The Go type of the alert template data, as errors name it. */
export const ALERT_DATA_TYPE =
  'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }';

/**
 * The most distinct queries one asynchronous expansion runs. Each pending query restarts the
 * expansion once its result is in, so this also bounds the restarts.
 */
export const MAX_TEMPLATE_QUERIES = 100;

/** Labels as the rules engine holds them. */
export type LabelSet = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/** The data of an alert, for its templates. */
export interface AlertData {
  /** The alert's labels (the sample's labels, before the rule's own labels are added). */
  labels: LabelSet;
  /** `global.external_labels` of the configuration. */
  externalLabels?: LabelSet;
  /** The external URL (`--web.external-url`). */
  externalURL?: string;
  /** The sample value, a float64 in templates. */
  value: number;
}

/** How templates are expanded: time, URL and the query function. */
export interface ExpandOptions {
  /** The evaluation time, Unix milliseconds (for `now` and `query`); defaults to now. */
  timestamp?: number;
  /** The external URL for `externalURL` and `pathPrefix`; defaults to the data's. */
  externalURL?: string;
  /** Runs `query`; may return a promise, in which case use the async variants. */
  query?: QueryFunc;
  /** Extra functions beside Go's and Prometheus's (tests, tools). */
  funcs?: ReadonlyMap<string, TemplateFunc>;
}

/** Counts of expansions, for `prometheus_template_text_expansions_total` and `…_failures_total`. */
export const templateExpansionStats = { total: 0, failures: 0 };

/** Prometheus's AlertTemplateData: the struct the preamble reads. */
export function alertTemplateData(data: AlertData): GoStruct {
  return new GoStruct(
    ALERT_DATA_TYPE,
    new Map<string, GoValue>([
      ['Labels', GoMap.fromLabels(data.labels)],
      ['ExternalLabels', GoMap.fromLabels(data.externalLabels ?? {})],
      ['ExternalURL', data.externalURL ?? ''],
      ['Value', data.value],
    ]),
    false,
    new Map([['Value', 'interface {}']]),
  );
}

function functionMap(
  opts: ExpandOptions,
  externalURL: string,
  cache: Map<string, QuerySample[]>,
): Map<string, TemplateFunc> {
  const funcs = new Map(BUILTINS);
  const ctx = {
    timestamp: opts.timestamp ?? Date.now(),
    externalURL,
    ...(opts.query ? { query: opts.query } : {}),
  };
  for (const [k, v] of prometheusFunctions(ctx, cache)) funcs.set(k, v);
  for (const [k, v] of opts.funcs ?? []) funcs.set(k, v);
  return funcs;
}

/** A template failure, with Prometheus's message (`error parsing template …`, `error executing template …`). */
export class TemplateError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

function parseWith(name: string, text: string, funcs: ReadonlyMap<string, TemplateFunc>): ParsedTemplates {
  try {
    return parse(name, text, (f) => funcs.has(f));
  } catch (e) {
    if (e instanceof TemplateParseError)
      throw new TemplateError(`error parsing template ${name}: ${e.message}`);
    throw e;
  }
}

function runOnce(
  name: string,
  text: string,
  data: GoValue,
  opts: ExpandOptions,
  externalURL: string,
  cache: Map<string, QuerySample[]>,
): string {
  const funcs = functionMap(opts, externalURL, cache);
  const set = parseWith(name, text, funcs);
  try {
    return execute(set, name, data, funcs);
  } catch (e) {
    if (e instanceof TemplateExecError)
      throw new TemplateError(`error executing template ${name}: ${e.message}`);
    if (e instanceof Suspend) throw e;
    // Go recovers a panic in Expand the same way: the alert loses its text, not the process.
    throw new TemplateError(
      `panic expanding template ${name}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * Expands `text` with `data` as dot (Prometheus's Expander.Expand); throws {@link TemplateError}.
 * A query function returning a promise makes this throw too: use {@link expandTextAsync}.
 */
export function expandText(name: string, text: string, data: GoValue, opts: ExpandOptions = {}): string {
  templateExpansionStats.total++;
  try {
    return runOnce(name, text, data, opts, opts.externalURL ?? '', new Map());
  } catch (e) {
    templateExpansionStats.failures++;
    if (e instanceof Suspend) {
      void e.promise.catch(() => undefined);
      throw new TemplateError(
        `error executing template ${name}: query function is asynchronous; use expandTextAsync`,
      );
    }
    throw e;
  }
}

/** {@link expandText} with asynchronous query functions allowed. */
export async function expandTextAsync(
  name: string,
  text: string,
  data: GoValue,
  opts: ExpandOptions = {},
): Promise<string> {
  templateExpansionStats.total++;
  const cache = new Map<string, QuerySample[]>();
  // Each run either finishes or stops at a query not yet answered; the answer is cached and the
  // template runs again from the start, which is cheap next to a query.
  for (let attempt = 0; ; attempt++) {
    try {
      return runOnce(name, text, data, opts, opts.externalURL ?? '', cache);
    } catch (e) {
      if (e instanceof Suspend && attempt < MAX_TEMPLATE_QUERIES) {
        await e.promise;
        continue;
      }
      templateExpansionStats.failures++;
      if (e instanceof Suspend) {
        throw new TemplateError(
          `error executing template ${name}: more than ${MAX_TEMPLATE_QUERIES} queries`,
        );
      }
      throw e;
    }
  }
}

function alertInputs(
  name: string,
  text: string,
  data: AlertData,
  opts: ExpandOptions,
): [string, string, GoStruct, ExpandOptions] {
  const o = { ...opts, externalURL: opts.externalURL ?? data.externalURL ?? '' };
  return [
    name,
    ALERT_TEMPLATE_PREAMBLE + text,
    alertTemplateData({ ...data, externalURL: o.externalURL }),
    o,
  ];
}

function errorText(e: unknown): string {
  return `<error expanding template: ${e instanceof Error ? e.message : String(e)}>`;
}

/**
 * Expands one alert label or annotation template the way Prometheus's alerting rules do; `name`
 * is the template name (`__alert_` + the alert name). Never throws: an error becomes the text
 * `<error expanding template: …>`, as Prometheus puts it into the annotation.
 */
export function expandTemplate(
  name: string,
  text: string,
  data: AlertData,
  opts: ExpandOptions = {},
): string {
  try {
    return expandText(...alertInputs(name, text, data, opts));
  } catch (e) {
    return errorText(e);
  }
}

/** {@link expandTemplate} with an asynchronous query function; never rejects. */
export async function expandTemplateAsync(
  name: string,
  text: string,
  data: AlertData,
  opts: ExpandOptions = {},
): Promise<string> {
  try {
    return await expandTextAsync(...alertInputs(name, text, data, opts));
  } catch (e) {
    return errorText(e);
  }
}

/**
 * Checks that an alert template parses, as Prometheus does when it loads a rule file; returns
 * the error (`template: __alert_X:1: function "foo" not defined`) or null.
 */
export function checkTemplate(name: string, text: string): string | null {
  const funcs = functionMap({}, '', new Map());
  try {
    parse(name, ALERT_TEMPLATE_PREAMBLE + text, (f) => funcs.has(f));
    return null;
  } catch (e) {
    if (e instanceof TemplateParseError) return e.message;
    throw e;
  }
}
