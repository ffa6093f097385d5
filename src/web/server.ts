/**
 * The HTTP server: a small router under the route prefix, form/query parameter handling with
 * size limits, instrumentation under Prometheus's metric names, and graceful shutdown.
 */
import http from 'node:http';
import https from 'node:https';
import bcrypt from 'bcryptjs';
import type { AddressInfo } from 'node:net';
import { NOP_LOG, type Logger } from '../util/log.js';
import { APIError, ERROR_STATUS, failure } from './api/response.js';
import { DEFAULT_BUCKETS, type Registry } from './metrics/registry.js';

/** Largest request body read (form-encoded queries); bigger bodies get 413. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A request as handlers see it. */
export interface Req {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  /** Path parameters (`:name` segments). */
  readonly params: Readonly<Record<string, string>>;
  /** Query-string and form-body parameters merged (form values after query values). */
  readonly form: URLSearchParams;
  /** The raw body (for non-form requests such as remote write). */
  readonly body: Buffer;
}

/** What a handler answers. */
export interface Res {
  status?: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body: unknown;
}

/** A route handler. */
export type Handler = (req: Req) => Res | Promise<Res>;

interface Route {
  readonly methods: readonly string[];
  readonly segments: readonly string[];
  /** The name used in the `handler` label of prometheus_http_requests_total. */
  readonly pattern: string;
  readonly handler: Handler;
}

/** Options of the web server. */
export interface WebServerOptions {
  /** `host:port` addresses to listen on. */
  listenAddresses: readonly string[];
  /** Prefix of every route (`--web.route-prefix`), without trailing slash ("" for none). */
  routePrefix: string;
  registry: Registry;
  logger?: Logger;
  /** TLS for the listeners (`tls_server_config` of the web config); plain HTTP when absent. */
  tls?: https.ServerOptions;
  /**
   * The web config's users and extra headers, read on every request as exporter-toolkit does
   * (so a changed file applies without a restart).
   */
  access?: () => {
    basicAuthUsers: Readonly<Record<string, string>>;
    headers: Readonly<Record<string, string>>;
  };
}

/** Successful and failed password checks, remembered: bcrypt is deliberately slow. */
const AUTH_CACHE_LIMIT = 1024;

function matchRoute(route: Route, parts: readonly string[]): Record<string, string> | null {
  if (route.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(parts[i]!);
    else if (seg !== parts[i]) return null;
  }
  return params;
}

/** The ignis HTTP server. */
export class WebServer {
  private readonly routes: Route[] = [];
  private readonly authCache = new Map<string, boolean>();
  private readonly servers: (http.Server | https.Server)[] = [];
  private readonly log: Logger;
  private readonly requests;
  private readonly durations;
  private readonly sizes;

  /** Creates the server; routes are added with {@link handle} before {@link start}. */
  constructor(private readonly opts: WebServerOptions) {
    this.log = opts.logger ?? NOP_LOG;
    this.requests = opts.registry.counter('prometheus_http_requests_total', 'Counter of HTTP requests.', [
      'code',
      'handler',
    ]);
    this.durations = opts.registry.histogram(
      'prometheus_http_request_duration_seconds',
      'Histogram of latencies for HTTP requests.',
      [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120],
      ['handler'],
    );
    this.sizes = opts.registry.histogram(
      'prometheus_http_response_size_bytes',
      'Histogram of response size for HTTP requests.',
      DEFAULT_BUCKETS.map((_, i) => 100 * 10 ** i).slice(0, 8),
      ['handler'],
    );
  }

  /** Adds a route for `methods` at `path` (relative to the route prefix; `:name` captures). */
  handle(methods: string | readonly string[], path: string, handler: Handler): void {
    this.routes.push({
      methods: typeof methods === 'string' ? [methods] : methods,
      segments: path.split('/').filter((s) => s !== ''),
      pattern: path,
      handler,
    });
  }

  /** Starts listening on every address; resolves with the bound addresses. */
  async start(): Promise<string[]> {
    const bound: string[] = [];
    for (const addr of this.opts.listenAddresses) {
      const i = addr.lastIndexOf(':');
      const host = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
      const port = Number(addr.slice(i + 1));
      const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.serve(req, res);
      const srv = this.opts.tls ? https.createServer(this.opts.tls, handler) : http.createServer(handler);
      srv.keepAliveTimeout = 5000;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => resolve());
      });
      const a = srv.address() as AddressInfo;
      bound.push(`${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
      this.servers.push(srv);
    }
    return bound;
  }

  /** Stops accepting connections and waits for open requests to finish. */
  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    );
    this.servers.length = 0;
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY_BYTES)
        throw new APIError('bad_data', `request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** Checks the request against the web config's basic auth users; true when allowed. */
  private async authorized(
    req: http.IncomingMessage,
    users: Readonly<Record<string, string>>,
  ): Promise<boolean> {
    if (Object.keys(users).length === 0) return true;
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return false;
    const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    const user = decoded.slice(0, i);
    const hash = users[user];
    if (hash === undefined) return false;
    const key = `${user}\0${hash}\0${decoded.slice(i + 1)}`;
    let ok = this.authCache.get(key);
    if (ok === undefined) {
      ok = await bcrypt.compare(decoded.slice(i + 1), hash);
      if (this.authCache.size >= AUTH_CACHE_LIMIT) this.authCache.clear();
      this.authCache.set(key, ok);
    }
    return ok;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const access = this.opts.access?.();
    if (access) {
      for (const [k, v] of Object.entries(access.headers)) res.setHeader(k, v);
      if (!(await this.authorized(req, access.basicAuthUsers))) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Unauthorized\n');
        req.resume();
        return;
      }
    }
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = url.pathname;
    const prefix = this.opts.routePrefix;
    let pattern = 'other';
    let status = 500;
    let body: Buffer | string = '';
    const headers: Record<string, string> = {};
    try {
      if (prefix !== '' && path !== prefix && !path.startsWith(prefix + '/')) {
        status = 404;
        body = '404 page not found\n';
      } else {
        path = path.slice(prefix.length) || '/';
        const parts = path.split('/').filter((s) => s !== '');
        let found: { route: Route; params: Record<string, string> } | null = null;
        let methodMismatch = false;
        for (const route of this.routes) {
          const params = matchRoute(route, parts);
          if (!params) continue;
          if (!route.methods.includes(req.method ?? 'GET')) {
            methodMismatch = true;
            continue;
          }
          found = { route, params };
          break;
        }
        if (!found) {
          status = methodMismatch ? 405 : 404;
          body = methodMismatch ? 'Method Not Allowed\n' : '404 page not found\n';
        } else {
          pattern = found.route.pattern;
          const raw = await this.readBody(req);
          const form = new URLSearchParams(url.search);
          const ct = req.headers['content-type'] ?? '';
          if (ct.startsWith('application/x-www-form-urlencoded')) {
            for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) form.append(k, v);
          }
          const out = await found.route.handler({
            method: req.method ?? 'GET',
            url,
            headers: req.headers,
            params: found.params,
            form,
            body: raw,
          });
          status = out.status ?? 200;
          Object.assign(headers, out.headers ?? {});
          if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) body = out.body;
          else {
            body = JSON.stringify(out.body);
            headers['Content-Type'] ??= 'application/json';
          }
        }
      }
    } catch (e) {
      const err = e instanceof APIError ? e : new APIError('internal', (e as Error).message);
      if (!(e instanceof APIError)) this.log.error('HTTP handler failed', { path, err: e as Error });
      status = err.status ?? ERROR_STATUS[err.type];
      body = JSON.stringify(failure(err));
      headers['Content-Type'] = 'application/json';
    }
    res.writeHead(status, headers);
    res.end(body);
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    this.requests.inc(1, String(status), pattern);
    this.durations.observe(secs, pattern);
    this.sizes.observe(Buffer.byteLength(body), pattern);
  }
}
