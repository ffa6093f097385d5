/**
 * The small HTTP client service discovery needs: one GET with the `HTTPClientConfig` of an
 * http_sd_configs entry applied (basic auth, authorization, extra headers, TLS, redirects) and
 * a deadline over the whole exchange. Errors are worded like Go's net/http ones
 * (`Get "<url>": ...`) so logs read as Prometheus's do.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { HTTPClientConfig } from '../config/index.js';

/** Go's http.Client stops after this many redirects. */
const MAX_REDIRECTS = 10;

/** A finished GET. */
export interface SDResponse {
  /** The status code. */
  readonly status: number;
  /** The status line as Go prints `resp.Status` (`404 Not Found`). */
  readonly statusText: string;
  /** The Content-Type header, '' when absent. */
  readonly contentType: string;
  /** The body. */
  readonly body: Buffer;
}

/** The parts of an HTTP client config ignis does not apply yet, for one warning. */
export function unsupportedClientSettings(c: HTTPClientConfig): string[] {
  const out: string[] = [];
  if (c.oauth2 !== null) out.push('oauth2');
  if (c.proxyUrl !== '' || c.proxyFromEnvironment) out.push('proxy');
  return out;
}

function secretOrFile(value: string, file: string): string {
  return file !== '' ? readFileSync(file, 'utf8').trim() : value;
}

/** The request headers the config asks for (read per request: credential files may rotate). */
function configHeaders(c: HTTPClientConfig): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(c.httpHeaders)) {
    const values = [...v.values, ...v.secrets, ...v.files.map((f) => readFileSync(f, 'utf8').trim())];
    if (values.length > 0) h[name] = values;
  }
  if (c.basicAuth !== null) {
    const user = secretOrFile(c.basicAuth.username, c.basicAuth.usernameFile);
    const pass = secretOrFile(c.basicAuth.password, c.basicAuth.passwordFile);
    h['authorization'] = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
  } else if (c.authorization !== null) {
    const cred = secretOrFile(c.authorization.credentials, c.authorization.credentialsFile);
    h['authorization'] = `${c.authorization.type || 'Bearer'} ${cred}`;
  }
  return h;
}

function tlsOptions(c: HTTPClientConfig): https.RequestOptions {
  const t = c.tlsConfig;
  const o: https.RequestOptions = { rejectUnauthorized: !t.insecureSkipVerify };
  const ca = t.caFile !== '' ? readFileSync(t.caFile) : t.ca !== '' ? t.ca : undefined;
  const cert = t.certFile !== '' ? readFileSync(t.certFile) : t.cert !== '' ? t.cert : undefined;
  const key = t.keyFile !== '' ? readFileSync(t.keyFile) : t.key !== '' ? t.key : undefined;
  if (ca !== undefined) o.ca = ca;
  if (cert !== undefined) o.cert = cert;
  if (key !== undefined) o.key = key;
  if (t.serverName !== '') o.servername = t.serverName;
  return o;
}

/** Words a Node socket error as Go's net package does, where the two differ visibly. */
function netError(e: NodeJS.ErrnoException & { address?: string; port?: number }): string {
  if (e.code === 'ECONNREFUSED' && e.address !== undefined)
    return `dial tcp ${e.address}:${e.port}: connect: connection refused`;
  return e.message;
}

/**
 * GETs `url` with the client config applied; resolves with any status (the caller decides
 * what a good answer is) and rejects on transport errors, too many redirects or the deadline.
 */
export function sdGet(
  url: string,
  client: HTTPClientConfig,
  headers: Readonly<Record<string, string>>,
  timeout: number,
  signal?: AbortSignal,
): Promise<SDResponse> {
  const deadline = AbortSignal.timeout(timeout > 0 ? timeout : 2 ** 31 - 1);
  const abort = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  const first = url;
  const attempt = (target: string, hops: number): Promise<SDResponse> =>
    new Promise<SDResponse>((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        const u = new URL(target);
        const lib = u.protocol === 'https:' ? https : http;
        const opts: https.RequestOptions = {
          method: 'GET',
          headers: { ...configHeaders(client), ...headers },
          signal: abort,
          ...(u.protocol === 'https:' ? tlsOptions(client) : {}),
        };
        req = lib.request(u, opts, (res) => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (client.followRedirects && status >= 300 && status < 400 && location !== undefined) {
            res.resume();
            if (hops >= MAX_REDIRECTS) {
              reject(new Error(`Get ${JSON.stringify(location)}: stopped after ${MAX_REDIRECTS} redirects`));
              return;
            }
            attempt(new URL(location, target).toString(), hops + 1).then(resolve, reject);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new Error(`Get ${JSON.stringify(first)}: ${e.message}`)));
          res.on('end', () =>
            resolve({
              status,
              statusText: `${status} ${res.statusMessage ?? ''}`.trimEnd(),
              contentType: res.headers['content-type'] ?? '',
              body: Buffer.concat(chunks),
            }),
          );
        });
      } catch (e) {
        reject(new Error(`Get ${JSON.stringify(first)}: ${(e as Error).message}`));
        return;
      }
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (deadline.aborted)
          reject(
            new Error(`Get ${JSON.stringify(first)}: context deadline exceeded (Client.Timeout exceeded)`),
          );
        else if (abort.aborted) reject(new Error(`Get ${JSON.stringify(first)}: context canceled`));
        else reject(new Error(`Get ${JSON.stringify(first)}: ${netError(e)}`));
      });
      req.end();
    });
  return attempt(url, 0);
}
