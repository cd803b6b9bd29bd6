/** Shapes of the Databricks REST API 2.0/2.1 objects the product reads and sends. */
import type { HttpAuth } from '../http/httpAuth';

export interface DatabricksConnection {
  /** Workspace URL, e.g. https://adb-123.4.azuredatabricks.net (no trailing /api). */
  host: string;
  /** Personal access token (when `auth` is not given). Never logged, never put in error messages. */
  token?: string;
  /** How requests are signed (PAT, OAuth M2M, Databricks CLI, Azure CLI, ...); wins over `token`. */
  auth?: HttpAuth;
  timeoutMs?: number;
  /** Retries on 429 and 5xx (default 4). */
  maxRetries?: number;
  /** Ceiling of one backoff wait between retries (default 30 s); a Retry-After over 60 s is reported, not waited for. */
  maxRetryDelayMs?: number;
}

export interface DbfsFileInfo {
  path: string;
  is_dir: boolean;
  file_size: number;
  modification_time?: number;
}

export interface ScimUser {
  id: string;
  userName: string;
  displayName?: string;
  emails?: { value: string; type?: string; primary?: boolean }[];
  active?: boolean;
}

export type LibrarySpec =
  | { pypi: { package: string; repo?: string } }
  | { whl: string }
  | { jar: string }
  | { egg: string }
  | { requirements: string }
  | { maven: { coordinates: string; repo?: string; exclusions?: string[] } }
  | { cran: { package: string; repo?: string } };

export interface NewClusterSpec {
  spark_version: string;
  node_type_id?: string;
  driver_node_type_id?: string;
  num_workers?: number;
  autoscale?: { min_workers: number; max_workers: number };
  spark_conf?: Record<string, string>;
  spark_env_vars?: Record<string, string>;
  instance_pool_id?: string;
  policy_id?: string;
  [key: string]: unknown;
}

export interface SparkPythonTask {
  python_file: string;
  parameters?: string[];
}

export interface PythonWheelTask {
  package_name: string;
  entry_point: string;
  parameters?: string[];
  named_parameters?: Record<string, string>;
}

export interface SubmitTask {
  task_key: string;
  depends_on?: { task_key: string }[];
  new_cluster?: NewClusterSpec;
  existing_cluster_id?: string;
  libraries?: LibrarySpec[];
  spark_python_task?: SparkPythonTask;
  python_wheel_task?: PythonWheelTask;
  timeout_seconds?: number;
}

/** `POST /api/2.1/jobs/runs/submit` body (multi-task form). */
export interface RunSubmitRequest {
  run_name?: string;
  tasks: SubmitTask[];
  timeout_seconds?: number;
  idempotency_token?: string;
}

export type RunLifeCycleState =
  'QUEUED' | 'PENDING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR' | 'BLOCKED' | 'WAITING_FOR_RETRY';
export type RunResultState =
  | 'SUCCESS'
  | 'FAILED'
  | 'CANCELED'
  | 'TIMEDOUT'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_CANCELED'
  | 'EXCLUDED'
  | 'SUCCESS_WITH_FAILURES'
  | 'MAXIMUM_CONCURRENT_RUNS_REACHED';

export interface RunState {
  life_cycle_state: RunLifeCycleState;
  result_state?: RunResultState;
  state_message?: string;
  user_cancelled_or_timedout?: boolean;
}

export interface RunTask {
  run_id: number;
  task_key: string;
  state: RunState;
  start_time?: number;
  setup_duration?: number;
  execution_duration?: number;
  end_time?: number;
  run_page_url?: string;
  cluster_instance?: { cluster_id: string; spark_context_id?: string };
  [key: string]: unknown;
}

export interface JobRun {
  job_id?: number;
  run_id: number;
  number_in_job?: number;
  run_name?: string;
  creator_user_name?: string;
  state: RunState;
  start_time?: number;
  setup_duration?: number;
  execution_duration?: number;
  cleanup_duration?: number;
  end_time?: number;
  run_page_url?: string;
  run_type?: string;
  tasks?: RunTask[];
}

export interface RunOutput {
  metadata?: JobRun | RunTask;
  logs?: string;
  logs_truncated?: boolean;
  error?: string;
  error_trace?: string;
  notebook_output?: { result?: string; truncated?: boolean };
}

export interface ClusterInfo {
  cluster_id: string;
  cluster_name?: string;
  state: 'PENDING' | 'RUNNING' | 'RESTARTING' | 'RESIZING' | 'TERMINATING' | 'TERMINATED' | 'ERROR' | 'UNKNOWN';
  state_message?: string;
  spark_version?: string;
  node_type_id?: string;
  num_workers?: number;
  autoscale?: { min_workers: number; max_workers: number };
  [key: string]: unknown;
}

/** Life-cycle states after which a run changes no more. */
export function isTerminalLifeCycle(state: RunLifeCycleState): boolean {
  return state === 'TERMINATED' || state === 'SKIPPED' || state === 'INTERNAL_ERROR';
}
