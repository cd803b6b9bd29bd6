import { parseArgs } from 'node:util';
import { TrackingUriError } from '../engine/connections/trackingUri';
import { MlflowApiError } from '../engine/mlflow/mlflowRestClient';

// How a `mlflow-wb` command is written: its options, its help, its usage errors and its exit codes.
//
// To add a command, write it with `defineCommand` and list it in main.ts:
//
//   export const thingsListCommand = defineCommand({
//     name: 'things list',                                   // one or two words after mlflow-wb
//     summary: 'List the things.',                           // one line, in `mlflow-wb --help`
//     options: {
//       'tracking-uri': TRACKING_URI_OPTION,                 // shared options live in commonOptions.ts
//       name: { type: 'string', value: 'NAME', required: true, description: 'the thing' },
//       limit: { type: 'string', value: 'N', default: '10', description: 'how many' },
//       tag: { type: 'string', value: 'K=V', multiple: true, description: 'repeatable' },
//       force: { type: 'boolean', description: 'a switch' },
//     },
//     positionals: { name: 'DIR', description: 'the folder', max: 1 }, // omit when none are taken
//     async run({ values, positionals, io }) { ... },       // values['tracking-uri'], values.force...
//   });
//
// The option definitions are parsed with node:util's parseArgs (`--name value`, `--name=value`,
// `-m value` for a `short`), checked (unknown options, missing values, `required`, `choices`, a single
// option given twice) and printed by `mlflow-wb <command> --help`. In the body, throw CliUsageError when
// the command line is malformed (an option's value or syntax, options that do not go together, a
// missing argument: exit 2, with the usage line) and CliInputError when it is well formed but names
// something the server or the disk does not have (no such run, metric, key, experiment or file: exit 1,
// the message alone). MlflowApiError, TrackingUriError and errors `expected` names become a message
// and exit 1 too; anything else is a bug and is thrown.

/** One sub-command of the `mlflow-wb` CLI. */
export interface CliCommand {
  name: string;
  summary: string;
  /** One line: the command, its options and its positionals. */
  usage: string;
  /** The full `--help` text. */
  help(): string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A malformed command line (its shape, not what it names): reported with the command's usage line, exit code 2. */
export class CliUsageError extends Error {}

/**
 * Well-formed input naming what is not there (no run X at SERVER, no metric K in these runs, no such
 * experiment or file): reported with its message alone (say what and where), exit code 1.
 */
export class CliInputError extends Error {}

export interface CliOption {
  type: 'string' | 'boolean';
  description: string;
  /** A one-letter alias, e.g. 'm' for -m. */
  short?: string;
  /** The value's placeholder in help (default VALUE). */
  value?: string;
  /** May be given several times; the values are collected in order. */
  multiple?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  default?: string;
  required?: boolean;
}

export type CliOptions = Record<string, CliOption>;

type ValueOf<O extends CliOption> = O['type'] extends 'boolean'
  ? boolean
  : O['multiple'] extends true
    ? string[]
    : O['required'] extends true
      ? string
      : O['default'] extends string
        ? string
        : string | undefined;

export type OptionValues<O extends CliOptions> = { [K in keyof O]: ValueOf<O[K]> };

export interface CommandDefinition<O extends CliOptions> {
  name: string;
  summary: string;
  options: O;
  /** Arguments that are not options (none unless given). */
  positionals?: { name: string; description: string; max?: number };
  /** More help text after the options (e.g. which options go together). */
  notes?: string;
  /** Errors (besides CliUsageError, CliInputError, MLflow and tracking URI errors) that are the user's to fix: message, exit 1. */
  expected?: (err: unknown) => boolean;
  /** Returns the exit code; nothing means 0. */
  run(input: { values: OptionValues<O>; positionals: string[]; io: CliIo }): Promise<number | void>;
}

const stdio: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

/** How an option's value is shown: its placeholder, else its choices. */
function placeholder(o: CliOption): string {
  return o.value ?? o.choices?.join('|') ?? 'VALUE';
}

function optionUsage(name: string, o: CliOption): string {
  const flag = o.short ? `-${o.short}|--${name}` : `--${name}`;
  const text = o.type === 'boolean' ? flag : `${flag} ${placeholder(o)}`;
  return `${o.required ? text : `[${text}]`}${o.multiple ? '...' : ''}`;
}

function usageLine(name: string, options: CliOptions, positionals?: CommandDefinition<CliOptions>['positionals']): string {
  const parts = [name, ...Object.entries(options).map(([n, o]) => optionUsage(n, o))];
  if (positionals) parts.push(positionals.max === 1 ? `[${positionals.name}]` : `[${positionals.name}...]`);
  return parts.join(' ');
}

function helpOf(def: CommandDefinition<CliOptions>): string {
  const rows: [string, string][] = Object.entries(def.options).map(([n, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${n}${o.type === 'string' ? ` ${placeholder(o)}` : ''}`;
    const extra = [
      o.choices ? `one of ${o.choices.join(', ')}` : '',
      o.default !== undefined ? `default ${o.default}` : '',
      o.required ? 'required' : '',
      o.multiple ? 'repeatable' : '',
    ]
      .filter(Boolean)
      .join('; ');
    return [flag, `${o.description}${extra ? ` (${extra})` : ''}`];
  });
  if (def.positionals) rows.push([def.positionals.name, def.positionals.description]);
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return [
    `Usage: mlflow-wb ${usageLine(def.name, def.options, def.positionals)}`,
    '',
    def.summary,
    ...(rows.length ? ['', 'Options:', ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`)] : []),
    ...(def.notes ? ['', def.notes] : []),
  ].join('\n');
}

/** Parses `args` against the option definitions; bad input throws CliUsageError. */
export function parseCommandArgs<O extends CliOptions>(
  options: O,
  args: string[],
  positionals?: CommandDefinition<O>['positionals'],
): { values: OptionValues<O>; positionals: string[] } {
  const parseOptions = Object.fromEntries(
    Object.entries(options).map(([n, o]) => [n, { type: o.type, multiple: Boolean(o.multiple), ...(o.short ? { short: o.short } : {}) }]),
  );
  const { tokens } = parseArgs({ args, options: parseOptions, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | string[] | boolean | undefined> = {};
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      rest.push(token.value);
      continue;
    }
    const o = options[token.name];
    if (!o) throw new CliUsageError(`unknown option ${token.rawName}`);
    const shown = `--${token.name}`;
    if (o.type === 'boolean') {
      if (token.value !== undefined) throw new CliUsageError(`${shown} takes no value`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new CliUsageError(`${shown} needs a value`);
    if (o.choices && !o.choices.includes(token.value)) {
      throw new CliUsageError(`${shown} must be ${o.choices.length === 2 ? o.choices.join(' or ') : `one of ${o.choices.join(', ')}`}, not '${token.value}'`);
    }
    if (o.multiple) values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), token.value];
    else if (values[token.name] !== undefined) throw new CliUsageError(`${shown} is given twice`);
    else values[token.name] = token.value;
  }
  for (const [n, o] of Object.entries(options)) {
    if (values[n] !== undefined) continue;
    if (o.required) throw new CliUsageError(`--${n} ${placeholder(o)} is required`);
    values[n] = o.type === 'boolean' ? false : o.multiple ? [] : o.default;
  }
  if (!positionals && rest.length > 0) throw new CliUsageError(`unexpected argument '${rest[0]}'`);
  if (positionals?.max !== undefined && rest.length > positionals.max) {
    throw new CliUsageError(`unexpected argument '${rest[positionals.max]}' (${positionals.name} is already '${rest.slice(0, positionals.max).join(' ')}')`);
  }
  return { values: values as OptionValues<O>, positionals: rest };
}

/**
 * Runs a command's body, turning usage errors into exit 2 and input, configuration and server errors
 * (plus any `isExpected` names) into a message and exit 1; anything else is a bug and throws.
 */
async function runCommandBody(
  command: Pick<CliCommand, 'name' | 'usage'>,
  io: CliIo,
  body: () => Promise<number | void>,
  isExpected: (err: unknown) => boolean = () => false,
): Promise<number> {
  try {
    const code = await body();
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`mlflow-wb ${command.name}: ${err.message}\nUsage: mlflow-wb ${command.usage}`);
      return 2;
    }
    if (err instanceof CliInputError || err instanceof MlflowApiError || err instanceof TrackingUriError || isExpected(err)) {
      io.err(`mlflow-wb ${command.name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

/** A command whose options, help and errors come from one definition (see the top of this file). */
export function defineCommand<const O extends CliOptions>(def: CommandDefinition<O>): CliCommand {
  const command: CliCommand = {
    name: def.name,
    summary: def.summary,
    usage: usageLine(def.name, def.options, def.positionals),
    help: () => helpOf(def as unknown as CommandDefinition<CliOptions>),
    run: (args, io) =>
      runCommandBody(
        command,
        io,
        async () => {
          const parsed = parseCommandArgs(def.options, args, def.positionals);
          return def.run({ ...parsed, io });
        },
        def.expected,
      ),
  };
  return command;
}

function helpText(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'mlflow-wb: MLflow Workbench on the command line (the same engine as the VS Code extension)',
    '',
    'Usage: mlflow-wb <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'mlflow-wb <command> --help' for a command's options.",
  ].join('\n');
}

export async function runCliCommand(commands: CliCommand[], argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText(commands));
    return name ? 0 : 2;
  }
  // Commands of several words ("runs list", "models requests list") are looked up longest first.
  let command: CliCommand | undefined;
  let args = rest;
  for (let words = Math.min(2, rest.length); words >= 0 && !command; words--) {
    const full = [name, ...rest.slice(0, words)].join(' ');
    command = commands.find((c) => c.name === full);
    if (command) args = rest.slice(words);
  }
  if (!command) {
    io.err(`mlflow-wb: unknown command '${name}'.\n\n${helpText(commands)}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help());
    return 0;
  }
  return command.run(args, io);
}
