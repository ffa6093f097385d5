/**
 * The web configuration file (`--web.config.file`), in the exporter-toolkit format Prometheus
 * uses: TLS for the server (`tls_server_config`), HTTP server settings (`http_server_config`)
 * and basic authentication users with bcrypt-hashed passwords (`basic_auth_users`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, bool, dict, field, list, parseYAML, secret, str, struct, type Codec } from './yaml.js';

/** `tls_server_config`. */
export interface TLSServerConfig {
  certFile: string;
  keyFile: string;
  /** Certificate and key given inline instead of as files. */
  cert: string;
  key: string;
  /** `NoClientCert` (default), `RequestClientCert`, `RequireAnyClientCert`, `VerifyClientCertIfGiven`, `RequireAndVerifyClientCert`. */
  clientAuthType: string;
  clientCAFile: string;
  /** `TLS10` … `TLS13` (default TLS12). */
  minVersion: string;
  maxVersion: string;
  cipherSuites: string[];
  preferServerCipherSuites: boolean;
  curvePreferences: string[];
  clientAllowedSans: string[];
}

/** The whole web configuration. */
export interface WebConfig {
  /** null when the file has no TLS section: the server speaks plain HTTP. */
  tlsServerConfig: TLSServerConfig | null;
  httpServerConfig: { http2: boolean; headers: Record<string, string> };
  /** User name → bcrypt hash. */
  basicAuthUsers: Record<string, string>;
}

const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
];
const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];
// Response headers exporter-toolkit lets a web config set (it rejects others).
const ALLOWED_HEADERS = [
  'Content-Security-Policy',
  'X-Frame-Options',
  'X-Content-Type-Options',
  'X-XSS-Protection',
  'Strict-Transport-Security',
];

const tlsCodec = struct<TLSServerConfig>(
  'web.TLSConfig',
  [
    field('cert_file', 'certFile', str),
    field('key_file', 'keyFile', str),
    field('cert', 'cert', str),
    field('key', 'key', secret),
    field('client_auth_type', 'clientAuthType', str),
    field('client_ca_file', 'clientCAFile', str),
    field('min_version', 'minVersion', str),
    field('max_version', 'maxVersion', str),
    field('cipher_suites', 'cipherSuites', list(str)),
    field('prefer_server_cipher_suites', 'preferServerCipherSuites', bool),
    field('curve_preferences', 'curvePreferences', list(str)),
    field('client_allowed_sans', 'clientAllowedSans', list(str)),
  ],
  {
    defaults: () => ({
      certFile: '',
      keyFile: '',
      cert: '',
      key: '',
      clientAuthType: 'NoClientCert',
      clientCAFile: '',
      minVersion: 'TLS12',
      maxVersion: 'TLS13',
      cipherSuites: [],
      preferServerCipherSuites: true,
      curvePreferences: [],
      clientAllowedSans: [],
    }),
  },
);

const httpServerCodec = struct<{ http2: boolean; headers: Record<string, string> }>(
  'web.HTTPConfig',
  [field('http2', 'http2', bool), field('headers', 'headers', dict(str))],
  { defaults: () => ({ http2: true, headers: {} }) },
);

const webCodec = struct<WebConfig>(
  'web.Config',
  [
    field('tls_server_config', 'tlsServerConfig', tlsCodec as Codec<TLSServerConfig | null>),
    field('http_server_config', 'httpServerConfig', httpServerCodec),
    field('basic_auth_users', 'basicAuthUsers', dict(secret)),
  ],
  {
    defaults: () => ({
      tlsServerConfig: null,
      httpServerConfig: { http2: true, headers: {} },
      basicAuthUsers: {},
    }),
  },
);

/** Checks the decoded configuration as exporter-toolkit does, with its messages. */
function validate(c: WebConfig): void {
  const t = c.tlsServerConfig;
  if (t) {
    if (!t.certFile && !t.cert) throw new ConfigError('missing cert_file or cert');
    if (!t.keyFile && !t.key) throw new ConfigError('missing key_file or key');
    if (t.certFile && t.cert) throw new ConfigError('cert and cert_file are mutually exclusive');
    if (t.keyFile && t.key) throw new ConfigError('key and key_file are mutually exclusive');
    if (!CLIENT_AUTH_TYPES.includes(t.clientAuthType))
      throw new ConfigError(`invalid ClientAuth: ${t.clientAuthType}`);
    if (t.clientCAFile === '' && t.clientAuthType === 'RequireAndVerifyClientCert') {
      throw new ConfigError('client_ca_file must be set if client_auth_type is RequireAndVerifyClientCert');
    }
    for (const v of [t.minVersion, t.maxVersion])
      if (!TLS_VERSIONS.includes(v)) throw new ConfigError(`unknown TLS version: ${v}`);
  }
  for (const h of Object.keys(c.httpServerConfig.headers)) {
    if (!ALLOWED_HEADERS.includes(h))
      throw new ConfigError(`HTTP header ${JSON.stringify(h)} can not be configured`);
  }
  for (const [user, hash] of Object.entries(c.basicAuthUsers)) {
    if (!/^\$2[abxy]?\$\d\d\$/.test(hash))
      throw new ConfigError(`invalid bcrypt hash for user ${JSON.stringify(user)}`);
  }
}

/** Parses a web configuration; relative file paths resolve against `dir`. */
export function loadWebConfig(text: string, dir = '.'): WebConfig {
  const d = parseYAML(text);
  const root = d.resolve(d.doc.contents as never);
  const raw = root === null ? null : webCodec.decode(root, d);
  if (d.typeErrors.length > 0)
    throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
  const c: WebConfig = raw ?? {
    tlsServerConfig: null,
    httpServerConfig: { http2: true, headers: {} },
    basicAuthUsers: {},
  };
  validate(c);
  const t = c.tlsServerConfig;
  if (t) {
    for (const k of ['certFile', 'keyFile', 'clientCAFile'] as const) {
      if (t[k] && !path.isAbsolute(t[k])) t[k] = path.join(dir, t[k]);
    }
  }
  return c;
}

/** Reads and parses the web configuration file. */
export function loadWebConfigFile(file: string): WebConfig {
  return loadWebConfig(fs.readFileSync(file, 'utf8'), path.dirname(file));
}
