import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYAML, getScrapeConfigs, loadConfig, loadConfigFile, unimplementedWarning } from './index.js';

const TS = 'struct { Targets []string "yaml:\\"targets\\""; Labels model.LabelSet "yaml:\\"labels\\"" }';

// Each message was checked against `promtool check config --syntax-only` (Prometheus 3.5).
const ERRORS: [string, string][] = [
  [
    'not-prometheus:',
    'yaml: unmarshal errors:\n  line 1: field not-prometheus not found in type config.plain',
  ],
  ['global:\n  foo: 1', 'yaml: unmarshal errors:\n  line 2: field foo not found in type config.plain'],
  [
    'scrape_configs:\n  - job_name: x\n    foo: 1\n    bar: 2',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type config.ScrapeConfig\n  line 4: field bar not found in type config.ScrapeConfig',
  ],
  ['scrape_configs:\n  - job_name: x\n  - job_name: x', 'found multiple scrape configs with job name "x"'],
  [
    'scrape_configs:\n  - job_name: x\n    scrape_interval: 10s\n    scrape_timeout: 20s',
    'scrape timeout greater than scrape interval for scrape config with job name "x"',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs:\n      - action: replace\n        source_labels: [a]',
    "relabel configuration for replace action requires 'target_label' value",
  ],
  ['scrape_configs:\n  - job_name: x\n    scrape_interval: 1x', 'unknown unit "x" in duration "1x"'],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs:\n      - regex: "(("',
    'error parsing regexp: missing closing ): `^(?s:(()$`',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: [a:1]\n        labels: {a: b}\n        foo: 1',
    `yaml: unmarshal errors:\n  line 6: field foo not found in type ${TS}`,
  ],
  [
    'scrape_configs:\n  - job_name: x\n    basic_auth:\n      username: a\n      password: b\n      password_file: c',
    'at most one of basic_auth password, password_file & password_ref must be configured',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    tls_config:\n      foo: 1',
    'yaml: unmarshal errors:\n  line 4: field foo not found in type config.plain',
  ],
  ['scrape_configs:\n  - {}', 'job_name is empty'],
  ['global:\n  scrape_interval: abc', 'not a valid duration string: "abc"'],
  [
    'alerting:\n  alertmanagers:\n    - foo: 1',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type config.AlertmanagerConfig',
  ],
  [
    'remote_write:\n  - url: http://x\n    foo: 1',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type config.plain',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs:\n      - action: hashmod\n        target_label: a',
    'relabel configuration for hashmod requires non-zero modulus',
  ],
  [
    'scrape_configs: 5',
    'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `5` into []*config.ScrapeConfig',
  ],
  [
    'global:\n  scrape_interval: 5s\n  scrape_timeout: 10s',
    'global scrape timeout greater than scrape interval',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs:\n      - action: foo',
    'unknown relabel action "foo"',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    authorization: {foo: 1}',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type config.Authorization',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    file_sd_configs: [{foo: 1}]',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type file.plain',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    http_sd_configs: [{foo: 1}]',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type http.plain',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    dns_sd_configs: [{foo: 1}]',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type dns.plain',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs: [{foo: 1}]',
    'yaml: unmarshal errors:\n  line 3: field foo not found in type relabel.plain',
  ],
  [
    'storage: {foo: 1}',
    'yaml: unmarshal errors:\n  line 1: field foo not found in type config.StorageConfig',
  ],
  [
    'storage: {tsdb: {foo: 1}}',
    'yaml: unmarshal errors:\n  line 1: field foo not found in type config.plain',
  ],
  [
    'storage: {exemplars: {foo: 1}}',
    'yaml: unmarshal errors:\n  line 1: field foo not found in type config.ExemplarsConfig',
  ],
  [
    'runtime: {foo: 1}',
    'yaml: unmarshal errors:\n  line 1: field foo not found in type config.RuntimeConfig',
  ],
  [
    'remote_write: [{url: "http://x", queue_config: {foo: 1}}]',
    'yaml: unmarshal errors:\n  line 1: field foo not found in type config.QueueConfig',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    honor_labels: 3',
    'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!int `3` into bool',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    sample_limit: -1',
    'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!int `-1` into uint',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    params: {a: b}',
    'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `b` into []string',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    file_sd_configs: [{files: [a.txt]}]',
    'path name "a.txt" is not valid for file discovery',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    http_sd_configs: [{url: "ftp://x"}]',
    "URL scheme must be 'http' or 'https'",
  ],
  [
    'scrape_configs:\n  - job_name: x\n    scrape_protocols: [Foo]',
    'scrape_protocols: unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name "x"',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    fallback_scrape_protocol: Foo',
    'invalid fallback_scrape_protocol for scrape config with job name "x": unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]',
  ],
  ['scrape_configs:\n  - job_name: x\n    body_size_limit: 10XB', 'units: unknown unit XB in 10XB'],
  ['rule_files: ["a/*/b.yml"]', 'invalid rule file path "a/*/b.yml"'],
  [
    'alerting: {alertmanagers: [{api_version: v1}]}',
    'expected Alertmanager api version to be one of [v2] but got v1',
  ],
  ['remote_write: [{}]', 'url for remote_write is empty'],
  [
    'scrape_configs:\n  - job_name: x\n    bearer_token: a\n    bearer_token_file: b',
    'at most one of bearer_token & bearer_token_file must be configured',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    basic_auth: {username: a}\n    authorization: {credentials: b}',
    'at most one of basic_auth, oauth2 & authorization must be configured',
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs: [{action: labeldrop, regex: a, separator: ","}]',
    "labeldrop action requires only 'regex', and no other fields",
  ],
  [
    'scrape_configs:\n  - job_name: x\n    relabel_configs: [{action: keepequal, source_labels: [a], target_label: b, regex: x}]',
    "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
  ],
  ['scrape_configs:\n  -', 'empty or null scrape config section'],
  [
    'scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ["http://a"]}]',
    '"http://a" is not a valid hostname',
  ],
  ['[1,2', 'yaml: line 1: Flow sequence must end with a ]'],
];

// Accepted by promtool as well.
const VALID: string[] = [
  '',
  'scrape_configs:\n  - job_name: x\n    honor_labels: yes',
  'scrape_configs:\n  - job_name: x\n    dns_sd_configs: [{names: [a]}]',
  'scrape_configs:\n  - job_name: x\n    scheme: ftp',
  'scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ["a:1"], labels: {"a b": c}}]',
  'scrape_configs:\n  - job_name: x\n    relabel_configs: [{target_label: "a b", replacement: x}]',
  'scrape_configs:\n  - job_name: x\n    relabel_configs:\n      - action: labelmap\n        replacement: "${1"',
  'global:\n  external_labels:\n    __name__: x',
  'scrape_configs:\n  - job_name: x\n    scrape_interval: 0s',
];

describe('loadConfig', () => {
  for (const [yaml, msg] of ERRORS) {
    it(`rejects ${JSON.stringify(yaml)}`, () => assert.throws(() => loadConfig(yaml), { message: msg }));
  }
  for (const yaml of VALID)
    it(`accepts ${JSON.stringify(yaml)}`, () => assert.doesNotThrow(() => loadConfig(yaml)));

  it('applies Prometheus 3 defaults', () => {
    const { config } = loadConfig(
      'scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 5s',
    );
    assert.equal(config.global.scrapeInterval, 60_000);
    assert.equal(config.global.scrapeTimeout, 10_000);
    assert.equal(config.global.evaluationInterval, 60_000);
    assert.equal(config.global.metricNameValidationScheme, 'utf8');
    const [a, b] = config.scrapeConfigs;
    assert.equal(a!.metricsPath, '/metrics');
    assert.equal(a!.scheme, 'http');
    assert.equal(a!.honorLabels, false);
    assert.equal(a!.honorTimestamps, true);
    assert.equal(a!.enableCompression, true);
    assert.equal(a!.followRedirects, true);
    assert.equal(a!.enableHttp2, true);
    assert.equal(a!.scrapeInterval, 60_000);
    assert.equal(a!.scrapeTimeout, 10_000);
    assert.deepEqual(a!.scrapeProtocols, [
      'OpenMetricsText1.0.0',
      'OpenMetricsText0.0.1',
      'PrometheusText1.0.0',
      'PrometheusText0.0.4',
    ]);
    assert.equal(a!.fallbackScrapeProtocol, '');
    // The timeout is capped by a shorter interval.
    assert.equal(b!.scrapeTimeout, 5_000);
    assert.equal(config.storage.exemplars?.maxExemplars, 100000);
    assert.equal(config.alerting.alertmanagers.length, 0);
  });

  it('inherits limits and schemes from global', () => {
    const { config } = loadConfig(`
global:
  sample_limit: 100
  label_limit: 7
  body_size_limit: 10MB
  metric_name_validation_scheme: legacy
scrape_configs:
  - job_name: a
  - job_name: b
    sample_limit: 5
`);
    const [a, b] = config.scrapeConfigs;
    assert.equal(a!.sampleLimit, 100);
    assert.equal(b!.sampleLimit, 5);
    assert.equal(a!.labelLimit, 7);
    assert.equal(a!.bodySizeLimit, 10 * 1024 * 1024);
    assert.equal(a!.metricNameValidationScheme, 'legacy');
    assert.equal(a!.metricNameEscapingScheme, 'underscores');
  });

  it('moves bearer_token into authorization', () => {
    const { config } = loadConfig('scrape_configs:\n  - job_name: a\n    bearer_token: t');
    assert.deepEqual(config.scrapeConfigs[0]!.authorization, {
      type: 'Bearer',
      credentials: 't',
      credentialsFile: '',
      credentialsRef: '',
    });
  });

  it('expands ${VAR} in external labels only', () => {
    const { config } = loadConfig(
      'global:\n  external_labels: {a: "${X}-$X", b: "$$Y"}\nscrape_configs:\n  - job_name: "${X}"',
      { env: { X: 'x' } },
    );
    assert.deepEqual(config.global.externalLabels, { a: 'x-x', b: '$Y' });
    assert.equal(config.scrapeConfigs[0]!.jobName, '${X}');
  });

  it('reports unimplemented sections in one list', () => {
    const r = loadConfig(`
scrape_configs:
  - job_name: a
    ec2_sd_configs: [{region: x}]
    kubernetes_sd_configs: [{role: pod}]
remote_write: [{url: "http://x"}]
tracing: {endpoint: "x:4317"}
`);
    assert.deepEqual(r.unimplemented, [
      'scrape_configs[0].ec2_sd_configs',
      'scrape_configs[0].kubernetes_sd_configs',
      'remote_write',
      'tracing',
    ]);
    assert.match(unimplementedWarning(r.unimplemented), /not implemented by ignis yet.*ec2_sd_configs/);
    assert.deepEqual(r.config.scrapeConfigs[0]!.otherSDConfigs['ec2_sd_configs'], [{ region: 'x' }]);
    assert.deepEqual(loadConfig('').unimplemented, []);
  });

  it('supports anchors and merge keys', () => {
    const { config } = loadConfig(
      `
base: &base
  scrape_interval: 5s
scrape_configs:
  - <<: *base
    job_name: a
`.replace('base: &base', 'global: &base'),
    );
    assert.equal(config.scrapeConfigs[0]!.scrapeInterval, 5_000);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ignis-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('resolves relative paths against the config file directory', () => {
    const f = join(dir, 'prometheus.yml');
    writeFileSync(
      f,
      `
global: {query_log_file: q.log}
rule_files: [rules/*.yml, /abs/r.yml]
scrape_configs:
  - job_name: a
    basic_auth: {username: u, password_file: pw}
    tls_config: {ca_file: ca.pem}
    file_sd_configs: [{files: [sd/*.json]}]
`,
    );
    const { config } = loadConfigFile(f);
    assert.equal(config.global.queryLogFile, join(dir, 'q.log'));
    assert.deepEqual(config.ruleFiles, [join(dir, 'rules/*.yml'), '/abs/r.yml']);
    const sc = config.scrapeConfigs[0]!;
    assert.equal(sc.basicAuth!.passwordFile, join(dir, 'pw'));
    assert.equal(sc.tlsConfig.caFile, join(dir, 'ca.pem'));
    assert.deepEqual(sc.fileSDConfigs[0]!.files, [join(dir, 'sd/*.json')]);
  });

  it('names the file in errors', () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'foo: 1\n');
    assert.throws(() => loadConfigFile(f), {
      message: `parsing YAML file ${f}: yaml: unmarshal errors:\n  line 1: field foo not found in type config.plain`,
    });
  });

  it('reads scrape_config_files', () => {
    const f = join(dir, 'main.yml');
    writeFileSync(join(dir, 'extra-1.yml'), 'scrape_configs:\n  - job_name: extra\n');
    writeFileSync(
      f,
      'global: {scrape_interval: 7s}\nscrape_config_files: [extra-*.yml]\nscrape_configs:\n  - job_name: main\n',
    );
    const scs = getScrapeConfigs(loadConfigFile(f).config);
    assert.deepEqual(
      scs.map((s) => [s.jobName, s.scrapeInterval]),
      [
        ['main', 7000],
        ['extra', 7000],
      ],
    );
    writeFileSync(join(dir, 'extra-2.yml'), 'scrape_configs:\n  - job_name: main\n');
    assert.throws(
      () => getScrapeConfigs(loadConfigFile(f).config),
      /found multiple scrape configs with job name "main", first found in main config file/,
    );
  });
});

describe('configToYAML', () => {
  it('prints defaults and masks secrets', () => {
    const { config } = loadConfig(`
scrape_configs:
  - job_name: a
    basic_auth: {username: u, password: hunter2}
    authorization: null
    oauth2: null
    static_configs: [{targets: ["h:1"]}]
remote_write:
  - url: http://rw
    authorization: {credentials: tok}
`);
    const y = configToYAML(config);
    assert.doesNotMatch(y, /hunter2|tok\b/);
    assert.match(y, /password: <secret>/);
    assert.match(y, /credentials: <secret>/);
    assert.match(y, /scrape_interval: 1m/);
    assert.match(y, /honor_timestamps: true/);
    assert.match(y, /metrics_path: \/metrics/);
    // What is printed loads again to the same config.
    assert.deepEqual(loadConfig(y.replace(/<secret>/g, 'x')).config.scrapeConfigs[0]!.jobName, 'a');
  });
});
