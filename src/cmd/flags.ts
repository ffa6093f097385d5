/**
 * Command-line flags the way Prometheus's programs (kingpin) take them: `--name=value` or
 * `--name value`, booleans as `--name` / `--no-name`, repeatable flags, `-h`/`--help`, and
 * errors worded as kingpin words them (`ignis: error: unknown long flag '--foo', try --help`).
 */

/** The kinds of value a flag takes. */
export type FlagKind = 'string' | 'bool' | 'duration' | 'int' | 'float' | 'bytes' | 'enum';

/** One flag's definition. */
export interface FlagDef {
  /** The long name, without dashes (e.g. `storage.tsdb.path`). */
  readonly name: string;
  readonly kind: FlagKind;
  /** Help text for `--help`. */
  readonly help: string;
  /** The default, as it would be written on the command line (`""` for none). */
  readonly default: string;
  /** Allowed values for `enum` flags. */
  readonly values?: readonly string[];
  /** May be given several times (`--enable-feature=a --enable-feature=b`). */
  readonly repeatable?: boolean;
  /** Left out of `--help`, as Prometheus hides some flags. */
  readonly hidden?: boolean;
  /** The placeholder shown in `--help`, e.g. `<path>`. */
  readonly placeholder?: string;
}

/** The outcome of parsing: flag values as strings (repeatable flags as arrays) and positional args. */
export interface ParsedFlags {
  /** Every defined flag's value as given or defaulted; repeatable flags join with ','. */
  readonly values: ReadonlyMap<string, string>;
  /** Every value of each repeatable flag, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Flags the user gave explicitly. */
  readonly given: ReadonlySet<string>;
  /** Arguments that are not flags. */
  readonly args: readonly string[];
  /** `--help` or `-h` was given. */
  readonly help: boolean;
  /** `--version` was given. */
  readonly version: boolean;
}

/** A command-line error; the program prints `<program>: error: <message>, try --help`. */
export class FlagError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * Parses a Prometheus duration (`1h30m`, `15s`, `2w`, `0`) into milliseconds; throws a
 * FlagError naming the value when it is not one.
 */
export function parsePromDuration(s: string): number {
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m || s === '') throw new FlagError(`not a valid duration string: "${s}"`);
  let ms = 0;
  for (let i = 0; i < DURATION_MS.length; i++)
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * DURATION_MS[i]!;
  return ms;
}

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  PB: 1024 ** 5,
  EB: 1024 ** 6,
};

/** Parses a byte size as Prometheus's `units.Base2Bytes` does (`512MB`, `1GB`, `0`). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?B)?$/i.exec(s.trim());
  if (!m) throw new FlagError(`invalid byte size "${s}"`);
  return Math.round(Number(m[1]) * (BYTE_UNITS[(m[2] ?? 'B').toUpperCase()] ?? 1));
}

function validate(def: FlagDef, value: string): void {
  switch (def.kind) {
    case 'duration':
      if (value !== '') parsePromDuration(value);
      break;
    case 'int':
      if (!/^-?\d+$/.test(value)) throw new FlagError(`strconv.ParseInt: parsing "${value}": invalid syntax`);
      break;
    case 'float':
      if (value.trim() === '' || Number.isNaN(Number(value))) {
        throw new FlagError(`strconv.ParseFloat: parsing "${value}": invalid syntax`);
      }
      break;
    case 'bytes':
      if (value !== '') parseBytes(value);
      break;
    case 'enum':
      if (!def.values!.includes(value)) {
        throw new FlagError(`enum value must be one of ${def.values!.join(',')}, got '${value}'`);
      }
      break;
    case 'bool':
      if (value !== 'true' && value !== 'false')
        throw new FlagError(`strconv.ParseBool: parsing "${value}": invalid syntax`);
      break;
    default:
  }
}

/** Parses `argv` against `defs`. Throws a FlagError for unknown or malformed flags. */
export function parseFlags(defs: readonly FlagDef[], argv: readonly string[]): ParsedFlags {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values = new Map<string, string>(defs.map((d) => [d.name, d.default]));
  const lists = new Map<string, string[]>();
  const given = new Set<string>();
  const args: string[] = [];
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (a === '--version') {
      version = true;
      continue;
    }
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1) throw new FlagError(`unknown short flag '${a}'`);
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    let def = byName.get(name);
    if (!def && name.startsWith('no-') && value === undefined) {
      const neg = byName.get(name.slice(3));
      if (neg?.kind === 'bool') {
        def = neg;
        name = neg.name;
        value = 'false';
      }
    }
    if (!def) throw new FlagError(`unknown long flag '--${name}'`);
    if (value === undefined) {
      if (def.kind === 'bool') value = 'true';
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new FlagError(`expected argument for flag '--${name}'`);
    }
    try {
      validate(def, value);
    } catch (e) {
      throw new FlagError(`invalid value "${value}" for flag '--${name}': ${(e as Error).message}`);
    }
    if (def.repeatable) {
      const l = lists.get(name) ?? [];
      l.push(value);
      lists.set(name, l);
      values.set(name, l.join(','));
    } else {
      if (given.has(name)) throw new FlagError(`flag '${name}' cannot be repeated`);
      values.set(name, value);
    }
    given.add(name);
  }
  return { values, lists, given, args, help, version };
}

/** Formats `--help` output in kingpin's layout. */
export function flagsHelp(program: string, summary: string, defs: readonly FlagDef[]): string {
  const rows = defs
    .filter((d) => !d.hidden)
    .map((d) => {
      const left =
        d.kind === 'bool'
          ? `      --[no-]${d.name}`
          : `      --${d.name}=${d.placeholder ?? (d.kind === 'duration' ? '<duration>' : '<value>')}`;
      const def = d.default !== '' && d.kind !== 'bool' ? ` Default: ${d.default}` : '';
      return [left, `${d.help}${def}`] as const;
    });
  const w = Math.max(...rows.map(([l]) => l.length), 20);
  let s = `usage: ${program} [<flags>]\n\n${summary}\n\nFlags:\n`;
  s += `${'  -h, --[no-]help'.padEnd(w)}  Show context-sensitive help.\n`;
  s += `${'      --[no-]version'.padEnd(w)}  Show application version.\n`;
  for (const [l, r] of rows) s += `${l.padEnd(w)}  ${r}\n`;
  return s;
}
