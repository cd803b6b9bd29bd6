import axios, { type AxiosInstance } from 'axios';

/** How to reach an MLflow tracking server over its REST API. */
export interface MlflowConnection {
  /** Base URL, e.g. http://127.0.0.1:5000 (no trailing /api). */
  baseUrl: string;
  /** Bearer token (Databricks PAT or MLFLOW_TRACKING_TOKEN). Never logged. */
  token?: string;
  basicAuth?: { username: string; password: string };
  timeoutMs?: number;
}

/** An error from the tracking server, with MLflow's `error_code` and a message fit for a person. */
export class MlflowApiError extends Error {
  constructor(
    message: string,
    readonly errorCode: string,
    readonly httpStatus: number | undefined,
    readonly endpoint: string,
  ) {
    super(message);
    this.name = 'MlflowApiError';
  }
}

export interface MlflowRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time?: number;
  end_time?: number;
  lifecycle_stage: string;
  artifact_uri?: string;
  user_id?: string;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: {
    metrics?: { key: string; value: number; timestamp: number; step: number }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

export class MlflowRestClient {
  private readonly http: AxiosInstance;

  constructor(readonly connection: MlflowConnection) {
    const headers: Record<string, string> = {};
    if (connection.token) headers.Authorization = `Bearer ${connection.token}`;
    this.http = axios.create({
      baseURL: connection.baseUrl.replace(/\/+$/, '') + '/api/2.0/mlflow/',
      timeout: connection.timeoutMs ?? 30_000,
      headers,
      auth: connection.basicAuth,
      validateStatus: () => true,
    });
  }

  async createExperiment(name: string): Promise<string> {
    const body = await this.post<{ experiment_id: string }>('experiments/create', { name });
    return body.experiment_id;
  }

  async createRun(experimentId: string, runName?: string): Promise<MlflowRunInfo> {
    const body = await this.post<{ run: MlflowRun }>('runs/create', {
      experiment_id: experimentId,
      run_name: runName,
      start_time: Date.now(),
    });
    return body.run.info;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const body = await this.get<{ run: MlflowRun }>('runs/get', { run_id: runId });
    return body.run;
  }

  async logBatch(
    runId: string,
    batch: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number; timestamp: number; step: number }[] },
  ): Promise<void> {
    await this.post('runs/log-batch', { run_id: runId, ...batch });
  }

  async updateRun(runId: string, status: MlflowRunInfo['status']): Promise<void> {
    await this.post('runs/update', { run_id: runId, status, end_time: Date.now() });
  }

  protected async get<T>(endpoint: string, params: Record<string, unknown>): Promise<T> {
    return this.send<T>('GET', endpoint, params, undefined);
  }

  protected async post<T>(endpoint: string, body: unknown): Promise<T> {
    return this.send<T>('POST', endpoint, undefined, body);
  }

  private async send<T>(method: 'GET' | 'POST', endpoint: string, params: unknown, data: unknown): Promise<T> {
    let response;
    try {
      response = await this.http.request({ method, url: endpoint, params, data });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'NETWORK_ERROR';
      throw new MlflowApiError(
        `Cannot reach the MLflow tracking server at ${this.connection.baseUrl} (${code}). Is it running?`,
        code,
        undefined,
        endpoint,
      );
    }
    if (response.status >= 200 && response.status < 300) return response.data as T;
    const body = response.data as { error_code?: string; message?: string } | string | undefined;
    const errorCode = typeof body === 'object' && body?.error_code ? body.error_code : `HTTP_${response.status}`;
    const rawMessage = typeof body === 'object' && body?.message ? body.message : `HTTP ${response.status}`;
    throw new MlflowApiError(`${endpoint}: ${firstSentence(rawMessage)}`, errorCode, response.status, endpoint);
  }
}

/** MLflow messages can carry SQL noise after the first sentence; people need the first one. */
export function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  const match = /^(.{20,}?[.!?])(\s|$)/.exec(line);
  return (match ? match[1] : line).trim();
}
