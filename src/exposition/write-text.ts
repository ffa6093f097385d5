/**
 * The Prometheus text format 0.0.4 writer, byte for byte what client_golang's expfmt writes
 * (`MetricFamilyToText`), plus the helpers both text writers share: Go's float formatting, name
 * quoting and the metric-name escaping schemes of Prometheus 3's content negotiation.
 *
 * The writers take families as the parsers return them, so a family may be named the text way
 * (`http_requests_total`) or the OpenMetrics way (`http_requests`, samples `http_requests_total`);
 * each writer puts the name its format expects on the HELP and TYPE lines.
 */
import type { Labels } from '../model/labels.js';
import { isValidLegacyLabelName, isValidLegacyMetricName } from '../model/names.js';
import type { MetricFamily } from './family.js';

/**
 * How names outside the legacy character set are written (the `escaping=` parameter of the
 * Content-Type): `allow-utf-8` quotes them, the others rewrite them into legacy names.
 */
export type EscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';

/** Every escaping scheme, as spelled in the `escaping=` parameter. */
export const ESCAPING_SCHEMES: readonly EscapingScheme[] = ['allow-utf-8', 'underscores', 'dots', 'values'];

/** True when `s` is the name of an escaping scheme. */
export function isEscapingScheme(s: string): s is EscapingScheme {
  return (ESCAPING_SCHEMES as readonly string[]).includes(s);
}

/** Options shared by both writers. */
export interface WriteOptions {
  /** How to write names outside the legacy charset; default `allow-utf-8` (quote them). */
  readonly escaping?: EscapingScheme;
}

function isLegacyRune(cp: number, first: boolean): boolean {
  return (
    (cp >= 0x61 && cp <= 0x7a) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    cp === 0x5f ||
    cp === 0x3a ||
    (!first && cp >= 0x30 && cp <= 0x39)
  );
}

/**
 * Escapes a name the way prometheus/common's `model.EscapeName` does. `allow-utf-8` returns the
 * name unchanged; legacy-valid names are unchanged except under `dots`, which doubles
 * underscores in every name.
 */
export function escapeName(name: string, scheme: EscapingScheme): string {
  if (name.length === 0 || scheme === 'allow-utf-8') return name;
  if (scheme !== 'dots' && isValidLegacyMetricName(name)) return name;
  let out = scheme === 'values' ? 'U__' : '';
  let first = true;
  // Iterate by code point (as Go ranges over runes); a lone surrogate is Go's invalid rune.
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    const lone = cp >= 0xd800 && cp <= 0xdfff;
    if (scheme === 'underscores') {
      out += isLegacyRune(cp, first) ? ch : '_';
    } else if (scheme === 'dots') {
      if (cp === 0x5f) out += '__';
      else if (cp === 0x2e) out += '_dot_';
      else out += isLegacyRune(cp, first) ? ch : '__';
    } else if (cp === 0x5f) {
      out += '__';
    } else if (isLegacyRune(cp, first)) {
      out += ch;
    } else if (lone) {
      out += '_FFFD_';
    } else {
      out += '_' + cp.toString(16) + '_';
    }
    first = false;
  }
  return out;
}

/**
 * Formats a float64 as Go's `strconv.FormatFloat(v, 'g', -1, 64)` does, with expfmt's special
 * cases: `+Inf`, `-Inf`, `NaN`, and `0` for both zeros. Go and JavaScript both print the
 * shortest digits that read back to the same float; they differ only in when they switch to
 * exponent notation (Go when the decimal exponent is below -4 or at least 6, JavaScript below
 * -6 or at least 21) and in the exponent's width (Go pads it to two digits: `1e+06`).
 */
export function formatFloat(v: number): string {
  if (v === 0) return '0';
  if (v !== v) return 'NaN';
  const a = v < 0 ? -v : v;
  // In this range both languages print plain decimals with the same digits.
  if (a >= 1e-4 && a < 1e6) return '' + v;
  if (a === Infinity) return v > 0 ? '+Inf' : '-Inf';
  return goExponent(v.toExponential());
}

/** Rewrites JavaScript's `1.5e+7` / `1e-5` into Go's `1.5e+07` / `1e-05`. */
function goExponent(s: string): string {
  const e = s.indexOf('e');
  const digits = s.length - e - 2;
  return digits >= 2 ? s : s.slice(0, e + 2) + '0' + s.slice(e + 2);
}

/** Escapes a label value (and an OpenMetrics HELP text): `\` → `\\`, newline → `\n`, `"` → `\"`. */
export function escapeLabelValue(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x0a || c === 0x22) return escapeSlow(s, true);
  }
  return s;
}

/** Escapes a text-format HELP text: `\` → `\\` and newline → `\n`; quotes stay as they are. */
export function escapeHelp(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x0a) return escapeSlow(s, false);
  }
  return s;
}

function escapeSlow(s: string, quotes: boolean): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c === 0x5c) rep = '\\\\';
    else if (c === 0x0a) rep = '\\n';
    else if (c === 0x22 && quotes) rep = '\\"';
    else continue;
    out += s.slice(start, i) + rep;
    start = i + 1;
  }
  return out + s.slice(start);
}

/**
 * Per-response caches of rendered names: a page repeats the same few hundred label names and
 * sample names many thousand times, so each is validated and escaped once.
 */
export class NameRenderer {
  private readonly labelNames = new Map<string, string>();
  private readonly metricNames = new Map<string, string>();
  private readonly announced = new Set<string>();
  private readonly scheme: EscapingScheme;

  /** Creates a renderer for one escaping scheme. */
  constructor(scheme: EscapingScheme = 'allow-utf-8') {
    this.scheme = scheme;
  }

  /**
   * True the first time a family name is announced (given HELP and TYPE lines) on this page.
   * A name's samples may come in several groups (the parsers keep each group as a family of
   * its own); a second TYPE or HELP line for a name would make the page invalid, so only the
   * first group is announced.
   */
  announce(name: string): boolean {
    if (this.announced.has(name)) return false;
    this.announced.add(name);
    return true;
  }

  /** A name escaped as `model.EscapeMetricFamily` escapes names: legacy-valid names never change. */
  private escaped(name: string): string {
    return isValidLegacyMetricName(name) ? name : escapeName(name, this.scheme);
  }

  /**
   * A family name as it appears on a HELP, TYPE or UNIT line: escaped, `strip` (OpenMetrics'
   * `_total` of a counter) removed afterwards as expfmt removes it, then quoted if it is still
   * not a legacy metric name.
   */
  headerName(name: string, strip = ''): string {
    const e = this.escaped(name);
    const n = strip !== '' && e.endsWith(strip) ? e.slice(0, -strip.length) : e;
    return isValidLegacyMetricName(n) ? n : '"' + escapeLabelValue(n) + '"';
  }

  /**
   * A sample name as written: `base` is the family's name as expfmt holds it (a counter's with
   * `_total`), which is escaped before its suffix (`_bucket`, `_sum`…) is appended, so that a
   * suffix's underscore is not doubled under the `dots` and `values` schemes; then quoted if it
   * is still not a legacy metric name.
   */
  sampleName(name: string, base: string): string {
    let r = this.metricNames.get(name);
    if (r === undefined) {
      const e =
        name.length > base.length && name.startsWith(base) && !isValidLegacyMetricName(base)
          ? this.escaped(base) + name.slice(base.length)
          : this.escaped(name);
      r = isValidLegacyMetricName(e) ? e : '"' + escapeLabelValue(e) + '"';
      this.metricNames.set(name, r);
    }
    return r;
  }

  /**
   * A label name, escaped by the scheme and quoted when it is not a legacy label name. expfmt
   * checks label names against the metric-name charset, which lets a `:` through unquoted where
   * no Prometheus parser accepts it; ignis quotes such names so that its output always parses.
   */
  labelName(name: string): string {
    let r = this.labelNames.get(name);
    if (r === undefined) {
      const e = isValidLegacyMetricName(name) ? name : escapeName(name, this.scheme);
      r = isValidLegacyLabelName(e) ? e : '"' + escapeLabelValue(e) + '"';
      this.labelNames.set(name, r);
    }
    return r;
  }

  /**
   * The series part of a sample line: `name{l="v",…}`, or `{"name",l="v",…}` when the name
   * needs quotes (`base` as for {@link sampleName}). The label named `last` (a bucket's `le`, a quantile's `quantile`) is written
   * after the others, where every client library writes it, so that output matches expfmt's.
   */
  series(name: string, base: string, labels: Labels, last = '', extra?: readonly string[]): string {
    const n = this.sampleName(name, base);
    const flat = labels.flat();
    const quoted = n.charCodeAt(0) === 0x22;
    if (flat.length === 0 && !extra?.length) return quoted ? '{' + n + '}' : n;
    let s = quoted ? '{' + n : n + '{';
    let sep = quoted;
    let lastValue: string | undefined;
    for (let i = 0; i < flat.length; i += 2) {
      const ln = flat[i]!;
      if (ln === last) {
        lastValue = flat[i + 1]!;
        continue;
      }
      s += (sep ? ',' : '') + this.labelName(ln) + '="' + escapeLabelValue(flat[i + 1]!) + '"';
      sep = true;
    }
    if (lastValue !== undefined) {
      s += (sep ? ',' : '') + last + '="' + escapeLabelValue(lastValue) + '"';
      sep = true;
    }
    if (extra !== undefined) {
      for (let i = 0; i < extra.length; i += 2) {
        s += (sep ? ',' : '') + this.labelName(extra[i]!) + '="' + escapeLabelValue(extra[i + 1]!) + '"';
        sep = true;
      }
    }
    return s + '}';
  }
}

/**
 * The label a family's samples carry last: `le` on histogram buckets, `quantile` on summary
 * quantiles. Returns '' for families without one.
 */
export function trailingLabel(family: MetricFamily): string {
  switch (family.type) {
    case 'histogram':
    case 'gaugehistogram':
      return 'le';
    case 'summary':
      return 'quantile';
    default:
      return '';
  }
}

/** The text format's name for each type; OpenMetrics-only types map as client_python maps them. */
function textType(family: MetricFamily): string {
  switch (family.type) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'summary':
      return family.type;
    case 'info':
    case 'stateset':
      // The text format has no info or stateset; by convention (client_python, `go_info`)
      // both are gauges, info families under their `_info` sample name.
      return 'gauge';
    default:
      // `unknown`, and gauge histograms, whose `_gcount`/`_gsum` samples a text-format
      // histogram cannot hold (expfmt refuses them outright).
      return 'untyped';
  }
}

/**
 * The family's name as expfmt's protobuf families hold it, which the text format puts on the
 * HELP and TYPE lines: the sample name for OpenMetrics-style counters (`_total`) and infos
 * (`_info`), the family name otherwise.
 */
export function textFamilyName(family: MetricFamily): string {
  const name = family.name;
  const samples = family.samples;
  if (family.type === 'counter' && !name.endsWith('_total')) {
    const total = name + '_total';
    for (let i = 0; i < samples.length; i++) if (samples[i]!.name === total) return total;
  } else if (family.type === 'info' && !name.endsWith('_info')) {
    const info = name + '_info';
    for (let i = 0; i < samples.length; i++) if (samples[i]!.name === info) return info;
  }
  return name;
}

/** How many UTF-16 code units of lines the writers gather before handing them to the sink. */
export const LINE_BATCH = 2048;

/**
 * A growable buffer the writers append UTF-8 to, one line at a time. Building a page as one
 * JavaScript string makes a rope of hundreds of thousands of short strings that all survive
 * until the end, and the garbage collector then spends more time copying them than the writer
 * spends writing; encoding each line into bytes as it is made keeps them short-lived.
 */
export class ByteSink {
  private buf: Buffer;
  private pos = 0;

  /** Creates a sink with `initialBytes` of room (it grows as needed). */
  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Appends a string as UTF-8. */
  write(s: string): void {
    // A UTF-16 code unit encodes to at most 3 UTF-8 bytes; Buffer#write truncates rather than
    // failing when the room is short, so the room is made first.
    if (this.pos + s.length * 3 > this.buf.length) this.grow(s.length * 3);
    this.pos += this.buf.write(s, this.pos);
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far, decoded. */
  toString(): string {
    return this.buf.toString('utf8', 0, this.pos);
  }
}

/**
 * Writes one family in the text format. The UNIT line, exemplars and the staleness marker's
 * identity (it is written as `NaN`) have no place in this format and are dropped.
 */
export function appendTextFamily(sink: ByteSink, family: MetricFamily, names: NameRenderer): void {
  const familyName = textFamilyName(family);
  if (names.announce(familyName)) {
    const name = names.headerName(familyName);
    let head = '';
    if (family.help !== undefined) head += '# HELP ' + name + ' ' + escapeHelp(family.help) + '\n';
    sink.write(head + '# TYPE ' + name + ' ' + textType(family) + '\n');
  }
  const samples = family.samples;
  const last = trailingLabel(family);
  let lastName = '';
  let lastRendered = '';
  let pending = '';
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    let line: string;
    if (s.labels.isEmpty() && s.extraLabels === undefined) {
      // The common unlabelled sample: reuse the rendered name of the previous one.
      if (s.name !== lastName) {
        lastName = s.name;
        lastRendered = names.series(s.name, familyName, s.labels);
      }
      line = lastRendered;
    } else {
      line = names.series(s.name, familyName, s.labels, last, s.extraLabels);
    }
    line += ' ' + formatFloat(s.value);
    if (s.timestamp !== undefined) line += ' ' + s.timestamp;
    pending += line + '\n';
    // Lines go to the sink in small batches: fewer encoder calls, still short-lived strings.
    if (pending.length > LINE_BATCH) {
      sink.write(pending);
      pending = '';
    }
  }
  sink.write(pending);
}

/** Encodes metric families in the Prometheus text format 0.0.4 as UTF-8 bytes, in the order given. */
export function encodeText(families: readonly MetricFamily[], options: WriteOptions = {}): Buffer {
  const names = new NameRenderer(options.escaping);
  const sink = new ByteSink();
  for (let i = 0; i < families.length; i++) appendTextFamily(sink, families[i]!, names);
  return sink.bytes();
}

/** Writes metric families in the Prometheus text format 0.0.4, in the order given. */
export function writeText(families: readonly MetricFamily[], options: WriteOptions = {}): string {
  return encodeText(families, options).toString('utf8');
}
