/**
 * Applying `--web.config.file`: TLS options for the listeners, and the users and headers the
 * web server checks on each request, re-read when the file changes (as exporter-toolkit
 * re-reads it), keeping the last good version when a change does not parse.
 */
import fs from 'node:fs';
import type https from 'node:https';
import { loadWebConfigFile, type WebConfig } from '../config/web.js';
import type { Logger } from '../util/log.js';

const TLS_VERSION: Record<string, https.ServerOptions['minVersion']> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

/** Node's TLS server options for a web config, or undefined when it has no TLS section. */
export function tlsOptions(c: WebConfig): https.ServerOptions | undefined {
  const t = c.tlsServerConfig;
  if (!t) return undefined;
  return {
    cert: t.cert || fs.readFileSync(t.certFile),
    key: t.key || fs.readFileSync(t.keyFile),
    ca: t.clientCAFile ? fs.readFileSync(t.clientCAFile) : undefined,
    requestCert: t.clientAuthType !== 'NoClientCert',
    // Node verifies requested certificates or not at all: only the verifying type rejects.
    rejectUnauthorized: t.clientAuthType === 'RequireAndVerifyClientCert',
    minVersion: TLS_VERSION[t.minVersion],
    maxVersion: TLS_VERSION[t.maxVersion],
  };
}

/** The web config's access rules, reloaded when the file's modification time changes. */
export class WebAccess {
  /** The configuration currently applied. */
  config: WebConfig;
  private mtime: number;

  /** Loads the file; throws when it is invalid (the server then refuses to start). */
  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    this.config = loadWebConfigFile(file);
    this.mtime = fs.statSync(file).mtimeMs;
  }

  /** The users and headers to apply to a request. */
  current(): { basicAuthUsers: Readonly<Record<string, string>>; headers: Readonly<Record<string, string>> } {
    try {
      const m = fs.statSync(this.file).mtimeMs;
      if (m !== this.mtime) {
        this.mtime = m;
        this.config = loadWebConfigFile(this.file);
      }
    } catch (e) {
      this.log.error('Error reloading web config; keeping the previous one', {
        file: this.file,
        err: e as Error,
      });
    }
    return { basicAuthUsers: this.config.basicAuthUsers, headers: this.config.httpServerConfig.headers };
  }
}
