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
} from '../engine/databricks/transitionRequests';
import type { MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { CliCommand, CliIo } from './cliCommand';
import { CliUsageError, connectWorkspace, formatTable, isoTime, oneFlag, outputFormat, runListCommand } from './experimentsCommand';
import { parseArgs, required } from './modelsRegistryCommands';

// `models requests list|create|approve|reject|cancel|history`: stage transition requests of a
// Databricks workspace model registry. Exit codes: 0 ok, 1 refused by the workspace, 2 usage.

type Flags = Map<string, string[]>;

const VERSION_FLAGS = { name: 'string', version: 'string', 'tracking-uri': 'string', format: 'string' } as const;
const ACTION_FLAGS = { ...VERSION_FLAGS, stage: 'string', comment: 'string' } as const;

/** A client of a Databricks workspace registry (not Unity Catalog): the only registries with transition requests. */
function workspaceClient(flags: Flags): MlflowRestClient {
  return connectWorkspace(flags, 'stage transition requests', { workspaceRegistry: true });
}

function versionOf(flags: Flags): { name: string; version: string } {
  const name = required(flags, 'name');
  const version = required(flags, 'version');
  if (!/^\d+$/.test(version)) throw new CliUsageError(`--version must be a version number, not '${version}'`);
  return { name, version };
}

function stageOf(flags: Flags): string {
  const given = required(flags, 'stage');
  try {
    return canonicalStage(given);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

function printActivity(io: CliIo, format: 'text' | 'json', activity: RegistryActivity, text: string): void {
  io.out(format === 'json' ? JSON.stringify(activity, null, 2) : text);
}

export const requestsListCommand: CliCommand = {
  name: 'models requests list',
  summary: 'List the open stage transition requests of a model version (Databricks workspace registry).',
  usage: 'models requests list --name NAME --version V [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsListCommand, io, async () => {
      const { flags } = parseArgs(args, VERSION_FLAGS);
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const requests = await listTransitionRequests(workspaceClient(flags), ref);
      if (format === 'json') return io.out(JSON.stringify(requests, null, 2));
      if (requests.length === 0) return io.out(`No open transition requests for ${ref.name} version ${ref.version}.`);
      io.out(
        formatTable(
          ['STAGE', 'REQUESTED BY', 'CREATED', 'COMMENT', 'YOU MAY'],
          requests.map((r) => [
            r.to_stage ?? '',
            r.user_id ?? '',
            isoTime(r.creation_timestamp),
            r.comment ?? '',
            (r.available_actions ?? []).map((a) => a.replace(/_TRANSITION_REQUEST$/, '').toLowerCase()).join(','),
          ]),
        ),
      );
    });
  },
};

export const requestsCreateCommand: CliCommand = {
  name: 'models requests create',
  summary: 'Request that a model version move to a stage; a user with Can Manage approves or rejects it.',
  usage: 'models requests create --name NAME --version V --stage Staging|Production|Archived|None [--comment TEXT] [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsCreateCommand, io, async () => {
      const { flags } = parseArgs(args, ACTION_FLAGS);
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const stage = stageOf(flags);
      const request = await createTransitionRequest(workspaceClient(flags), { ...ref, stage, comment: oneFlag(flags, 'comment') });
      printActivity(io, format, request, `Requested ${stage} for ${ref.name} version ${ref.version}${request.user_id ? ` (as ${request.user_id})` : ''}.`);
    });
  },
};

export const requestsApproveCommand: CliCommand = {
  name: 'models requests approve',
  summary: 'Approve the open request to move a model version to a stage (needs Can Manage); the version moves.',
  usage: 'models requests approve --name NAME --version V --stage STAGE [--archive-existing] [--comment TEXT] [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsApproveCommand, io, async () => {
      const { flags, on } = parseArgs(args, ACTION_FLAGS, ['archive-existing']);
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const stage = stageOf(flags);
      const archive = on.has('archive-existing');
      const activity = await approveTransitionRequest(workspaceClient(flags), { ...ref, stage, archiveExistingVersions: archive, comment: oneFlag(flags, 'comment') });
      printActivity(io, format, activity, `Approved: ${ref.name} version ${ref.version} is now in ${stage}${archive ? ' (other versions in that stage archived)' : ''}.`);
    });
  },
};

export const requestsRejectCommand: CliCommand = {
  name: 'models requests reject',
  summary: 'Reject the open request to move a model version to a stage (needs Can Manage).',
  usage: 'models requests reject --name NAME --version V --stage STAGE [--comment TEXT] [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsRejectCommand, io, async () => {
      const { flags } = parseArgs(args, ACTION_FLAGS);
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const stage = stageOf(flags);
      const activity = await rejectTransitionRequest(workspaceClient(flags), { ...ref, stage, comment: oneFlag(flags, 'comment') });
      printActivity(io, format, activity, `Rejected the request to move ${ref.name} version ${ref.version} to ${stage}.`);
    });
  },
};

export const requestsCancelCommand: CliCommand = {
  name: 'models requests cancel',
  summary: 'Cancel an open transition request (your own unless --creator names another requester).',
  usage: 'models requests cancel --name NAME --version V --stage STAGE [--creator USER] [--comment TEXT] [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsCancelCommand, io, async () => {
      const { flags } = parseArgs(args, { ...ACTION_FLAGS, creator: 'string' });
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const stage = stageOf(flags);
      const client = workspaceClient(flags);
      // The API names the request by its creator; by default, the signed-in user.
      const creator = oneFlag(flags, 'creator') ?? (await client.requestJson<{ userName: string }>('GET', 'api/2.0/preview/scim/v2/Me')).userName;
      const activity = await cancelTransitionRequest(client, { ...ref, stage, creator, comment: oneFlag(flags, 'comment') });
      printActivity(io, format, activity, `Cancelled ${creator}'s request to move ${ref.name} version ${ref.version} to ${stage}.`);
    });
  },
};

export const requestsHistoryCommand: CliCommand = {
  name: 'models requests history',
  summary: 'Show the activity of a model version: requests, approvals, rejections, cancellations, transitions, comments.',
  usage: 'models requests history --name NAME --version V [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(requestsHistoryCommand, io, async () => {
      const { flags } = parseArgs(args, VERSION_FLAGS);
      const format = outputFormat(flags);
      const ref = versionOf(flags);
      const activities = await listModelVersionActivities(workspaceClient(flags), ref);
      if (format === 'json') return io.out(JSON.stringify(activities, null, 2));
      if (activities.length === 0) return io.out(`No activity recorded for ${ref.name} version ${ref.version}.`);
      io.out(formatTable(['TIME', 'EVENT'], activities.map((a) => [isoTime(a.creation_timestamp), describeActivity(a)])));
    });
  },
};

export const transitionRequestsCommands: CliCommand[] = [
  requestsListCommand,
  requestsCreateCommand,
  requestsApproveCommand,
  requestsRejectCommand,
  requestsCancelCommand,
  requestsHistoryCommand,
];
