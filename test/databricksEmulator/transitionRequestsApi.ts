import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { MlflowModelVersion, ModelVersionStage } from '../../src/engine/mlflow/mlflowTypes';
import { booleanParam, requestParams, stringParam, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';

// The workspace model registry's stage transition requests, comments and activity history, which
// the open-source MLflow server lacks. Requests and activities live in memory here; the stage
// changes themselves (approve, direct transitions) are made on the real MLflow server.

/** Someone signed in to the emulated workspace. */
export interface EmulatedUser {
  token: string;
  userName: string;
  /** "Can Manage" on registered models: approve, reject, transition directly. Default true. */
  canManageModels?: boolean;
}

type ActivityType =
  'APPLIED_TRANSITION' | 'REQUESTED_TRANSITION' | 'CANCELLED_REQUEST' | 'APPROVED_REQUEST' | 'REJECTED_REQUEST' | 'SYSTEM_TRANSITION' | 'NEW_COMMENT';

interface Activity {
  id: string;
  activity_type: ActivityType;
  from_stage?: string;
  to_stage?: string;
  comment?: string;
  system_comment?: string;
  user_id: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

interface OpenRequest {
  activity: Activity;
}

const STAGES: ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Paths under /api/2.0/mlflow/ (and the UI's /preview/ and /ajax-api/ variants) answered here, not by MLflow. */
const OWN_PATH =
  /^\/(?:api|ajax-api)\/2\.0\/(?:preview\/)?mlflow\/(transition-requests\/(?:create|list|approve|reject|delete)|comments\/create|model-versions\/get-activities|databricks\/model-versions\/transition-stage|model-versions\/transition-stage)$/;

export class TransitionRequestsApi {
  private readonly upstream: MlflowRestClient;
  private readonly open = new Map<string, OpenRequest[]>();
  private readonly activities = new Map<string, Activity[]>();
  private nextId = 1;

  constructor(mlflowTrackingUri: string) {
    this.upstream = new MlflowRestClient({ baseUrl: mlflowTrackingUri }, { maxRetries: 1 });
  }

  /** The operation this path names, when it is one of ours. */
  static operationOf(path: string): string | undefined {
    return OWN_PATH.exec(path)?.[1];
  }

  /** Operation → the HTTP method it answers and its handler. */
  private readonly routes = new Map<string, { method: string; handle: (params: Record<string, unknown>, user: EmulatedUser) => Promise<unknown> }>([
    ['transition-requests/create', { method: 'POST', handle: (p, u) => this.create(p, u) }],
    ['transition-requests/list', { method: 'GET', handle: (p, u) => this.list(p, u) }],
    ['transition-requests/approve', { method: 'POST', handle: (p, u) => this.approve(p, u) }],
    ['transition-requests/reject', { method: 'POST', handle: (p, u) => this.reject(p, u) }],
    ['transition-requests/delete', { method: 'DELETE', handle: (p, u) => this.cancel(p, u) }],
    ['comments/create', { method: 'POST', handle: (p, u) => this.comment(p, u) }],
    ['model-versions/get-activities', { method: 'GET', handle: (p) => this.history(p) }],
    [
      'databricks/model-versions/transition-stage',
      { method: 'POST', handle: async (p, u) => ({ model_version_databricks: await this.transitionDirectly(p, u) }) },
    ],
    ['model-versions/transition-stage', { method: 'POST', handle: async (p, u) => ({ model_version: await this.transitionDirectly(p, u) }) }],
  ]);

  async handle(req: ApiRequest, op: string, user: EmulatedUser): Promise<unknown> {
    const params = requestParams(req);
    const route = this.routes.get(op);
    if (route?.method !== req.method) throw DatabricksError.endpointNotFound(req.method, req.path);
    return route.handle(params, user);
  }

  private async create(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const { name, version, stage } = this.target(params);
    const current = await this.version(name, version);
    const comment = stringParam(params, 'comment');
    if (current.current_stage === stage) {
      throw DatabricksError.invalidParameter(`Model version ${version} of '${name}' is already in stage ${stage}.`);
    }
    const requests = this.openOf(name, version);
    if (requests.some((r) => r.activity.to_stage === stage && r.activity.user_id === user.userName)) {
      throw DatabricksError.alreadyExists(`User ${user.userName} already has an open request to transition version ${version} of '${name}' to ${stage}.`);
    }
    const activity = this.recordTransition('REQUESTED_TRANSITION', { name, version, stage }, current, comment, user);
    requests.push({ activity });
    return { request: { ...this.requestView(activity, user) } };
  }

  private async list(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const name = stringParam(params, 'name', true);
    const version = stringParam(params, 'version', true);
    await this.version(name, version);
    return { requests: this.openOf(name, version).map((r) => ({ ...r.activity, available_actions: this.actionsFor(r.activity, user) })) };
  }

  private async approve(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const { name, version, stage } = this.target(params);
    if (params.archive_existing_versions === undefined) throw DatabricksError.invalidParameter('Missing required field: archive_existing_versions');
    const archive = booleanParam(params, 'archive_existing_versions');
    const comment = stringParam(params, 'comment');
    const current = await this.version(name, version);
    this.requireManage(user, name, 'approve transition requests');
    const matching = this.takeOpen(name, version, stage);
    if (matching.length === 0) throw this.noRequest(name, version, stage);
    await this.moveStage(name, version, stage, archive);
    const activity = this.recordTransition('APPROVED_REQUEST', { name, version, stage }, current, comment, user);
    return { activity };
  }

  private async reject(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const { name, version, stage } = this.target(params);
    const comment = stringParam(params, 'comment');
    const current = await this.version(name, version);
    this.requireManage(user, name, 'reject transition requests');
    const matching = this.takeOpen(name, version, stage);
    if (matching.length === 0) throw this.noRequest(name, version, stage);
    const activity = this.recordTransition('REJECTED_REQUEST', { name, version, stage }, current, comment, user);
    return { activity };
  }

  private async cancel(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const { name, version, stage } = this.target(params);
    const creator = stringParam(params, 'creator', true);
    const comment = stringParam(params, 'comment');
    const current = await this.version(name, version);
    const requests = this.openOf(name, version);
    const index = requests.findIndex((r) => r.activity.to_stage === stage && r.activity.user_id === creator);
    if (index === -1) throw this.noRequest(name, version, stage, creator);
    if (creator !== user.userName && user.canManageModels === false) {
      throw new DatabricksError(
        403,
        'PERMISSION_DENIED',
        `User ${user.userName} cannot cancel the transition request of ${creator}: only its creator or a user with 'Can Manage' on '${name}' can.`,
      );
    }
    requests.splice(index, 1);
    const activity = this.recordTransition('CANCELLED_REQUEST', { name, version, stage }, current, comment, user);
    return { activity };
  }

  private async comment(params: Record<string, unknown>, user: EmulatedUser): Promise<unknown> {
    const name = stringParam(params, 'name', true);
    const version = stringParam(params, 'version', true);
    const comment = stringParam(params, 'comment', true);
    await this.version(name, version);
    const activity = this.record(name, version, { activity_type: 'NEW_COMMENT', comment, user_id: user.userName });
    return { comment: { ...activity, available_actions: ['EDIT_COMMENT', 'DELETE_COMMENT'] } };
  }

  private async history(params: Record<string, unknown>): Promise<unknown> {
    const name = stringParam(params, 'name', true);
    const version = stringParam(params, 'version', true);
    await this.version(name, version);
    return { activities: [...(this.activities.get(key(name, version)) ?? [])] };
  }

  private async transitionDirectly(params: Record<string, unknown>, user: EmulatedUser): Promise<MlflowModelVersion> {
    const { name, version, stage } = this.target(params);
    const archive = booleanParam(params, 'archive_existing_versions');
    const comment = stringParam(params, 'comment');
    const current = await this.version(name, version);
    this.requireManage(user, name, 'transition model version stages');
    const moved = await this.moveStage(name, version, stage, archive);
    this.recordTransition('APPLIED_TRANSITION', { name, version, stage }, current, comment, user);
    return moved;
  }

  /** Moves the version on the real MLflow server; versions archived as a side effect get a SYSTEM_TRANSITION. */
  private async moveStage(name: string, version: string, stage: ModelVersionStage, archiveExisting: boolean): Promise<MlflowModelVersion> {
    const others =
      archiveExisting && stage !== 'None' && stage !== 'Archived'
        ? (
            await this.upstream
              .searchModelVersions({ filter: `name = '${name.replace(/'/g, "\\'")}'`, maxResults: 1000 })
              .catch((err: unknown) => this.fail(err))
          ).items.filter((v) => v.version !== version && v.current_stage === stage)
        : [];
    const moved = await this.upstream.transitionModelVersionStage(name, version, stage, archiveExisting).catch((err: unknown) => this.fail(err));
    for (const other of others) {
      this.record(name, other.version, {
        activity_type: 'SYSTEM_TRANSITION',
        from_stage: stage,
        to_stage: 'Archived',
        system_comment: `Archived because version ${version} was moved to ${stage}.`,
        user_id: 'system',
      });
    }
    return moved;
  }

  private target(params: Record<string, unknown>): { name: string; version: string; stage: ModelVersionStage } {
    const name = stringParam(params, 'name', true);
    const version = stringParam(params, 'version', true);
    const given = stringParam(params, 'stage', true);
    const stage = STAGES.find((s) => s.toLowerCase() === given.toLowerCase());
    if (!stage) throw DatabricksError.invalidParameter(`Invalid value '${given}' for parameter 'stage': supported values are ${STAGES.join(', ')}.`);
    return { name, version, stage };
  }

  /** The version on the real server; a missing one is RESOURCE_DOES_NOT_EXIST as Databricks says it. */
  private async version(name: string, version: string): Promise<MlflowModelVersion> {
    try {
      return await this.upstream.getModelVersion(name, version);
    } catch (err) {
      if (err instanceof MlflowApiError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.httpStatus === 404)) {
        throw DatabricksError.doesNotExist(`Model version with name '${name}' and version '${version}' does not exist.`);
      }
      return this.fail(err);
    }
  }

  private fail(err: unknown): never {
    if (err instanceof MlflowApiError && err.httpStatus !== undefined) {
      throw new DatabricksError(err.httpStatus, err.errorCode, err.detail ?? err.message);
    }
    throw err;
  }

  private requireManage(user: EmulatedUser, name: string, what: string): void {
    if (user.canManageModels === false) {
      throw new DatabricksError(
        403,
        'PERMISSION_DENIED',
        `User ${user.userName} does not have permission to ${what} on registered model '${name}': that needs 'Can Manage'. Ask an owner of the model.`,
      );
    }
  }

  private noRequest(name: string, version: string, stage: string, creator?: string): DatabricksError {
    return DatabricksError.doesNotExist(`Transition request to ${stage} for version ${version} of '${name}'${creator ? ` by ${creator}` : ''} does not exist.`);
  }

  private openOf(name: string, version: string): OpenRequest[] {
    const k = key(name, version);
    let list = this.open.get(k);
    if (!list) this.open.set(k, (list = []));
    return list;
  }

  private takeOpen(name: string, version: string, stage: string): OpenRequest[] {
    const requests = this.openOf(name, version);
    const taken = requests.filter((r) => r.activity.to_stage === stage);
    this.open.set(
      key(name, version),
      requests.filter((r) => r.activity.to_stage !== stage),
    );
    return taken;
  }

  /** A transition's activity on the version: from its current stage to `stage`, by `user`. */
  private recordTransition(
    type: Activity['activity_type'],
    { name, version, stage }: { name: string; version: string; stage: ModelVersionStage },
    current: MlflowModelVersion,
    comment: string | undefined,
    user: EmulatedUser,
  ): Activity {
    return this.record(name, version, { activity_type: type, from_stage: current.current_stage ?? 'None', to_stage: stage, comment, user_id: user.userName });
  }

  private record(name: string, version: string, fields: Omit<Activity, 'id' | 'creation_timestamp' | 'last_updated_timestamp'>): Activity {
    const now = Date.now();
    const activity: Activity = { id: String(this.nextId++), creation_timestamp: now, last_updated_timestamp: now, ...stripUndefined(fields) };
    const k = key(name, version);
    const list = this.activities.get(k) ?? [];
    list.push(activity);
    this.activities.set(k, list);
    return activity;
  }

  private actionsFor(activity: Activity, user: EmulatedUser): string[] {
    const actions: string[] = [];
    if (user.canManageModels !== false) actions.push('APPROVE_TRANSITION_REQUEST', 'REJECT_TRANSITION_REQUEST');
    if (activity.user_id === user.userName) actions.push('CANCEL_TRANSITION_REQUEST');
    return actions;
  }

  private requestView(activity: Activity, user: EmulatedUser): Record<string, unknown> {
    return {
      to_stage: activity.to_stage,
      comment: activity.comment,
      user_id: activity.user_id,
      creation_timestamp: activity.creation_timestamp,
      available_actions: this.actionsFor(activity, user),
    };
  }
}

function key(name: string, version: string): string {
  return `${name}\u0000${version}`;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
