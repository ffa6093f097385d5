/**
 * The JSON envelope of Prometheus's HTTP API and its error types, with the status codes
 * Prometheus gives each (web/api/v1/api.go's errorType → HTTP status mapping).
 */

/** Prometheus's API error types. */
export type ErrorType =
  | 'timeout'
  | 'canceled'
  | 'execution'
  | 'bad_data'
  | 'internal'
  | 'unavailable'
  | 'not_found'
  | 'not_acceptable';

/** The HTTP status Prometheus answers with for each error type. */
export const ERROR_STATUS: Record<ErrorType, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
  not_acceptable: 406,
};

/** An error an API handler throws to answer with Prometheus's error envelope. */
export class APIError extends Error {
  /** Creates the error; the HTTP status follows from the type unless `status` is given. */
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'APIError';
  }
}

/** A successful API answer. */
export interface APISuccess {
  status: 'success';
  data: unknown;
  warnings?: string[];
  infos?: string[];
}

/** The success envelope; warnings and infos appear only when there are some, as in Prometheus. */
export function success(
  data: unknown,
  warnings: readonly string[] = [],
  infos: readonly string[] = [],
): APISuccess {
  const body: APISuccess = { status: 'success', data };
  if (warnings.length > 0) body.warnings = [...warnings];
  if (infos.length > 0) body.infos = [...infos];
  return body;
}

/** The error envelope. */
export function failure(e: APIError, data?: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'error', errorType: e.type, error: e.message };
  if (data !== undefined) body.data = data;
  return body;
}
