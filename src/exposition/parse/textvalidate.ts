/**
 * The strict rules of the text format 0.0.4 that span lines, checked on top of the streaming
 * parser. They are the rules of expfmt's text parser, which `promtool check metrics` runs: one
 * HELP per metric name; one TYPE per metric name, before its samples; `le` on histogram buckets
 * and `quantile` on summary quantiles, as floats; no duplicate label names. Like expfmt, it lets
 * a family's samples come in several groups (the format asks for one group, but no Prometheus
 * tool refuses a page that splits them). Prometheus's scraper checks none of this.
 */
import type { MetricType } from '../../model/metadata.js';
import { excerpt, ParseError } from './errors.js';
import { FLOAT_OK, scanFloat } from './lex.js';
import { Entry, type Parser } from './parser.js';

interface TextFamily {
  type: MetricType;
  sawHelp: boolean;
  sawType: boolean;
  hasSamples: boolean;
}

/** Checks the text format's cross-line rules entry by entry. */
export class TextValidator {
  /** Families by name, as expfmt keys them. */
  private readonly families = new Map<string, TextFamily>();

  /** Validates the entries of `parser`, which calls {@link observe} after each `next()`. */
  constructor(private readonly parser: Parser) {}

  /** Checks the entry just parsed; returns the violation, if any. */
  observe(e: Entry): ParseError | undefined {
    try {
      if (e === Entry.Help || e === Entry.Type) this.metadata(e);
      else if (e === Entry.Series) this.sample();
      return undefined;
    } catch (err) {
      if (err instanceof ParseError) return err;
      throw err;
    }
  }

  private fail(reason: string): never {
    throw new ParseError(this.parser.line, undefined, reason);
  }

  private family(name: string): TextFamily {
    let fam = this.families.get(name);
    if (fam === undefined) {
      fam = { type: 'unknown', sawHelp: false, sawType: false, hasSamples: false };
      this.families.set(name, fam);
    }
    return fam;
  }

  private metadata(e: Entry): void {
    const p = this.parser;
    const name = p.metricName();
    const fam = this.family(name);
    if (e === Entry.Help) {
      if (fam.sawHelp) this.fail(`second HELP line for metric name ${excerpt(name)}`);
      fam.sawHelp = true;
      return;
    }
    if (fam.sawType || fam.hasSamples) {
      this.fail(`second TYPE line for metric name ${excerpt(name)}, or TYPE reported after samples`);
    }
    fam.sawType = true;
    fam.type = p.type();
  }

  private sample(): void {
    const p = this.parser;
    const name = p.metricName();
    let fam = this.families.get(name);
    let role = '';
    if (fam === undefined) {
      // `x_sum`, `x_count` and `x_bucket` belong to an earlier summary or histogram `x`.
      for (const suffix of ['_bucket', '_sum', '_count']) {
        if (!name.endsWith(suffix)) continue;
        const base = this.families.get(name.slice(0, -suffix.length));
        if (base === undefined) continue;
        if (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket')) {
          fam = base;
          role = suffix;
        }
      }
    }
    fam ??= this.family(name);
    fam.hasSamples = true;
    const labels = p.labels(); // refuses duplicate label names
    if (fam.type === 'histogram' && role === '_bucket')
      this.floatLabel(labels.get('le'), 'le', 'histogram bucket');
    if (fam.type === 'summary' && role === '')
      this.floatLabel(labels.get('quantile'), 'quantile', 'summary quantile');
  }

  private floatLabel(v: string, label: string, what: string): void {
    if (v === '') this.fail(`${what} without a "${label}" label`);
    if (scanFloat(v, 0, v.length) !== FLOAT_OK)
      this.fail(`${what} has "${label}" ${excerpt(v)}, not a float`);
  }
}
