import { resolveTracking, TrackingUriError, type ResolvedTracking } from '../engine/connections/trackingUri';
import { collectAll, MlflowApiError, MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { RunViewType } from '../engine/mlflow/mlflowTypes';
import type { CliCommand, CliIo } from './cliCommand';

// Shared by the list commands (runs, models): flag parsing, connection, output and errors.

export class CliUsageError extends Error {}

/** Parses `--name value` / `--name=value` flags; repeated flags collect into arrays. */
export function parseFlags(args: string[], known: Record<string, 'string' | 'multi'>): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new CliUsageError(`unexpected argument '${arg}'`);
    const name = match[1];
    if (!(name in known)) throw new CliUsageError(`unknown option --${name}`);
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
    if (known[name] === 'string' && flags.has(name)) throw new CliUsageError(`--${name} is given twice`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

export function oneFlag(flags: Map<string, string[]>, name: string): string | undefined {
  return flags.get(name)?.[0];
}

export function outputFormat(flags: Map<string, string[]>): 'text' | 'json' {
  const format = oneFlag(flags, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliUsageError(`--format must be text or json, not '${format}'`);
  return format;
}

export function viewType(flags: Map<string, string[]>): RunViewType {
  const view = oneFlag(flags, 'view') ?? 'active';
  const map: Record<string, RunViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };
  const result = map[view];
  if (!result) throw new CliUsageError(`--view must be active, deleted or all, not '${view}'`);
  return result;
}

export function connect(flags: Map<string, string[]>): { tracking: ResolvedTracking; client: MlflowRestClient } {
  const tracking = resolveTracking(oneFlag(flags, 'tracking-uri'));
  return { tracking, client: new MlflowRestClient(tracking.connection) };
}

/**
 * A client of the Databricks workspace of --tracking-uri (or MLFLOW_TRACKING_URI), for workspace
 * features (`feature`: a plural noun such as "serving endpoints"); any other tracking target is a usage error. Unity Catalog registries are
 * refused too when the feature needs the workspace registry.
 */
export function connectWorkspace(flags: Map<string, string[]>, feature: string, opts: { workspaceRegistry?: boolean } = {}): MlflowRestClient {
  const { tracking, client } = connect(flags);
  if (tracking.kind !== 'databricks') {
    throw new CliUsageError(`${feature} exist only in Databricks workspaces, not on ${tracking.label}: use --tracking-uri databricks or databricks://<profile> (or MLFLOW_TRACKING_URI)`);
  }
  if (opts.workspaceRegistry && tracking.unityCatalog) throw new CliUsageError(`Unity Catalog models have no stages and so no ${feature}: use \`models alias\` instead`);
  return client;
}

/**
 * Runs a command's body, turning usage errors into exit 2 and configuration and server errors (plus
 * any the command names with `isExpected`) into a message and exit 1; anything else is a bug and throws.
 */
export async function runListCommand(command: CliCommand, io: CliIo, body: () => Promise<void>, isExpected: (err: unknown) => boolean = () => false): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`mlflow-wb ${command.name}: ${err.message}\nUsage: mlflow-wb ${command.usage}`);
      return 2;
    }
    if (err instanceof MlflowApiError || err instanceof TrackingUriError || isExpected(err)) {
      io.err(`mlflow-wb ${command.name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}

export function isoTime(ms: number | string | undefined): string {
  if (ms === undefined || ms === '') return '';
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? new Date(n).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

export const experimentsListCommand: CliCommand = {
  name: 'experiments list',
  summary: 'List the experiments of a tracking server.',
  usage: 'experiments list [--tracking-uri URI] [--filter "name LIKE \'x%\'"] [--view active|deleted|all] [--format text|json]',
  async run(args, io) {
    return runListCommand(experimentsListCommand, io, async () => {
      const flags = parseFlags(args, { 'tracking-uri': 'string', filter: 'string', view: 'string', format: 'string' });
      const format = outputFormat(flags);
      const view = viewType(flags);
      const { client } = connect(flags);
      const experiments = await collectAll((pageToken) =>
        client.searchExperiments({ filter: oneFlag(flags, 'filter'), viewType: view, pageToken, orderBy: ['name ASC'] }),
      );
      if (format === 'json') {
        io.out(JSON.stringify(experiments, null, 2));
        return;
      }
      io.out(
        formatTable(
          ['ID', 'NAME', 'STAGE', 'UPDATED'],
          experiments.map((e) => [e.experiment_id, e.name, e.lifecycle_stage, isoTime(e.last_update_time)]),
        ),
      );
    });
  },
};
