import { MlflowApiError, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { CallOptions, ModelVersionStage } from '../mlflow/mlflowTypes';
import { isUnityCatalogModelName } from '../mlflow/registryCapabilities';

// Stage transition requests, comments and the activity history of a model version in a Databricks
// workspace model registry (not Unity Catalog, which has no stages). Databricks REST API 2.0
// `/api/2.0/mlflow/transition-requests/*`, `/comments/*`, `/databricks/model-versions/transition-stage`,
// and the activity list the Databricks UI reads (`/api/2.0/preview/mlflow/model-versions/get-activities`,
// not in the public reference). Calls go through an MlflowRestClient connected to the workspace, so
// they share its auth (PAT or OAuth), retries and error messages.

export type ActivityType =
  'APPLIED_TRANSITION' | 'REQUESTED_TRANSITION' | 'CANCELLED_REQUEST' | 'APPROVED_REQUEST' | 'REJECTED_REQUEST' | 'SYSTEM_TRANSITION' | 'NEW_COMMENT';

export type ActivityAction = 'APPROVE_TRANSITION_REQUEST' | 'REJECT_TRANSITION_REQUEST' | 'CANCEL_TRANSITION_REQUEST' | 'EDIT_COMMENT' | 'DELETE_COMMENT';

/** One event of a model version (or an open request, in `transition-requests/list`). Wire shape. */
export interface RegistryActivity {
  id?: string;
  activity_type?: ActivityType;
  from_stage?: string;
  to_stage?: string;
  /** The user's comment. */
  comment?: string;
  /** What the system did as a side effect, e.g. "archived because version 3 moved to Staging". */
  system_comment?: string;
  user_id?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  /** What the caller may do with it (on open requests). */
  available_actions?: ActivityAction[];
}

/** An open request as `transition-requests/create` answers it. */
export interface TransitionRequest {
  to_stage?: string;
  comment?: string;
  user_id?: string;
  creation_timestamp?: number;
  available_actions?: ActivityAction[];
}

export const REQUESTABLE_STAGES: readonly ModelVersionStage[] = ['Staging', 'Production', 'Archived', 'None'];

export interface VersionRef {
  name: string;
  version: string;
}

const API = 'api/2.0/mlflow/';

/** Throws a clear error for stage operations on a Unity Catalog model (they have aliases only). */
function refuseUnityCatalog(name: string, what: string): void {
  if (isUnityCatalogModelName(name)) {
    throw new MlflowApiError(
      `${what}: '${name}' is a Unity Catalog model, which has no stages and so no transition requests; use aliases (e.g. @champion) instead.`,
      'INVALID_PARAMETER_VALUE',
      undefined,
      'transition-requests',
    );
  }
}

/** The stage spelled as the API wants it (Staging, Production, Archived, None), whatever the case given. */
export function canonicalStage(stage: string): ModelVersionStage {
  const found = REQUESTABLE_STAGES.find((s) => s.toLowerCase() === stage.trim().toLowerCase());
  if (!found) {
    throw new MlflowApiError(
      `'${stage}' is not a stage: use one of Staging, Production, Archived, None.`,
      'INVALID_PARAMETER_VALUE',
      undefined,
      'transition-requests',
    );
  }
  return found;
}

/** The open stage transition requests of a model version. */
export async function listTransitionRequests(client: MlflowRestClient, ref: VersionRef, o: CallOptions = {}): Promise<RegistryActivity[]> {
  refuseUnityCatalog(ref.name, 'Listing transition requests');
  return versionList(client, API + 'transition-requests/list', 'requests', ref, o);
}

/** Asks for a version to move to a stage (any user with Can Edit; an owner approves it). */
export async function createTransitionRequest(
  client: MlflowRestClient,
  ref: VersionRef & { stage: string; comment?: string },
  o: CallOptions = {},
): Promise<TransitionRequest> {
  refuseUnityCatalog(ref.name, 'Requesting a stage transition');
  return registryChange<TransitionRequest>(client, 'POST', 'transition-requests/create', { json: stageParams(ref) }, o, 'request');
}

/** Approves the open request to `stage` (needs Can Manage); the version moves to that stage. */
export async function approveTransitionRequest(
  client: MlflowRestClient,
  ref: VersionRef & { stage: string; archiveExistingVersions: boolean; comment?: string },
  o: CallOptions = {},
): Promise<RegistryActivity> {
  refuseUnityCatalog(ref.name, 'Approving a transition request');
  return registryChange(
    client,
    'POST',
    'transition-requests/approve',
    { json: { ...stageParams(ref), archive_existing_versions: ref.archiveExistingVersions } },
    o,
  );
}

/** Rejects the open request to `stage` (needs Can Manage). */
export async function rejectTransitionRequest(
  client: MlflowRestClient,
  ref: VersionRef & { stage: string; comment?: string },
  o: CallOptions = {},
): Promise<RegistryActivity> {
  refuseUnityCatalog(ref.name, 'Rejecting a transition request');
  return registryChange(client, 'POST', 'transition-requests/reject', { json: stageParams(ref) }, o);
}

/** Cancels (deletes) the open request to `stage` made by `creator` (the requester's user name). */
export async function cancelTransitionRequest(
  client: MlflowRestClient,
  ref: VersionRef & { stage: string; creator: string; comment?: string },
  o: CallOptions = {},
): Promise<RegistryActivity> {
  refuseUnityCatalog(ref.name, 'Cancelling a transition request');
  // The API takes DELETE with its parameters in the query string.
  return registryChange(client, 'DELETE', 'transition-requests/delete', { query: { ...stageParams(ref), creator: ref.creator } }, o);
}

/** A version, its stage (canonical) and the comment, as the transition-request calls take them. */
function stageParams(ref: VersionRef & { stage: string; comment?: string }): { name: string; version: string; stage: string; comment: string | undefined } {
  return { name: ref.name, version: ref.version, stage: canonicalStage(ref.stage), comment: ref.comment || undefined };
}

/**
 * One call that changes a request or comments (never resent: not idempotent) and answers with what it
 * recorded, under `key` in the answer: the activity, the request created, or the comment.
 */
async function registryChange<T extends TransitionRequest | RegistryActivity = RegistryActivity>(
  client: MlflowRestClient,
  method: 'POST' | 'DELETE',
  endpoint: string,
  params: { json?: Record<string, unknown>; query?: Record<string, string | undefined> },
  o: CallOptions,
  key: 'activity' | 'request' | 'comment' = 'activity',
): Promise<T> {
  const body = await client.requestJson<Partial<Record<typeof key, T>>>(method, API + endpoint, { ...params, idempotent: false, signal: o.signal });
  return numericTimes(body[key] ?? ({} as T));
}

/** A model version's list (its open requests, its activities) under `key` in the answer. */
async function versionList(
  client: MlflowRestClient,
  path: string,
  key: 'requests' | 'activities',
  ref: VersionRef,
  o: CallOptions,
): Promise<RegistryActivity[]> {
  const body = await client.requestJson<Partial<Record<typeof key, RegistryActivity[]>>>('GET', path, {
    query: { name: ref.name, version: ref.version },
    signal: o.signal,
  });
  return (body[key] ?? []).map(numericTimes);
}

/** Posts a comment on a model version. */
export async function createModelVersionComment(
  client: MlflowRestClient,
  ref: VersionRef & { comment: string },
  o: CallOptions = {},
): Promise<RegistryActivity> {
  return registryChange(client, 'POST', 'comments/create', { json: { name: ref.name, version: ref.version, comment: ref.comment } }, o, 'comment');
}

/** Moves a version to a stage directly (needs Can Manage), recording a comment in its activity. */
export async function transitionStageWithComment(
  client: MlflowRestClient,
  ref: VersionRef & { stage: string; archiveExistingVersions: boolean; comment?: string },
  o: CallOptions = {},
): Promise<{ name?: string; version?: string; current_stage?: string }> {
  refuseUnityCatalog(ref.name, 'Moving a version to a stage');
  const body = await client.requestJson<{ model_version_databricks?: { name?: string; version?: string; current_stage?: string } }>(
    'POST',
    API + 'databricks/model-versions/transition-stage',
    {
      json: {
        name: ref.name,
        version: ref.version,
        stage: canonicalStage(ref.stage),
        archive_existing_versions: ref.archiveExistingVersions,
        comment: ref.comment || undefined,
      },
      idempotent: true,
      signal: o.signal,
    },
  );
  return body.model_version_databricks ?? {};
}

/** Every event of a model version (requests, approvals, rejections, cancellations, transitions, comments), oldest first. */
export async function listModelVersionActivities(client: MlflowRestClient, ref: VersionRef, o: CallOptions = {}): Promise<RegistryActivity[]> {
  refuseUnityCatalog(ref.name, 'Listing activities');
  const activities = await versionList(client, 'api/2.0/preview/mlflow/model-versions/get-activities', 'activities', ref, o);
  return activities.sort((a, b) => (a.creation_timestamp ?? 0) - (b.creation_timestamp ?? 0));
}

/** One line for a person: "Staging requested by ana@x (\"looks good\")". */
export function describeActivity(a: RegistryActivity): string {
  const who = a.user_id ?? 'someone';
  const to = a.to_stage ?? '?';
  const from = a.from_stage ? `${a.from_stage} → ` : '';
  const said = a.comment ? ` ("${a.comment}")` : '';
  const system = a.system_comment ? ` [${a.system_comment}]` : '';
  switch (a.activity_type) {
    case 'REQUESTED_TRANSITION':
      return `${who} requested ${from}${to}${said}`;
    case 'APPROVED_REQUEST':
      return `${who} approved ${from}${to}${said}`;
    case 'REJECTED_REQUEST':
      return `${who} rejected the request for ${to}${said}`;
    case 'CANCELLED_REQUEST':
      return `${who} cancelled the request for ${to}${said}`;
    case 'APPLIED_TRANSITION':
      return `${who} moved it ${from}${to}${said}`;
    case 'SYSTEM_TRANSITION':
      return `moved ${from}${to} by the system${system}`;
    case 'NEW_COMMENT':
      return `${who} commented${said}`;
    default:
      return `${a.activity_type ?? 'event'} by ${who}${said}`;
  }
}

/** Protobuf JSON may send int64 timestamps as strings. */
function numericTimes<T extends { creation_timestamp?: number; last_updated_timestamp?: number }>(a: T): T {
  const out = { ...a };
  if (out.creation_timestamp !== undefined) out.creation_timestamp = Number(out.creation_timestamp);
  if (out.last_updated_timestamp !== undefined) out.last_updated_timestamp = Number(out.last_updated_timestamp);
  return out;
}
