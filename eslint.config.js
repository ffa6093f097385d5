// ESLint configuration: TypeScript rules plus the module boundaries of ../shared/DESIGN.md,
// so that a fresh clone checks the layers without the shared tools.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Which modules each module may import (DESIGN.md, "Modules"). Modules in one row may import each other. */
const rows = [
  [['model'], []],
  [['exposition'], ['model']],
  [['storage'], ['model']],
  [['tsdb'], ['model', 'storage']],
  [['promql'], ['model', 'storage']],
  [['config'], ['model']],
  [
    ['relabel', 'discovery', 'scrape'],
    ['model', 'exposition', 'storage', 'config'],
  ],
  [['remote'], ['model', 'storage', 'tsdb', 'config', 'relabel']],
  [
    ['rules', 'template', 'notifier'],
    ['model', 'storage', 'promql', 'config', 'relabel', 'discovery'],
  ],
];
const all = [...rows.flatMap(([mods]) => mods), 'web', 'cmd', 'util'];

const zones = [];
for (const [mods, may] of rows) {
  for (const m of mods) {
    const allowed = new Set([...mods, ...may, 'util']);
    for (const other of all) {
      if (!allowed.has(other)) {
        zones.push({
          target: `./src/${m}`,
          from: `./src/${other}`,
          message: `DESIGN.md: '${m}' may not import '${other}'.`,
        });
      }
    }
  }
}
// util imports nothing; nothing but cmd imports web; nothing imports cmd.
for (const other of all)
  if (other !== 'util')
    zones.push({
      target: './src/util',
      from: `./src/${other}`,
      message: "DESIGN.md: 'util' imports nothing.",
    });
zones.push({ target: './src/web', from: './src/cmd', message: "DESIGN.md: nothing imports 'cmd'." });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
);
