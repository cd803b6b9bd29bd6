import { MlflowApiError, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { CallOptions } from '../mlflow/mlflowTypes';
import { invocationResult, type InvocationBody, type InvocationResult } from '../serving/invocationRequest';

// Databricks Model Serving endpoints (REST API 2.0 `/api/2.0/serving-endpoints`, queries at
// `/serving-endpoints/{name}/invocations`), through an MlflowRestClient connected to the workspace
// so they share its auth, retries and error messages.

export type EndpointReadyState = 'READY' | 'NOT_READY';
export type EndpointConfigUpdateState = 'NOT_UPDATING' | 'IN_PROGRESS' | 'UPDATE_FAILED' | 'UPDATE_CANCELED';

export interface ServedEntity {
  name?: string;
  entity_name?: string;
  entity_version?: string;
  workload_size?: string;
  scale_to_zero_enabled?: boolean;
  /** On `get` only. */
  state?: { deployment?: string; deployment_state_message?: string };
  creator?: string;
  creation_timestamp?: number;
  /** External and foundation models have these instead of entity_name. */
  external_model?: { name?: string; provider?: string };
  foundation_model?: { name?: string; display_name?: string };
}

export interface ServingEndpoint {
  name: string;
  id?: string;
  creator?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  state?: { ready?: EndpointReadyState; config_update?: EndpointConfigUpdateState };
  config?: { served_entities?: ServedEntity[]; served_models?: ServedEntity[]; config_version?: number; traffic_config?: unknown };
  /** While an update (or the first deployment) is in progress: the config being rolled out. */
  pending_config?: { served_entities?: ServedEntity[]; served_models?: ServedEntity[]; config_version?: number; start_time?: number };
  tags?: { key: string; value?: string }[];
  task?: string;
  permission_level?: string;
}

/** What an endpoint serves (its active config, else the one being deployed). */
export function servedEntitiesOf(endpoint: ServingEndpoint): ServedEntity[] {
  const config = endpoint.config ?? endpoint.pending_config;
  return config?.served_entities ?? config?.served_models ?? [];
}

/** "churn-model v3", "databricks-llama (foundation)", for lists and trees. */
export function describeServedEntity(entity: ServedEntity): string {
  if (entity.entity_name) return `${entity.entity_name}${entity.entity_version ? ` v${entity.entity_version}` : ''}`;
  if (entity.external_model?.name)
    return `${entity.external_model.name} (external${entity.external_model.provider ? `, ${entity.external_model.provider}` : ''})`;
  if (entity.foundation_model?.name) return `${entity.foundation_model.name} (foundation model)`;
  return entity.name ?? 'served entity';
}

/** "READY", "NOT_READY (updating)", "NOT_READY (update failed)". */
export function endpointStateText(endpoint: ServingEndpoint): string {
  const ready = endpoint.state?.ready ?? 'UNKNOWN';
  const update = endpoint.state?.config_update;
  if (update === 'IN_PROGRESS') return `${ready} (updating)`;
  if (update === 'UPDATE_FAILED') return `${ready} (update failed)`;
  if (update === 'UPDATE_CANCELED') return `${ready} (update cancelled)`;
  return ready;
}

const API = 'api/2.0/serving-endpoints';

export async function listServingEndpoints(client: MlflowRestClient, o: CallOptions = {}): Promise<ServingEndpoint[]> {
  const body = await client.requestJson<{ endpoints?: ServingEndpoint[] }>('GET', API, { signal: o.signal });
  return body.endpoints ?? [];
}

export async function getServingEndpoint(client: MlflowRestClient, name: string, o: CallOptions = {}): Promise<ServingEndpoint> {
  try {
    return await client.requestJson<ServingEndpoint>('GET', `${API}/${encodeURIComponent(name)}`, { signal: o.signal });
  } catch (err) {
    throw explainMissing(err, name, client);
  }
}

/**
 * Sends one request to an endpoint (a body built by buildInvocationBody: dataframe_split,
 * dataframe_records, instances, inputs, or CSV) and measures the round trip. The model's own refusals
 * (400/422/500, e.g. a wrong column) come back as a result with their status; auth, rate limit and a
 * missing endpoint are thrown as MlflowApiError with what to do.
 */
export async function queryServingEndpoint(client: MlflowRestClient, name: string, body: InvocationBody, o: CallOptions = {}): Promise<InvocationResult> {
  const started = performance.now();
  let answer;
  try {
    answer = await client.requestRaw('POST', `serving-endpoints/${encodeURIComponent(name)}/invocations`, {
      body: body.body,
      contentType: body.contentType,
      passStatuses: [400, 422, 500],
      signal: o.signal,
    });
  } catch (err) {
    throw explainMissing(err, name, client);
  }
  return invocationResult(answer.status, answer.data, started);
}

/** Waits until the endpoint is READY (or its update failed), polling `get`. */
export async function waitForServingEndpoint(
  client: MlflowRestClient,
  name: string,
  opts: { timeoutMs?: number; pollIntervalMs?: number; onState?: (endpoint: ServingEndpoint) => void } & CallOptions = {},
): Promise<ServingEndpoint> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20 * 60_000);
  for (;;) {
    const endpoint = await getServingEndpoint(client, name, opts);
    opts.onState?.(endpoint);
    if (endpoint.state?.ready === 'READY' && endpoint.state.config_update !== 'IN_PROGRESS') return endpoint;
    if (endpoint.state?.config_update === 'UPDATE_FAILED') {
      const why = servedEntitiesOf(endpoint)
        .map((e) => e.state?.deployment_state_message)
        .filter(Boolean)
        .join('; ');
      throw new MlflowApiError(
        `Serving endpoint '${name}' failed to deploy${why ? `: ${why}` : ''}. See its events and build logs in the Serving page of the workspace.`,
        'UPDATE_FAILED',
        undefined,
        `serving-endpoints/${name}`,
      );
    }
    if (Date.now() > deadline) {
      throw new MlflowApiError(
        `Serving endpoint '${name}' is still ${endpointStateText(endpoint)} after the wait limit.`,
        'TIMEOUT',
        undefined,
        `serving-endpoints/${name}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollIntervalMs ?? 2000));
  }
}

function explainMissing(err: unknown, name: string, client: MlflowRestClient): unknown {
  if (err instanceof MlflowApiError && err.httpStatus === 404 && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
    return new MlflowApiError(
      `Serving endpoint '${name}' does not exist in the workspace ${client.displayUrl}. Check the name (\`mlflow-wb endpoints list\` lists them).`,
      err.errorCode,
      err.httpStatus,
      err.endpoint,
      err.detail,
    );
  }
  return err;
}
