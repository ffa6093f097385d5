/** The logger the WAL reports through (repairs, checkpoints); the caller decides where lines go. */

/** Severity of a log line. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Receives one log line with structured fields, as Prometheus's slog calls would carry them. */
export type LogFn = (level: LogLevel, msg: string, fields: Readonly<Record<string, string | number>>) => void;

/** A logger that drops everything. */
export const NOP_LOGGER: LogFn = () => {};
