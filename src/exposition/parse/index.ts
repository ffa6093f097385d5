/**
 * Parsers for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text: streaming parsers for
 * the scrape path and `parseFamilies` for everything that wants whole families.
 */
export { ParseError, MAX_ERROR_EXCERPT } from './errors.js';
export { parseFamilies, newParser } from './families.js';
export { decodeInput, type DecodedInput } from './input.js';
export { OpenMetricsParser } from './omparse.js';
export { EXEMPLAR_MAX_LABEL_RUNES } from './omvalidate.js';
export { Entry, type Parser, type ParserOptions, type Strictness } from './parser.js';
export { PromParser } from './textparse.js';
