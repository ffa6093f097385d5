/**
 * `ignis-tool check config`: promtool's `check config`. Loads each config file as the server
 * would, checks the files it names (rule files, TLS and credentials files, file_sd files) and
 * the static targets after relabeling, lints scrape intervals against the lookback delta and
 * the rule files for duplicate rules.
 *
 * Output and exit codes are promtool's: progress on stdout, failures on stderr; 0 valid, 1
 * invalid or bad usage, 3 lint problems with --lint-fatal.
 *
 * Rule files are, for now, only checked to exist, to parse as YAML with a `groups:` list, and
 * for duplicate rules; the full rule-file validation (PromQL, templates) comes with the rules
 * module.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isSeq } from 'yaml';
import {
  ConfigError,
  formatDuration,
  getScrapeConfigs,
  glob,
  loadConfigFile,
  parseDuration,
  targetGroupCodec,
} from '../../config/index.js';
import type { Config, ScrapeConfig, TLSConfig, TargetGroup } from '../../config/index.js';
import { parseYAML } from '../../config/yaml.js';
import { ALL_FEATURES } from '../../promql/parser/index.js';
import { parseRuleFileFromPath } from '../../rules/rulefmt.js';
import { compareStrings } from '../../model/index.js';
import { alertmanagersFromGroup, targetsFromGroup } from '../../relabel/target.js';

const SUCCESS = 0;
const FAILURE = 1;
const LINT_PROBLEMS = 3;

interface Options {
  files: string[];
  syntaxOnly: boolean;
  lint: string;
  lintFatal: boolean;
  lookbackDelta: number;
  ignoreUnknownFields: boolean;
  agent: boolean;
}

type Out = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** Parses the subcommand's flags (kingpin style: `--flag value` or `--flag=value`). */
function parseArgs(args: readonly string[]): Options | string {
  const o: Options = {
    files: [],
    syntaxOnly: false,
    lint: 'duplicate-rules',
    lintFatal: false,
    lookbackDelta: 5 * 60_000,
    ignoreUnknownFields: false,
    agent: false,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      o.files.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => inline ?? args[++i] ?? '';
    switch (flag) {
      case '--syntax-only':
        o.syntaxOnly = true;
        break;
      case '--no-syntax-only':
        o.syntaxOnly = false;
        break;
      case '--lint':
        o.lint = value();
        break;
      case '--lint-fatal':
        o.lintFatal = true;
        break;
      case '--no-lint-fatal':
        o.lintFatal = false;
        break;
      case '--ignore-unknown-fields':
        o.ignoreUnknownFields = true;
        break;
      case '--agent':
        o.agent = true;
        break;
      case '--extended':
      case '--experimental':
        break;
      case '--enable-feature':
        value();
        break;
      case '--query.lookback-delta': {
        const v = value();
        try {
          o.lookbackDelta = parseDuration(v);
        } catch (e) {
          return `${(e as Error).message}`;
        }
        break;
      }
      default:
        return `unknown long flag '${flag}'`;
    }
  }
  if (o.files.length === 0) return "required argument 'config-files' not provided";
  for (const f of o.files) if (!existsSync(f)) return `path '${f}' does not exist`;
  return o;
}

/** The lint settings promtool derives from `--lint` (a comma-separated list). */
function lintSettings(o: Options, io: Out): { duplicateRules: boolean; lookbackDelta: number } {
  let duplicateRules = false;
  let lookbackDelta = 0;
  let none = false;
  for (const opt of o.lint.split(',')) {
    switch (opt) {
      case 'all':
        duplicateRules = true;
        lookbackDelta = o.lookbackDelta;
        break;
      case 'duplicate-rules':
        duplicateRules = true;
        break;
      case 'too-long-scrape-interval':
        lookbackDelta = o.lookbackDelta;
        break;
      case 'none':
        none = true;
        break;
      default:
        io.stdout.write(`WARNING: unknown lint option: ${JSON.stringify(opt)}\n`);
    }
  }
  return none ? { duplicateRules: false, lookbackDelta: 0 } : { duplicateRules, lookbackDelta };
}

/** Go's os.Stat error text for a path that cannot be read. */
function statError(p: string): string | null {
  if (p === '') return null;
  try {
    statSync(p);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String(code);
    return `stat ${p}: ${why}`;
  }
}

function checkTLS(t: TLSConfig, syntaxOnly: boolean): void {
  if (t.certFile !== '' && t.keyFile === '')
    throw new ConfigError(`client cert file ${JSON.stringify(t.certFile)} specified without client key file`);
  if (t.keyFile !== '' && t.certFile === '')
    throw new ConfigError(`client key file ${JSON.stringify(t.keyFile)} specified without client cert file`);
  if (syntaxOnly) return;
  const cert = statError(t.certFile);
  if (cert !== null)
    throw new ConfigError(`error checking client cert file ${JSON.stringify(t.certFile)}: ${cert}`);
  const key = statError(t.keyFile);
  if (key !== null)
    throw new ConfigError(`error checking client key file ${JSON.stringify(t.keyFile)}: ${key}`);
}

/** Reads a file_sd file (YAML or JSON list of target groups), as `checkSDFile` does. */
function readSDFile(path: string): TargetGroup[] {
  const text = readFileSync(path, 'utf8');
  if (!/\.(json|ya?ml)$/i.test(path))
    throw new ConfigError(`invalid file extension: ${JSON.stringify(path)}`);
  const d = parseYAML(text);
  const root = d.resolve(d.doc.contents as never);
  if (root === null) return [];
  if (!isSeq(root))
    throw new ConfigError(
      `yaml: unmarshal errors:\n  line ${d.line(root)}: cannot unmarshal into []*targetgroup.Group`,
    );
  const groups = root.items.map((n) => targetGroupCodec.decode(d.resolve(n as never), d));
  if (d.typeErrors.length > 0)
    throw new ConfigError(`yaml: unmarshal errors:\n  ${d.typeErrors.join('\n  ')}`);
  return groups.filter((g): g is TargetGroup => g !== null);
}

/** promtool's checkConfig: loads the file and checks what it refers to; returns the rule files. */
function checkOne(file: string, o: Options, io: Out): { ruleFiles: string[]; scrapeConfigs: ScrapeConfig[] } {
  io.stdout.write(`Checking ${file}\n`);
  const cfg: Config = loadConfigFile(file, { agentMode: o.agent }).config;
  const ruleFiles: string[] = [];
  // With --syntax-only the files a config names are not looked at.
  for (const rf of o.syntaxOnly ? [] : cfg.ruleFiles) {
    const found = glob(rf);
    if (!rf.includes('*') && found.length === 0)
      throw new ConfigError(`${JSON.stringify(rf)} does not point to an existing file`);
    ruleFiles.push(...found);
  }
  const scfgs = o.syntaxOnly ? cfg.scrapeConfigs : getScrapeConfigsChecked(cfg);
  for (const sc of scfgs) {
    if (!o.syntaxOnly && sc.authorization !== null) {
      const err = statError(sc.authorization.credentialsFile);
      if (err !== null)
        throw new ConfigError(
          `error checking authorization credentials or bearer token file ${JSON.stringify(sc.authorization.credentialsFile)}: ${err}`,
        );
    }
    checkTLS(sc.tlsConfig, o.syntaxOnly);
    for (const fsd of sc.fileSDConfigs) {
      if (o.syntaxOnly) break;
      for (const pattern of fsd.files) {
        const files = glob(pattern);
        if (files.length === 0) {
          io.stdout.write(
            `  WARNING: file ${JSON.stringify(pattern)} for file_sd in scrape job ${JSON.stringify(sc.jobName)} does not exist\n`,
          );
          continue;
        }
        for (const f of files) {
          let groups: TargetGroup[];
          try {
            groups = readSDFile(f);
          } catch (e) {
            throw new ConfigError(`checking SD file ${JSON.stringify(pattern)}: ${(e as Error).message}`);
          }
          groups.forEach((g, i) => failOnTargetErrors(sc, g, `${f}:${i}`));
        }
      }
    }
    sc.staticConfigs.forEach((g, i) => failOnTargetErrors(sc, g, String(i)));
  }
  for (const am of cfg.alerting.alertmanagers) {
    for (const fsd of am.fileSDConfigs) {
      if (o.syntaxOnly) break;
      for (const pattern of fsd.files) {
        const files = glob(pattern);
        if (files.length === 0) {
          io.stdout.write(
            `  WARNING: file ${JSON.stringify(pattern)} for file_sd in alertmanager config does not exist\n`,
          );
          continue;
        }
        for (const f of files) {
          let groups: TargetGroup[];
          try {
            groups = readSDFile(f);
          } catch (e) {
            throw new ConfigError(`checking SD file ${JSON.stringify(pattern)}: ${(e as Error).message}`);
          }
          for (const g of groups) alertmanagers(am, g);
        }
      }
    }
    for (const g of am.staticConfigs) alertmanagers(am, g);
  }
  return { ruleFiles, scrapeConfigs: scfgs };
}

function getScrapeConfigsChecked(cfg: Config): ScrapeConfig[] {
  try {
    return getScrapeConfigs(cfg);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`error loading scrape configs: ${e.message}`);
    throw e;
  }
}

function failOnTargetErrors(sc: ScrapeConfig, g: TargetGroup, source: string): void {
  const { errors } = targetsFromGroup(sc, g, source);
  if (errors.length > 0) throw new ConfigError(errors[0]!);
}

function alertmanagers(am: Config['alerting']['alertmanagers'][number], g: TargetGroup): void {
  try {
    alertmanagersFromGroup(am, g);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** One rule as far as the duplicate check sees it: its name and its sorted labels. */
interface RuleKey {
  metric: string;
  labels: [string, string][];
}

function compareRuleKeys(a: RuleKey, b: RuleKey): number {
  const c = compareStrings(a.metric, b.metric);
  if (c !== 0) return c;
  const n = Math.min(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const k = compareStrings(a.labels[i]![0], b.labels[i]![0]);
    if (k !== 0) return k;
    const v = compareStrings(a.labels[i]![1], b.labels[i]![1]);
    if (v !== 0) return v;
  }
  return a.labels.length - b.labels.length;
}

/**
 * Reads a rule file with the rules module's parser (promtool's checks: structure, names,
 * PromQL, templates). Returns the rule keys, or the error messages promtool would print.
 */
function readRuleFile(path: string, ignoreUnknownFields: boolean): RuleKey[] | string[] {
  const { groups, errors } = parseRuleFileFromPath(path, { ignoreUnknownFields, parseOptions: ALL_FEATURES });
  if (errors.length > 0) return errors;
  const keys: RuleKey[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      const labels = { ...g.labels, ...r.labels };
      keys.push({
        metric: r.alert || r.record,
        labels: Object.entries(labels).sort((x, y) => compareStrings(x[0], y[0])),
      });
    }
  }
  return keys;
}

/** promtool's checkDuplicates: rules with the same name and labels, each reported once. */
function duplicates(keys: RuleKey[]): RuleKey[] {
  const out: RuleKey[] = [];
  if (keys.length < 2) return out;
  const sorted = [...keys].sort(compareRuleKeys);
  for (let i = 1; i < sorted.length; i++) {
    if (compareRuleKeys(sorted[i - 1]!, sorted[i]!) === 0) {
      if (out.length === 0 || compareRuleKeys(sorted[i - 1]!, out[out.length - 1]!) !== 0)
        out.push(sorted[i]!);
    }
  }
  return out;
}

/** Checks rule files as promtool's checkRules does; returns [failed, hasErrors]. */
function checkRules(files: string[], o: Options, duplicateRules: boolean, io: Out): [boolean, boolean] {
  let failed = false;
  let hasErrors = false;
  for (const f of files) {
    io.stdout.write(`Checking ${f}\n`);
    const r = readRuleFile(f, o.ignoreUnknownFields);
    if (r.length > 0 && typeof r[0] === 'string') {
      io.stderr.write('  FAILED:\n' + (r as string[]).join('\n') + '\n');
      failed = true;
      hasErrors = true;
      continue;
    }
    const keys = r as RuleKey[];
    const dups = duplicateRules ? duplicates(keys) : [];
    if (dups.length > 0) {
      let msg = `lint error ${dups.length} duplicate rule(s) found.\n`;
      for (const d of dups) {
        msg += `Metric: ${d.metric}\nLabel(s):\n`;
        for (const [k, v] of d.labels) msg += `\t${k}: ${v}\n`;
      }
      msg += 'Might cause inconsistency while recording expressions';
      io.stderr.write(`  FAILED:\n${msg}\n`);
      failed = true;
    } else io.stdout.write(`  SUCCESS: ${keys.length} rules found\n`);
    io.stdout.write('\n');
  }
  return [failed, hasErrors];
}

/**
 * Runs `check config` with the arguments after `check config`
 * (`[--syntax-only] [--lint=...] [--lint-fatal] [--query.lookback-delta=5m] <file>...`) and
 * returns the exit code.
 */
export async function checkConfig(
  args: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const o = parseArgs(args);
  if (typeof o === 'string') {
    io.stderr.write(`ignis-tool: error: ${o}, try --help\n`);
    return FAILURE;
  }
  const lint = lintSettings(o, io);
  let failed = false;
  let hasErrors = false;
  for (const f of o.files) {
    let ruleFiles: string[] = [];
    let scrapeConfigs: ScrapeConfig[] = [];
    try {
      ({ ruleFiles, scrapeConfigs } = checkOne(f, o, io));
      if (ruleFiles.length > 0) io.stdout.write(`  SUCCESS: ${ruleFiles.length} rule files found\n`);
      io.stdout.write(` SUCCESS: ${f} is valid prometheus config file syntax\n`);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof Error && 'code' in e)) throw e;
      io.stderr.write(`  FAILED: ${(e as Error).message}\n`);
      failed = true;
      hasErrors = true;
    }
    io.stdout.write('\n');
    if (!o.syntaxOnly) {
      for (const sc of scrapeConfigs) {
        if (lint.lookbackDelta > 0 && sc.scrapeInterval >= lint.lookbackDelta) {
          io.stderr.write(
            `  FAILED: too long scrape interval found, data point will be marked as stale - job: ${sc.jobName}, interval: ${formatDuration(sc.scrapeInterval)}\n`,
          );
          failed = true;
          break;
        }
      }
      const [rf, re] = checkRules(ruleFiles, o, lint.duplicateRules, io);
      failed ||= rf;
      hasErrors ||= re;
    }
  }
  if (failed && hasErrors) return FAILURE;
  if (failed && o.lintFatal) return LINT_PROBLEMS;
  return SUCCESS;
}
