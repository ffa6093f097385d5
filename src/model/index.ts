/** The data model: labels, names, matchers, values, metadata. */
export * from './labels.js';
export * from './matcher.js';
export * from './metadata.js';
export * from './names.js';
export * from './strings.js';
export * from './value.js';
