/**
 * The seam between rules and Go-template expansion: alerting rules expand their labels and
 * annotations through a {@link TemplateExpander}, backed by the Go text/template engine of
 * src/template.
 */

import { checkTemplate, expandTemplate, type QuerySample } from '../template/index.js';

/** The data an alert template sees (Prometheus's AlertTemplateData). */
export interface AlertTemplateData {
  /** The alert's labels (the query result's, before rule labels are applied). */
  labels: Record<string, string>;
  /** The server's external labels. */
  externalLabels: Record<string, string>;
  /** The server's external URL. */
  externalURL: string;
  /** The sample value that produced the alert. */
  value: number;
}

/** Expands alert templates; an implementation may be backed by any Go-template engine. */
export interface TemplateExpander {
  /** Expands `text` named `name` (e.g. `__alert_HighLatency`) at `time` (ms); throws on a template error. */
  expand(name: string, text: string, data: AlertTemplateData, time: number): string;
  /** Checks that `text` parses, as rulefmt does; the error text (`template: name:1: …`) or null. */
  parseTest(name: string, text: string): string | null;
}

/** Runs a template's `query` function at the evaluation time (ms). */
export type TemplateQueryFunc = (query: string, time: number) => QuerySample[];

/**
 * The Go text/template engine of src/template behind the rules' interface. Expansion errors
 * come back as the `<error expanding template: …>` text itself, as Prometheus writes them.
 * With `query`, templates can call `query "…"` (evaluated at the rule's evaluation time).
 */
export function goTemplateExpanderWith(query?: TemplateQueryFunc): TemplateExpander {
  return {
    expand(name, text, data, time) {
      return expandTemplate(name, text, data, {
        timestamp: time,
        externalURL: data.externalURL,
        ...(query ? { query: (q: string) => query(q, time) } : {}),
      });
    },
    parseTest(name, text) {
      return checkTemplate(name, text);
    },
  };
}

/** The expander without a `query` function (rule-file checks, unit tests without storage). */
export const goTemplateExpander: TemplateExpander = goTemplateExpanderWith();
