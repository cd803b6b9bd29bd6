// The run details' shapes, sent to the webview as they are (webview/runDetails/runDetailsContract.ts checks them).
// Types only: the webview bundle and its typecheck must not pull in the engine's Node code.
import type { MlflowFileInfo } from '../mlflow/mlflowTypes';
import type { GitHost } from './gitLinks';

export interface RunOverview {
  runId: string;
  runName?: string;
  status: string;
  lifecycleStage: string;
  experimentId: string;
  /** Undefined when the experiment could not be read. */
  experimentName?: string;
  startTime?: number;
  endTime?: number;
  /** end − start; for a running run, up to when it was loaded. */
  durationMs?: number;
  user?: string;
  sourceName?: string;
  sourceType?: string;
  entryPoint?: string;
  parentRunId?: string;
  artifactUri?: string;
  gitCommit?: string;
  gitRepoUrl?: string;
  gitBranch?: string;
  /** The commit's web page, when the repository is on GitHub, GitLab, Bitbucket or Azure DevOps. */
  gitCommitUrl?: string;
  gitHost?: GitHost;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** [step, timestamp ms, value]; the value is null for NaN/±Infinity. */
export type SparkPoint = [number, number, number | null];

export interface RunMetric {
  key: string;
  /** Latest value; null when it is NaN or ±Infinity (`latestText` says which). */
  latest: number | null;
  latestText: string;
  step: number;
  timestamp: number;
  /** Over the whole history when `exact`, else over the server's sample. Absent without history. */
  min?: number;
  max?: number;
  exact: boolean;
  /** Sampled history for the sparkline (empty when not loaded). */
  history: SparkPoint[];
}

export interface RunModelVersion {
  name: string;
  version: string;
  /** Workspace registry stage (None, Staging, Production, Archived); absent on Unity Catalog. */
  stage?: string;
  aliases: string[];
  status?: string;
  source?: string;
  creationTimestamp?: number;
}

export interface RunDetailsProblem {
  section: 'experiment' | 'metrics' | 'artifacts' | 'models';
  message: string;
}

export interface RunDetails {
  overview: RunOverview;
  params: KeyValue[];
  metrics: RunMetric[];
  /** The user's tags (not `mlflow.*`), by key. */
  tags: KeyValue[];
  /** `mlflow.*` tags, by key. */
  systemTags: KeyValue[];
  /** The files and folders at the artifact root. */
  artifacts: MlflowFileInfo[];
  modelVersions: RunModelVersion[];
  /** Sections that could not be loaded, and why. */
  problems: RunDetailsProblem[];
}
