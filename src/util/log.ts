/**
 * Structured logging in the shape Prometheus 3 writes (Go's slog): logfmt lines such as
 * `time=2026-11-25T16:00:51.168Z level=INFO source=head.ts msg="WAL replay completed" duration=1.2s`,
 * or one JSON object per line with `--log.format=json`.
 */

/** Log levels, lowest first (Prometheus's `--log.level` values). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Values a log line may carry. */
export type LogValue = string | number | boolean | null | undefined | Error;

/** `--log.format` values. */
export type LogFormat = 'logfmt' | 'json';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** True when `s` is a log level name. */
export function isLogLevel(s: string): s is LogLevel {
  return s in RANK;
}

/** Quotes a logfmt value when it needs it (spaces, quotes, `=`, control characters, empty). */
function logfmtValue(v: string): string {
  if (v === '') return '""';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // Spaces, quotes, '=', backslashes and control characters need quoting.
    if (c <= 0x20 || c === 0x22 || c === 0x3d || c === 0x5c || c === 0x7f) return JSON.stringify(v);
  }
  return v;
}

function stringify(v: LogValue): string {
  if (v instanceof Error) return v.message;
  if (v === null || v === undefined) return 'null';
  return String(v);
}

/** A logger with fixed context fields (such as `component=tsdb`). */
export class Logger {
  /** Creates a logger writing lines at or above `level` to `out`. */
  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly level: LogLevel = 'info',
    private readonly format: LogFormat = 'logfmt',
    private readonly context: Readonly<Record<string, LogValue>> = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A logger that adds `fields` to every line. */
  with(fields: Readonly<Record<string, LogValue>>): Logger {
    return new Logger(this.out, this.level, this.format, { ...this.context, ...fields }, this.now);
  }

  /** True when lines of `level` are written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /** Writes one line at `level`. */
  log(level: LogLevel, msg: string, fields: Readonly<Record<string, LogValue>> = {}): void {
    if (!this.enabled(level)) return;
    const time = this.now().toISOString();
    const all = { ...this.context, ...fields };
    if (this.format === 'json') {
      const o: Record<string, unknown> = { time, level: level.toUpperCase(), msg };
      for (const [k, v] of Object.entries(all)) o[k] = v instanceof Error ? v.message : v;
      this.out.write(JSON.stringify(o) + '\n');
      return;
    }
    let line = `time=${time} level=${level.toUpperCase()} msg=${logfmtValue(msg)}`;
    for (const [k, v] of Object.entries(all)) line += ` ${k}=${logfmtValue(stringify(v))}`;
    this.out.write(line + '\n');
  }

  /** Writes a debug line. */
  debug(msg: string, fields?: Readonly<Record<string, LogValue>>): void {
    this.log('debug', msg, fields);
  }

  /** Writes an info line. */
  info(msg: string, fields?: Readonly<Record<string, LogValue>>): void {
    this.log('info', msg, fields);
  }

  /** Writes a warning line. */
  warn(msg: string, fields?: Readonly<Record<string, LogValue>>): void {
    this.log('warn', msg, fields);
  }

  /** Writes an error line. */
  error(msg: string, fields?: Readonly<Record<string, LogValue>>): void {
    this.log('error', msg, fields);
  }
}

/** A logger that writes nothing (tests, libraries called without one). */
export const NOP_LOG = new Logger({ write: () => true }, 'error');
