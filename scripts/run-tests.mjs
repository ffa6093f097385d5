#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's built-in test runner.
// Node 20's `--test` does not expand globs itself, so the files are listed here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    // A compiled test whose source was deleted may linger in dist/; run only live ones.
    else if (name.endsWith('.test.js') && existsSync(p.replace(/^dist/, 'src').replace(/\.js$/, '.ts')))
      files.push(p);
  }
};
walk('dist');
files.sort();
if (files.length === 0) {
  console.error('run-tests: no compiled tests under dist/ (run `npm run build` first)');
  process.exit(1);
}
const extra = process.argv.slice(2);
const r = spawnSync(process.execPath, ['--test', ...extra, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
