/**
 * Metric and label name validation, for the legacy character set and for Prometheus 3's UTF-8
 * names.
 */

/** How names are validated: Prometheus 3 defaults to UTF-8; `legacy` is the pre-3.0 charset. */
export type NameValidationScheme = 'utf8' | 'legacy';

/** The metric name label. */
export const METRIC_NAME = '__name__';

function isLegacyNameChar(c: number, first: boolean, allowColon: boolean): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    c === 0x5f || // _
    (allowColon && c === 0x3a) || // :
    (!first && c >= 0x30 && c <= 0x39) // 0-9
  );
}

/** True when `name` matches `^[a-zA-Z_:][a-zA-Z0-9_:]*$`, the legacy metric name charset. */
export function isValidLegacyMetricName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    if (!isLegacyNameChar(name.charCodeAt(i), i === 0, true)) return false;
  }
  return true;
}

/** True when `name` matches `^[a-zA-Z_][a-zA-Z0-9_]*$`, the legacy label name charset. */
export function isValidLegacyLabelName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    if (!isLegacyNameChar(name.charCodeAt(i), i === 0, false)) return false;
  }
  return true;
}

/** True when `s` is well-formed Unicode, i.e. it encodes to valid UTF-8 (no lone surrogates). */
export function isWellFormedUtf8(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (d < 0xdc00 || d > 0xdfff) return false;
    i++;
  }
  return true;
}

/** Validates a metric name under the given scheme (UTF-8: non-empty, valid UTF-8). */
export function isValidMetricName(name: string, scheme: NameValidationScheme = 'utf8'): boolean {
  if (scheme === 'legacy') return isValidLegacyMetricName(name);
  return name.length > 0 && isWellFormedUtf8(name);
}

/** Validates a label name under the given scheme (UTF-8: non-empty, valid UTF-8). */
export function isValidLabelName(name: string, scheme: NameValidationScheme = 'utf8'): boolean {
  if (scheme === 'legacy') return isValidLegacyLabelName(name);
  return name.length > 0 && isWellFormedUtf8(name);
}

/** Label values may hold any valid UTF-8, including the empty string. */
export function isValidLabelValue(value: string): boolean {
  return isWellFormedUtf8(value);
}
