/** What a launch needs and what it reports, shared by the local and the Databricks launcher. */
import type { HttpAuth } from '../http/httpAuth';

export interface LaunchRequest {
  projectDir: string;
  entryPoint: string;
  parameters: Record<string, string>;
  experimentName?: string;
  runName?: string;
  /** What the run logs to: an http(s) URL, `databricks` or `databricks://<profile>`. */
  trackingUri: string;
  /** Extra environment for the run (e.g. MLFLOW_TRACKING_TOKEN). Never logged. */
  env?: Record<string, string>;
}

export type EnvManager = 'local' | 'virtualenv' | 'conda' | 'uv';

export interface LocalLaunchOptions {
  /** An interpreter whose environment has mlflow. */
  python: string;
  envManager?: EnvManager;
}

/** `jobs` (default): workspace files or a volume, Jobs API multi-task runs/submit. `legacy`: DBFS root and MLflow's shell_command_task. */
export type DatabricksProtocol = 'jobs' | 'legacy';

export interface DatabricksLaunchOptions {
  host: string;
  /** A personal access token, when `auth` is not given. */
  token?: string;
  /** How the workspace is signed in to (any kind: PAT, OAuth M2M, Databricks CLI, Azure CLI). */
  auth?: HttpAuth;
  /** The cluster spec as a JSON object, or the path of a cluster JSON file (`--backend-config`). Not with `serverless`. */
  backendConfig?: object | string;
  /** Default `jobs`. */
  protocol?: DatabricksProtocol;
  /** Jobs protocol: run on serverless compute (no cluster spec; dependencies in a job environment). */
  serverless?: boolean;
  /** Jobs protocol: `/Workspace/...` or `/Volumes/<catalog>/<schema>/<volume>/...` folder for the uploads (default `/Workspace/Users/<me>/mlflow-wb`). */
  uploadTo?: string;
  /** Build the project's wheel(s) with `python -m build`, upload them and rewrite wheel placeholders. */
  buildWheels?: boolean;
  /** Legacy protocol: DBFS folder for wheels (default dbfs:/FileStore/wheels); a branch and a hash folder go below it. */
  wheelFolder?: string;
  /** First poll interval of runs/get (it backs off to 10x this). Default 2 s. */
  pollIntervalMs?: number;
  /** Interpreter for `python -m build` (default: python3 on PATH). */
  python?: string;
  /** Passed to the `mlflow run` on the cluster, as `mlflow run -b databricks --env-manager` does. */
  envManager?: EnvManager;
  /** Build wheels in an isolated environment (python -m build's default). Default true. */
  buildIsolation?: boolean;
}

export type LaunchPhase = 'validating' | 'building' | 'uploading' | 'submitting' | 'pending' | 'running' | 'finished' | 'failed' | 'killed';

export interface LaunchState {
  phase: LaunchPhase;
  message?: string;
  mlflowRunId?: string;
  databricksRunId?: number;
  runPageUrl?: string;
  /** Paths actually uploaded (DBFS URIs, or /Workspace/... and /Volumes/... paths); files already there are skipped and not listed. */
  uploaded?: string[];
}

export interface LaunchEvents {
  onOutput?(text: string, stream: 'stdout' | 'stderr'): void;
  onState?(state: LaunchState): void;
}

export interface LaunchHandle {
  /** Resolves (never rejects) with the final state: finished, failed or killed. */
  readonly done: Promise<LaunchState>;
  cancel(): Promise<void>;
}
