import { tokenSourceAuth, basicAuth, bearerAuth, noAuth, type HttpAuth } from '../http/httpAuth';
import { HttpTransport, type HttpResponse, type Method, type QueryValue } from '../http/httpTransport';
import { artifactUploadPath, readRunArtifact, type DownloadOptions } from './mlflowArtifacts';
import { ClientErrorCodes, firstSentence, MlflowApiError, truncate } from './mlflowErrors';
import type {
  CallOptions,
  MlflowArtifactListing,
  MlflowExperiment,
  MlflowFileInfo,
  MlflowLoggedModel,
  MlflowMetric,
  MlflowMetricWithRunId,
  MlflowModelVersion,
  MlflowRegisteredModel,
  MlflowRun,
  MlflowRunInfo,
  MlflowTag,
  ModelVersionStage,
  Page,
  RunViewType,
} from './mlflowTypes';

export type * from './mlflowTypes';
export { ClientErrorCodes, firstSentence, isCancelled, isUnreachable, MlflowApiError, redactUrl } from './mlflowErrors';
export { proxiedArtifactPath } from './mlflowArtifacts';
export type { Method, QueryValue } from '../http/httpTransport';

/** How to reach an MLflow tracking server over its REST API. */
export interface MlflowConnection {
  /** Base URL, e.g. http://127.0.0.1:5000 or https://<workspace>.cloud.databricks.com (no trailing /api). */
  baseUrl: string;
  /** How requests are signed (any kind: basic, bearer, PAT, OAuth M2M, Databricks CLI, Azure CLI). Wins over the fields below. */
  auth?: HttpAuth;
  /** Bearer token (Databricks PAT or MLFLOW_TRACKING_TOKEN). Never logged. */
  token?: string;
  /** A token that changes over time (OAuth): asked before every request; cache inside. Never logged. */
  getToken?: () => Promise<string>;
  basicAuth?: { username: string; password: string };
  /** Total deadline of one attempt (connect, headers, body); default 30 s. */
  timeoutMs?: number;
  /** Largest answer held in memory; default 256 MB (MLFLOW_WB_MAX_RESPONSE_MB). */
  maxResponseBytes?: number;
}

export interface MlflowClientOptions {
  /** Retries after the first attempt, for 429, 5xx and reset connections. Default 4. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry (with jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Ceiling of one backoff delay. Default 20 s. */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is raised instead. Default 60 s. */
  maxRetryAfterMs?: number;
}

/** The auth of a connection: `auth`, else basic, a fixed token, a token source, or none. */
function connectionAuth(connection: MlflowConnection): HttpAuth {
  if (connection.auth) return connection.auth;
  if (connection.basicAuth) return basicAuth(connection.basicAuth.username, connection.basicAuth.password);
  if (connection.token) return bearerAuth(connection.token);
  if (connection.getToken) return tokenSourceAuth('oauth-m2m', connection.getToken);
  return noAuth;
}

interface RequestSpec {
  method: Method;
  /** Path under the base URL, without a leading slash, e.g. `api/2.0/mlflow/runs/search`. */
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  rawBody?: Buffer;
  /** Content type of rawBody; default application/octet-stream. */
  rawContentType?: string;
  /** Statuses handed back as answers instead of thrown (after retries), e.g. a model's 400 to a bad input. */
  passStatuses?: readonly number[];
  /** Safe to send twice: reads and "set" writes. Non-idempotent calls retry only on 429. */
  idempotent: boolean;
  signal?: AbortSignal;
  toFile?: string;
}

const MLFLOW_API = 'api/2.0/mlflow/';
/** The server caps get-history-bulk-interval at 100 runs per request (MAX_RUNS_GET_METRIC_HISTORY_BULK). */
const BULK_INTERVAL_MAX_RUNS = 100;

export class MlflowRestClient {
  /** The HTTP layer (auth, retries, deadline, size cap, redaction); shared with workspace APIs on the same host. */
  readonly transport: HttpTransport;
  /** Run id → artifact_uri, so repeated downloads from one run cost one runs/get. */
  private readonly artifactUris = new Map<string, string>();

  constructor(
    readonly connection: MlflowConnection,
    options: MlflowClientOptions = {},
  ) {
    this.transport = new HttpTransport({
      baseUrl: connection.baseUrl,
      auth: connectionAuth(connection),
      service: 'the MLflow tracking server',
      timeoutMs: connection.timeoutMs,
      maxResponseBytes: connection.maxResponseBytes,
      maxRetries: options.maxRetries,
      retryBaseMs: options.retryBaseMs,
      retryMaxDelayMs: options.retryMaxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs,
      errorClass: MlflowApiError,
    });
  }

  get displayUrl(): string {
    return this.transport.displayUrl;
  }

  // ---------------------------------------------------------------- experiments

  async searchExperiments(
    opts: { maxResults?: number; pageToken?: string; filter?: string; orderBy?: string[]; viewType?: RunViewType } & CallOptions = {},
  ): Promise<Page<MlflowExperiment>> {
    const body = await this.post<{ experiments?: MlflowExperiment[]; next_page_token?: string }>(
      'experiments/search',
      {
        max_results: opts.maxResults ?? 1000,
        page_token: opts.pageToken,
        filter: opts.filter,
        order_by: opts.orderBy,
        view_type: opts.viewType,
      },
      opts,
      true,
    );
    return page(body.experiments, body.next_page_token);
  }

  /** The experiment with this name, or undefined when there is none. */
  async getExperimentByName(name: string, o: CallOptions = {}): Promise<MlflowExperiment | undefined> {
    try {
      const body = await this.get<{ experiment: MlflowExperiment }>('experiments/get-by-name', { experiment_name: name }, o);
      return body.experiment;
    } catch (err) {
      if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async getExperiment(id: string, o: CallOptions = {}): Promise<MlflowExperiment> {
    const body = await this.get<{ experiment: MlflowExperiment }>('experiments/get', { experiment_id: id }, o);
    return body.experiment;
  }

  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: MlflowTag[] } & CallOptions = {}): Promise<string> {
    const body = await this.post<{ experiment_id: string }>(
      'experiments/create',
      { name, artifact_location: opts.artifactLocation, tags: opts.tags },
      opts,
      false,
    );
    return body.experiment_id;
  }

  // ---------------------------------------------------------------- runs

  async searchRuns(
    opts: {
      experimentIds: string[];
      filter?: string;
      orderBy?: string[];
      maxResults?: number;
      pageToken?: string;
      runViewType?: RunViewType;
    } & CallOptions,
  ): Promise<Page<MlflowRun>> {
    const body = await this.post<{ runs?: MlflowRun[]; next_page_token?: string }>(
      'runs/search',
      {
        experiment_ids: opts.experimentIds,
        filter: opts.filter,
        order_by: opts.orderBy,
        max_results: opts.maxResults ?? 1000,
        page_token: opts.pageToken,
        run_view_type: opts.runViewType,
      },
      opts,
      true,
    );
    return page(body.runs, body.next_page_token);
  }

  async getRun(runId: string, o: CallOptions = {}): Promise<MlflowRun> {
    const body = await this.get<{ run: MlflowRun }>('runs/get', { run_id: runId }, o);
    if (body.run.info.artifact_uri) this.artifactUris.set(runId, body.run.info.artifact_uri);
    return body.run;
  }

  /**
   * Creates a run. A parent makes it a nested run (MLflow marks those with the `mlflow.parentRunId` tag).
   */
  async createRun(
    experimentId: string,
    runName?: string,
    opts: { parentRunId?: string; tags?: MlflowTag[]; startTime?: number } & CallOptions = {},
  ): Promise<MlflowRunInfo> {
    const tags = [...(opts.tags ?? [])];
    if (opts.parentRunId) tags.push({ key: 'mlflow.parentRunId', value: opts.parentRunId });
    const body = await this.post<{ run: MlflowRun }>(
      'runs/create',
      { experiment_id: experimentId, run_name: runName, start_time: opts.startTime ?? Date.now(), tags },
      opts,
      false,
    );
    return body.run.info;
  }

  async logBatch(runId: string, batch: { params?: MlflowTag[]; metrics?: MlflowMetric[]; tags?: MlflowTag[] }, o: CallOptions = {}): Promise<void> {
    // Re-sending the same batch is harmless for metrics (same step/timestamp) and tags; params must match.
    await this.post('runs/log-batch', { run_id: runId, ...batch }, o, true);
  }

  async updateRun(runId: string, status: MlflowRunInfo['status'], opts: { endTime?: number; runName?: string } & CallOptions = {}): Promise<MlflowRunInfo> {
    const body = await this.post<{ run_info: MlflowRunInfo }>(
      'runs/update',
      { run_id: runId, status, end_time: opts.endTime ?? Date.now(), run_name: opts.runName },
      opts,
      true,
    );
    return body.run_info;
  }

  async setTag(runId: string, key: string, value: string, o: CallOptions = {}): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, key, value }, o, true);
  }

  async deleteRun(runId: string, o: CallOptions = {}): Promise<void> {
    await this.post('runs/delete', { run_id: runId }, o, true);
  }

  async restoreRun(runId: string, o: CallOptions = {}): Promise<void> {
    await this.post('runs/restore', { run_id: runId }, o, true);
  }

  // ---------------------------------------------------------------- metrics

  /** The whole history of one metric of one run; `maxResults` is the page size asked of the server. */
  async getMetricHistory(runId: string, metricKey: string, o: { maxResults?: number } & CallOptions = {}): Promise<MlflowMetric[]> {
    const all: MlflowMetric[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.get<{ metrics?: MlflowMetric[]; next_page_token?: string }>(
        'metrics/get-history',
        { run_id: runId, metric_key: metricKey, max_results: o.maxResults, page_token: pageToken },
        o,
      );
      all.push(...(body.metrics ?? []).map(numericMetric));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return all;
  }

  /**
   * A sampled history of one metric across runs (what the MLflow UI charts use): at most `maxResults`
   * points per run (server limit 2500), optionally between `startStep` and `endStep` (both or neither).
   * More than 100 runs are split into several requests (the server's limit per request).
   */
  async getMetricHistoryBulkInterval(
    runIds: string[],
    metricKey: string,
    o: { maxResults?: number; startStep?: number; endStep?: number } & CallOptions = {},
  ): Promise<MlflowMetricWithRunId[]> {
    if ((o.startStep === undefined) !== (o.endStep === undefined)) {
      throw new MlflowApiError(
        'metrics/get-history-bulk-interval: give both startStep and endStep, or neither.',
        'INVALID_PARAMETER_VALUE',
        undefined,
        'metrics/get-history-bulk-interval',
      );
    }
    if (runIds.length === 0) return [];
    const chunks: string[][] = [];
    for (let i = 0; i < runIds.length; i += BULK_INTERVAL_MAX_RUNS) chunks.push(runIds.slice(i, i + BULK_INTERVAL_MAX_RUNS));
    const bodies = await Promise.all(
      chunks.map((chunk) =>
        this.get<{ metrics?: MlflowMetricWithRunId[] }>(
          'metrics/get-history-bulk-interval',
          { run_ids: chunk, metric_key: metricKey, max_results: o.maxResults, start_step: o.startStep, end_step: o.endStep },
          o,
        ),
      ),
    );
    return bodies.flatMap((b) => (b.metrics ?? []).map(numericMetric));
  }

  // ---------------------------------------------------------------- artifacts

  /** The files directly under `path` (the run's artifact root when absent); follows page tokens. */
  async listArtifacts(runId: string, path?: string, o: CallOptions = {}): Promise<MlflowArtifactListing> {
    const files: MlflowFileInfo[] = [];
    let rootUri: string | undefined;
    let pageToken: string | undefined;
    do {
      const body = await this.get<{ root_uri?: string; files?: MlflowFileInfo[]; next_page_token?: string }>(
        'artifacts/list',
        { run_id: runId, path: path || undefined, page_token: pageToken },
        o,
      );
      rootUri ??= body.root_uri;
      for (const f of body.files ?? []) {
        files.push({ path: f.path, is_dir: Boolean(f.is_dir), file_size: f.file_size === undefined ? undefined : Number(f.file_size) });
      }
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return { rootUri, files };
  }

  /**
   * The bytes of one artifact file (see readRunArtifact for where they are read from). With
   * `toFile` they are streamed to that file (no memory cap) and an empty buffer is returned.
   */
  async downloadArtifact(runId: string, path: string, o: DownloadOptions = {}): Promise<Buffer> {
    return readRunArtifact(this, runId, await this.artifactUriOf(runId, o), path, o);
  }

  /**
   * Uploads one artifact file through the server's artifact proxy (servers started with
   * `--serve-artifacts`, the default since MLflow 2). Runs with other artifact stores are written by
   * the MLflow client libraries directly, so they are refused here with a clear message.
   */
  async uploadArtifact(runId: string, path: string, content: Buffer | string, o: CallOptions = {}): Promise<void> {
    const target = artifactUploadPath(runId, await this.artifactUriOf(runId, o), path);
    await this.send({
      method: 'PUT',
      path: target,
      rawBody: typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
      idempotent: true,
      signal: o.signal,
    });
  }

  // ---------------------------------------------------------------- logged models (MLflow 3)

  /**
   * MLflow 3 logged models. The models of one run: `filter: "source_run_id = '<run id>'"`.
   * Servers older than MLflow 3 answer with an error whose code is ENDPOINT_NOT_FOUND.
   */
  async searchLoggedModels(
    opts: {
      experimentIds: string[];
      filter?: string;
      maxResults?: number;
      pageToken?: string;
      orderBy?: { fieldName: string; ascending?: boolean }[];
    } & CallOptions,
  ): Promise<Page<MlflowLoggedModel>> {
    const body = await this.post<{ models?: MlflowLoggedModel[]; next_page_token?: string }>(
      'logged-models/search',
      {
        experiment_ids: opts.experimentIds,
        filter: opts.filter,
        max_results: opts.maxResults,
        page_token: opts.pageToken,
        order_by: opts.orderBy?.map((ob) => ({ field_name: ob.fieldName, ascending: ob.ascending ?? true })),
      },
      opts,
      true,
    );
    return page(body.models, body.next_page_token);
  }

  // ---------------------------------------------------------------- model registry

  async searchRegisteredModels(opts: RegistrySearch & CallOptions = {}): Promise<Page<MlflowRegisteredModel>> {
    return this.searchRegistry<MlflowRegisteredModel>('registered-models/search', 'registered_models', opts);
  }

  /** One registered model, with its aliases and latest version per stage. */
  async getRegisteredModel(name: string, o: CallOptions = {}): Promise<MlflowRegisteredModel> {
    const body = await this.get<{ registered_model: MlflowRegisteredModel }>('registered-models/get', { name }, o);
    return body.registered_model;
  }

  async searchModelVersions(opts: RegistrySearch & CallOptions = {}): Promise<Page<MlflowModelVersion>> {
    return this.searchRegistry<MlflowModelVersion>('model-versions/search', 'model_versions', opts);
  }

  /** A page of a registry search (registered models or model versions: the same parameters), listed under `key` in the answer. */
  private async searchRegistry<T>(endpoint: string, key: string, opts: RegistrySearch & CallOptions): Promise<Page<T>> {
    const body = await this.get<Record<string, T[] | undefined> & { next_page_token?: string }>(
      endpoint,
      { filter: opts.filter, max_results: opts.maxResults, page_token: opts.pageToken, order_by: opts.orderBy },
      opts,
    );
    return page(body[key], body.next_page_token);
  }

  async getModelVersion(name: string, version: string, o: CallOptions = {}): Promise<MlflowModelVersion> {
    const body = await this.get<{ model_version: MlflowModelVersion }>('model-versions/get', { name, version }, o);
    return body.model_version;
  }

  async getModelVersionByAlias(name: string, alias: string, o: CallOptions = {}): Promise<MlflowModelVersion> {
    const body = await this.get<{ model_version: MlflowModelVersion }>('registered-models/alias', { name, alias }, o);
    return body.model_version;
  }

  async createRegisteredModel(name: string, description?: string, o: CallOptions = {}): Promise<MlflowRegisteredModel> {
    const body = await this.post<{ registered_model: MlflowRegisteredModel }>('registered-models/create', { name, description }, o, false);
    return body.registered_model;
  }

  /** `modelId`: the MLflow 3 logged model the version comes from (needed when `source` is `models:/<model id>`). */
  async createModelVersion(
    name: string,
    source: string,
    runId?: string,
    opts: { modelId?: string; description?: string; tags?: MlflowTag[] } & CallOptions = {},
  ): Promise<MlflowModelVersion> {
    const body = await this.post<{ model_version: MlflowModelVersion }>(
      'model-versions/create',
      { name, source, run_id: runId, model_id: opts.modelId, description: opts.description, tags: opts.tags },
      opts,
      false,
    );
    return body.model_version;
  }

  /** Workspace registry stages (deprecated by MLflow in favour of aliases; absent in Unity Catalog). */
  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    o: CallOptions = {},
  ): Promise<MlflowModelVersion> {
    const body = await this.post<{ model_version: MlflowModelVersion }>(
      'model-versions/transition-stage',
      { name, version, stage, archive_existing_versions: archiveExisting },
      o,
      true,
    );
    return body.model_version;
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string, o: CallOptions = {}): Promise<void> {
    await this.post('registered-models/alias', { name, alias, version }, o, true);
  }

  async deleteRegisteredModelAlias(name: string, alias: string, o: CallOptions = {}): Promise<void> {
    await this.send({ method: 'DELETE', path: MLFLOW_API + 'registered-models/alias', json: { name, alias }, idempotent: true, signal: o.signal });
  }

  async updateModelVersion(name: string, version: string, description: string, o: CallOptions = {}): Promise<MlflowModelVersion> {
    const body = await this.send({
      method: 'PATCH',
      path: MLFLOW_API + 'model-versions/update',
      json: { name, version, description },
      idempotent: true,
      signal: o.signal,
    });
    return this.decode<{ model_version: MlflowModelVersion }>(body, 'model-versions/update').model_version;
  }

  async deleteModelVersion(name: string, version: string, o: CallOptions = {}): Promise<void> {
    await this.send({ method: 'DELETE', path: MLFLOW_API + 'model-versions/delete', json: { name, version }, idempotent: true, signal: o.signal });
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, o: CallOptions = {}): Promise<void> {
    await this.post('model-versions/set-tag', { name, version, key, value }, o, true);
  }

  async deleteModelVersionTag(name: string, version: string, key: string, o: CallOptions = {}): Promise<void> {
    await this.send({ method: 'DELETE', path: MLFLOW_API + 'model-versions/delete-tag', json: { name, version, key }, idempotent: true, signal: o.signal });
  }

  async updateRegisteredModel(name: string, description: string, o: CallOptions = {}): Promise<MlflowRegisteredModel> {
    const body = await this.send({
      method: 'PATCH',
      path: MLFLOW_API + 'registered-models/update',
      json: { name, description },
      idempotent: true,
      signal: o.signal,
    });
    return this.decode<{ registered_model: MlflowRegisteredModel }>(body, 'registered-models/update').registered_model;
  }

  async setRegisteredModelTag(name: string, key: string, value: string, o: CallOptions = {}): Promise<void> {
    await this.post('registered-models/set-tag', { name, key, value }, o, true);
  }

  async deleteRegisteredModel(name: string, o: CallOptions = {}): Promise<void> {
    await this.send({ method: 'DELETE', path: MLFLOW_API + 'registered-models/delete', json: { name }, idempotent: true, signal: o.signal });
  }

  // ---------------------------------------------------------------- server

  /** The MLflow version the server reports (`GET /version`), e.g. "3.17.2". */
  async getServerVersion(o: CallOptions = {}): Promise<string> {
    const response = await this.send({ method: 'GET', path: 'version', idempotent: true, signal: o.signal });
    return response.data.toString('utf8').trim();
  }

  // ---------------------------------------------------------------- other APIs of the same server

  /**
   * A call to any path of the server (e.g. a Databricks workspace's APIs beside MLflow's), with this
   * client's auth, retries and error mapping. `path` has no leading slash: `api/2.0/serving-endpoints`.
   * Resolves with the decoded JSON answer.
   */
  async requestJson<T>(
    method: Method,
    path: string,
    opts: { query?: Record<string, QueryValue>; json?: unknown; idempotent?: boolean } & CallOptions = {},
  ): Promise<T> {
    const response = await this.send({
      method,
      path: path.replace(/^\/+/, ''),
      query: opts.query,
      json: opts.json,
      idempotent: opts.idempotent ?? method === 'GET',
      signal: opts.signal,
    });
    return this.decode<T>(response, endpointLabel(path));
  }

  /** A GET of bytes (an artifact, a file); `toFile` streams them to that file and resolves with an empty buffer. */
  async requestBytes(path: string, opts: { query?: Record<string, QueryValue> } & DownloadOptions = {}): Promise<Buffer> {
    const response = await this.send({
      method: 'GET',
      path: path.replace(/^\/+/, ''),
      query: opts.query,
      idempotent: true,
      signal: opts.signal,
      toFile: opts.toFile,
    });
    return response.data;
  }

  /**
   * Sends a body as is and hands back the status and bytes; statuses in `passStatuses` are answers,
   * others outside 2xx are thrown as MlflowApiError like every call.
   */
  async requestRaw(
    method: Method,
    path: string,
    opts: { body: string | Buffer; contentType: string; passStatuses?: readonly number[]; idempotent?: boolean } & CallOptions,
  ): Promise<{ status: number; data: Buffer; contentType?: string }> {
    const response = await this.send({
      method,
      path: path.replace(/^\/+/, ''),
      rawBody: typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body,
      rawContentType: opts.contentType,
      passStatuses: opts.passStatuses,
      idempotent: opts.idempotent ?? false,
      signal: opts.signal,
    });
    return { status: response.status, data: response.data, contentType: response.headers['content-type'] };
  }

  // ---------------------------------------------------------------- transport

  protected async get<T>(endpoint: string, params: Record<string, QueryValue>, o: CallOptions = {}): Promise<T> {
    const response = await this.send({ method: 'GET', path: MLFLOW_API + endpoint, query: params, idempotent: true, signal: o.signal });
    return this.decode<T>(response, endpoint);
  }

  protected async post<T>(endpoint: string, body: unknown, o: CallOptions = {}, idempotent = false): Promise<T> {
    const response = await this.send({ method: 'POST', path: MLFLOW_API + endpoint, json: body, idempotent, signal: o.signal });
    return this.decode<T>(response, endpoint);
  }

  private decode<T>(response: HttpResponse, label: string): T {
    return this.transport.decodeJson<T>(response, label);
  }

  private async artifactUriOf(runId: string, o: CallOptions): Promise<string> {
    const known = this.artifactUris.get(runId);
    if (known) return known;
    const run = await this.getRun(runId, o);
    const uri = run.info.artifact_uri;
    if (!uri) {
      throw new MlflowApiError(`Run ${runId} has no artifact location.`, 'INVALID_STATE', undefined, 'runs/get');
    }
    return uri;
  }

  /** One request through the transport; resolves with any 2xx (or passed) answer, throws MlflowApiError otherwise. */
  private async send(spec: RequestSpec): Promise<HttpResponse> {
    const label = endpointLabel(spec.path);
    const response = await this.transport.send({
      method: spec.method,
      path: spec.path,
      query: spec.query,
      json: spec.json,
      body: spec.rawBody,
      contentType: spec.rawContentType,
      idempotent: spec.idempotent,
      signal: spec.signal,
      toFile: spec.toFile,
      label,
    });
    const status = response.status;
    if ((status >= 200 && status < 300) || spec.passStatuses?.includes(status)) return response;
    throw this.httpError(spec, response, label, response.attempts - 1);
  }

  private httpError(spec: RequestSpec, response: HttpResponse, label: string, retries: number): MlflowApiError {
    const t = this.transport;
    const status = response.status;
    const text = response.data.toString('utf8');
    let errorCode: string | undefined;
    let serverMessage: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof parsed.error_code === 'string') errorCode = parsed.error_code;
      if (typeof parsed.message === 'string') serverMessage = parsed.message;
    } catch {
      // Not JSON (a proxy's HTML page, an empty 404): fall back on the status.
    }
    const url = this.displayUrl;
    const make = (message: string, code: string, detail?: string) => t.error(message, code, status, label, detail) as MlflowApiError;
    if (status === 401) {
      return make(
        `${url}: authentication failed: check the token / username and password for this tracking server (HTTP 401).`,
        errorCode ?? ClientErrorCodes.unauthenticated,
        serverMessage,
      );
    }
    if (status === 403) {
      const why = serverMessage ? ` The server says: ${firstSentence(serverMessage)}` : '';
      return make(
        `${url}: permission denied for ${label} (HTTP 403). The credentials work but lack access; ask an admin of the workspace or server.${why}`,
        errorCode ?? ClientErrorCodes.permissionDenied,
        serverMessage,
      );
    }
    if ((status === 404 && (errorCode === undefined || errorCode === 'ENDPOINT_NOT_FOUND')) || status === 501) {
      return make(
        `The MLflow server at ${url} does not offer ${spec.method} /${spec.path} (HTTP ${status}): it is probably an older MLflow version, or not an MLflow server.`,
        ClientErrorCodes.endpointNotFound,
        serverMessage ?? text.slice(0, 500),
      );
    }
    if (serverMessage) {
      // A bad filter or order_by: the whole explanation is what the person needs to fix it.
      const message = errorCode === 'INVALID_PARAMETER_VALUE' ? truncate(serverMessage.split('\n')[0] ?? serverMessage, 600) : firstSentence(serverMessage);
      return make(`${label}: ${message}`, errorCode ?? `HTTP_${status}`, serverMessage);
    }
    const after = retries > 0 ? ` after ${retries + 1} attempts` : '';
    return make(
      `${label}: the MLflow server at ${url} answered HTTP ${status}${after}.${status === 429 ? ' It is rate limiting: try again later.' : ''}`,
      errorCode ?? `HTTP_${status}`,
      text.slice(0, 500) || undefined,
    );
  }
}

/** Pages through a search until the end (or `limit` items), e.g. `collectAll((t) => client.searchRuns({ ..., pageToken: t }))`. */
export async function collectAll<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>, limit = Infinity): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const p = await fetchPage(token);
    all.push(...p.items);
    token = p.nextPageToken;
  } while (token && all.length < limit);
  return all.length > limit ? all.slice(0, limit) : all;
}

/** What the registry's searches (registered models, model versions) take. */
export interface RegistrySearch {
  filter?: string;
  maxResults?: number;
  pageToken?: string;
  orderBy?: string[];
}

function page<T>(items: T[] | undefined, token: string | undefined): Page<T> {
  return token ? { items: items ?? [], nextPageToken: token } : { items: items ?? [] };
}

/** Protobuf JSON sends int64 as strings ("timestamp": "1700000000000"); callers want numbers. */
function numericMetric<M extends MlflowMetric>(m: M): M {
  return { ...m, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
}

function endpointLabel(path: string): string {
  return path.startsWith(MLFLOW_API) ? path.slice(MLFLOW_API.length) : path.replace(/^api\/2\.0\//, '');
}
