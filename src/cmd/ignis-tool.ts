#!/usr/bin/env node
/**
 * ignis-tool: promtool's subcommands for ignis. The dispatch lives in `runTool` so tests can
 * call it without spawning a process.
 */
import { isMainModule } from './main.js';
import { checkConfig } from './tool/check-config.js';
import { checkMetrics } from './tool/check-metrics.js';
import { checkRules, testRules } from './tool/rules.js';
import { tsdbCommand } from './tool/tsdb.js';
import { versionBanner } from './version.js';

/** The streams a subcommand reads and writes. */
export interface ToolIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: ignis-tool [<flags>] <command> [<args> ...]

Tooling for the ignis monitoring system (promtool's commands).

Flags:
  -h, --help     Show help.
      --version  Show application version.

Commands:
  check config [--syntax-only] [--lint=...] [--lint-fatal] <config-files>...
    Check if the config files are valid or not (and the rule files they name).

  check rules [--lint=...] [--lint-fatal] [--ignore-unknown-fields] <rule-files>...
    Check if the rule files are valid or not.

  test rules [--run=<regex>...] [--junit=<file>] [--ignore-unknown-fields] <test-rule-file>...
    Unit tests for rules (promtool's test file format).

  tsdb create-blocks-from openmetrics <input file> [<output dir>]
  tsdb list [-r] [<db path>]
  tsdb analyze [<db path>] [<block id>]
  tsdb dump [--min-time=..] [--max-time=..] [--match=..] [<db path>]
    promtool's TSDB commands: backfilling and inspecting blocks.

  check metrics [--format=openmetrics|prometheus]
    Pass the metrics to be checked over stdin. Exit 0 when valid (lint warnings are
    printed), 3 when valid with lint problems, 1 when the document does not parse.
`;

/** Runs ignis-tool with the given arguments and returns the exit code. */
export async function runTool(args: string[], io: ToolIO): Promise<number> {
  if (args.length === 0 || args[0] === '-h' || args[0] === '--help' || args[0] === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (args[0] === '--version') {
    io.stdout.write(versionBanner('ignis-tool'));
    return 0;
  }
  const [cmd, sub, ...rest] = args;
  if (cmd === 'check' && sub === 'metrics') return checkMetrics(rest, io);
  if (cmd === 'check' && sub === 'config') return checkConfig(rest, io);
  if (cmd === 'check' && sub === 'rules') return checkRules(rest, io);
  if (cmd === 'test' && sub === 'rules') return testRules(rest, io);
  if (cmd === 'tsdb' && sub !== undefined) return tsdbCommand([sub, ...rest], io);
  const what = cmd === 'check' || cmd === 'test' || cmd === 'tsdb' ? `${cmd} ${sub ?? ''}`.trim() : cmd;
  io.stderr.write(`ignis-tool: error: unknown command "${what}", try --help\n`);
  return 1;
}

if (isMainModule(import.meta.url)) {
  runTool(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ignis-tool: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
