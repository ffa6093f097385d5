/**
 * Content negotiation for both sides of a scrape.
 *
 * Serving (/metrics, /federate): {@link negotiate} picks the exposition format from an `Accept`
 * header as client_golang's `expfmt.NegotiateIncludingOpenMetrics` does in the Prometheus 3 era
 * (prometheus/common's `NegotiateAccept`), including the `escaping=` parameter, and returns the
 * exact `Content-Type` to send.
 *
 * Scraping: {@link scrapeAcceptHeader} builds the `Accept` header Prometheus sends for a
 * `scrape_protocols` list, and {@link parseContentType} picks the parser for a response's
 * `Content-Type`, failing (Prometheus 3) when it is missing or unknown and no
 * `fallback_scrape_protocol` is configured.
 */
import { goQuote } from '../model/strings.js';
import { isEscapingScheme, type EscapingScheme } from './write-text.js';

/** The exposition formats ignis can write. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** The result of negotiation: what to write and the Content-Type header that says so. */
export interface NegotiatedFormat {
  readonly format: ExpositionFormat;
  /** The format version: `0.0.4` for text, `1.0.0` or `0.0.1` for OpenMetrics. */
  readonly version: string;
  /** How names outside the legacy charset must be written (pass it to the writer). */
  readonly escaping: EscapingScheme;
  /** The exact `Content-Type` header value, e.g. `text/plain; version=0.0.4; charset=utf-8; escaping=underscores`. */
  readonly contentType: string;
}

/** Options of {@link negotiate}. */
export interface NegotiateOptions {
  /**
   * Offer OpenMetrics (promhttp's `EnableOpenMetrics`); default true. Prometheus 3.5's own
   * /metrics and /federate do not offer it (checked against the real server: they answer text
   * 0.0.4 even to its own scrape Accept header); pass false to answer exactly as they do.
   */
  readonly openMetrics?: boolean;
  /**
   * The escaping used when the request names none: prometheus/common's global
   * `model.NameEscapingScheme`, `underscores` by default.
   */
  readonly defaultEscaping?: EscapingScheme;
}

/** One clause of an `Accept` header, as goautoneg parses it. */
export interface AcceptClause {
  readonly type: string;
  readonly subType: string;
  /** The quality, 1 when absent and 0 when unparsable (Go ignores the parse error). */
  readonly q: number;
  readonly params: Readonly<Record<string, string>>;
}

const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OM_1_0_0_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OM_0_0_1_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const PROTO_PROTOCOL = 'io.prometheus.client.MetricFamily';

/** A format a server offers: its media type and the parameters an Accept clause must match. */
interface Offer {
  readonly type: string;
  readonly subType: string;
  readonly params: Readonly<Record<string, string>>;
  /** What ignis writes when this offer wins. */
  readonly result: { format: ExpositionFormat; version: string; contentType: string };
}

const TEXT_RESULT = { format: 'text', version: '0.0.4', contentType: TEXT_TYPE } as const;

const OFFER_OM_1: Offer = {
  type: 'application',
  subType: 'openmetrics-text',
  params: { version: '1.0.0' },
  result: { format: 'openmetrics', version: '1.0.0', contentType: OM_1_0_0_TYPE },
};
const OFFER_OM_0: Offer = {
  type: 'application',
  subType: 'openmetrics-text',
  params: { version: '0.0.1' },
  result: { format: 'openmetrics', version: '0.0.1', contentType: OM_0_0_1_TYPE },
};
// Protobuf is offered so that a client asking for it first is answered the way client_golang
// answers, but ignis has no protobuf writer yet: a protobuf match is served as text 0.0.4 (a
// scraper that asks for protobuf also accepts text, as Prometheus's Accept header always does).
const protoOffer = (encoding: string): Offer => ({
  type: 'application',
  subType: 'vnd.google.protobuf',
  params: { proto: PROTO_PROTOCOL, encoding },
  result: TEXT_RESULT,
});
const OFFER_TEXT: Offer = {
  type: 'text',
  subType: 'plain',
  params: { version: '0.0.4' },
  result: TEXT_RESULT,
};

// expfmt.NegotiateIncludingOpenMetrics's order of preference, and Negotiate's without OpenMetrics.
const OFFERS_WITH_OM: readonly Offer[] = [
  OFFER_OM_1,
  OFFER_OM_0,
  protoOffer('delimited'),
  protoOffer('text'),
  protoOffer('compact-text'),
  OFFER_TEXT,
];
const OFFERS_WITHOUT_OM: readonly Offer[] = OFFERS_WITH_OM.slice(2);

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT_RE = /^[+-]?(?:inf|infinity|nan)$/i;

/** Parses a q-value as Go's `strconv.ParseFloat(s, 32)` (value rounded to float32), 0 on error. */
function parseQ(s: string): number {
  if (FLOAT_RE.test(s) || SPECIAL_FLOAT_RE.test(s)) {
    const lower = s.toLowerCase();
    const v = lower.endsWith('nan')
      ? NaN
      : lower.includes('inf')
        ? s.startsWith('-')
          ? -Infinity
          : Infinity
        : Number(s);
    return Math.fround(v);
  }
  return 0;
}

function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
  return s.slice(a, b);
}

/** goautoneg's ordering: higher q first, then a concrete type or subtype before a wildcard. */
function acceptLess(a: AcceptClause, b: AcceptClause): boolean {
  if (a.q > b.q) return true;
  if (a.type !== '*' && b.type === '*') return true;
  if (a.subType !== '*' && b.subType === '*') return true;
  return false;
}

/**
 * Parses an `Accept` header into clauses sorted as goautoneg's `ParseAccept` sorts them.
 * Malformed clauses (`a/b/c`, a bare type other than `*`) are skipped, as are parameters
 * without exactly one `=`. The sort is an insertion sort with goautoneg's comparison, which is
 * what Go's `sort.Sort` runs for the at most 12 clauses of any real header; the comparison is
 * not a strict ordering, so a different algorithm could order some headers differently.
 */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  if (header.length === 0) return out;
  for (const rawPart of header.split(',')) {
    const part = trimSpaces(rawPart);
    const semi = part.indexOf(';');
    const range = semi < 0 ? part : part.slice(0, semi);
    const slash = range.indexOf('/');
    const rest = slash < 0 ? '' : range.slice(slash + 1);
    const type = trimSpaces(slash < 0 ? range : range.slice(0, slash));
    let subType: string;
    if (rest === '') {
      // `*` alone (or `*/`) means everything; any other bare type is not a media range.
      if (type !== '*') continue;
      subType = '*';
    } else {
      if (rest.includes('/')) continue;
      subType = trimSpaces(rest);
    }
    let q = 1;
    const params: Record<string, string> = {};
    if (semi >= 0) {
      for (const p of part.slice(semi + 1).split(';')) {
        // goautoneg splits on the first two `=`: `k=` and `k=v=x` are skipped, `k=v=` keeps `v`.
        const eq = p.indexOf('=');
        if (eq < 0 || eq === p.length - 1) continue;
        let value = p.slice(eq + 1);
        const eq2 = value.indexOf('=');
        if (eq2 >= 0) {
          if (eq2 !== value.length - 1) continue;
          value = value.slice(0, eq2);
        }
        const key = trimSpaces(p.slice(0, eq));
        // The q-value is not trimmed: Go parses `q= 0.5` as an error, that is q=0.
        if (key === 'q') q = parseQ(value);
        else params[key] = trimSpaces(value);
      }
    }
    out.push({ type, subType, q, params });
  }
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && acceptLess(out[j]!, out[j - 1]!); j--) {
      const t = out[j]!;
      out[j] = out[j - 1]!;
      out[j - 1] = t;
    }
  }
  return out;
}

/** expfmt's `matchFormat`: wildcards match any type; every parameter but charset must be equal. */
function matches(ac: AcceptClause, offer: Offer): boolean {
  if (ac.type !== '*' && ac.type !== offer.type) return false;
  if (ac.subType !== '*' && ac.subType !== offer.subType) return false;
  // A missing version means OpenMetrics 0.0.1 and text 0.0.4 (the oldest of each).
  let version = ac.params['version'] ?? '';
  if (version === '' && ac.type === 'application' && ac.subType === 'openmetrics-text') version = '0.0.1';
  if (version === '' && ac.type === 'text' && ac.subType === 'plain') version = '0.0.4';
  for (const key of Object.keys(offer.params)) {
    const v = key === 'version' ? version : (ac.params[key] ?? '');
    if (v !== offer.params[key]) return false;
  }
  return true;
}

function result(r: Offer['result'], escaping: EscapingScheme): NegotiatedFormat {
  return { ...r, escaping, contentType: r.contentType + '; escaping=' + escaping };
}

/**
 * Chooses the exposition format for an `Accept` header (absent or empty: text 0.0.4). Clauses
 * are tried in goautoneg's order; an `escaping=` parameter on any clause tried up to the match
 * sets the escaping (unknown values are ignored). With no match, text 0.0.4 is the answer.
 */
export function negotiate(accept: string | undefined, options: NegotiateOptions = {}): NegotiatedFormat {
  const offers = options.openMetrics === false ? OFFERS_WITHOUT_OM : OFFERS_WITH_OM;
  let escaping: EscapingScheme = options.defaultEscaping ?? 'underscores';
  for (const ac of parseAccept(accept ?? '')) {
    const e = ac.params['escaping'];
    if (e !== undefined && isEscapingScheme(e)) escaping = e;
    for (const offer of offers) if (matches(ac, offer)) return result(offer.result, escaping);
  }
  return result(TEXT_RESULT, escaping);
}

/** The protocols a scrape config may list in `scrape_protocols` (and `fallback_scrape_protocol`). */
export type ScrapeProtocol =
  | 'PrometheusProto'
  | 'PrometheusText0.0.4'
  | 'PrometheusText1.0.0'
  | 'OpenMetricsText0.0.1'
  | 'OpenMetricsText1.0.0';

/** The media range each scrape protocol asks for (Prometheus's `ScrapeProtocolsHeaders`). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: `application/vnd.google.protobuf;proto=${PROTO_PROTOCOL};encoding=delimited`,
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** Prometheus's default `scrape_protocols`. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];

/** The default when native histograms are scraped: protobuf first. */
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'PrometheusProto',
  ...DEFAULT_SCRAPE_PROTOCOLS,
];

/** True when `s` names a scrape protocol. */
export function isScrapeProtocol(s: string): s is ScrapeProtocol {
  return Object.prototype.hasOwnProperty.call(SCRAPE_PROTOCOL_HEADERS, s);
}

/**
 * The `Accept` header a scrape sends, as Prometheus's `acceptHeader`: each protocol in order
 * with a falling weight starting at q=0.(number of known protocols + 1), `escaping=` on the two
 * protocols whose versions define it, and `*\/*` last at the lowest weight. With the defaults:
 * `application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,…,*\/*;q=0.2`.
 */
export function scrapeAcceptHeader(
  protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS,
  escaping: EscapingScheme = 'allow-utf-8',
): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const p of protocols) {
    let v = SCRAPE_PROTOCOL_HEADERS[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=' + escaping;
    // Go's `q=0.%d`; Prometheus rejects duplicate protocols, so the weight stays positive.
    vals.push(v + ';q=0.' + weight);
    weight--;
  }
  vals.push('*/*;q=0.' + weight);
  return vals.join(',');
}

/** Which parser a scraped body needs. */
export type ScrapeParser = 'prometheus-text' | 'openmetrics' | 'protobuf';

/** The parser chosen for a response, with the warning Prometheus logs when it used the fallback. */
export interface ContentTypeChoice {
  readonly parser: ScrapeParser;
  /** The media type that chose it (the fallback protocol's when the fallback was used). */
  readonly mediaType: string;
  /** Set when the Content-Type was missing, malformed or unknown and the fallback was used. */
  readonly warning?: string;
}

/** A scrape response whose Content-Type names no parser while no fallback protocol is configured. */
export class ContentTypeError extends Error {
  /** The Content-Type header as received ('' when absent). */
  readonly contentType: string;

  /** Creates the error for a received Content-Type. */
  constructor(message: string, contentType: string) {
    super(message);
    this.name = 'ContentTypeError';
    this.contentType = contentType;
  }
}

const PARSERS: Readonly<Record<string, ScrapeParser>> = {
  'application/openmetrics-text': 'openmetrics',
  'application/vnd.google.protobuf': 'protobuf',
  'text/plain': 'prometheus-text',
};

/** RFC 1521 tspecials plus space and controls: the characters a MIME token may not hold. */
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && '()<>@,;:\\"/[]?='.indexOf(String.fromCharCode(c)) < 0;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d;
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Reads a parameter value (token or quoted string) at `i`; returns its end, or -1 when absent. */
function valueEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x22) {
    const e = tokenEnd(s, i);
    return e === i ? -1 : e;
  }
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
  }
  return -1;
}

/**
 * Extracts the media type of a Content-Type as Go's `mime.ParseMediaType` validates it, and
 * returns it lower-cased, or an error message worded as Go's.
 */
export function parseMediaType(v: string): { mediaType: string } | { error: string } {
  const semi = v.indexOf(';');
  const base = semi < 0 ? v : v.slice(0, semi);
  const mediaType = base.trim().toLowerCase();
  const t = tokenEnd(mediaType, 0);
  if (t === 0) return { error: 'mime: no media type' };
  if (t < mediaType.length) {
    if (mediaType.charCodeAt(t) !== 0x2f) return { error: 'mime: expected slash after first token' };
    const st = tokenEnd(mediaType, t + 1);
    if (st === t + 1) return { error: 'mime: expected token after slash' };
    if (st < mediaType.length) return { error: 'mime: unexpected content after media subtype' };
  }
  const seen = new Set<string>();
  let i = base.length;
  while (i < v.length) {
    i = skipSpace(v, i);
    if (i >= v.length) break;
    // Each parameter: `; name = value`, spaces allowed around the parts; a lone trailing `;` is fine.
    if (v.charCodeAt(i) !== 0x3b) return { error: 'mime: invalid media parameter' };
    const ks = skipSpace(v, i + 1);
    const ke = tokenEnd(v, ks);
    if (ke === ks) {
      if (skipSpace(v, ks) >= v.length) break;
      return { error: 'mime: invalid media parameter' };
    }
    let j = skipSpace(v, ke);
    if (v.charCodeAt(j) !== 0x3d) return { error: 'mime: invalid media parameter' };
    j = skipSpace(v, j + 1);
    const ve = valueEnd(v, j);
    if (ve < 0) return { error: 'mime: invalid media parameter' };
    const key = v.slice(ks, ke).toLowerCase();
    if (seen.has(key)) return { error: 'mime: duplicate parameter name' };
    seen.add(key);
    i = ve;
  }
  return { mediaType };
}

/** The media type a scrape protocol asks for, e.g. `text/plain` for `PrometheusText0.0.4`. */
export function scrapeProtocolMediaType(p: ScrapeProtocol): string {
  const h = SCRAPE_PROTOCOL_HEADERS[p];
  return h.slice(0, h.indexOf(';'));
}

/**
 * Picks the parser for a scrape response's `Content-Type`, as Prometheus 3's
 * `textparse.New`/`extractMediaType`: a missing, malformed or unsupported Content-Type uses
 * `fallback` (with a warning to log) or, without one, throws {@link ContentTypeError} and the
 * scrape fails. The messages are Prometheus's.
 */
export function parseContentType(
  contentType: string | undefined | null,
  fallback?: ScrapeProtocol,
): ContentTypeChoice {
  const ct = contentType ?? '';
  const fb = fallback === undefined ? '' : scrapeProtocolMediaType(fallback);
  const useFallback = (warning: string): ContentTypeChoice => ({
    parser: PARSERS[fb]!,
    mediaType: fb,
    warning,
  });
  if (ct === '') {
    if (fb === '') {
      throw new ContentTypeError(
        'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
        ct,
      );
    }
    return useFallback(
      `non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol ${goQuote(fb)}`,
    );
  }
  const parsed = parseMediaType(ct);
  if ('error' in parsed) {
    // Go joins the two errors (errors.Join) with a newline.
    if (fb === '') {
      throw new ContentTypeError(
        `cannot parse Content-Type ${goQuote(ct)} and no fallback_scrape_protocol for target\n${parsed.error}`,
        ct,
      );
    }
    return useFallback(
      `could not parse received Content-Type ${goQuote(ct)}, using fallback_scrape_protocol ${goQuote(fb)}\n${parsed.error}`,
    );
  }
  const parser = PARSERS[parsed.mediaType];
  if (parser !== undefined) return { parser, mediaType: parsed.mediaType };
  if (fb === '') {
    throw new ContentTypeError(
      `received unsupported Content-Type ${goQuote(ct)} and no fallback_scrape_protocol specified for target`,
      ct,
    );
  }
  return useFallback(
    `received unsupported Content-Type ${goQuote(ct)}, using fallback_scrape_protocol ${goQuote(fb)}`,
  );
}
