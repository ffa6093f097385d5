/** WAL records: types, encoders and decoders in Prometheus's encoding (tsdb/record). */
export * from './types.js';
export * from './encbuf.js';
export * from './decbuf.js';
export * from './samples.js';
export * from './encode.js';
export * from './decode.js';
export * from './histograms.js';
