/**
 * `ignis-tool check rules` and `ignis-tool test rules`: promtool's subcommands with its flags,
 * output (progress on stdout, failures on stderr) and exit codes (0 success, 1 failure, 3 lint
 * problems with `--lint-fatal`).
 */
import { writeFileSync } from 'node:fs';
import { Labels } from '../../model/labels.js';
import { compareStrings } from '../../model/strings.js';
import { ENGINE_FEATURES, type EngineFeature } from '../../promql/engine/engine.js';
import type { ParseOptions } from '../../promql/parser/parser.js';
import { parseRuleFile, parseRuleFileFromPath, type RuleGroupDef } from '../../rules/rulefmt.js';
import { junitXML, runTestFile, type FileResult } from './rules-unittest.js';

const SUCCESS = 0;
const FAILURE = 1;
const LINT_PROBLEMS = 3;

/** The streams a subcommand talks to. */
export interface ToolIO {
  /** Standard input (rule files are read from it when none are named). */
  stdin: NodeJS.ReadableStream;
  /** Standard output. */
  stdout: NodeJS.WritableStream;
  /** Standard error. */
  stderr: NodeJS.WritableStream;
}

interface Flags {
  positional: string[];
  values: Map<string, string[]>;
  bools: Map<string, boolean>;
}

/** Splits kingpin-style flags (`--flag value`, `--flag=value`, `--[no-]flag`). */
function parseFlags(args: readonly string[], valued: readonly string[]): Flags | string {
  const f: Flags = { positional: [], values: new Map(), bools: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--') || a === '--') {
      f.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a).slice(2);
    if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return `expected argument for flag --${name}`;
      f.values.set(name, [...(f.values.get(name) ?? []), v]);
    } else if (name.startsWith('no-')) f.bools.set(name.slice(3), false);
    else f.bools.set(name, true);
  }
  return f;
}

/** Engine features and parser options from `--enable-feature` values. */
function features(values: readonly string[]): { engine: EngineFeature[]; parse: ParseOptions } {
  const engine: EngineFeature[] = ['promql-duration-expr'];
  for (const v of values)
    for (const name of v.split(','))
      if ((ENGINE_FEATURES as readonly string[]).includes(name)) engine.push(name as EngineFeature);
  const has = (n: string): boolean => engine.includes(n as EngineFeature);
  return {
    engine,
    parse: {
      enableExperimentalFunctions: has('promql-experimental-functions'),
      enableDurationExpressions: true,
      enableExtendedRangeSelectors: has('promql-extended-range-selectors'),
      enableBinopFillModifiers: has('promql-binop-fill-modifiers'),
    },
  };
}

interface DuplicateRule {
  metric: string;
  labels: Labels;
}

/** Rules with the same name and labels (promtool's duplicate-rules lint), each reported once. */
export function checkDuplicates(groups: readonly RuleGroupDef[]): DuplicateRule[] {
  const all: DuplicateRule[] = [];
  for (const g of groups)
    for (const r of g.rules)
      all.push({
        metric: r.alert !== '' ? r.alert : r.record,
        labels: Labels.fromObject({ ...g.labels, ...r.labels }),
      });
  const cmp = (a: DuplicateRule, b: DuplicateRule): number =>
    a.metric !== b.metric ? compareStrings(a.metric, b.metric) : Labels.compare(a.labels, b.labels);
  all.sort(cmp);
  const dups: DuplicateRule[] = [];
  for (let i = 1; i < all.length; i++) {
    if (
      cmp(all[i - 1]!, all[i]!) === 0 &&
      (dups.length === 0 || cmp(all[i - 1]!, dups[dups.length - 1]!) !== 0)
    )
      dups.push(all[i]!);
  }
  return dups;
}

/** The duplicate-rules lint message, as promtool words it. */
function duplicatesMessage(dups: readonly DuplicateRule[]): string {
  let s = `lint error ${dups.length} duplicate rule(s) found.\n`;
  for (const d of dups) {
    s += `Metric: ${d.metric}\nLabel(s):\n`;
    d.labels.forEach((n, v) => (s += `\t${n}: ${v}\n`));
  }
  return s + 'Might cause inconsistency while recording expressions';
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `check rules [<file>…]`: validates rule files (stdin when none) and lints them. */
export async function checkRules(args: readonly string[], io: ToolIO): Promise<number> {
  const f = parseFlags(args, ['lint', 'enable-feature', 'query.lookback-delta']);
  if (typeof f === 'string') {
    io.stderr.write(`ignis-tool: error: ${f}\n`);
    return FAILURE;
  }
  let lintDuplicates = true;
  for (const opt of (f.values.get('lint') ?? ['duplicate-rules']).flatMap((v) => v.split(','))) {
    if (opt === 'all' || opt === 'duplicate-rules') lintDuplicates = true;
    else if (opt === 'none') lintDuplicates = false;
    else {
      io.stderr.write(`invalid lint option: ${opt}\n`);
      return FAILURE;
    }
  }
  const fatal = f.bools.get('lint-fatal') ?? false;
  const opts = {
    ignoreUnknownFields: f.bools.get('ignore-unknown-fields') ?? false,
    parseOptions: features(f.values.get('enable-feature') ?? []).parse,
  };
  let failed = false;
  let hasErrors = false;
  const check = (parsed: { groups: RuleGroupDef[]; errors: string[] }): void => {
    if (parsed.errors.length > 0) {
      failed = true;
      hasErrors = true;
      io.stderr.write(`  FAILED:\n${parsed.errors.join('\n')}\n`);
      return;
    }
    const dups = lintDuplicates ? checkDuplicates(parsed.groups) : [];
    if (dups.length > 0) {
      failed = true;
      io.stderr.write(`  FAILED:\n${duplicatesMessage(dups)}\n`);
    } else {
      const n = parsed.groups.reduce((k, g) => k + g.rules.length, 0);
      io.stdout.write(`  SUCCESS: ${n} rules found\n`);
    }
    io.stdout.write('\n');
  };
  if (f.positional.length === 0) {
    io.stdout.write('Checking standard input\n');
    const parsed = parseRuleFile(await readAll(io.stdin), opts);
    check(parsed);
  } else {
    for (const file of f.positional) {
      io.stdout.write(`Checking ${file}\n`);
      check(parseRuleFileFromPath(file, opts));
    }
  }
  if (failed && hasErrors) return FAILURE;
  if (failed && fatal) return LINT_PROBLEMS;
  return SUCCESS;
}

/** `test rules <file>…`: runs rule unit tests. */
export async function testRules(args: readonly string[], io: ToolIO): Promise<number> {
  const f = parseFlags(args, ['run', 'junit', 'enable-feature']);
  if (typeof f === 'string') {
    io.stderr.write(`ignis-tool: error: ${f}\n`);
    return FAILURE;
  }
  if (f.positional.length === 0) {
    io.stderr.write("ignis-tool: error: required argument 'test-rule-file' not provided\n");
    return FAILURE;
  }
  const feats = features(f.values.get('enable-feature') ?? []);
  const opts = {
    run: f.values.get('run') ?? [],
    features: feats.engine,
    ignoreUnknownFields: f.bools.get('ignore-unknown-fields') ?? false,
  };
  let failed = false;
  const results: { file: string; result: FileResult; timestamp: string }[] = [];
  for (const file of f.positional) {
    const timestamp = new Date().toISOString().slice(0, 19);
    let result: FileResult;
    try {
      result = runTestFile(file, opts);
    } catch (e) {
      // A bug in ignis must not read as a passing test.
      result = { errors: [(e as Error).stack ?? String(e)], groups: [], aborted: (e as Error).message };
    }
    results.push({ file, result, timestamp });
    if (result.errors.length > 0) {
      failed = true;
      io.stderr.write('  FAILED:\n');
      for (const e of result.errors) {
        io.stderr.write(e + '\n');
        io.stdout.write('\n');
      }
    } else {
      io.stdout.write('  SUCCESS\n');
    }
    io.stdout.write('\n');
  }
  const junit = f.values.get('junit');
  if (junit !== undefined && junit.length > 0) writeFileSync(junit[junit.length - 1]!, junitXML(results));
  return failed ? FAILURE : SUCCESS;
}
