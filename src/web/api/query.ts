/**
 * `/api/v1/query` and `/api/v1/query_range`: parameter handling, the concurrency limit
 * (`--query.max-concurrency`, queued beyond it), and the JSON encoding of results exactly as
 * Prometheus writes them.
 */
import type { QueryResult, QueryValue } from '../../promql/engine/types.js';
import { QueryError } from '../../promql/engine/types.js';
import { ParseError } from '../../promql/parser/index.js';
import type { Queryable } from '../../storage/interface.js';
import type { Req, Res, WebServer } from '../server.js';
import { parseDurationParam, parseTime } from './params.js';
import { APIError, success } from './response.js';
import { formatValue, timeParam } from './v1.js';

/** Prometheus's limit on points per series in a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** Per-query options taken from the request. */
export interface QueryOptions {
  /** `timeout` parameter (ms), capped by `--query.timeout`. */
  timeoutMs?: number;
  /** `lookback_delta` parameter (ms). */
  lookbackDeltaMs?: number;
}

/** The engine as the API uses it. */
export interface QueryEngine {
  /** Evaluates `query` at `t` (ms). */
  instantQuery(
    storage: Queryable,
    query: string,
    t: number,
    opts: QueryOptions,
  ): Promise<QueryResult> | QueryResult;
  /** Evaluates `query` from `start` to `end` (ms) every `step` ms. */
  rangeQuery(
    storage: Queryable,
    query: string,
    start: number,
    end: number,
    step: number,
    opts: QueryOptions,
  ): Promise<QueryResult> | QueryResult;
}

/** What the query endpoints need. */
export interface QueryDeps {
  engine: QueryEngine;
  storage: Queryable;
  /** `--query.max-concurrency`. */
  maxConcurrency: number;
  /** The clock (ms), replaceable in tests. */
  now?: () => number;
  /** Records running queries (queries.active). */
  tracker?: { insert(query: string): number; done(id: number): void };
  /** Called with each finished query's duration in seconds (for self-monitoring). */
  observe?: (seconds: number) => void;
}

/** Encodes a result value as the `data` member of Prometheus's response. */
export function encodeValue(v: QueryValue): unknown {
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [v.t / 1000, formatValue(v.v)] };
    case 'string':
      return { resultType: 'string', result: [v.t / 1000, v.v] };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({
          metric: s.metric.toObject(),
          value: [s.t / 1000, formatValue(s.v)],
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => {
          const values: [number, string][] = new Array(s.ts.length);
          for (let i = 0; i < s.ts.length; i++) values[i] = [s.ts[i]! / 1000, formatValue(s.vs[i]!)];
          return { metric: s.metric.toObject(), values };
        }),
      };
  }
}

/** A counting semaphore with a FIFO queue. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function toAPIError(e: unknown): never {
  if (e instanceof APIError) throw e;
  if (e instanceof ParseError) throw new APIError('bad_data', `invalid parameter "query": ${e.message}`);
  if (e instanceof QueryError) {
    // The engine reports parse and type errors as bad_data: they concern the query parameter.
    throw new APIError(e.type, e.type === 'bad_data' ? `invalid parameter "query": ${e.message}` : e.message);
  }
  throw e;
}

function options(form: URLSearchParams): QueryOptions {
  const o: QueryOptions = {};
  const timeout = form.get('timeout');
  if (timeout) o.timeoutMs = parseDurationParam(timeout);
  const lookback = form.get('lookback_delta');
  if (lookback) o.lookbackDeltaMs = parseDurationParam(lookback);
  return o;
}

/** Registers `query` and `query_range`. */
export function registerQueryAPI(web: WebServer, deps: QueryDeps): void {
  const gate = new Gate(Math.max(1, deps.maxConcurrency));
  /** Runs one query inside the concurrency limit, tracked and timed. */
  const execute = (query: string, fn: () => Promise<QueryResult> | QueryResult): Promise<QueryResult> =>
    gate.run(async () => {
      const id = deps.tracker?.insert(query);
      const started = process.hrtime.bigint();
      try {
        return await fn();
      } catch (e) {
        return toAPIError(e);
      } finally {
        if (id !== undefined) deps.tracker!.done(id);
        deps.observe?.(Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
  const now = deps.now ?? Date.now;
  const both = ['GET', 'POST'] as const;

  web.handle(both, '/api/v1/query', async (req: Req): Promise<Res> => {
    // A missing query is an empty one, which fails to parse, as in Prometheus.
    const query = req.form.get('query') ?? '';
    const ts = req.form.get('time');
    const t = ts ? timeParam('time', ts) : now();
    const opts = options(req.form);
    const r = await execute(query, () => deps.engine.instantQuery(deps.storage, query, t, opts));
    return { body: success(encodeValue(r.value), r.warnings, r.infos) };
  });

  web.handle(both, '/api/v1/query_range', async (req: Req): Promise<Res> => {
    const query = req.form.get('query') ?? '';
    const get = (name: string): string => {
      const v = req.form.get(name);
      if (v === null || v === '')
        throw new APIError('bad_data', `invalid parameter "${name}": cannot parse "" to a valid timestamp`);
      return v;
    };
    const start = wrap('start', () => parseTime(get('start')));
    const end = wrap('end', () => parseTime(get('end')));
    if (end < start)
      throw new APIError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    const stepRaw = req.form.get('step') ?? '';
    const step = wrap('step', () => parseDurationParam(stepRaw));
    if (step <= 0) {
      throw new APIError(
        'bad_data',
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if ((end - start) / step > MAX_POINTS_PER_SERIES) {
      throw new APIError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    const opts = options(req.form);
    const r = await execute(query, () => deps.engine.rangeQuery(deps.storage, query, start, end, step, opts));
    return { body: success(encodeValue(r.value), r.warnings, r.infos) };
  });
}

function wrap(name: string, fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof APIError && e.message.startsWith('invalid parameter')) throw e;
    throw new APIError('bad_data', `invalid parameter "${name}": ${(e as Error).message}`);
  }
}
