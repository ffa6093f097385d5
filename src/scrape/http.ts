/**
 * The HTTP side of a scrape, as Prometheus's `targetScraper`: one GET with Prometheus's headers,
 * a deadline over the whole exchange, gzip when the target answers with it, and the body size
 * limit applied to the uncompressed body. Errors are worded as Go's HTTP client words them, so
 * `lastError` on the targets page reads the same.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import type { ScrapeTLS } from './target.js';
import zlib from 'node:zlib';

/** What a successful scrape returns. */
export interface ScrapeResponse {
  /** The body, uncompressed. */
  readonly body: Buffer;
  /** The response's Content-Type header ('' when absent). */
  readonly contentType: string;
}

/** Options of {@link HttpScraper}. */
export interface HttpScraperOptions {
  /** The deadline of the whole scrape, ms. */
  readonly timeout: number;
  /** The Accept header (see `scrapeAcceptHeader`). */
  readonly accept: string;
  /** The User-Agent header. */
  readonly userAgent: string;
  /** Ask for gzip (`Accept-Encoding: gzip`) instead of `identity`. */
  readonly enableCompression: boolean;
  /** Maximum uncompressed body size in bytes; 0 for none. */
  readonly bodySizeLimit: number;
  /** The Authorization header value, if any. */
  readonly authorization?: string;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The connection pool; a shared keep-alive agent by default. */
  readonly agent?: http.Agent;
  /** TLS settings for https targets (a keep-alive agent of the scraper's own). */
  readonly tls?: ScrapeTLS;
  /** Follow redirects (default true), at most {@link MAX_REDIRECTS}, as Go's client does. */
  readonly followRedirects?: boolean;
  /** An HTTP proxy URL for http:// targets ('' for none). */
  readonly proxyUrl?: string;
}

/** Redirects followed before giving up, as Go's http.Client (10). */
export const MAX_REDIRECTS = 10;

/** Prometheus's `errBodySizeLimit` text. */
export const BODY_SIZE_LIMIT_MESSAGE = 'body size limit exceeded';

/** A scrape that failed before parsing: transport, status, deadline, size. */
export class ScrapeHttpError extends Error {
  /** True when the body was over `body_size_limit` (Prometheus reports -1 bytes then). */
  readonly bodySizeLimit: boolean;

  /** Creates the error. */
  constructor(message: string, bodySizeLimit = false) {
    super(message);
    this.name = 'ScrapeHttpError';
    this.bodySizeLimit = bodySizeLimit;
  }
}

const defaultHttpAgent = new http.Agent({ keepAlive: true });
const defaultHttpsAgent = new https.Agent({ keepAlive: true });

/** Node's socket errors in the words of Go's net package (`dial tcp …: connect: connection refused`). */
function goNetError(url: string, e: NodeJS.ErrnoException & { address?: string; port?: number }): string {
  const where = e.address !== undefined ? `${e.address}:${e.port ?? ''}` : new URL(url).host;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Get ${JSON.stringify(url)}: dial tcp ${where}: connect: connection refused`;
    case 'ECONNRESET':
      return `Get ${JSON.stringify(url)}: read tcp ${where}: read: connection reset by peer`;
    case 'ENOTFOUND':
      return `Get ${JSON.stringify(url)}: dial tcp: lookup ${new URL(url).hostname}: no such host`;
    default:
      return `Get ${JSON.stringify(url)}: ${e.message}`;
  }
}

/** Scrapes one URL; safe to call again after the previous scrape settled. */
export class HttpScraper {
  private readonly headers: Record<string, string>;
  private readonly protocol: string;
  private readonly agent: http.Agent;

  /** Prepares the request headers once, as Prometheus keeps one prepared request per target. */
  constructor(
    readonly url: string,
    private readonly opts: HttpScraperOptions,
  ) {
    const u = new URL(url);
    this.protocol = u.protocol;
    this.agent =
      opts.agent ??
      (u.protocol === 'https:'
        ? opts.tls
          ? new https.Agent({
              keepAlive: true,
              ca: opts.tls.ca,
              cert: opts.tls.cert,
              key: opts.tls.key,
              servername: opts.tls.serverName || undefined,
              rejectUnauthorized: !opts.tls.insecureSkipVerify,
            })
          : defaultHttpsAgent
        : defaultHttpAgent);
    this.headers = {
      ...opts.headers,
      Accept: opts.accept,
      'Accept-Encoding': opts.enableCompression ? 'gzip' : 'identity',
      'User-Agent': opts.userAgent,
      // Go's strconv.FormatFloat(seconds, 'f', -1, 64): the shortest decimal, never an exponent.
      'X-Prometheus-Scrape-Timeout-Seconds': formatSeconds(opts.timeout / 1000),
    };
    if (opts.authorization !== undefined) this.headers['Authorization'] = opts.authorization;
  }

  /** Starts a GET of `url` (through the proxy for http:// when one is configured). */
  private get(url: string, cb: (res: http.IncomingMessage) => void): http.ClientRequest {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const agent = u.protocol === this.protocol ? this.agent : undefined;
    if (this.opts.proxyUrl && u.protocol === 'http:') {
      // A forward proxy takes the absolute URL as the request target.
      const p = new URL(this.opts.proxyUrl);
      return http.get(
        { host: p.hostname, port: p.port || 80, path: url, headers: { ...this.headers, Host: u.host } },
        cb,
      );
    }
    if (this.opts.proxyUrl && u.protocol === 'https:') return this.getThroughTunnel(u, cb);
    return mod.get(url, { headers: this.headers, agent }, cb);
  }

  /**
   * An https GET through the proxy's CONNECT tunnel, TLS inside the tunnel. The returned
   * request is the CONNECT; errors of the inner request are re-emitted on it so the caller's
   * single error handler sees both.
   */
  private getThroughTunnel(u: URL, cb: (res: http.IncomingMessage) => void): http.ClientRequest {
    const p = new URL(this.opts.proxyUrl!);
    const target = `${u.hostname}:${u.port || 443}`;
    const connect = http.request({
      host: p.hostname,
      port: p.port || 80,
      method: 'CONNECT',
      path: target,
      headers: { Host: target },
    });
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        connect.emit(
          'error',
          new Error(`proxyconnect tcp: ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()),
        );
        return;
      }
      const t = this.opts.tls;
      const secure = tls.connect({
        socket,
        servername: t?.serverName || u.hostname,
        ca: t?.ca,
        cert: t?.cert,
        key: t?.key,
        rejectUnauthorized: !t?.insecureSkipVerify,
      });
      // No agent: with createConnection and no agent, the request runs on the tunnel's socket.
      const inner = https.get(u, { headers: this.headers, createConnection: () => secure }, cb);
      inner.on('error', (e) => connect.emit('error', e));
    });
    connect.end();
    return connect;
  }

  /** Performs the GET and reads the whole body; rejects with a {@link ScrapeHttpError}. */
  scrape(): Promise<ScrapeResponse> {
    const { url, opts } = this;
    return new Promise<ScrapeResponse>((resolve, reject) => {
      let settled = false;
      // Set once the request exists; a failure before that has nothing to destroy.
      const handle: { req?: http.ClientRequest } = {};
      const fail = (msg: string, size = false): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new ScrapeHttpError(msg, size));
        handle.req?.destroy();
      };
      const timer = setTimeout(
        () => fail(`Get ${JSON.stringify(url)}: context deadline exceeded`),
        opts.timeout,
      );
      const onResponse = (res: http.IncomingMessage, current: string, redirects: number): void => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined && opts.followRedirects !== false) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) {
            fail(`Get ${JSON.stringify(location)}: stopped after ${MAX_REDIRECTS} redirects`);
            return;
          }
          const next = new URL(location, current).toString();
          handle.req = this.get(next, (r) => onResponse(r, next, redirects + 1));
          handle.req.on('error', (e) => fail(goNetError(next, e)));
          return;
        }
        handleResponse(res);
      };
      const handleResponse = (res: http.IncomingMessage): void => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd());
          return;
        }
        const contentType = res.headers['content-type'] ?? '';
        let body: Readable = res;
        if (res.headers['content-encoding'] === 'gzip') {
          const gunzip = zlib.createGunzip();
          res.on('error', (e) => fail(goNetError(url, e)));
          body = res.pipe(gunzip);
          body.on('error', (e) => fail(`gzip: ${e.message}`));
        } else {
          body.on('error', (e) => fail(goNetError(url, e)));
        }
        const chunks: Buffer[] = [];
        let n = 0;
        const limit = opts.bodySizeLimit;
        body.on('data', (c: Buffer) => {
          if (settled) return;
          n += c.length;
          // Go reads through io.LimitReader(limit) and fails when it read `limit` bytes, so a
          // body of exactly the limit already fails.
          if (limit > 0 && n >= limit) {
            fail(BODY_SIZE_LIMIT_MESSAGE, true);
            return;
          }
          chunks.push(c);
        });
        body.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n), contentType });
        });
      };
      const req = this.get(url, (res) => onResponse(res, url, 0));
      handle.req = req;
      req.on('error', (e) => fail(goNetError(url, e)));
    });
  }
}

/** Formats seconds as Go's `strconv.FormatFloat(v, 'f', -1, 64)`. */
export function formatSeconds(v: number): string {
  const s = String(v);
  if (!/e/i.test(s)) return s;
  // Exponent form only occurs for tiny or huge values; toFixed(20) then trimming covers the
  // tiny ones a timeout can take (sub-microsecond timeouts are not configurable anyway).
  return v.toFixed(20).replace(/\.?0+$/, '');
}
