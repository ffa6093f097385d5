/**
 * The HTTP client block shared by scrape configs, Alertmanagers, remote write/read and HTTP
 * service discovery (github.com/prometheus/common/config's HTTPClientConfig): authentication,
 * TLS, proxies, redirects, headers. Defaults and validation messages are Prometheus's.
 */
import { isAbsolute, join } from 'node:path';
import { bool, dict, field, list, secret, str, struct, unimplemented } from './yaml.js';
import type { Codec, Decoder } from './yaml.js';

/** `basic_auth`. */
export interface BasicAuth {
  /** The user name. */
  username: string;
  /** A file holding the user name. */
  usernameFile: string;
  /** A reference to a secret manager entry (not supported by Prometheus either, kept for the schema). */
  usernameRef: string;
  /** The password (a secret). */
  password: string;
  /** A file holding the password. */
  passwordFile: string;
  /** A reference to a secret manager entry. */
  passwordRef: string;
}

/** `authorization`: the Authorization header. */
export interface Authorization {
  /** The scheme, default `Bearer`. */
  type: string;
  /** The credentials (a secret). */
  credentials: string;
  /** A file holding the credentials. */
  credentialsFile: string;
  /** A reference to a secret manager entry. */
  credentialsRef: string;
}

/** `tls_config`. */
export interface TLSConfig {
  /** CA certificate text. */
  ca: string;
  /** CA certificate file. */
  caFile: string;
  /** CA certificate reference. */
  caRef: string;
  /** Client certificate text. */
  cert: string;
  /** Client certificate file. */
  certFile: string;
  /** Client certificate reference. */
  certRef: string;
  /** Client key text (a secret). */
  key: string;
  /** Client key file. */
  keyFile: string;
  /** Client key reference. */
  keyRef: string;
  /** Server name for SNI and verification. */
  serverName: string;
  /** Skip server certificate verification. */
  insecureSkipVerify: boolean;
  /** Minimum TLS version (`TLS10` ... `TLS13`). */
  minVersion: string;
  /** Maximum TLS version. */
  maxVersion: string;
}

/** `oauth2` (accepted; ignis does not fetch OAuth2 tokens yet). */
export interface OAuth2 {
  /** Client id. */
  clientId: string;
  /** Client secret (a secret). */
  clientSecret: string;
  /** File holding the client secret. */
  clientSecretFile: string;
  /** Reference to the client secret. */
  clientSecretRef: string;
  /** Scopes requested. */
  scopes: string[];
  /** Token endpoint. */
  tokenUrl: string;
  /** Extra token request parameters. */
  endpointParams: Record<string, string>;
  /** TLS for the token endpoint. */
  tlsConfig: TLSConfig;
  /** Proxy for the token endpoint. */
  proxyUrl: string;
  /** Hosts not proxied. */
  noProxy: string;
  /** Take the proxy from the environment. */
  proxyFromEnvironment: boolean;
  /** Headers sent to the proxy on CONNECT. */
  proxyConnectHeader: Record<string, string[]>;
}

/** One entry of `http_headers`. */
export interface Header {
  /** Plain values. */
  values: string[];
  /** Secret values. */
  secrets: string[];
  /** Files each holding a value. */
  files: string[];
}

/** The HTTP client configuration. */
export interface HTTPClientConfig {
  /** Basic authentication, or null. */
  basicAuth: BasicAuth | null;
  /** Authorization header, or null (bearer_token/bearer_token_file end up here after validation). */
  authorization: Authorization | null;
  /** OAuth2, or null. */
  oauth2: OAuth2 | null;
  /** Deprecated: moved into `authorization` by validation. */
  bearerToken: string;
  /** Deprecated: moved into `authorization` by validation. */
  bearerTokenFile: string;
  /** TLS settings. */
  tlsConfig: TLSConfig;
  /** Follow HTTP 3xx redirects (default true). */
  followRedirects: boolean;
  /** Allow HTTP/2 (default true). */
  enableHttp2: boolean;
  /** Proxy URL. */
  proxyUrl: string;
  /** Hosts not proxied. */
  noProxy: string;
  /** Take the proxy from the environment. */
  proxyFromEnvironment: boolean;
  /** Headers sent to the proxy on CONNECT. */
  proxyConnectHeader: Record<string, string[]>;
  /** Extra request headers. */
  httpHeaders: Record<string, Header>;
}

/** An empty TLS config. */
export function defaultTLSConfig(): TLSConfig {
  return {
    ca: '',
    caFile: '',
    caRef: '',
    cert: '',
    certFile: '',
    certRef: '',
    key: '',
    keyFile: '',
    keyRef: '',
    serverName: '',
    insecureSkipVerify: false,
    minVersion: '',
    maxVersion: '',
  };
}

/** The HTTP client defaults (`config.DefaultHTTPClientConfig`): redirects followed, HTTP/2 on. */
export function defaultHTTPClientConfig(): HTTPClientConfig {
  return {
    basicAuth: null,
    authorization: null,
    oauth2: null,
    bearerToken: '',
    bearerTokenFile: '',
    tlsConfig: defaultTLSConfig(),
    followRedirects: true,
    enableHttp2: true,
    proxyUrl: '',
    noProxy: '',
    proxyFromEnvironment: false,
    proxyConnectHeader: {},
    httpHeaders: {},
  };
}

const TLS_VERSIONS = new Set(['TLS10', 'TLS11', 'TLS12', 'TLS13']);

const tlsVersion: Codec<string> = {
  goType: 'config.TLSVersion',
  decode(n, d) {
    const s = str.decode(n, d);
    if (s !== '' && !TLS_VERSIONS.has(s)) d.fail(`unknown TLS version: ${s}`);
    return s;
  },
  encode: (v) => (v === '' ? undefined : v),
};

function countSet(...xs: string[]): number {
  return xs.filter((x) => x !== '').length;
}

/** The `tls_config` codec. */
export const tlsConfigCodec = struct<TLSConfig>(
  'config.plain',
  [
    field('ca', 'ca', str),
    field('cert', 'cert', str),
    field('key', 'key', secret),
    field('ca_file', 'caFile', str),
    field('cert_file', 'certFile', str),
    field('key_file', 'keyFile', str),
    field('ca_ref', 'caRef', str),
    field('cert_ref', 'certRef', str),
    field('key_ref', 'keyRef', str),
    field('server_name', 'serverName', str),
    field('insecure_skip_verify', 'insecureSkipVerify', bool),
    field('min_version', 'minVersion', tlsVersion),
    field('max_version', 'maxVersion', tlsVersion),
  ],
  {
    defaults: defaultTLSConfig,
    validate(c, d) {
      if (countSet(c.ca, c.caFile, c.caRef) > 1)
        d.fail('at most one of ca, ca_file & ca_ref must be configured');
      if (countSet(c.cert, c.certFile, c.certRef) > 1)
        d.fail('at most one of cert, cert_file & cert_ref must be configured');
      if (countSet(c.key, c.keyFile, c.keyRef) > 1)
        d.fail('at most one of key and key_file must be configured');
      const hasCert = countSet(c.cert, c.certFile, c.certRef) > 0;
      const hasKey = countSet(c.key, c.keyFile, c.keyRef) > 0;
      if (hasCert && !hasKey)
        d.fail('exactly one of key or key_file must be configured when a client certificate is configured');
      if (hasKey && !hasCert)
        d.fail('exactly one of cert or cert_file must be configured when a client key is configured');
    },
  },
);

/** A TLS config field: a value struct, never null. */
export const tlsConfigField: Codec<TLSConfig> = {
  goType: 'config.TLSConfig',
  decode: (n, d) => tlsConfigCodec.decode(n, d) ?? defaultTLSConfig(),
  encode: (v) => tlsConfigCodec.encode(v),
};

const basicAuth = struct<BasicAuth>(
  'config.plain',
  [
    field('username', 'username', str),
    field('username_file', 'usernameFile', str),
    field('username_ref', 'usernameRef', str),
    field('password', 'password', secret),
    field('password_file', 'passwordFile', str),
    field('password_ref', 'passwordRef', str),
  ],
  {
    defaults: () => ({
      username: '',
      usernameFile: '',
      usernameRef: '',
      password: '',
      passwordFile: '',
      passwordRef: '',
    }),
  },
);

const authorization = struct<Authorization>(
  'config.Authorization',
  [
    field('type', 'type', str),
    field('credentials', 'credentials', secret),
    field('credentials_file', 'credentialsFile', str),
    field('credentials_ref', 'credentialsRef', str),
  ],
  { defaults: () => ({ type: '', credentials: '', credentialsFile: '', credentialsRef: '' }) },
);

const proxyConnectHeader = dict(list(secret), 'config.ProxyHeader');

const oauth2 = struct<OAuth2>(
  'config.plain',
  [
    field('client_id', 'clientId', str),
    field('client_secret', 'clientSecret', secret),
    field('client_secret_file', 'clientSecretFile', str),
    field('client_secret_ref', 'clientSecretRef', str),
    field('scopes', 'scopes', list(str)),
    field('token_url', 'tokenUrl', str),
    field('endpoint_params', 'endpointParams', dict(str)),
    field('tls_config', 'tlsConfig', tlsConfigField),
    field('proxy_url', 'proxyUrl', str),
    field('no_proxy', 'noProxy', str),
    field('proxy_from_environment', 'proxyFromEnvironment', bool),
    field('proxy_connect_header', 'proxyConnectHeader', proxyConnectHeader),
  ],
  {
    defaults: () => ({
      clientId: '',
      clientSecret: '',
      clientSecretFile: '',
      clientSecretRef: '',
      scopes: [],
      tokenUrl: '',
      endpointParams: {},
      tlsConfig: defaultTLSConfig(),
      proxyUrl: '',
      noProxy: '',
      proxyFromEnvironment: false,
      proxyConnectHeader: {},
    }),
  },
);

const header = struct<Header>(
  'config.Header',
  [
    field('values', 'values', list(str)),
    field('secrets', 'secrets', list(secret)),
    field('files', 'files', list(str)),
  ],
  { defaults: () => ({ values: [], secrets: [], files: [] }) },
);

const proxyURL: Codec<string> = {
  goType: 'config.URL',
  decode(n, d) {
    const s = str.decode(n, d);
    if (s !== '' && !URL.canParse(s)) d.fail(`parse ${JSON.stringify(s)}: invalid URL`);
    return s;
  },
  encode: (v) => (v === '' ? undefined : v),
};

/**
 * The fields of the HTTP client block, inlined into the structs that embed it (as Go's
 * `yaml:",inline"`), in the order Prometheus prints them.
 */
export const httpClientFields = [
  field('basic_auth', 'basicAuth', basicAuth),
  field('authorization', 'authorization', authorization),
  field('oauth2', 'oauth2', unimplemented(oauth2)),
  field('bearer_token', 'bearerToken', secret),
  field('bearer_token_file', 'bearerTokenFile', str),
  field('tls_config', 'tlsConfig', tlsConfigField),
  field('follow_redirects', 'followRedirects', bool, true),
  field('enable_http2', 'enableHttp2', bool, true),
  field('proxy_url', 'proxyUrl', proxyURL),
  field('no_proxy', 'noProxy', str),
  field('proxy_from_environment', 'proxyFromEnvironment', bool),
  field('proxy_connect_header', 'proxyConnectHeader', proxyConnectHeader),
  field('http_headers', 'httpHeaders', dict(header as Codec<Header>, 'config.Headers')),
];

/**
 * Validates an HTTP client config as `HTTPClientConfig.Validate` does, moving the deprecated
 * bearer_token/bearer_token_file into `authorization`.
 */
export function validateHTTPClientConfig(c: HTTPClientConfig, d: Decoder): void {
  if (c.bearerToken !== '' && c.bearerTokenFile !== '')
    d.fail('at most one of bearer_token & bearer_token_file must be configured');
  const bearer = c.bearerToken !== '' || c.bearerTokenFile !== '';
  if ((c.basicAuth !== null || c.oauth2 !== null) && bearer)
    d.fail('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  const ba = c.basicAuth;
  if (ba !== null && countSet(ba.username, ba.usernameFile, ba.usernameRef) > 1)
    d.fail('at most one of basic_auth username, username_file & username_ref must be configured');
  if (ba !== null && countSet(ba.password, ba.passwordFile, ba.passwordRef) > 1)
    d.fail('at most one of basic_auth password, password_file & password_ref must be configured');
  const au = c.authorization;
  if (au !== null) {
    if (bearer) d.fail('authorization is not compatible with bearer_token & bearer_token_file');
    if (countSet(au.credentials, au.credentialsFile, au.credentialsRef) > 1)
      d.fail('at most one of authorization credentials & credentials_file must be configured');
    au.type = au.type.trim();
    if (au.type === '') au.type = 'Bearer';
    if (au.type.toLowerCase() === 'basic')
      d.fail('authorization type cannot be set to "basic", use "basic_auth" instead');
    if (ba !== null || c.oauth2 !== null)
      d.fail('at most one of basic_auth, oauth2 & authorization must be configured');
  } else if (bearer) {
    c.authorization = {
      type: 'Bearer',
      credentials: c.bearerToken,
      credentialsFile: c.bearerTokenFile,
      credentialsRef: '',
    };
    c.bearerToken = '';
    c.bearerTokenFile = '';
  }
  const o = c.oauth2;
  if (o !== null) {
    if (ba !== null) d.fail('at most one of oauth2 & basic_auth must be configured');
    if (o.clientId === '') d.fail('oauth2 client_id must be configured');
    if (o.tokenUrl === '') d.fail('oauth2 token_url must be configured');
    if (countSet(o.clientSecret, o.clientSecretFile, o.clientSecretRef) > 1)
      d.fail(
        'at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured',
      );
  }
  const hasProxy = c.proxyUrl !== '';
  if (Object.keys(c.proxyConnectHeader).length > 0 && !c.proxyFromEnvironment && !hasProxy)
    d.fail(
      'if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured',
    );
  if (c.proxyFromEnvironment && hasProxy)
    d.fail('if proxy_from_environment is configured, proxy_url must not be configured');
  if (c.proxyFromEnvironment && c.noProxy !== '')
    d.fail('if proxy_from_environment is configured, no_proxy must not be configured');
  if (!hasProxy && c.noProxy !== '') d.fail('if no_proxy is configured, proxy_url must also be configured');
}

/** Joins a relative path with the config file's directory, as `config.JoinDir` does. */
export function joinDir(dir: string, p: string): string {
  return p === '' || isAbsolute(p) ? p : join(dir, p);
}

/** Resolves the file paths of a TLS config against `dir`. */
export function tlsSetDirectory(t: TLSConfig, dir: string): void {
  t.caFile = joinDir(dir, t.caFile);
  t.certFile = joinDir(dir, t.certFile);
  t.keyFile = joinDir(dir, t.keyFile);
}

/** Resolves the file paths of an HTTP client config against `dir`. */
export function httpClientSetDirectory(c: HTTPClientConfig, dir: string): void {
  if (c.basicAuth !== null) {
    c.basicAuth.usernameFile = joinDir(dir, c.basicAuth.usernameFile);
    c.basicAuth.passwordFile = joinDir(dir, c.basicAuth.passwordFile);
  }
  if (c.authorization !== null)
    c.authorization.credentialsFile = joinDir(dir, c.authorization.credentialsFile);
  if (c.oauth2 !== null) {
    c.oauth2.clientSecretFile = joinDir(dir, c.oauth2.clientSecretFile);
    tlsSetDirectory(c.oauth2.tlsConfig, dir);
  }
  c.bearerTokenFile = joinDir(dir, c.bearerTokenFile);
  tlsSetDirectory(c.tlsConfig, dir);
  for (const h of Object.values(c.httpHeaders)) h.files = h.files.map((f) => joinDir(dir, f));
}
