import { parseArgs } from 'node:util';

/** A mistake in how the CLI was called (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Help text; the environment variable is added to it. */
  description: string;
  /** Shown after the option name in help, e.g. `<slug>`. */
  value?: string;
  multiple?: boolean;
  default?: string;
  /** Marked in help; `true`, or the condition under which it is, e.g. `unless --file has it`. */
  required?: true | string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** The parsed command line of one command, with typed readers that throw `UsageError`. */
export class Args {
  constructor(readonly command: string, readonly values: Values, readonly positionals: string[]) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new UsageError(`--${name} is required`, this.command);
    return value;
  }

  /** At least one value of a repeatable option. */
  requiredList(name: string, what: string): string[] {
    const values = this.list(name);
    if (values.length === 0) throw new UsageError(`--${name} is required: ${what}`, this.command);
    return values;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  list(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  }

  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer between ${min} and ${max}`, this.command);
    }
    return value;
  }

  /** The positional argument at `index`, or the named option as a fallback; required. */
  positional(index: number, what: string, option?: string): string {
    const value = this.positionals[index] ?? (option ? this.string(option) : undefined);
    if (value === undefined || value === '') throw new UsageError(`${what} is required`, this.command);
    return value;
  }

  noMorePositionals(count: number): void {
    if (this.positionals.length > count) {
      throw new UsageError(`unexpected argument ${JSON.stringify(this.positionals[count])}`, this.command);
    }
  }
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

export interface CommandSpec {
  /** Full name after `aforo-bridge`, e.g. `embed-keys create`. */
  name: string;
  /** The positional part of the usage line, e.g. `<id>`. */
  args?: string;
  summary: string;
  /** Extra help paragraphs. */
  details?: string[];
  options: Record<string, OptionSpec>;
  /** Resolves with the exit code, or with `'running'` when the command keeps the process alive (serve). */
  run(args: Args, io: Io): Promise<number | 'running'>;
}

export interface GroupSpec {
  name: string;
  summary: string;
  commands: CommandSpec[];
}

/**
 * Options that describe the deployment (where the data is, the server, its secrets) also come from the
 * environment; options that describe one action (a tenant, a name, --force) come only from the command line, so a
 * stray variable such as AFORO_FORCE can never change what a command does.
 */
export const ENV_OPTIONS = new Set([
  'host', 'port', 'prefix', 'storage', 'smtp', 'mail-from', 'issuer', 'admin-token', 'master-key', 'trust-proxy',
  'ip-rate-limit', 'admin-rate-limit', 'log-level', 'request-timeout', 'json', 'admin-token-file', 'master-key-file', 'no-studio',
  // Secrets are better passed in the environment than on a command line other users can read.
  'secret', 'private-key',
]);

/** `--admin-token` reads `AFORO_ADMIN_TOKEN` when it is not on the command line. */
export function envName(option: string): string {
  return `AFORO_${option.toUpperCase().replace(/-/g, '_')}`;
}

function fromEnv(command: string, name: string, spec: OptionSpec, raw: string): string | boolean | string[] {
  if (spec.type === 'boolean') {
    const lowered = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(lowered)) return false;
    throw new UsageError(`${envName(name)} must be true or false`, command);
  }
  return spec.multiple ? raw.split(',').map((part) => part.trim()).filter((part) => part.length > 0) : raw;
}

/**
 * `--amount-due -5` as `--amount-due=-5`: parseArgs would read `-5` as an option and refuse it as ambiguous, where
 * the user meant a value (which the command then checks).
 */
function joinNegativeValues(argv: string[], spec: CommandSpec): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const next = argv[i + 1];
    if (spec.options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}

/** Parses argv for one command: command line first, then `AFORO_*` variables, then defaults. */
export function parseCommand(spec: CommandSpec, argv: string[], env: Io['env']): Args | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, spec), options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    // parseArgs appends advice about `--` that does not fit this CLI.
    const message = error instanceof Error ? error.message.split('\n')[0].split('. To specify')[0] : String(error);
    throw new UsageError(message, spec.name);
  }
  if (parsed.values.help === true) return 'help';
  const values: Values = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const given = parsed.values[name];
    const raw = ENV_OPTIONS.has(name) ? env[envName(name)] : undefined;
    if (given !== undefined) values[name] = given;
    else if (raw !== undefined) values[name] = fromEnv(spec.name, name, option, raw);
    else if (option.default !== undefined) values[name] = option.default;
  }
  return new Args(spec.name, values, parsed.positionals);
}

function column(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

export function commandHelp(spec: CommandSpec): string {
  const rows: Array<[string, string]> = Object.entries(spec.options).map(([name, option]) => {
    const value = option.type === 'string' ? ` ${option.value ?? '<value>'}` : '';
    const extras = [
      ...(option.required === true ? ['required'] : option.required ? [`required ${option.required}`] : []),
      ...(ENV_OPTIONS.has(name) ? [`env ${envName(name)}`] : []),
      ...(option.default !== undefined ? [`default ${option.default}`] : []),
    ];
    return [`--${name}${value}${option.multiple ? ' …' : ''}`, extras.length ? `${option.description} (${extras.join(', ')})` : option.description];
  });
  rows.push(['--help', 'Show this help']);
  return [
    `Usage: aforo-bridge ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`,
    '',
    spec.summary,
    ...(spec.details ? ['', ...spec.details] : []),
    '',
    'Options:',
    ...column(rows),
  ].join('\n');
}

export function groupHelp(group: GroupSpec): string {
  return [
    `Usage: aforo-bridge ${group.name} <command> [options]`,
    '',
    group.summary,
    '',
    'Commands:',
    ...column(group.commands.map((c) => [c.name.slice(group.name.length + 1) + (c.args ? ` ${c.args}` : ''), c.summary])),
    '',
    `Run 'aforo-bridge ${group.name} <command> --help' for the options of a command.`,
  ].join('\n');
}

export function mainHelp(groups: GroupSpec[], commands: CommandSpec[]): string {
  return [
    'Usage: aforo-bridge <command> [options]',
    '',
    'Administers an aforo-bridge storage and runs the standalone server.',
    '',
    'Commands:',
    ...column([...commands.map((c): [string, string] => [c.name, c.summary]), ...groups.map((g): [string, string] => [g.name, g.summary])]),
    '',
    'Deployment options also come from AFORO_* environment variables (--storage from AFORO_STORAGE,',
    '--admin-token from AFORO_ADMIN_TOKEN, …); the command line wins. Add --json for machine-readable output;',
    'with it an error is { "error": { "code", "message" } } on standard output, with the same exit status.',
    'Pass secrets in the environment or with --admin-token-file / --master-key-file: a command line shows in ps.',
    "Run 'aforo-bridge <command> --help' for details; 'aforo-bridge --version' prints the version.",
  ].join('\n');
}
