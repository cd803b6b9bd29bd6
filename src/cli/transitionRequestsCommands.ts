import {
  approveTransitionRequest,
  cancelTransitionRequest,
  canonicalStage,
  createTransitionRequest,
  describeActivity,
  listModelVersionActivities,
  listTransitionRequests,
  rejectTransitionRequest,
  type RegistryActivity,
  type VersionRef,
} from '../engine/databricks/transitionRequests';
import type { MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import { CliUsageError, defineCommand, type CliCommand, type CliIo, type CliOptions } from './cliCommand';
import { isoTime, printList } from './textTable';
import { connectWorkspace, DATABRICKS_URI_OPTION, FORMAT_OPTION, MODEL_NAME_OPTION, MODEL_VERSION_OPTION } from './trackingOptions';

// `models requests list|create|approve|reject|cancel|history`: stage transition requests of a
// Databricks workspace model registry. Exit codes: 0 ok, 1 refused by the workspace, 2 usage.

const VERSION_OPTIONS = {
  name: MODEL_NAME_OPTION,
  version: MODEL_VERSION_OPTION,
  'tracking-uri': DATABRICKS_URI_OPTION,
  format: FORMAT_OPTION,
} as const satisfies CliOptions;
const ACTION_OPTIONS = {
  ...VERSION_OPTIONS,
  stage: { type: 'string', value: 'Staging|Production|Archived|None', required: true, description: 'the stage of the request' },
  comment: { type: 'string', value: 'TEXT', description: 'a comment recorded with the action' },
} as const satisfies CliOptions;

/** A client of a Databricks workspace registry (not Unity Catalog): the only registries with transition requests. */
function workspaceClient(trackingUri: string | undefined): Promise<MlflowRestClient> {
  return connectWorkspace(trackingUri, 'stage transition requests', { workspaceRegistry: true });
}

function versionOf(values: { name: string; version: string }): { name: string; version: string } {
  if (!/^\d+$/.test(values.version)) throw new CliUsageError(`--version must be a version number, not '${values.version}'`);
  return { name: values.name, version: values.version };
}

function stageOf(given: string): string {
  try {
    return canonicalStage(given);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** What a request action names: the model version and the stage (checked), and the workspace. */
async function actionOf(values: { name: string; version: string; stage: string; 'tracking-uri'?: string }): Promise<{
  ref: { name: string; version: string };
  stage: string;
  client: MlflowRestClient;
}> {
  const ref = versionOf(values);
  const stage = stageOf(values.stage);
  return { ref, stage, client: await workspaceClient(values['tracking-uri']) };
}

function printActivity(io: CliIo, format: string, activity: RegistryActivity, text: string): void {
  io.out(format === 'json' ? JSON.stringify(activity, null, 2) : text);
}

/** A command that lists what `read` finds for one model version: a table (or JSON), `none` when it finds nothing. */
function versionListCommand(
  name: string,
  summary: string,
  read: (client: MlflowRestClient, ref: VersionRef) => Promise<RegistryActivity[]>,
  table: (ref: VersionRef) => { header: string[]; row: (activity: RegistryActivity) => string[]; none: string },
): CliCommand {
  return defineCommand({
    name,
    summary,
    options: VERSION_OPTIONS,
    async run({ values, io }) {
      const ref = versionOf(values);
      printList(io, values.format, await read(await workspaceClient(values['tracking-uri']), ref), table(ref));
    },
  });
}

export const requestsListCommand = versionListCommand(
  'models requests list',
  'List the open stage transition requests of a model version (Databricks workspace registry).',
  listTransitionRequests,
  (ref) => ({
    header: ['STAGE', 'REQUESTED BY', 'CREATED', 'COMMENT', 'YOU MAY'],
    row: (r) => [
      r.to_stage ?? '',
      r.user_id ?? '',
      isoTime(r.creation_timestamp),
      r.comment ?? '',
      (r.available_actions ?? []).map((a) => a.replace(/_TRANSITION_REQUEST$/, '').toLowerCase()).join(','),
    ],
    none: `No open transition requests for ${ref.name} version ${ref.version}.`,
  }),
);

export const requestsCreateCommand = defineCommand({
  name: 'models requests create',
  summary: 'Request that a model version move to a stage; a user with Can Manage approves or rejects it.',
  options: ACTION_OPTIONS,
  async run({ values, io }) {
    const { ref, stage, client } = await actionOf(values);
    const request = await createTransitionRequest(client, { ...ref, stage, comment: values.comment });
    printActivity(io, values.format, request, `Requested ${stage} for ${ref.name} version ${ref.version}${request.user_id ? ` (as ${request.user_id})` : ''}.`);
  },
});

export const requestsApproveCommand = defineCommand({
  name: 'models requests approve',
  summary: 'Approve the open request to move a model version to a stage (needs Can Manage); the version moves.',
  options: { ...ACTION_OPTIONS, 'archive-existing': { type: 'boolean', description: 'archive the versions now in that stage' } },
  async run({ values, io }) {
    const { ref, stage, client } = await actionOf(values);
    const archive = values['archive-existing'];
    const activity = await approveTransitionRequest(client, { ...ref, stage, archiveExistingVersions: archive, comment: values.comment });
    printActivity(
      io,
      values.format,
      activity,
      `Approved: ${ref.name} version ${ref.version} is now in ${stage}${archive ? ' (other versions in that stage archived)' : ''}.`,
    );
  },
});

export const requestsRejectCommand = defineCommand({
  name: 'models requests reject',
  summary: 'Reject the open request to move a model version to a stage (needs Can Manage).',
  options: ACTION_OPTIONS,
  async run({ values, io }) {
    const { ref, stage, client } = await actionOf(values);
    const activity = await rejectTransitionRequest(client, { ...ref, stage, comment: values.comment });
    printActivity(io, values.format, activity, `Rejected the request to move ${ref.name} version ${ref.version} to ${stage}.`);
  },
});

export const requestsCancelCommand = defineCommand({
  name: 'models requests cancel',
  summary: 'Cancel an open transition request (your own unless --creator names another requester).',
  options: { ...ACTION_OPTIONS, creator: { type: 'string', value: 'USER', description: 'the requester (default: you)' } },
  async run({ values, io }) {
    const { ref, stage, client } = await actionOf(values);
    // The API names the request by its creator; by default, the signed-in user.
    const creator = values.creator ?? (await client.requestJson<{ userName: string }>('GET', 'api/2.0/preview/scim/v2/Me')).userName;
    const activity = await cancelTransitionRequest(client, { ...ref, stage, creator, comment: values.comment });
    printActivity(io, values.format, activity, `Cancelled ${creator}'s request to move ${ref.name} version ${ref.version} to ${stage}.`);
  },
});

export const requestsHistoryCommand = versionListCommand(
  'models requests history',
  'Show the activity of a model version: requests, approvals, rejections, cancellations, transitions, comments.',
  listModelVersionActivities,
  (ref) => ({
    header: ['TIME', 'EVENT'],
    row: (a) => [isoTime(a.creation_timestamp), describeActivity(a)],
    none: `No activity recorded for ${ref.name} version ${ref.version}.`,
  }),
);

export const transitionRequestsCommands: CliCommand[] = [
  requestsListCommand,
  requestsCreateCommand,
  requestsApproveCommand,
  requestsRejectCommand,
  requestsCancelCommand,
  requestsHistoryCommand,
];
