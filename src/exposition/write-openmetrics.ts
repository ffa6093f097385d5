/**
 * The OpenMetrics 1.0 text writer, following client_golang's expfmt
 * (`MetricFamilyToOpenMetrics` + `FinalizeOpenMetrics`): HELP, TYPE and UNIT lines, counters
 * under their name without `_total`, counts as integers, other values as Go floats with `.0`
 * added to integral ones, timestamps in seconds, exemplars, and the closing `# EOF`.
 */
import type { Exemplar, FamilySample, MetricFamily } from './family.js';
import {
  ByteSink,
  escapeLabelValue,
  formatFloat,
  LINE_BATCH,
  NameRenderer,
  textFamilyName,
  trailingLabel,
  type WriteOptions,
} from './write-text.js';

/** Formats a float as expfmt's `writeOpenMetricsFloat`: Go's shortest form, `.0` added to integral values. */
export function formatOpenMetricsFloat(v: number): string {
  const s = formatFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x65) return s; // '.' or 'e'
  }
  return s + '.0';
}

const TWO_POW_64 = 18446744073709551616;

/**
 * Formats a count (a bucket, `_count` or `_gcount`) as expfmt does, as an unsigned integer.
 * ignis's families hold counts as floats, so a count that is not a non-negative integer (a
 * float histogram's, or a broken target's) falls back to the float form rather than lying.
 */
function formatCount(v: number): string {
  // Below 2^64 (< 1e21) JavaScript prints integers in full, as Go's AppendUint does.
  if (v >= 0 && v < TWO_POW_64 && Number.isInteger(v)) return '' + v;
  return formatOpenMetricsFloat(v);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Typed arrays use the platform's byte order; find which word holds the low half.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The next float64 away from zero (one unit in the last place larger in magnitude). */
function nextAwayFromZero(v: number): number {
  f64[0] = v;
  // Raising the bits by one raises the magnitude for either sign, carrying into the exponent.
  if (u32[LO] === 0xffffffff) {
    u32[LO] = 0;
    u32[1 - LO]!++;
  } else {
    u32[LO]!++;
  }
  return f64[0]!;
}

/**
 * Formats a timestamp in milliseconds as seconds, as expfmt does (`float64(ms)/1000`), except
 * where that would read back wrong: Prometheus converts seconds with `int64(s * 1000)`, which
 * truncates, and for some values (1001 ms: 1.001 × 1000 = 1000.9999999999999) expfmt's
 * rendering then loses a millisecond. There the next float away from zero is written instead
 * (`1.0010000000000001`), which reads back exactly whether the reader truncates or rounds.
 */
export function formatOpenMetricsTimestamp(ms: number): string {
  let seconds = ms / 1000;
  for (let i = 0; i < 4 && Math.trunc(seconds * 1000) !== ms; i++) seconds = nextAwayFromZero(seconds);
  return formatOpenMetricsFloat(seconds);
}

/**
 * What a family's metadata lines say: `dtoName` is its name as expfmt holds it (a counter's
 * with `_total`, an info's with `_info`), `strip` the suffix OpenMetrics drops from it on the
 * metadata lines, `base` the family name samples extend. A counter whose samples do not all
 * carry `_total` (or `_created`) cannot be an OpenMetrics counter, so, like expfmt, it is
 * written as `unknown` under its own name.
 */
function familyHeader(family: MetricFamily): { dtoName: string; strip: string; base: string; type: string } {
  const name = family.name;
  if (family.type === 'counter') {
    const base = name.endsWith('_total') ? name.slice(0, -6) : name;
    const total = base + '_total';
    const created = base + '_created';
    for (const s of family.samples) {
      if (s.name !== total && s.name !== created)
        return { dtoName: name, strip: '', base: name, type: 'unknown' };
    }
    return { dtoName: total, strip: '_total', base, type: 'counter' };
  }
  if (family.type === 'info') {
    const dtoName = textFamilyName(family);
    if (dtoName.endsWith('_info'))
      return { dtoName, strip: '_info', base: dtoName.slice(0, -5), type: 'info' };
  }
  return { dtoName: name, strip: '', base: name, type: family.type };
}

/** Which samples may carry an exemplar in OpenMetrics 1.0: counter totals and buckets. */
function exemplarSuffix(type: string): string {
  if (type === 'counter') return '_total';
  if (type === 'histogram' || type === 'gaugehistogram') return '_bucket';
  return '';
}

/** Which sample suffixes hold counts, written as integers. */
function isCountSample(type: string, sampleName: string, base: string): boolean {
  if (type === 'histogram') return sampleName === base + '_bucket' || sampleName === base + '_count';
  if (type === 'gaugehistogram') return sampleName === base + '_bucket' || sampleName === base + '_gcount';
  if (type === 'summary') return sampleName === base + '_count';
  return false;
}

function appendExemplar(out: string, e: Exemplar, names: NameRenderer): string {
  // expfmt writes an exemplar without labels as nothing at all, which OpenMetrics' grammar
  // rejects; the grammar wants `{}`.
  const flat = e.labels.flat();
  out += ' # {';
  for (let i = 0; i < flat.length; i += 2) {
    if (i > 0) out += ',';
    out += names.labelName(flat[i]!) + '="' + escapeLabelValue(flat[i + 1]!) + '"';
  }
  out += '} ' + formatOpenMetricsFloat(e.value);
  // expfmt goes through nanoseconds (`float64(UnixNano)/1e9`), which at today's epoch is the
  // same float as ms/1000; the exact-read-back rule of sample timestamps applies here too.
  if (e.timestamp !== undefined) out += ' ' + formatOpenMetricsTimestamp(e.timestamp);
  return out;
}

/**
 * Writes one family in OpenMetrics (without `# EOF`). Exemplars are written only where
 * OpenMetrics 1.0 allows them (counter `_total` and bucket samples); elsewhere they are
 * dropped, since a strict reader would reject the whole page.
 */
export function appendOpenMetricsFamily(sink: ByteSink, family: MetricFamily, names: NameRenderer): void {
  const header = familyHeader(family);
  if (names.announce(header.base)) {
    const name = names.headerName(header.dtoName, header.strip);
    let head = '';
    if (family.help !== undefined) head += '# HELP ' + name + ' ' + escapeLabelValue(family.help) + '\n';
    head += '# TYPE ' + name + ' ' + header.type + '\n';
    if (family.unit !== undefined && family.unit !== '') {
      head += '# UNIT ' + name + ' ' + escapeLabelValue(family.unit) + '\n';
    }
    sink.write(head);
  }
  const exSuffix = exemplarSuffix(header.type);
  const exName = exSuffix === '' ? '' : header.base + exSuffix;
  const last = trailingLabel(family);
  const samples: readonly FamilySample[] = family.samples;
  let pending = '';
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    let line = names.series(s.name, header.dtoName, s.labels, last, s.extraLabels) + ' ';
    line += isCountSample(header.type, s.name, header.base)
      ? formatCount(s.value)
      : formatOpenMetricsFloat(s.value);
    if (s.timestamp !== undefined) line += ' ' + formatOpenMetricsTimestamp(s.timestamp);
    if (s.exemplar !== undefined && s.name === exName) line = appendExemplar(line, s.exemplar, names);
    pending += line + '\n';
    // Lines go to the sink in small batches: fewer encoder calls, still short-lived strings.
    if (pending.length > LINE_BATCH) {
      sink.write(pending);
      pending = '';
    }
  }
  sink.write(pending);
}

/** Encodes metric families in OpenMetrics 1.0 as UTF-8 bytes, in the order given, ending with `# EOF`. */
export function encodeOpenMetrics(families: readonly MetricFamily[], options: WriteOptions = {}): Buffer {
  const names = new NameRenderer(options.escaping);
  const sink = new ByteSink();
  for (let i = 0; i < families.length; i++) appendOpenMetricsFamily(sink, families[i]!, names);
  sink.write('# EOF\n');
  return sink.bytes();
}

/** Writes metric families in OpenMetrics 1.0, in the order given, ending with `# EOF`. */
export function writeOpenMetrics(families: readonly MetricFamily[], options: WriteOptions = {}): string {
  return encodeOpenMetrics(families, options).toString('utf8');
}
