import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { downloadDbfsArtifact, parseDbfsArtifactUri } from '../databricks/databricksArtifacts';
import { backoffDelayMs, isRetryableNetworkCode, isRetryableStatus, parseRetryAfter, sleep } from './retryPolicy';
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

/** How to reach an MLflow tracking server over its REST API. */
export interface MlflowConnection {
  /** Base URL, e.g. http://127.0.0.1:5000 or https://<workspace>.cloud.databricks.com (no trailing /api). */
  baseUrl: string;
  /** Bearer token (Databricks PAT or MLFLOW_TRACKING_TOKEN). Never logged. */
  token?: string;
  /** A token that changes over time (OAuth): asked before every request; cache inside. Never logged. */
  getToken?: () => Promise<string>;
  basicAuth?: { username: string; password: string };
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
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

/** An error from the tracking server, with MLflow's `error_code` and a message fit for a person. */
export class MlflowApiError extends Error {
  constructor(
    message: string,
    readonly errorCode: string,
    readonly httpStatus: number | undefined,
    readonly endpoint: string,
    /** The server's full explanation (may be long, may carry SQL); the message keeps its first sentence. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'MlflowApiError';
  }
}

/** Error codes of MlflowApiError that are not MLflow's own. */
export const ClientErrorCodes = {
  endpointNotFound: 'ENDPOINT_NOT_FOUND',
  unauthenticated: 'UNAUTHENTICATED',
  permissionDenied: 'PERMISSION_DENIED',
  timeout: 'TIMEOUT',
  cancelled: 'CANCELLED',
} as const;

const NETWORK_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TIMEOUT']);

/** True when the server could not be reached at all (down, wrong host, timeout). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof MlflowApiError && err.httpStatus === undefined && NETWORK_UNREACHABLE_CODES.has(err.errorCode);
}

/** True when the call was cancelled through its AbortSignal. */
export function isCancelled(err: unknown): boolean {
  return err instanceof MlflowApiError && err.errorCode === ClientErrorCodes.cancelled;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

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
}

const MLFLOW_API = 'api/2.0/mlflow/';
const ARTIFACT_PROXY_API = 'api/2.0/mlflow-artifacts/artifacts/';
/** The server caps get-history-bulk-interval at 100 runs per request (MAX_RUNS_GET_METRIC_HISTORY_BULK). */
const BULK_INTERVAL_MAX_RUNS = 100;

export class MlflowRestClient {
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  /** Run id → artifact_uri, so repeated downloads from one run cost one runs/get. */
  private readonly artifactUris = new Map<string, string>();

  constructor(
    readonly connection: MlflowConnection,
    options: MlflowClientOptions = {},
  ) {
    this.baseUrl = connection.baseUrl.replace(/\/+$/, '');
    this.maxRetries = Math.max(0, options.maxRetries ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 20_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.timeoutMs = connection.timeoutMs ?? 30_000;
    const headers: Record<string, string> = {};
    if (connection.token) headers.Authorization = `Bearer ${connection.token}`;
    this.http = axios.create({
      baseURL: this.baseUrl + '/',
      timeout: this.timeoutMs,
      headers,
      auth: connection.basicAuth,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      // Uploads of artifacts may be large; follow-redirects' 10 MB default would cut them.
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      // JSON is decoded here, so axios must hand over the bytes untouched.
      transformResponse: [(data: unknown) => data],
    });
  }

  /** The server's address without any user:password part, for messages. */
  get displayUrl(): string {
    return redactUrl(this.baseUrl);
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

  async logBatch(
    runId: string,
    batch: { params?: MlflowTag[]; metrics?: MlflowMetric[]; tags?: MlflowTag[] },
    o: CallOptions = {},
  ): Promise<void> {
    // Re-sending the same batch is harmless for metrics (same step/timestamp) and tags; params must match.
    await this.post('runs/log-batch', { run_id: runId, ...batch }, o, true);
  }

  async updateRun(
    runId: string,
    status: MlflowRunInfo['status'],
    opts: { endTime?: number; runName?: string } & CallOptions = {},
  ): Promise<MlflowRunInfo> {
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
   * The bytes of one artifact file. Like the MLflow UI: runs whose artifacts go through the server's
   * artifact proxy (`mlflow-artifacts:/...`) are read from `/api/2.0/mlflow-artifacts/artifacts/...`;
   * others from `/get-artifact`, which reads the run's artifact store on the server side. On a
   * Databricks workspace (`dbfs:/databricks/mlflow-tracking/...`) through a signed URL of the
   * workspace's storage (credentials-for-read); other `dbfs:/` locations through DBFS `read`.
   */
  async downloadArtifact(runId: string, path: string, o: CallOptions = {}): Promise<Buffer> {
    const relative = normaliseArtifactPath(path);
    const artifactUri = await this.artifactUriOf(runId, o);
    const dbfs = parseDbfsArtifactUri(artifactUri);
    if (dbfs) return downloadDbfsArtifact(this, dbfs, relative, o);
    const proxied = proxiedArtifactPath(artifactUri);
    if (proxied !== undefined) {
      const target = [proxied, relative].filter(Boolean).join('/');
      const response = await this.send({ method: 'GET', path: ARTIFACT_PROXY_API + encodePath(target), idempotent: true, signal: o.signal });
      return response.data;
    }
    const response = await this.send({
      method: 'GET',
      path: 'get-artifact',
      query: { path: relative, run_uuid: runId },
      idempotent: true,
      signal: o.signal,
    });
    return response.data;
  }

  /**
   * Uploads one artifact file through the server's artifact proxy (servers started with
   * `--serve-artifacts`, the default since MLflow 2). Runs with other artifact stores are written by
   * the MLflow client libraries directly, so they are refused here with a clear message.
   */
  async uploadArtifact(runId: string, path: string, content: Buffer | string, o: CallOptions = {}): Promise<void> {
    const relative = normaliseArtifactPath(path);
    const artifactUri = await this.artifactUriOf(runId, o);
    const proxied = proxiedArtifactPath(artifactUri);
    if (proxied === undefined) {
      throw new MlflowApiError(
        `Run ${runId} stores its artifacts at ${artifactUri}, not behind the server's artifact proxy: upload them with the MLflow client for that store.`,
        'INVALID_STATE',
        undefined,
        'mlflow-artifacts/artifacts',
      );
    }
    await this.send({
      method: 'PUT',
      path: ARTIFACT_PROXY_API + encodePath([proxied, relative].filter(Boolean).join('/')),
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
    opts: { experimentIds: string[]; filter?: string; maxResults?: number; pageToken?: string; orderBy?: { fieldName: string; ascending?: boolean }[] } & CallOptions,
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

  async searchRegisteredModels(
    opts: { filter?: string; maxResults?: number; pageToken?: string; orderBy?: string[] } & CallOptions = {},
  ): Promise<Page<MlflowRegisteredModel>> {
    const body = await this.get<{ registered_models?: MlflowRegisteredModel[]; next_page_token?: string }>(
      'registered-models/search',
      { filter: opts.filter, max_results: opts.maxResults, page_token: opts.pageToken, order_by: opts.orderBy },
      opts,
    );
    return page(body.registered_models, body.next_page_token);
  }

  /** One registered model, with its aliases and latest version per stage. */
  async getRegisteredModel(name: string, o: CallOptions = {}): Promise<MlflowRegisteredModel> {
    const body = await this.get<{ registered_model: MlflowRegisteredModel }>('registered-models/get', { name }, o);
    return body.registered_model;
  }

  async searchModelVersions(
    opts: { filter?: string; maxResults?: number; pageToken?: string; orderBy?: string[] } & CallOptions = {},
  ): Promise<Page<MlflowModelVersion>> {
    const body = await this.get<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>(
      'model-versions/search',
      { filter: opts.filter, max_results: opts.maxResults, page_token: opts.pageToken, order_by: opts.orderBy },
      opts,
    );
    return page(body.model_versions, body.next_page_token);
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
    const body = await this.send({ method: 'PATCH', path: MLFLOW_API + 'model-versions/update', json: { name, version, description }, idempotent: true, signal: o.signal });
    return decodeJson<{ model_version: MlflowModelVersion }>(body.data).model_version;
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
    const body = await this.send({ method: 'PATCH', path: MLFLOW_API + 'registered-models/update', json: { name, description }, idempotent: true, signal: o.signal });
    return decodeJson<{ registered_model: MlflowRegisteredModel }>(body.data).registered_model;
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
    const response = await this.send({ method, path, query: opts.query, json: opts.json, idempotent: opts.idempotent ?? method === 'GET', signal: opts.signal });
    return decodeJson<T>(response.data);
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
      path,
      rawBody: typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body,
      rawContentType: opts.contentType,
      passStatuses: opts.passStatuses,
      idempotent: opts.idempotent ?? false,
      signal: opts.signal,
    });
    return { status: response.status, data: response.data, contentType: headerValue(response.headers['content-type']) };
  }

  // ---------------------------------------------------------------- transport

  protected async get<T>(endpoint: string, params: Record<string, QueryValue>, o: CallOptions = {}): Promise<T> {
    const response = await this.send({ method: 'GET', path: MLFLOW_API + endpoint, query: params, idempotent: true, signal: o.signal });
    return decodeJson<T>(response.data);
  }

  protected async post<T>(endpoint: string, body: unknown, o: CallOptions = {}, idempotent = false): Promise<T> {
    const response = await this.send({ method: 'POST', path: MLFLOW_API + endpoint, json: body, idempotent, signal: o.signal });
    return decodeJson<T>(response.data);
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

  /** One request with retries; resolves with any 2xx response, throws MlflowApiError otherwise. */
  private async send(spec: RequestSpec): Promise<AxiosResponse<Buffer> & { data: Buffer }> {
    const label = endpointLabel(spec.path);
    const url = spec.path + queryString(spec.query);
    for (let attempt = 0; ; attempt++) {
      if (spec.signal?.aborted) throw this.cancelled(label);
      const headers: Record<string, string> = {};
      if (this.connection.getToken) headers.Authorization = `Bearer ${await this.connection.getToken()}`;
      let data: unknown = undefined;
      if (spec.rawBody) {
        data = spec.rawBody;
        headers['Content-Type'] = spec.rawContentType ?? 'application/octet-stream';
      } else if (spec.json !== undefined) {
        data = JSON.stringify(spec.json);
        headers['Content-Type'] = 'application/json';
      }
      let response: AxiosResponse<Buffer>;
      try {
        response = await this.http.request<Buffer>({ method: spec.method, url, data, headers, signal: spec.signal });
      } catch (err) {
        if (axios.isCancel(err) || spec.signal?.aborted) throw this.cancelled(label);
        const code = networkCode(err);
        // A reset connection may have delivered the request: only resend what is safe to send twice.
        if (isRetryableNetworkCode(code) && spec.idempotent && attempt < this.maxRetries) {
          await this.wait(backoffDelayMs(attempt, this.retryBaseMs, this.retryMaxDelayMs), spec.signal, label);
          continue;
        }
        throw this.networkError(code, label, attempt);
      }
      const status = response.status;
      if (status >= 200 && status < 300) return { ...response, data: toBuffer(response.data) };
      if (isRetryableStatus(status) && (spec.idempotent || status === 429) && attempt < this.maxRetries) {
        const retryAfter = parseRetryAfter(headerValue(response.headers['retry-after']));
        if (retryAfter === undefined || retryAfter <= this.maxRetryAfterMs) {
          const delay = retryAfter ?? backoffDelayMs(attempt, this.retryBaseMs, this.retryMaxDelayMs);
          await this.wait(delay, spec.signal, label);
          continue;
        }
      }
      if (spec.passStatuses?.includes(status)) return { ...response, data: toBuffer(response.data) };
      throw this.httpError(spec, response, label, attempt);
    }
  }

  private async wait(ms: number, signal: AbortSignal | undefined, label: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw this.cancelled(label);
    }
  }

  private cancelled(label: string): MlflowApiError {
    return new MlflowApiError(`${label}: cancelled.`, ClientErrorCodes.cancelled, undefined, label);
  }

  private networkError(code: string, label: string, retries: number): MlflowApiError {
    const url = this.displayUrl;
    const host = safeHost(this.baseUrl);
    switch (code) {
      case 'ECONNREFUSED':
        return new MlflowApiError(
          `Cannot reach the MLflow tracking server at ${url} (ECONNREFUSED). Is it running? Check the tracking URI.`,
          code,
          undefined,
          label,
        );
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new MlflowApiError(
          `Cannot reach the MLflow tracking server at ${url}: the host name ${host} was not found (${code}). Check the tracking URI.`,
          code,
          undefined,
          label,
        );
      case 'ECONNABORTED':
      case 'ETIMEDOUT':
        return new MlflowApiError(
          `Cannot reach the MLflow tracking server at ${url}: no answer to ${label} within ${Math.round(this.timeoutMs / 1000)} s. ` +
            'Is it running and reachable (VPN, proxy)?',
          ClientErrorCodes.timeout,
          undefined,
          label,
        );
      default:
        if (/CERT|SSL|TLS|SELF_SIGNED/.test(code)) {
          return new MlflowApiError(
            `The TLS certificate of ${url} was not accepted (${code}). Check the address, or the CA certificates of this machine.`,
            code,
            undefined,
            label,
          );
        }
        return new MlflowApiError(
          `Cannot reach the MLflow tracking server at ${url} (${code}${retries > 0 ? `, after ${retries + 1} attempts` : ''}). Is it running?`,
          code,
          undefined,
          label,
        );
    }
  }

  private httpError(spec: RequestSpec, response: AxiosResponse<Buffer>, label: string, retries: number): MlflowApiError {
    const status = response.status;
    const text = toBuffer(response.data).toString('utf8');
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
    if (status === 401) {
      return new MlflowApiError(
        `${url}: authentication failed: check the token / username and password for this tracking server (HTTP 401).`,
        errorCode ?? ClientErrorCodes.unauthenticated,
        status,
        label,
        serverMessage,
      );
    }
    if (status === 403) {
      const why = serverMessage ? ` The server says: ${firstSentence(serverMessage)}` : '';
      return new MlflowApiError(
        `${url}: permission denied for ${label} (HTTP 403). The credentials work but lack access; ask an admin of the workspace or server.${why}`,
        errorCode ?? ClientErrorCodes.permissionDenied,
        status,
        label,
        serverMessage,
      );
    }
    if ((status === 404 && (errorCode === undefined || errorCode === 'ENDPOINT_NOT_FOUND')) || status === 501) {
      return new MlflowApiError(
        `The MLflow server at ${url} does not offer ${spec.method} /${spec.path} (HTTP ${status}): it is probably an older MLflow version, or not an MLflow server.`,
        ClientErrorCodes.endpointNotFound,
        status,
        label,
        serverMessage ?? text.slice(0, 500),
      );
    }
    if (serverMessage) {
      // A bad filter or order_by: the whole explanation is what the person needs to fix it.
      const message =
        errorCode === 'INVALID_PARAMETER_VALUE' ? truncate(serverMessage.split('\n')[0] ?? serverMessage, 600) : firstSentence(serverMessage);
      return new MlflowApiError(`${label}: ${message}`, errorCode ?? `HTTP_${status}`, status, label, serverMessage);
    }
    const after = retries > 0 ? ` after ${retries + 1} attempts` : '';
    return new MlflowApiError(
      `${label}: the MLflow server at ${url} answered HTTP ${status}${after}.${status === 429 ? ' It is rate limiting: try again later.' : ''}`,
      errorCode ?? `HTTP_${status}`,
      status,
      label,
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

/** MLflow messages can carry SQL noise after the first sentence; people need the first one. */
export function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  const match = /^(.{20,}?[.!?])(\s|$)/.exec(line);
  return (match ? match[1] : line).trim();
}

/** Removes `user:password@` from a URL so it can be shown or logged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * For an artifact URI served by the tracking server's proxy (`mlflow-artifacts:/0/<run>/artifacts`
 * or `mlflow-artifacts://host:port/...`), the path under /api/2.0/mlflow-artifacts/artifacts/.
 */
export function proxiedArtifactPath(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  return match ? match[1].replace(/\/+$/, '') : undefined;
}

function normaliseArtifactPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new MlflowApiError(`Artifact path '${path}' must not contain '..'.`, 'INVALID_PARAMETER_VALUE', undefined, 'artifacts');
  }
  return parts.join('/');
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function page<T>(items: T[] | undefined, token: string | undefined): Page<T> {
  return token ? { items: items ?? [], nextPageToken: token } : { items: items ?? [] };
}

/** Protobuf JSON sends int64 as strings ("timestamp": "1700000000000"); callers want numbers. */
function numericMetric<M extends MlflowMetric>(m: M): M {
  return { ...m, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // MLflow reads repeated fields as repeated keys (`run_ids=a&run_ids=b`), not `run_ids[]=`.
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function decodeJson<T>(data: Buffer): T {
  if (data.length === 0) return {} as T;
  return JSON.parse(data.toString('utf8')) as T;
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data === undefined || data === null) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function networkCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e.code === 'string' && e.code !== 'ERR_BAD_RESPONSE' && e.code !== 'ERR_NETWORK') return e.code;
  if (typeof e.cause?.code === 'string') return e.cause.code;
  return typeof e.code === 'string' ? e.code : 'NETWORK_ERROR';
}

function endpointLabel(path: string): string {
  return path.startsWith(MLFLOW_API) ? path.slice(MLFLOW_API.length) : path.replace(/^api\/2\.0\//, '');
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
