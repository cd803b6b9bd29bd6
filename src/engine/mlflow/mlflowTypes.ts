// Shapes of MLflow REST payloads, as the tracking server returns them (snake_case, as on the wire).

export interface MlflowTag {
  key: string;
  value: string;
}

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: string;
  last_update_time?: number;
  creation_time?: number;
  tags?: MlflowTag[];
}

/** One page of a search; `nextPageToken` is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the request (and any pending retry wait). */
  signal?: AbortSignal;
}

type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MlflowRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status: MlflowRunStatus;
  start_time?: number;
  end_time?: number;
  lifecycle_stage: string;
  artifact_uri?: string;
  user_id?: string;
}

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: {
    metrics?: MlflowMetric[];
    params?: MlflowTag[];
    tags?: MlflowTag[];
  };
  inputs?: unknown;
  outputs?: unknown;
}

export interface MlflowMetricWithRunId extends MlflowMetric {
  run_id: string;
}

export interface MlflowFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface MlflowArtifactListing {
  rootUri?: string;
  files: MlflowFileInfo[];
}

/** An MLflow 3 logged model (`/logged-models/search`). */
export interface MlflowLoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri?: string;
    creation_timestamp_ms?: number;
    last_updated_timestamp_ms?: number;
    model_type?: string;
    source_run_id?: string;
    status?: string;
    status_message?: string;
    tags?: MlflowTag[];
    registrations?: { name: string; version: string }[];
  };
  data?: {
    params?: MlflowTag[];
    metrics?: (MlflowMetric & { run_id?: string; model_id?: string; dataset_name?: string; dataset_digest?: string })[];
  };
}

export interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  /** Workspace model registry only; Unity Catalog has no stages. */
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  status_message?: string;
  tags?: MlflowTag[];
  run_link?: string;
  aliases?: string[];
  model_id?: string;
}

export interface MlflowRegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  latest_versions?: MlflowModelVersion[];
  tags?: MlflowTag[];
  aliases?: { alias: string; version: string }[];
}

export type ModelVersionStage = 'None' | 'Staging' | 'Production' | 'Archived';
