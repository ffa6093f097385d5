/**
 * The values a query returns (Prometheus's Scalar, String, Vector and Matrix), the errors it
 * can fail with, and the annotations (warnings and infos) it collects on the way.
 */
import type { Labels } from '../../model/labels.js';

/** One sample of an instant vector result. */
export interface Sample {
  /** The series' labels. */
  readonly metric: Labels;
  /** The evaluation timestamp, ms. */
  readonly t: number;
  /** The value. */
  readonly v: number;
}

/** One series of a range vector (matrix) result; `ts` and `vs` are parallel and ordered by time. */
export interface MatrixSeries {
  /** The series' labels. */
  readonly metric: Labels;
  /** Timestamps, ms. */
  readonly ts: Float64Array;
  /** Values; a Float64Array so that NaN payloads survive. */
  readonly vs: Float64Array;
}

/** A scalar result. */
export interface ScalarValue {
  /** Discriminator. */
  readonly type: 'scalar';
  /** The evaluation timestamp, ms. */
  readonly t: number;
  /** The value. */
  readonly v: number;
}

/** A string result. */
export interface StringValue {
  /** Discriminator. */
  readonly type: 'string';
  /** The evaluation timestamp, ms. */
  readonly t: number;
  /** The value. */
  readonly v: string;
}

/** An instant vector result. */
export interface VectorValue {
  /** Discriminator. */
  readonly type: 'vector';
  /** The samples, in the order the engine produced them (sort/topk order matters). */
  readonly samples: Sample[];
}

/** A range vector result, sorted by labels. */
export interface MatrixValue {
  /** Discriminator. */
  readonly type: 'matrix';
  /** The series. */
  readonly series: MatrixSeries[];
}

/** Any query result value. */
export type QueryValue = ScalarValue | StringValue | VectorValue | MatrixValue;

/** A query's result with the annotations it collected. */
export interface QueryResult {
  /** The value. */
  readonly value: QueryValue;
  /** Warning annotations, each `PromQL warning: …`. */
  readonly warnings: string[];
  /** Info annotations, each `PromQL info: …`. */
  readonly infos: string[];
}

/** The kind of a query failure, named as the HTTP API's `errorType`. */
export type QueryErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled';

/** A failed query, with Prometheus's message and the API error type. */
export class QueryError extends Error {
  /** The HTTP API error type. */
  readonly type: QueryErrorType;

  /** Creates the error. */
  constructor(type: QueryErrorType, message: string) {
    super(message);
    this.name = 'QueryError';
    this.type = type;
  }
}

/** Prometheus's message when a query would hold more than `--query.max-samples` samples. */
export const TOO_MANY_SAMPLES_MESSAGE =
  'query processing would load too many samples into memory in query execution';

/** Collects deduplicated warnings and infos in first-seen order (Prometheus's annotations.Annotations). */
export class Annotations {
  /** Warning texts. */
  readonly warnings = new Set<string>();
  /** Info texts. */
  readonly infos = new Set<string>();

  /** Adds a warning; `msg` is without the `PromQL warning: ` prefix. */
  warn(msg: string): void {
    this.warnings.add(`PromQL warning: ${msg}`);
  }

  /** Adds an info; `msg` is without the `PromQL info: ` prefix. */
  info(msg: string): void {
    this.infos.add(`PromQL info: ${msg}`);
  }
}
