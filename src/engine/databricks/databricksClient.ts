import { bearerAuth, type HttpAuth } from '../http/httpAuth';
import { HttpApiError, TransportErrorCodes } from '../http/httpErrors';
import { HttpTransport, type HttpResponse, type Method, type QueryValue } from '../http/httpTransport';
import { sleep } from '../mlflow/retryPolicy';
import type { CallOptions } from '../mlflow/mlflowTypes';
import {
  isTerminalLifeCycle,
  type ClusterInfo,
  type DatabricksConnection,
  type DbfsFileInfo,
  type JobRun,
  type RunOutput,
  type RunSubmitRequest,
  type ScimUser,
} from './databricksTypes';

/** DBFS moves at most 1 MB per put/add-block/read call. */
export const DBFS_BLOCK_BYTES = 1024 * 1024;

/** An error from a Databricks workspace (or from reaching it), with a message fit for a person. */
export class DatabricksApiError extends HttpApiError {
  constructor(message: string, errorCode: string, httpStatus: number | undefined, endpoint: string, serverMessage?: string) {
    super(message, errorCode, httpStatus, endpoint, serverMessage);
    this.name = 'DatabricksApiError';
  }

  /** The server's own message, unchanged (credentials removed). */
  get serverMessage(): string | undefined {
    return this.detail;
  }
}

/** Options of the generic request method. */
export type WorkspaceRequestOptions = {
  query?: Record<string, QueryValue>;
  json?: unknown;
  /** Raw bytes to send instead of JSON (application/octet-stream), e.g. a Files API upload. */
  body?: Buffer;
  /** Safe to resend (default: GET/PUT/DELETE, or a body with an idempotency_token). */
  idempotent?: boolean;
} & CallOptions;

/**
 * The Databricks REST calls the product makes (DBFS 2.0, Jobs 2.1 runs, Clusters 2.0, SCIM Me), and
 * `requestJson` for any other workspace API, over the one HTTP layer (src/engine/http): any sign-in
 * kind, retries of idempotent calls on 429/5xx honouring Retry-After, a deadline per request.
 */
export class DatabricksClient {
  readonly host: string;
  readonly transport: HttpTransport;

  constructor(connection: DatabricksConnection) {
    this.host = connection.host.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(this.host)) {
      throw new DatabricksApiError(
        `The Databricks host "${connection.host}" is not a URL: use https://<workspace>.cloud.databricks.com (or the Azure/GCP workspace URL).`,
        'INVALID_HOST',
        undefined,
        '',
      );
    }
    this.transport = new HttpTransport({
      baseUrl: this.host,
      auth: connection.auth ?? bearerAuth(connection.token ?? '', 'pat'),
      service: 'the Databricks workspace',
      timeoutMs: connection.timeoutMs ?? 60_000,
      maxRetries: connection.maxRetries ?? 4,
      retryMaxDelayMs: connection.maxRetryDelayMs ?? 30_000,
      errorClass: DatabricksApiError,
    });
  }

  /** The host without credentials, for messages. */
  get displayUrl(): string {
    return this.transport.displayUrl;
  }

  get auth(): HttpAuth {
    return this.transport.auth;
  }

  /**
   * Any workspace API: `path` like `/api/2.0/workspace/list` (leading slash optional). Resolves with
   * the decoded JSON; errors are DatabricksApiError with a message that says what to do.
   */
  async requestJson<T>(method: Method, path: string, opts: WorkspaceRequestOptions = {}): Promise<T> {
    const endpoint = '/' + path.replace(/^\/+/, '');
    const response = await this.transport.send({
      method,
      path: endpoint,
      query: opts.query,
      json: opts.json,
      body: opts.body,
      idempotent: opts.idempotent,
      signal: opts.signal,
      label: endpoint,
    });
    if (response.status >= 200 && response.status < 300) return this.transport.decodeJson<T>(response, endpoint);
    throw this.toError(response, endpoint, response.attempts - 1);
  }

  me(o: CallOptions = {}): Promise<ScimUser> {
    return this.get<ScimUser>('/api/2.0/preview/scim/v2/Me', undefined, o);
  }

  /** The file or folder at a DBFS path, or undefined when nothing is there. */
  async dbfsGetStatus(path: string, o: CallOptions = {}): Promise<DbfsFileInfo | undefined> {
    let info: DbfsFileInfo;
    try {
      info = await this.get<DbfsFileInfo>('/api/2.0/dbfs/get-status', { path }, o);
    } catch (err) {
      if (err instanceof DatabricksApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
    // An empty or foreign answer is not "it is there": callers would skip an upload on it.
    if (typeof info !== 'object' || info === null || typeof info.path !== 'string' || typeof info.is_dir !== 'boolean') {
      throw new DatabricksApiError(
        `/api/2.0/dbfs/get-status: the Databricks workspace at ${this.displayUrl} answered without the status of ${path} (no path and is_dir): is it a Databricks workspace URL?`,
        'INVALID_RESPONSE',
        200,
        '/api/2.0/dbfs/get-status',
      );
    }
    return info;
  }

  async dbfsMkdirs(path: string, o: CallOptions = {}): Promise<void> {
    await this.post('/api/2.0/dbfs/mkdirs', { path }, true, o);
  }

  /** Uploads bytes: one `put` up to 1 MB, else a create / add-block (1 MB each) / close stream. */
  async dbfsUpload(path: string, data: Buffer, options: { overwrite?: boolean } & CallOptions = {}): Promise<void> {
    const overwrite = options.overwrite ?? false;
    const o: CallOptions = { signal: options.signal };
    if (data.length <= DBFS_BLOCK_BYTES) {
      await this.post('/api/2.0/dbfs/put', { path, contents: data.toString('base64'), overwrite }, overwrite, o);
      return;
    }
    const { handle } = await this.post<{ handle: number }>('/api/2.0/dbfs/create', { path, overwrite }, undefined, o);
    for (let offset = 0; offset < data.length; offset += DBFS_BLOCK_BYTES) {
      await this.post('/api/2.0/dbfs/add-block', { handle, data: data.subarray(offset, offset + DBFS_BLOCK_BYTES).toString('base64') }, undefined, o);
    }
    await this.post('/api/2.0/dbfs/close', { handle }, undefined, o);
  }

  /** Reads a whole DBFS file, 1 MB per call. */
  async dbfsRead(path: string, o: CallOptions = {}): Promise<Buffer> {
    const info = await this.get<DbfsFileInfo>('/api/2.0/dbfs/get-status', { path }, o);
    if (info.is_dir) throw new DatabricksApiError(`Cannot read ${path} from DBFS: it is a folder.`, 'INVALID_PARAMETER_VALUE', 400, '/api/2.0/dbfs/read');
    const chunks: Buffer[] = [];
    let offset = 0;
    while (offset < info.file_size) {
      const { bytes_read, data } = await this.get<{ bytes_read: number; data?: string }>('/api/2.0/dbfs/read', { path, offset, length: DBFS_BLOCK_BYTES }, o);
      if (!bytes_read) break;
      chunks.push(Buffer.from(data ?? '', 'base64'));
      offset += bytes_read;
    }
    return Buffer.concat(chunks);
  }

  async dbfsList(path: string, o: CallOptions = {}): Promise<DbfsFileInfo[]> {
    const body = await this.get<{ files?: DbfsFileInfo[] }>('/api/2.0/dbfs/list', { path }, o);
    return body.files ?? [];
  }

  async dbfsDelete(path: string, options: { recursive?: boolean } & CallOptions = {}): Promise<void> {
    await this.post('/api/2.0/dbfs/delete', { path, recursive: options.recursive ?? false }, true, { signal: options.signal });
  }

  async dbfsMove(sourcePath: string, destinationPath: string, o: CallOptions = {}): Promise<void> {
    await this.post('/api/2.0/dbfs/move', { source_path: sourcePath, destination_path: destinationPath }, undefined, o);
  }

  /** Submits a one-time run (Jobs 2.1) and returns its run id. */
  async submitRun(body: RunSubmitRequest, o: CallOptions = {}): Promise<number> {
    const { run_id } = await this.post<{ run_id: number }>('/api/2.1/jobs/runs/submit', body, undefined, o);
    return run_id;
  }

  /**
   * `POST /api/2.0/jobs/runs/submit` with the single-task body `mlflow run -b databricks` sends
   * (top-level new_cluster, libraries and one task).
   */
  async submitSingleTaskRun(body: Record<string, unknown>, o: CallOptions = {}): Promise<number> {
    const { run_id } = await this.post<{ run_id: number }>('/api/2.0/jobs/runs/submit', body, undefined, o);
    return run_id;
  }

  getRun(runId: number, o: CallOptions = {}): Promise<JobRun> {
    return this.get<JobRun>('/api/2.1/jobs/runs/get', { run_id: runId }, o);
  }

  /** Output of a single-task run or of one task run (multi-task runs: pass a task's run_id). */
  getRunOutput(runId: number, o: CallOptions = {}): Promise<RunOutput> {
    return this.get<RunOutput>('/api/2.1/jobs/runs/get-output', { run_id: runId }, o);
  }

  async cancelRun(runId: number, o: CallOptions = {}): Promise<void> {
    await this.post('/api/2.1/jobs/runs/cancel', { run_id: runId }, true, o);
  }

  async listRuns(options: { activeOnly?: boolean; limit?: number } & CallOptions = {}): Promise<JobRun[]> {
    const body = await this.get<{ runs?: JobRun[] }>(
      '/api/2.1/jobs/runs/list',
      { active_only: options.activeOnly ?? false, limit: options.limit ?? 25 },
      { signal: options.signal },
    );
    return body.runs ?? [];
  }

  /** Polls a run until its life cycle ends (or `timeoutMs` passes), reporting each state change. */
  async waitForRun(
    runId: number,
    options: { pollIntervalMs?: number; timeoutMs?: number; onState?: (run: JobRun) => void } & CallOptions = {},
  ): Promise<JobRun> {
    const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
    let last = '';
    for (;;) {
      const run = await this.getRun(runId, { signal: options.signal });
      const key = `${run.state.life_cycle_state}/${run.state.result_state ?? ''}`;
      if (key !== last) options.onState?.(run);
      last = key;
      if (isTerminalLifeCycle(run.state.life_cycle_state)) return run;
      if (Date.now() > deadline) {
        throw new DatabricksApiError(
          `Run ${runId} on ${this.host} is still ${run.state.life_cycle_state} after the wait limit; see ${run.run_page_url ?? 'the Jobs page'}.`,
          'TIMEOUT',
          undefined,
          '/api/2.1/jobs/runs/get',
        );
      }
      await this.pause(options.pollIntervalMs ?? 5000, options.signal, '/api/2.1/jobs/runs/get');
    }
  }

  async listClusters(o: CallOptions = {}): Promise<ClusterInfo[]> {
    const body = await this.get<{ clusters?: ClusterInfo[] }>('/api/2.0/clusters/list', undefined, o);
    return body.clusters ?? [];
  }

  getCluster(clusterId: string, o: CallOptions = {}): Promise<ClusterInfo> {
    return this.get<ClusterInfo>('/api/2.0/clusters/get', { cluster_id: clusterId }, o);
  }

  /**
   * Waits `ms`, or ends at once with a CANCELLED error when `signal` aborts (a poll loop's pause:
   * Ctrl-C must not wait for the next poll).
   */
  async pause(ms: number, signal: AbortSignal | undefined, endpoint: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw this.transport.error(`${endpoint}: cancelled.`, TransportErrorCodes.cancelled, undefined, endpoint);
    }
  }

  private get<T>(endpoint: string, params?: Record<string, QueryValue>, o: CallOptions = {}): Promise<T> {
    return this.requestJson<T>('GET', endpoint, { query: params, signal: o.signal });
  }

  /** Calls that are safe to resend say so; others are not retried after a broken connection or 5xx. */
  private post<T = unknown>(endpoint: string, body: unknown, idempotent?: boolean, o: CallOptions = {}): Promise<T> {
    return this.requestJson<T>('POST', endpoint, { json: body, idempotent, signal: o.signal });
  }

  private signInAdvice(): string {
    switch (this.transport.auth.kind) {
      case 'databricks-cli':
        return 'Sign in again with `databricks auth login --host ' + this.displayUrl + "` (or the profile's name with --profile).";
      case 'azure-cli':
        return 'Sign in again with `az login`, with an account of this workspace.';
      case 'oauth-m2m':
        return 'Check client_id and client_secret of the service principal, and that it belongs to this workspace.';
      default:
        return 'Set a personal access token (DATABRICKS_TOKEN, or token in ~/.databrickscfg), or sign in with the Databricks CLI.';
    }
  }

  private toError(response: HttpResponse, endpoint: string, retries: number): DatabricksApiError {
    const status = response.status;
    const text = response.data.toString('utf8');
    let body: { error_code?: unknown; message?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const bodyCode = body && typeof body.error_code === 'string' ? body.error_code : undefined;
    const serverMessage =
      body && typeof body.message === 'string'
        ? body.message
        : (response.headers['x-databricks-reason-phrase'] ?? (text.length < 300 && !/^\s*</.test(text) ? text.trim() : ''));
    const code = bodyCode ?? defaultCode(status);
    const said = serverMessage ? `: ${serverMessage}` : '';
    const host = this.displayUrl;
    let message: string;
    if (status === 401) {
      message = `Databricks at ${host} did not accept the request to ${endpoint} (HTTP 401${said}). The access token is missing or invalid. ${this.signInAdvice()}`;
    } else if (status === 403 && /invalid access token/i.test(serverMessage)) {
      const advice = this.transport.auth.kind === 'pat' || this.transport.auth.kind === 'bearer' ? 'create a new personal access token.' : this.signInAdvice();
      message = `Databricks at ${host} refused the access token (HTTP 403${said}). It may be expired, revoked or made for another workspace: ${advice}`;
    } else if (status === 403) {
      message = `Permission denied by Databricks at ${host} on ${endpoint} (HTTP 403${said}). Ask a workspace admin for access.`;
    } else if (code === 'ENDPOINT_NOT_FOUND') {
      message = `${host} has no API ${endpoint} (HTTP 404${said}). Is it a Databricks workspace URL?`;
    } else if (status === 429) {
      message = `Databricks at ${host} is rate-limiting requests to ${endpoint} (HTTP 429, still limited after ${retries} retries). Wait a minute and try again.`;
    } else if (status >= 500) {
      message = `Databricks at ${host} failed on ${endpoint} (HTTP ${status}${said}) after ${retries} retries. Try again later.`;
    } else {
      message = `${endpoint}: ${serverMessage || `HTTP ${status}`}`;
    }
    return this.transport.error(message, code, status, endpoint, serverMessage || undefined) as DatabricksApiError;
  }
}

function defaultCode(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  return `HTTP_${status}`;
}
