/**
 * `ignis-tool check metrics`: promtool's `check metrics`. Reads an exposition from stdin,
 * validates it with the strict parser, prints promlint's problems and, with `--extended`, the
 * cardinality table.
 *
 * Exit codes are promtool's: 0 valid, 3 valid with lint problems, 1 invalid or bad usage.
 * promtool reads only the text format; ignis also reads OpenMetrics (`--format`, or detected).
 */
import { formatLintProblem, lintFamilies } from '../../exposition/lint.js';
import type { MetricFamily } from '../../exposition/family.js';
import type { ExpositionFormat } from '../../exposition/negotiate.js';
import { ParseError, parseFamilies } from '../../exposition/parse/index.js';

const SUCCESS = 0;
const FAILURE = 1;
const LINT_PROBLEMS = 3;

interface Options {
  format: ExpositionFormat | undefined;
  extended: boolean;
  lint: boolean;
}

/** Parses the subcommand's flags (kingpin style: `--flag value` or `--flag=value`). */
function parseArgs(args: readonly string[]): Options | string {
  const o: Options = { format: undefined, extended: false, lint: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--format': {
        const v = value();
        if (v === 'prometheus' || v === 'text') o.format = 'text';
        else if (v === 'openmetrics') o.format = 'openmetrics';
        else return `enum value must be one of openmetrics,prometheus, got '${v ?? ''}'`;
        break;
      }
      case '--extended':
        o.extended = true;
        break;
      case '--lint': {
        const v = value();
        if (v === 'all') o.lint = true;
        else if (v === 'none') o.lint = false;
        else return `enum value must be one of all,none, got '${v ?? ''}'`;
        break;
      }
      default:
        return a.startsWith('--') ? `unknown long flag '${flag}'` : `unexpected ${a}`;
    }
  }
  return o;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** True when the last non-blank line is `# EOF`, OpenMetrics' mandatory ending. */
function endsWithEOF(b: Buffer): boolean {
  let end = b.length;
  while (
    end > 0 &&
    (b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0x20 || b[end - 1] === 0x09)
  )
    end--;
  const start = b.lastIndexOf(0x0a, end - 1) + 1;
  return b.toString('utf8', start, end) === '# EOF';
}

/**
 * Parses strictly in the given or detected format. A document ending in `# EOF` is read as
 * OpenMetrics; if it is not valid OpenMetrics but valid text (where `# EOF` is just a comment,
 * as on some real /metrics pages), it is text. Throws the error of the format it looked like.
 */
function parse(input: Buffer, format: ExpositionFormat | undefined): MetricFamily[] {
  if (format !== undefined) return parseFamilies(input, format, { strictness: 'strict' });
  if (!endsWithEOF(input)) return parseFamilies(input, 'text', { strictness: 'strict' });
  try {
    return parseFamilies(input, 'openmetrics', { strictness: 'strict' });
  } catch (omError) {
    try {
      return parseFamilies(input, 'text', { strictness: 'strict' });
    } catch {
      throw omError;
    }
  }
}

/** Formats a Go `%.2f` percentage (NaN when there are no series, as Go prints it). */
function percent(x: number, digits: number): string {
  return x !== x ? 'NaN' : (x * 100).toFixed(digits);
}

/**
 * promtool's cardinality table: series per family, largest first (ties in input order), laid
 * out as Go's tabwriter does with minwidth 4, padding 4 (every tab-terminated cell is padded,
 * so lines end in spaces, as promtool's do).
 */
function cardinalityTable(families: readonly MetricFamily[]): string {
  const stats: { name: string; n: number }[] = [];
  let total = 0;
  for (const f of families) {
    // A histogram's or summary's series are its bucket/quantile, _sum and _count lines;
    // OpenMetrics `_created` lines are not series of their own in promtool's model.
    const created = f.name.replace(/_total$/, '') + '_created';
    let n = 0;
    for (const s of f.samples) if (s.name !== created) n++;
    stats.push({ name: f.name, n });
    total += n;
  }
  stats.sort((a, b) => b.n - a.n);
  const rows: string[][] = [['Metric', 'Cardinality', 'Percentage']];
  for (const s of stats) rows.push([s.name, String(s.n), percent(s.n / total, 2) + '%']);
  rows.push(['Total', String(total), percent(1, 0) + '%']);
  const widths = [0, 1, 2].map((c) => Math.max(4, ...rows.map((r) => [...r[c]!].length + 4)));
  return rows
    .map((r) => r.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join('') + '\n')
    .join('');
}

/**
 * Runs `check metrics` with the arguments after `check metrics`
 * (`[--format openmetrics|prometheus] [--extended] [--lint=all|none]`) and returns the exit code.
 */
export async function checkMetrics(
  args: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const opts = parseArgs(args);
  if (typeof opts === 'string') {
    io.stderr.write(`ignis-tool: error: ${opts}, try --help\n`);
    return FAILURE;
  }
  if (!opts.extended && !opts.lint) {
    io.stderr.write(
      'error: at least one of --extended or linting must be enabled\n' +
        'Use --extended for cardinality analysis, or remove --lint=none to enable linting\n',
    );
    return FAILURE;
  }
  const input = await readAll(io.stdin);
  let families: MetricFamily[];
  try {
    families = parse(input, opts.format);
  } catch (e) {
    if (e instanceof ParseError) io.stderr.write(`error while linting: line ${e.line}: ${e.reason}\n`);
    else io.stderr.write(`error while linting: ${e instanceof Error ? e.message : String(e)}\n`);
    return FAILURE;
  }
  const problems = opts.lint ? lintFamilies(families) : [];
  for (const p of problems) io.stderr.write(formatLintProblem(p) + '\n');
  if (opts.extended) io.stdout.write(cardinalityTable(families));
  return problems.length > 0 ? LINT_PROBLEMS : SUCCESS;
}
