#!/usr/bin/env node
/**
 * ignis: the server. The storage engine, the query engine and the HTTP API are still being
 * built (see the README's status table), so for now the program answers `--help` and
 * `--version` and says plainly that it cannot serve yet, rather than pretending to.
 */
import { isMainModule } from './main.js';
import { versionBanner } from './version.js';

const USAGE = `usage: ignis [<flags>]

The ignis monitoring server (Prometheus-compatible).

Flags:
  -h, --help     Show help.
      --version  Show application version.

Status: the server is not assembled yet. What works today is the data model, the
Prometheus text and OpenMetrics formats, and 'ignis-tool check metrics'; see README.md.
`;

/** Runs the server program with the given arguments and returns the exit code. */
export function runServer(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  if (args.includes('--version')) {
    out.write(versionBanner('ignis'));
    return 0;
  }
  const unknown = args.find((a) => a !== '-h' && a !== '--help');
  if (unknown !== undefined) {
    err.write(`ignis: error: unknown flag ${unknown}, try --help\n`);
    return 1;
  }
  out.write(USAGE);
  return 0;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = runServer(process.argv.slice(2), process.stdout, process.stderr);
}
