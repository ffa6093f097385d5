/**
 * Turning one scrape body into appends, as Prometheus's `scrapeLoop.append`: parse leniently,
 * resolve each sample line through the scrape cache (labels are built, target labels attached
 * and relabeling applied only for lines not seen before), enforce the limits, append samples,
 * exemplars and (optionally) metadata, and stale-mark the series the previous scrape had and
 * this one lacks.
 *
 * Per sample in steady state the work is: the parser's `next()`, one slice for the raw key, one
 * Map lookup, the append, one Map set for staleness tracking. No object is made per sample.
 */
import { ContentTypeError, parseContentType } from '../exposition/negotiate.js';
import { newParser } from '../exposition/parse/families.js';
import { Entry, ParserBase, type Parser } from '../exposition/parse/parser.js';
import type { Labels } from '../model/labels.js';
import type { MetricType } from '../model/metadata.js';
import { METRIC_NAME, isValidLabelName, isValidLabelValue, isValidMetricName } from '../model/names.js';
import { goQuote } from '../model/strings.js';
import { STALE_NAN, isStaleNaN } from '../model/value.js';
import { StorageError, type Appender, type Exemplar } from '../storage/interface.js';
import type { Logger } from '../util/log.js';
import type { MetaEntry, ScrapeCache } from './cache.js';
import { mutateSampleLabels, type ResolvedScrapeOptions } from './target.js';

/** What a scrape's append needs from its loop. */
export interface AppendContext {
  readonly cache: ScrapeCache;
  /** The target labels attached to every sample. */
  readonly targetLabels: Labels;
  readonly options: ResolvedScrapeOptions;
  readonly logger: Logger;
}

/** The counts a scrape reports, and the error that failed it. */
export interface AppendResult {
  /** Samples in the body (`scrape_samples_scraped`). */
  total: number;
  /** Samples left after metric relabeling (`scrape_samples_post_metric_relabeling`). */
  added: number;
  /** Series new to the cache (`scrape_series_added`). */
  seriesAdded: number;
  /** Samples storage rejected, by kind (the scrape still succeeds). */
  outOfOrder: number;
  duplicates: number;
  outOfBounds: number;
  /** What failed the scrape (nothing of it may be committed), or null. */
  err: Error | null;
}

/** Prometheus's `errSampleLimit` text. */
export const SAMPLE_LIMIT_MESSAGE = 'sample limit exceeded';
/** Prometheus's `errNameLabelMandatory` text. */
export const NAME_LABEL_MANDATORY_MESSAGE = `missing metric name (${METRIC_NAME} label)`;

const SAMPLE_LIMIT_ERROR = new Error(SAMPLE_LIMIT_MESSAGE);

function newResult(): AppendResult {
  return { total: 0, added: 0, seriesAdded: 0, outOfOrder: 0, duplicates: 0, outOfBounds: 0, err: null };
}

/**
 * Writes stale markers for the previous scrape's series that this scrape did not append.
 * Out-of-order and duplicate rejections are expected (a target that came back under a new loop
 * already wrote newer samples) and ignored; any other error is returned.
 */
export function appendStaleMarkers(cache: ScrapeCache, app: Appender, t: number): Error | null {
  let err: Error | null = null;
  cache.forEachStale((e) => {
    try {
      app.append(e.ref, e.labels, t, STALE_NAN);
    } catch (x) {
      if (x instanceof StorageError && (x.kind === 'out_of_order' || x.kind === 'duplicate_sample'))
        return true;
      err = x instanceof Error ? x : new Error(String(x));
      return false;
    }
    return true;
  });
  return err;
}

/** An empty scrape (failed, or an empty body): stale markers for everything, no flush. */
export function appendEmpty(ctx: AppendContext, app: Appender, t: number): AppendResult {
  const r = newResult();
  r.err = appendStaleMarkers(ctx.cache, app, t);
  ctx.cache.iterDone(false);
  return r;
}

/** Truncates to 50 code points, as Go's `%.50s`. */
function trunc50(s: string): string {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
    if (++n === 50) return s.slice(0, i + 1);
  }
  return s;
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Prometheus's `verifyLabelLimits`, with its error texts. */
function verifyLabelLimits(ls: Labels, o: ResolvedScrapeOptions): Error | null {
  const met = ls.get(METRIC_NAME);
  if (o.labelLimit > 0 && ls.size > o.labelLimit) {
    return new Error(
      `label_limit exceeded (metric: ${trunc50(met)}, number of labels: ${ls.size}, limit: ${o.labelLimit})`,
    );
  }
  if (o.labelNameLengthLimit === 0 && o.labelValueLengthLimit === 0) return null;
  for (let i = 0; i < ls.size; i++) {
    const name = ls.nameAt(i);
    const value = ls.valueAt(i);
    if (o.labelNameLengthLimit > 0) {
      const len = utf8Length(name);
      if (len > o.labelNameLengthLimit) {
        return new Error(
          `label_name_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(name)}, length: ${len}, limit: ${o.labelNameLengthLimit})`,
        );
      }
    }
    if (o.labelValueLengthLimit > 0) {
      const len = utf8Length(value);
      if (len > o.labelValueLengthLimit) {
        return new Error(
          `label_value_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(name)}, value: ${goQuote(trunc50(value))}, length: ${len}, limit: ${o.labelValueLengthLimit})`,
        );
      }
    }
  }
  return null;
}

/** Prometheus's `Labels.IsValid` under a validation scheme. */
function labelsValid(ls: Labels, o: ResolvedScrapeOptions): boolean {
  const scheme = o.metricNameValidationScheme;
  for (let i = 0; i < ls.size; i++) {
    const name = ls.nameAt(i);
    const value = ls.valueAt(i);
    if (name === METRIC_NAME && !isValidMetricName(value, scheme)) return false;
    if (!isValidLabelName(name, scheme) || !isValidLabelValue(value)) return false;
  }
  return true;
}

/** Prometheus's `isSeriesPartOfFamily`: whether a sample name belongs to the family of the last metadata. */
export function isSeriesPartOfFamily(name: string, family: string, type: MetricType): boolean {
  if (!name.startsWith(family)) return false;
  const cut = (s: string, suffix: string): string | undefined =>
    s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : undefined;
  let fam = family;
  let got: string;
  switch (type) {
    case 'counter':
      fam = cut(fam, '_total') ?? fam;
      got = cut(name, '_total') ?? name;
      break;
    case 'histogram':
      got = cut(name, '_bucket') ?? cut(name, '_sum') ?? cut(name, '_count') ?? name;
      break;
    case 'gaugehistogram':
      got = cut(name, '_bucket') ?? cut(name, '_gsum') ?? cut(name, '_gcount') ?? name;
      break;
    case 'summary':
      got = cut(name, '_sum') ?? cut(name, '_count') ?? name;
      break;
    case 'info':
      fam = cut(fam, '_info') ?? fam;
      got = cut(name, '_info') ?? name;
      break;
    default:
      got = name;
  }
  return fam === got;
}

/**
 * Appends one non-empty scrape body. On success the cache is flushed and swapped and stale
 * markers are appended for vanished series; on error (`err` set) the caller must roll back and
 * append an empty scrape, as Prometheus does, so that nothing of a failed scrape is kept.
 */
export function appendScrape(
  ctx: AppendContext,
  app: Appender,
  body: Uint8Array,
  contentType: string,
  defTime: number,
): AppendResult {
  if (body.length === 0) return appendEmpty(ctx, app, defTime);
  const r = newResult();
  const { cache, options: o, targetLabels } = ctx;

  let format: 'text' | 'openmetrics';
  try {
    const choice = parseContentType(contentType, o.fallbackScrapeProtocol);
    if (choice.warning !== undefined) ctx.logger.debug(choice.warning);
    if (choice.parser === 'protobuf') {
      r.err = new Error('protobuf exposition is not supported by ignis yet');
      return r;
    }
    format = choice.parser === 'openmetrics' ? 'openmetrics' : 'text';
  } catch (e) {
    if (e instanceof ContentTypeError) {
      ctx.logger.error('Failed to determine correct type of scrape target.', {
        content_type: contentType,
        fallback_media_type: o.fallbackScrapeProtocol ?? '',
        err: e,
      });
      r.err = e;
      return r;
    }
    throw e;
  }

  const p: Parser = newParser(body, format, { strictness: 'lenient' });
  // Only the cache-miss path needs this, to see labels exposed with an empty value.
  const rawHas =
    p instanceof ParserBase
      ? (name: string): boolean => (p as ParserBase).rawLabelValue(name) !== undefined
      : (): boolean => false;

  const iter = cache.iter;
  const honorTs = o.honorTimestamps;
  const trackTsStaleness = o.trackTimestampsStaleness;
  const sampleLimit = o.sampleLimit;
  let appended = 0;
  let sampleLimitHit = false;
  let lastMeta: MetaEntry | undefined;
  let lastFamily = '';

  try {
    loop: for (;;) {
      const et = p.next();
      switch (et) {
        case Entry.EOF:
          break loop;
        case Entry.Type:
          lastFamily = p.metricName();
          lastMeta = cache.setType(lastFamily, p.type());
          continue;
        case Entry.Help:
          lastFamily = p.metricName();
          lastMeta = cache.setHelp(lastFamily, p.help());
          continue;
        case Entry.Unit:
          lastFamily = p.metricName();
          lastMeta = cache.setUnit(lastFamily, p.unit());
          continue;
        case Entry.Comment:
          continue;
      }
      r.total++;

      const parsedTs = honorTs ? p.timestamp() : undefined;
      const t = parsedTs === undefined ? defTime : parsedTs;
      const v = p.value();
      const key = p.seriesKey();

      if (cache.getDropped(key)) continue;
      let ce = cache.get(key);
      const cached = ce !== undefined;
      let alreadyScraped = false;
      let ref = 0;
      let lset: Labels;
      if (ce !== undefined) {
        alreadyScraped = ce.lastIter === iter;
        ce.lastIter = iter;
        ref = ce.ref;
        lset = ce.labels;
      } else {
        lset = mutateSampleLabels(p.labels(), targetLabels, o.honorLabels, rawHas, o.metricRelabel);
        // Relabeling dropped it: remember the raw key so later scrapes skip it cheaply.
        if (lset.isEmpty()) {
          cache.addDropped(key);
          continue;
        }
        if (!lset.has(METRIC_NAME)) {
          r.err = new Error(NAME_LABEL_MANDATORY_MESSAGE);
          break;
        }
        if (!labelsValid(lset, o)) {
          r.err = new Error(`invalid metric name or label names: ${lset.toString()}`);
          break;
        }
        const limitErr = verifyLabelLimits(lset, o);
        if (limitErr !== null) {
          r.err = limitErr;
          break;
        }
      }

      // A series seen twice in one scrape without timestamps is a duplicate, as in Prometheus.
      let sampleAdded = false;
      if (alreadyScraped && parsedTs === undefined) {
        r.duplicates++;
      } else if (sampleLimit > 0 && (ref === 0 || !isStaleNaN(v)) && ++appended > sampleLimit) {
        // Keep parsing so scrape_samples_scraped counts the whole body.
        sampleLimitHit = true;
      } else {
        try {
          ref = app.append(ref, lset, t, v);
          sampleAdded = true;
        } catch (e) {
          if (!(e instanceof StorageError)) throw e;
          if (e.kind === 'out_of_order') r.outOfOrder++;
          else if (e.kind === 'duplicate_sample') r.duplicates++;
          else if (e.kind === 'out_of_bounds') r.outOfBounds++;
          else {
            r.err = e;
            break;
          }
        }
      }

      if (sampleAdded) {
        if (cached) {
          if (parsedTs === undefined || trackTsStaleness) cache.trackStaleness(ce!);
        } else {
          ce = cache.addRef(key, ref, lset);
          if (ce !== undefined && (parsedTs === undefined || trackTsStaleness)) cache.trackStaleness(ce);
          if (!sampleLimitHit) r.seriesAdded++;
        }
      }
      // Counted even when storage refused the sample: the series was exposed after relabeling.
      r.added++;

      const ex = p.exemplar();
      if (ex !== undefined) {
        const e: Exemplar = {
          labels: ex.labels,
          value: ex.value,
          ts: ex.timestamp ?? t,
          hasTs: ex.timestamp !== undefined,
        };
        try {
          app.appendExemplar(ref, lset, e);
        } catch {
          // Exemplar storage never fails a scrape (Prometheus logs these at debug level).
        }
      }

      if (o.appendMetadata && lastMeta !== undefined && (!cached || lastMeta.lastIterChange === iter)) {
        if (isSeriesPartOfFamily(lset.get(METRIC_NAME), lastFamily, lastMeta.type)) {
          try {
            app.updateMetadata(ref, lset, { type: lastMeta.type, help: lastMeta.help, unit: lastMeta.unit });
          } catch {
            // Metadata never fails a scrape.
          }
        }
      }
    }
  } catch (e) {
    r.err = e instanceof Error ? e : new Error(String(e));
  }

  if (sampleLimitHit && r.err === null) r.err = SAMPLE_LIMIT_ERROR;
  if (r.outOfOrder > 0)
    ctx.logger.warn('Error on ingesting out-of-order samples', { num_dropped: r.outOfOrder });
  if (r.duplicates > 0)
    ctx.logger.warn('Error on ingesting samples with different value but same timestamp', {
      num_dropped: r.duplicates,
    });
  if (r.outOfBounds > 0)
    ctx.logger.warn('Error on ingesting samples that are too old or are too far into the future', {
      num_dropped: r.outOfBounds,
    });
  if (r.err === null) {
    r.err = appendStaleMarkers(cache, app, defTime);
    if (r.err === null) cache.iterDone(true);
  }
  return r;
}
