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
import { APIError } from './response.js';
import { JSONWriter } from './json-writer.js';
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

/** Writes a value as the API does, JSON-quoted: Go's 'f' format, which String() matches unless it uses an exponent. */
function writeValue(w: JSONWriter, v: number): void {
  const s = String(v);
  // -0 prints as "0" in JavaScript but "-0" in Go; NaN and the infinities are spelled by formatValue.
  const plain = v !== 0 && s.indexOf('e') < 0 && s !== 'Infinity' && s !== '-Infinity' && s !== 'NaN';
  w.char(0x22)
    .ascii(plain ? s : formatValue(v))
    .char(0x22);
}

/**
 * The whole success response as JSON bytes, written directly (see json-writer.ts): for large
 * matrices several times faster than JSON.stringify over one array per point. Produces
 * exactly what `JSON.stringify(success(encodeValue(v), warnings, infos))` would.
 */
export function encodeQueryResponse(r: QueryResult): Buffer {
  const v = r.value;
  const w = new JSONWriter();
  w.ascii('{"status":"success","data":');
  if (v.type === 'matrix') {
    w.ascii('{"resultType":"matrix","result":[');
    // Series of a range query share their step timestamps: format each one once.
    const tsText = new Map<number, string>();
    for (let k = 0; k < v.series.length; k++) {
      const s = v.series[k]!;
      if (k > 0) w.char(0x2c);
      w.ascii('{"metric":').utf8(JSON.stringify(s.metric.toObject())).ascii(',"values":[');
      const ts = s.ts;
      const vs = s.vs;
      for (let i = 0; i < ts.length; i++) {
        if (i > 0) w.char(0x2c);
        const t = ts[i]!;
        let text = tsText.get(t);
        if (text === undefined) {
          text = String(t / 1000);
          tsText.set(t, text);
        }
        w.char(0x5b).ascii(text).char(0x2c);
        writeValue(w, vs[i]!);
        w.char(0x5d);
      }
      w.ascii(']}');
    }
    w.ascii(']}');
  } else if (v.type === 'vector') {
    w.ascii('{"resultType":"vector","result":[');
    for (let i = 0; i < v.samples.length; i++) {
      const s = v.samples[i]!;
      if (i > 0) w.char(0x2c);
      w.ascii('{"metric":')
        .utf8(JSON.stringify(s.metric.toObject()))
        .ascii(',"value":[')
        .millisAsSeconds(s.t)
        .char(0x2c);
      writeValue(w, s.v);
      w.ascii(']}');
    }
    w.ascii(']}');
  } else {
    w.utf8(JSON.stringify(encodeValue(v)));
  }
  if (r.warnings.length > 0) w.ascii(',"warnings":').utf8(JSON.stringify(r.warnings));
  if (r.infos.length > 0) w.ascii(',"infos":').utf8(JSON.stringify(r.infos));
  return w.char(0x7d).bytes();
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
    return { headers: { 'Content-Type': 'application/json' }, body: encodeQueryResponse(r) };
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
    return { headers: { 'Content-Type': 'application/json' }, body: encodeQueryResponse(r) };
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
