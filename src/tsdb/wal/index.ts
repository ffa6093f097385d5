/** The write-ahead log: segments, pages, fragments, reading, repair and checkpoints (tsdb/wlog). */
export * from './segment.js';
export * from './log.js';
export * from './compression.js';
export * from './reader.js';
export * from './repair.js';
export * from './wal.js';
export * from './checkpoint.js';
