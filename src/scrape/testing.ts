/**
 * A fixture exporter for scrape tests and the benchmark: a small HTTP server on 127.0.0.1 that
 * serves a fixed sequence of bodies per path (the last one repeats) and records the requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';
import { ValueType, type Queryable } from '../storage/interface.js';
import { Matcher } from '../model/matcher.js';

/** One response of the fixture. */
export interface FixtureResponse {
  readonly body: string | Buffer;
  /** The Content-Type; null sends none. Default: text 0.0.4. */
  readonly contentType?: string | null;
  /** Default 200. */
  readonly status?: number;
  /** Gzip the body when the request accepts it (default true). */
  readonly gzip?: boolean;
  /** Wait this long before answering, ms. */
  readonly delay?: number;
}

/** The Content-Type of the text format. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** The Content-Type of OpenMetrics 1.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** A recorded request. */
export interface FixtureRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** The fixture server. */
export class FixtureServer {
  /** Every request received, in order. */
  readonly requests: FixtureRequest[] = [];
  private readonly sequences = new Map<string, { responses: FixtureResponse[]; next: number }>();
  private readonly gzipCache = new Map<string | Buffer, Buffer>();

  private constructor(
    private readonly server: http.Server,
    /** The port it listens on. */
    readonly port: number,
  ) {}

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(): Promise<FixtureServer> {
    const holder: { self?: FixtureServer } = {};
    const server = http.createServer((req, res) => holder.self!.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.self = new FixtureServer(server, (server.address() as AddressInfo).port);
    return holder.self;
  }

  /** The URL of a path on this server. */
  url(path = '/metrics'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Sets the responses of a path: served in order, the last one repeating. */
  serve(path: string, ...responses: (FixtureResponse | string)[]): void {
    if (responses.length === 0) throw new Error('serve: no responses');
    this.sequences.set(path, {
      responses: responses.map((r) => (typeof r === 'string' ? { body: r } : r)),
      next: 0,
    });
  }

  /** How many requests a path received. */
  count(path = '/metrics'): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ path, headers: req.headers });
    const seq = this.sequences.get(path);
    if (seq === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const r = seq.responses[Math.min(seq.next, seq.responses.length - 1)]!;
    seq.next++;
    const send = (): void => {
      const headers: Record<string, string> = {};
      const ct = r.contentType === undefined ? TEXT_CONTENT_TYPE : r.contentType;
      if (ct !== null) headers['Content-Type'] = ct;
      let body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      if ((r.gzip ?? true) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        let z = this.gzipCache.get(r.body);
        if (z === undefined) {
          z = zlib.gzipSync(body);
          this.gzipCache.set(r.body, z);
        }
        body = z;
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = String(body.length);
      res.writeHead(r.status ?? 200, headers);
      // Node writes no Content-Type at all when none was set, which is what a blank one tests.
      res.end(body);
    };
    if (r.delay !== undefined) setTimeout(send, r.delay);
    else send();
  }

  /** Stops the server and drops idle keep-alive connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One stored sample in a test's view: the time, the value, and whether it is a stale marker. */
export interface StoredSample {
  readonly t: number;
  /** The value (NaN for a stale marker; see `stale`). */
  readonly v: number;
  readonly stale: boolean;
}

/** Reads every series matching `selector` (e.g. `{__name__=~".+"}` as matchers) into a map keyed by label string. */
export function readAll(q: Queryable, ...matchers: Matcher[]): Map<string, StoredSample[]> {
  const querier = q.querier(-1e15, 1e15);
  const ms = matchers.length > 0 ? matchers : [Matcher.create('=~', '__name__', '.+')];
  const set = querier.select(true, undefined, ...ms);
  const out = new Map<string, StoredSample[]>();
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const samples: StoredSample[] = [];
    // The stale check runs on the iterator's field: a NaN copied through a plain array loses its payload.
    while (it.next() !== ValueType.None) samples.push({ t: it.t, v: it.v, stale: isStaleNaN(it.v) });
    out.set(s.labels.toString(), samples);
  }
  querier.close();
  return out;
}

/** The label string of a series, for keys of {@link readAll}. */
export function key(...kv: string[]): string {
  return Labels.fromStrings(...kv).toString();
}
