import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { conformancePath, peerBinary } from '../../util/testenv.js';
import { checkConfig } from './check-config.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await checkConfig(args, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * The argument sets each options cell of expected-outcomes.tsv stands for, with the exit code
 * expected for each (null: the row's exit code). An unknown cell fails, so new rows are seen.
 */
const OPTIONS: Record<string, [string[], number | null][]> = {
  '-': [[[], null]],
  '--syntax-only': [[['--syntax-only'], null]],
  '--lint-fatal': [
    [['--lint-fatal'], null],
    [[], 0],
  ],
  '(both)': [
    [[], null],
    [['--syntax-only'], null],
  ],
  '--lint-fatal, lookback 5m or 10m': [
    [['--lint-fatal', '--lint=all', '--query.lookback-delta=5m'], null],
    [['--lint-fatal', '--lint=all', '--query.lookback-delta=10m'], null],
    [['--lint-fatal', '--lint=all', '--query.lookback-delta=11m'], 0],
    [['--lint=all'], 0],
    [['--lint-fatal', '--lint=all', '--syntax-only'], 0],
    [['--lint-fatal', '--lint=none'], 0],
  ],
};

describe('check config', () => {
  const dir = conformancePath('promtool/testdata', 'check config fixtures');
  const tsv = conformancePath('promtool/expected-outcomes.tsv', 'check config expected outcomes');
  if (dir === null || tsv === null) return;
  const rows = readFileSync(tsv, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('check config\t'))
    .map((l) => l.split('\t'));

  it('has check config rows in expected-outcomes.tsv', () => assert.ok(rows.length >= 10));

  for (const [, file, options, exit] of rows) {
    const sets = OPTIONS[options!];
    it(`${file} ${options}`, async () => {
      assert.ok(sets, `unknown options cell ${JSON.stringify(options)}`);
      for (const [args, code] of sets) {
        const r = await run(...args, join(dir, file!));
        assert.equal(r.code, code ?? Number(exit), `${args.join(' ')} ${file}: ${r.stdout}${r.stderr}`);
      }
    });
  }

  it('prints promtool lines for a valid and an invalid file', async () => {
    const good = join(dir, 'prometheus-config.good.yml');
    const bad = join(dir, 'prometheus-config.bad.yml');
    const r = await run(good, bad);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `Checking ${good}\n SUCCESS: ${good} is valid prometheus config file syntax\n\nChecking ${bad}\n\n`,
    );
    assert.equal(
      r.stderr,
      `  FAILED: parsing YAML file ${bad}: yaml: unmarshal errors:\n  line 1: field not-prometheus not found in type config.plain\n`,
    );
  });

  it('refuses a missing file and no files like kingpin', async () => {
    assert.deepEqual(await run('/nonexistent.yml'), {
      code: 1,
      stdout: '',
      stderr: "ignis-tool: error: path '/nonexistent.yml' does not exist, try --help\n",
    });
    assert.equal(
      (await run()).stderr,
      "ignis-tool: error: required argument 'config-files' not provided, try --help\n",
    );
  });

  // Files whose promtool output does not depend on the promtool version installed.
  const COMPARED: string[][] = [
    ['prometheus-config.good.yml'],
    ['prometheus-config.bad.yml'],
    ['config_with_rule_files.yml'],
    ['--syntax-only', 'config_with_rule_files.yml'],
    ['config_with_service_discovery_files.yml'],
    ['config_with_tls_files.yml'],
    ['authorization_credentials_file.bad.yml'],
    ['authorization_credentials_file.good.yml'],
    ['url_in_scrape_targetgroup_with_relabel_config.bad.yml'],
    ['url_in_alert_targetgroup_with_relabel_config.bad.yml'],
    ['url_in_alert_targetgroup_with_relabel_config.good.yml'],
    ['--lint-fatal', 'prometheus-config.lint.yml'],
    ['--lint-fatal', '--lint=all', 'prometheus-config.lint.too_long_scrape_interval.yml'],
    ['--lint=foo', 'prometheus-config.good.yml'],
  ];
  it('matches the real promtool byte for byte', async () => {
    const promtool = peerBinary('promtool', 'check config against promtool');
    if (promtool === null) return;
    for (const args of COMPARED) {
      // Relative paths, run from the fixture folder, as a user would.
      const want: SpawnSyncReturns<string> = spawnSync(promtool, ['check', 'config', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const got = await run(...args);
        assert.deepEqual(
          { code: got.code, stdout: got.stdout, stderr: got.stderr },
          {
            code: want.status,
            stdout: want.stdout,
            stderr: want.stderr.replace(/^promtool:/m, 'ignis-tool:'),
          },
          args.join(' '),
        );
      } finally {
        process.chdir(cwd);
      }
    }
  });
});

describe('check config validates the rule files it names', () => {
  it('fails on a rule whose expression does not parse, as promtool does', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ignis-check-config-'));
    try {
      writeFileSync(
        join(tmp, 'rules.yml'),
        "groups:\n  - name: g\n    rules:\n      - record: x:sum\n        expr: 'sum('\n",
      );
      writeFileSync(join(tmp, 'prometheus.yml'), `rule_files: ['${join(tmp, 'rules.yml')}']\n`);
      const r = await run(join(tmp, 'prometheus.yml'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /rules\.yml: .*parse error/);
      writeFileSync(
        join(tmp, 'rules.yml'),
        "groups:\n  - name: g\n    rules:\n      - record: x:sum\n        expr: 'sum(up)'\n",
      );
      assert.equal((await run(join(tmp, 'prometheus.yml'))).code, 0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
