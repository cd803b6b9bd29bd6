import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
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
export class DatabricksApiError extends Error {
  constructor(
    message: string,
    /** Databricks' `error_code` (e.g. RESOURCE_DOES_NOT_EXIST), HTTP_<status>, or a network code such as ECONNREFUSED. */
    readonly errorCode: string,
    readonly httpStatus: number | undefined,
    readonly endpoint: string,
    /** The server's own message, unchanged. */
    readonly serverMessage?: string,
  ) {
    super(message);
    this.name = 'DatabricksApiError';
  }
}

const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/**
 * The Databricks REST calls the product makes (DBFS 2.0, Jobs 2.1 runs, Clusters 2.0, SCIM Me).
 * Retries 429 and 5xx with backoff, honouring Retry-After within `maxRetryDelayMs`.
 */
export class DatabricksClient {
  readonly host: string;
  private readonly http: AxiosInstance;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;

  constructor(connection: DatabricksConnection) {
    this.host = connection.host.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(this.host)) {
      throw new DatabricksApiError(`The Databricks host "${connection.host}" is not a URL: use https://<workspace>.cloud.databricks.com (or the Azure/GCP workspace URL).`, 'INVALID_HOST', undefined, '');
    }
    this.maxRetries = connection.maxRetries ?? 4;
    this.maxRetryDelayMs = connection.maxRetryDelayMs ?? 30_000;
    this.http = axios.create({
      baseURL: this.host,
      timeout: connection.timeoutMs ?? 60_000,
      headers: { Authorization: `Bearer ${connection.token}` },
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      // A redirect to a login page means the token is not used: report it, do not follow.
      maxRedirects: 0,
    });
  }

  me(): Promise<ScimUser> {
    return this.get<ScimUser>('/api/2.0/preview/scim/v2/Me');
  }

  /** The file or folder at a DBFS path, or undefined when nothing is there. */
  async dbfsGetStatus(path: string): Promise<DbfsFileInfo | undefined> {
    try {
      return await this.get<DbfsFileInfo>('/api/2.0/dbfs/get-status', { path });
    } catch (err) {
      if (err instanceof DatabricksApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async dbfsMkdirs(path: string): Promise<void> {
    await this.post('/api/2.0/dbfs/mkdirs', { path });
  }

  /** Uploads bytes: one `put` up to 1 MB, else a create / add-block (1 MB each) / close stream. */
  async dbfsUpload(path: string, data: Buffer, options: { overwrite?: boolean } = {}): Promise<void> {
    const overwrite = options.overwrite ?? false;
    if (data.length <= DBFS_BLOCK_BYTES) {
      await this.post('/api/2.0/dbfs/put', { path, contents: data.toString('base64'), overwrite });
      return;
    }
    const { handle } = await this.post<{ handle: number }>('/api/2.0/dbfs/create', { path, overwrite });
    for (let offset = 0; offset < data.length; offset += DBFS_BLOCK_BYTES) {
      await this.post('/api/2.0/dbfs/add-block', { handle, data: data.subarray(offset, offset + DBFS_BLOCK_BYTES).toString('base64') });
    }
    await this.post('/api/2.0/dbfs/close', { handle });
  }

  /** Reads a whole DBFS file, 1 MB per call. */
  async dbfsRead(path: string): Promise<Buffer> {
    const info = await this.get<DbfsFileInfo>('/api/2.0/dbfs/get-status', { path });
    if (info.is_dir) throw new DatabricksApiError(`Cannot read ${path} from DBFS: it is a folder.`, 'INVALID_PARAMETER_VALUE', 400, '/api/2.0/dbfs/read');
    const chunks: Buffer[] = [];
    let offset = 0;
    while (offset < info.file_size) {
      const { bytes_read, data } = await this.get<{ bytes_read: number; data?: string }>('/api/2.0/dbfs/read', { path, offset, length: DBFS_BLOCK_BYTES });
      if (!bytes_read) break;
      chunks.push(Buffer.from(data ?? '', 'base64'));
      offset += bytes_read;
    }
    return Buffer.concat(chunks);
  }

  async dbfsList(path: string): Promise<DbfsFileInfo[]> {
    const body = await this.get<{ files?: DbfsFileInfo[] }>('/api/2.0/dbfs/list', { path });
    return body.files ?? [];
  }

  async dbfsDelete(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.post('/api/2.0/dbfs/delete', { path, recursive: options.recursive ?? false });
  }

  async dbfsMove(sourcePath: string, destinationPath: string): Promise<void> {
    await this.post('/api/2.0/dbfs/move', { source_path: sourcePath, destination_path: destinationPath });
  }

  /** Submits a one-time run (Jobs 2.1) and returns its run id. */
  async submitRun(body: RunSubmitRequest): Promise<number> {
    const { run_id } = await this.post<{ run_id: number }>('/api/2.1/jobs/runs/submit', body);
    return run_id;
  }

  /**
   * `POST /api/2.0/jobs/runs/submit` with the single-task body `mlflow run -b databricks` sends
   * (top-level new_cluster, libraries and one task).
   */
  async submitSingleTaskRun(body: Record<string, unknown>): Promise<number> {
    const { run_id } = await this.post<{ run_id: number }>('/api/2.0/jobs/runs/submit', body);
    return run_id;
  }

  getRun(runId: number): Promise<JobRun> {
    return this.get<JobRun>('/api/2.1/jobs/runs/get', { run_id: runId });
  }

  /** Output of a single-task run or of one task run (multi-task runs: pass a task's run_id). */
  getRunOutput(runId: number): Promise<RunOutput> {
    return this.get<RunOutput>('/api/2.1/jobs/runs/get-output', { run_id: runId });
  }

  async cancelRun(runId: number): Promise<void> {
    await this.post('/api/2.1/jobs/runs/cancel', { run_id: runId });
  }

  async listRuns(options: { activeOnly?: boolean; limit?: number } = {}): Promise<JobRun[]> {
    const body = await this.get<{ runs?: JobRun[] }>('/api/2.1/jobs/runs/list', { active_only: options.activeOnly ?? false, limit: options.limit ?? 25 });
    return body.runs ?? [];
  }

  /** Polls a run until its life cycle ends (or `timeoutMs` passes), reporting each state change. */
  async waitForRun(runId: number, options: { pollIntervalMs?: number; timeoutMs?: number; onState?: (run: JobRun) => void } = {}): Promise<JobRun> {
    const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
    let last = '';
    for (;;) {
      const run = await this.getRun(runId);
      const key = `${run.state.life_cycle_state}/${run.state.result_state ?? ''}`;
      if (key !== last) options.onState?.(run);
      last = key;
      if (isTerminalLifeCycle(run.state.life_cycle_state)) return run;
      if (Date.now() > deadline) {
        throw new DatabricksApiError(`Run ${runId} on ${this.host} is still ${run.state.life_cycle_state} after the wait limit; see ${run.run_page_url ?? 'the Jobs page'}.`, 'TIMEOUT', undefined, '/api/2.1/jobs/runs/get');
      }
      await sleep(options.pollIntervalMs ?? 5000);
    }
  }

  async listClusters(): Promise<ClusterInfo[]> {
    const body = await this.get<{ clusters?: ClusterInfo[] }>('/api/2.0/clusters/list');
    return body.clusters ?? [];
  }

  getCluster(clusterId: string): Promise<ClusterInfo> {
    return this.get<ClusterInfo>('/api/2.0/clusters/get', { cluster_id: clusterId });
  }

  /**
   * Any workspace REST call (Workspace API, Files API, ...), with this client's auth, retries and
   * errors. A Buffer body is sent as raw bytes (application/octet-stream), anything else as JSON.
   * Retried on 429/5xx like every call: use it only for idempotent requests.
   */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'HEAD' | 'DELETE', endpoint: string, options: { params?: Record<string, unknown>; body?: unknown } = {}): Promise<T> {
    return this.send<T>(method, endpoint, options.params, options.body);
  }

  private get<T>(endpoint: string, params?: Record<string, unknown>): Promise<T> {
    return this.send<T>('GET', endpoint, params, undefined);
  }

  private post<T = unknown>(endpoint: string, body: unknown): Promise<T> {
    return this.send<T>('POST', endpoint, undefined, body);
  }

  private async send<T>(method: 'GET' | 'POST' | 'PUT' | 'HEAD' | 'DELETE', endpoint: string, params: unknown, data: unknown): Promise<T> {
    const headers = Buffer.isBuffer(data) ? { 'Content-Type': 'application/octet-stream' } : undefined;
    for (let attempt = 0; ; attempt++) {
      let response: AxiosResponse;
      try {
        response = await this.http.request({ method, url: endpoint, params, data, headers });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'NETWORK_ERROR';
        if (RETRYABLE_NETWORK_CODES.has(code) && attempt < this.maxRetries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        // Built from scratch: axios errors carry the request headers, and so the token.
        throw new DatabricksApiError(
          `Cannot reach the Databricks workspace at ${this.host} (${code}). Check the host URL and your network connection.`,
          code,
          undefined,
          endpoint,
        );
      }
      if (response.status >= 200 && response.status < 300) return response.data as T;
      const retryable = response.status === 429 || (response.status >= 500 && response.status !== 501);
      if (retryable && attempt < this.maxRetries) {
        await sleep(this.retryDelay(response, attempt));
        continue;
      }
      throw this.toError(response, endpoint, attempt);
    }
  }

  private retryDelay(response: AxiosResponse, attempt: number): number {
    const header = response.headers['retry-after'] as string | undefined;
    if (header !== undefined) {
      const seconds = Number(header);
      const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
      if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), this.maxRetryDelayMs);
    }
    return this.backoff(attempt);
  }

  private backoff(attempt: number): number {
    return Math.min(500 * 2 ** attempt + Math.random() * 250, this.maxRetryDelayMs);
  }

  private toError(response: AxiosResponse, endpoint: string, retries: number): DatabricksApiError {
    const status = response.status;
    const body = response.data as { error_code?: unknown; message?: unknown } | string | undefined;
    const bodyCode = typeof body === 'object' && body && typeof body.error_code === 'string' ? body.error_code : undefined;
    const serverMessage =
      typeof body === 'object' && body && typeof body.message === 'string'
        ? body.message
        : ((response.headers['x-databricks-reason-phrase'] as string | undefined) ?? (typeof body === 'string' && body.length < 300 ? body.trim() : response.statusText ?? ''));
    const code = bodyCode ?? defaultCode(status);
    const said = serverMessage ? `: ${serverMessage}` : '';
    let message: string;
    if (status === 401) {
      message = `Databricks at ${this.host} did not accept the request to ${endpoint} (HTTP 401${said}). The access token is missing or invalid: set a personal access token (DATABRICKS_TOKEN, or token in ~/.databrickscfg).`;
    } else if (status === 403 && /invalid access token/i.test(serverMessage)) {
      message = `Databricks at ${this.host} refused the access token (HTTP 403${said}). It may be expired, revoked or made for another workspace: create a new personal access token.`;
    } else if (status === 403) {
      message = `Permission denied by Databricks at ${this.host} on ${endpoint} (HTTP 403${said}). Ask a workspace admin for access.`;
    } else if (status >= 300 && status < 400) {
      message = `Databricks at ${this.host} redirected ${endpoint} to ${String(response.headers.location ?? 'another page')} (HTTP ${status}): is the host the workspace URL, and is the token sent to the right workspace?`;
    } else if (code === 'ENDPOINT_NOT_FOUND') {
      message = `${this.host} has no API ${endpoint} (HTTP 404${said}). Is it a Databricks workspace URL?`;
    } else if (status === 429) {
      message = `Databricks at ${this.host} is rate-limiting requests to ${endpoint} (HTTP 429, still limited after ${retries} retries). Wait a minute and try again.`;
    } else if (status >= 500) {
      message = `Databricks at ${this.host} failed on ${endpoint} (HTTP ${status}${said}) after ${retries} retries. Try again later.`;
    } else {
      message = `${endpoint}: ${serverMessage || `HTTP ${status}`}`;
    }
    return new DatabricksApiError(message, code, status, endpoint, serverMessage);
  }
}

function defaultCode(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  return `HTTP_${status}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
