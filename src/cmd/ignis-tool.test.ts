import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const TOOL = fileURLToPath(new URL('./ignis-tool.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./ignis.js', import.meta.url));

const run = (file: string, args: string[], input = '') =>
  spawnSync(process.execPath, [file, ...args], { input, encoding: 'utf8' });

describe('ignis-tool', () => {
  it('prints usage with --help and exits 0', () => {
    const r = run(TOOL, ['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /check metrics/);
  });

  it('rejects an unknown command with exit 1 and a message on stderr', () => {
    const r = run(TOOL, ['frobnicate']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  it('runs check metrics on stdin: valid document exits 0, invalid exits 1 naming the line', () => {
    const ok = run(TOOL, ['check', 'metrics'], '# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n');
    assert.equal(ok.status, 0, ok.stderr);
    const bad = run(TOOL, ['check', 'metrics'], '# TYPE x counter\nx{a="b" 1\n');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /line 2/);
  });

  it('runs check config: a good file exits 0, an unknown field or a missing file 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ignis-tool-'));
    try {
      writeFileSync(join(dir, 'good.yml'), 'global:\n  scrape_interval: 15s\n');
      writeFileSync(join(dir, 'bad.yml'), 'global:\n  scrape_intervall: 15s\n');
      const good = run(TOOL, ['check', 'config', '--syntax-only', join(dir, 'good.yml')]);
      assert.equal(good.status, 0, good.stderr + good.stdout);
      const bad = run(TOOL, ['check', 'config', '--syntax-only', join(dir, 'bad.yml')]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /line 2: field scrape_intervall not found in type config.plain/);
      assert.equal(run(TOOL, ['check', 'config', join(dir, 'missing.yml')]).status, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a version banner', () => {
    assert.match(
      execFileSync(process.execPath, [TOOL, '--version'], { encoding: 'utf8' }),
      /^ignis-tool, version \d+\.\d+\.\d+/,
    );
  });
});

describe('ignis (server entry point)', () => {
  it('prints usage and exits 0; an unknown flag exits 1', () => {
    assert.equal(run(SERVER, ['--help']).status, 0);
    const r = run(SERVER, ['--no-such-flag']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ignis: error: unknown long flag '--no-such-flag', try --help/);
  });
});
