import { resolveTracking, type ResolvedTracking } from '../engine/connections/trackingUri';
import { MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { RunViewType } from '../engine/mlflow/mlflowTypes';
import { CliUsageError, type CliOption } from './cliCommand';

// The options most commands share (where the tracking server is, how to print) and the connection they name.

export const TRACKING_URI_OPTION = {
  type: 'string',
  value: 'URI',
  description: 'the tracking server (default: MLFLOW_TRACKING_URI)',
} as const satisfies CliOption;
export const DATABRICKS_URI_OPTION = {
  type: 'string',
  value: 'databricks[://PROFILE]',
  description: 'the Databricks workspace (default: MLFLOW_TRACKING_URI)',
} as const satisfies CliOption;
export const FORMAT_OPTION = { type: 'string', choices: ['text', 'json'], default: 'text', description: 'output format' } as const satisfies CliOption;
export const MODEL_NAME_OPTION = { type: 'string', value: 'NAME', required: true, description: 'the registered model' } as const satisfies CliOption;
export const MODEL_VERSION_OPTION = { type: 'string', value: 'V', required: true, description: 'the version' } as const satisfies CliOption;
export const VIEW_OPTION = {
  type: 'string',
  choices: ['active', 'deleted', 'all'],
  default: 'active',
  description: 'which lifecycle stage to list',
} as const satisfies CliOption;

const VIEW_TYPES: Record<string, RunViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

export function viewType(view: string): RunViewType {
  return VIEW_TYPES[view] ?? 'ACTIVE_ONLY';
}

export async function connect(trackingUri: string | undefined): Promise<{ tracking: ResolvedTracking; client: MlflowRestClient }> {
  const tracking = await resolveTracking(trackingUri);
  return { tracking, client: new MlflowRestClient(tracking.connection) };
}

/**
 * A client of the Databricks workspace of --tracking-uri (or MLFLOW_TRACKING_URI), for workspace
 * features (`feature`: a plural noun such as "serving endpoints"); any other tracking target is a usage error. Unity Catalog registries are
 * refused too when the feature needs the workspace registry.
 */
export async function connectWorkspace(
  trackingUri: string | undefined,
  feature: string,
  opts: { workspaceRegistry?: boolean } = {},
): Promise<MlflowRestClient> {
  const { tracking, client } = await connect(trackingUri);
  if (tracking.kind !== 'databricks') {
    throw new CliUsageError(
      `${feature} exist only in Databricks workspaces, not on ${tracking.label}: use --tracking-uri databricks or databricks://<profile> (or MLFLOW_TRACKING_URI)`,
    );
  }
  if (opts.workspaceRegistry && tracking.unityCatalog)
    throw new CliUsageError(`Unity Catalog models have no stages and so no ${feature}: use \`models alias\` instead`);
  return client;
}
