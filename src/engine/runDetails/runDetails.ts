// Everything the run details panel shows about one run, gathered from the tracking server:
// overview, params, metrics with a sampled history, tags, the artifact root and the registered
// model versions the run produced. A failure of one section (history, artifacts, registry) is kept
// as a problem of that section; only the run itself is required.
import { ClientErrorCodes, collectAll, isCancelled, MlflowApiError, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowFileInfo, MlflowRun } from '../mlflow/mlflowTypes';
import { loadHistories, mapLimit, BULK_INTERVAL_MAX_RESULTS, type HistoryClient } from '../compare/loadHistories';
import { downsample } from '../compare/downsample';
import { parentRunId, tagValue } from '../explorer/runListing';
import { gitCommitLink } from './gitLinks';
import type { RunDetails, RunDetailsProblem, RunMetric, RunModelVersion, RunOverview } from './runDetailsTypes';

export type * from './runDetailsTypes';

/** Tags MLflow sets itself; shown apart from the user's tags. */
const SYSTEM_TAG_PREFIX = 'mlflow.';
/** Points of each metric's sparkline. */
export const SPARKLINE_POINTS = 120;
/** Metrics whose history is loaded (the others show their latest value only). */
const HISTORY_METRICS = 100;
/** Registered model versions listed at most. */
const MAX_MODEL_VERSIONS = 200;

export type RunDetailsClient = Pick<MlflowRestClient, 'getRun' | 'getExperiment' | 'listArtifacts' | 'searchModelVersions' | 'getRegisteredModel'> &
  HistoryClient;

/** The run does not exist on this server (deleted for good, or another server's id). */
export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`Run ${runId} was not found on this tracking server: it was deleted for good, or it was recorded on another server.`);
    this.name = 'RunNotFoundError';
  }
}

export interface LoadRunDetailsOptions {
  signal?: AbortSignal;
  /** Clock for the duration of a running run. */
  now?: number;
}

/** Loads the details of one run; throws RunNotFoundError or the client's error when the run cannot be read. */
export async function loadRunDetails(client: RunDetailsClient, runId: string, o: LoadRunDetailsOptions = {}): Promise<RunDetails> {
  let run: MlflowRun;
  try {
    run = await client.getRun(runId, { signal: o.signal });
  } catch (err) {
    if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new RunNotFoundError(runId);
    throw err;
  }
  const problems: RunDetailsProblem[] = [];
  const section = async <T>(name: RunDetailsProblem['section'], load: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await load();
    } catch (err) {
      if (isCancelled(err)) throw err;
      problems.push({ section: name, message: err instanceof Error ? err.message : String(err) });
      return fallback;
    }
  };
  const [experimentName, metrics, artifacts, modelVersions] = await Promise.all([
    section('experiment', async () => (await client.getExperiment(run.info.experiment_id, { signal: o.signal })).name, undefined as string | undefined),
    loadMetrics(client, run, problems, o.signal),
    section('artifacts', async () => (await client.listArtifacts(runId, undefined, { signal: o.signal })).files, [] as MlflowFileInfo[]),
    section('models', () => modelVersionsOf(client, runId, o.signal), [] as RunModelVersion[]),
  ]);
  const allTags = [...(run.data.tags ?? [])].sort(byKey);
  return {
    overview: overviewOf(run, experimentName, o.now ?? Date.now()),
    params: [...(run.data.params ?? [])].sort(byKey),
    metrics,
    tags: allTags.filter((t) => !t.key.startsWith(SYSTEM_TAG_PREFIX)),
    systemTags: allTags.filter((t) => t.key.startsWith(SYSTEM_TAG_PREFIX)),
    artifacts: [...artifacts].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path)),
    modelVersions,
    problems,
  };
}

/**
 * One line for the panel from a failed load: what failed and what to do (the full text belongs in
 * a log). A missing run, an authentication failure and any other error each read differently.
 */
export function describeRunLoadFailure(err: unknown, runId: string, serverLabel: string): string {
  if (err instanceof RunNotFoundError)
    return `Run ${runId} was not found on ${serverLabel}: it was deleted for good, or it was recorded on another tracking server.`;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  if (err instanceof MlflowApiError && (err.errorCode === ClientErrorCodes.unauthenticated || err.httpStatus === 401)) {
    return `${message} Set it with "MLflow: Set Token for Tracking Server", then retry.`;
  }
  return `Could not load run ${runId}: ${message}`;
}

/** The overview of a run from its info and tags (exported for unit tests). */
export function overviewOf(run: MlflowRun, experimentName: string | undefined, now: number): RunOverview {
  const info = run.info;
  const tag = (key: string) => tagValue(run, key) || undefined;
  const start = info.start_time ? Number(info.start_time) : undefined;
  const end = info.end_time ? Number(info.end_time) : undefined;
  const running = info.status === 'RUNNING' || info.status === 'SCHEDULED';
  const until = end ?? (running ? now : undefined);
  const gitCommit = tag('mlflow.source.git.commit');
  const gitRepoUrl = tag('mlflow.source.git.repoURL');
  const link = gitCommitLink(gitRepoUrl, gitCommit);
  return {
    runId: info.run_id,
    runName: info.run_name || tag('mlflow.runName'),
    status: info.status,
    lifecycleStage: info.lifecycle_stage,
    experimentId: info.experiment_id,
    experimentName,
    startTime: start,
    endTime: end,
    durationMs: start !== undefined && until !== undefined && until >= start ? until - start : undefined,
    user: info.user_id || tag('mlflow.user'),
    sourceName: tag('mlflow.source.name'),
    sourceType: tag('mlflow.source.type'),
    entryPoint: tag('mlflow.project.entryPoint'),
    parentRunId: parentRunId(run),
    artifactUri: info.artifact_uri,
    gitCommit,
    gitRepoUrl: link?.repoUrl ?? (gitRepoUrl ? withoutCredentials(gitRepoUrl) : undefined),
    gitBranch: tag('mlflow.source.git.branch'),
    gitCommitUrl: link?.commitUrl,
    gitHost: link?.host,
  };
}

async function loadMetrics(client: HistoryClient, run: MlflowRun, problems: RunDetailsProblem[], signal?: AbortSignal): Promise<RunMetric[]> {
  const latest = [...(run.data.metrics ?? [])].sort(byKey);
  const metrics: RunMetric[] = latest.map((m) => ({
    key: m.key,
    latest: Number.isFinite(m.value) ? m.value : null,
    latestText: String(m.value),
    step: Number(m.step ?? 0),
    timestamp: Number(m.timestamp ?? 0),
    exact: false,
    history: [],
  }));
  if (metrics.length === 0) return metrics;
  const keys = metrics.map((m) => m.key).slice(0, HISTORY_METRICS);
  let loaded;
  try {
    // The server's whole sample (exact min/max for up to 2500 steps), thinned here for the sparkline.
    loaded = await loadHistories(client, [run.info.run_id], keys, { maxPoints: BULK_INTERVAL_MAX_RESULTS, signal });
  } catch (err) {
    if (isCancelled(err)) throw err;
    problems.push({ section: 'metrics', message: `Metric histories: ${err instanceof Error ? err.message : String(err)}` });
    return metrics;
  }
  const byKeyMap = new Map(metrics.map((m) => [m.key, m]));
  for (const s of loaded.series) {
    const metric = byKeyMap.get(s.metricKey);
    if (!metric) continue;
    metric.min = s.min;
    metric.max = s.max;
    metric.exact = s.exact;
    metric.history = downsample(s.points, SPARKLINE_POINTS).map((p) => [p.step, p.timestamp, Number.isFinite(p.value) ? p.value : null]);
  }
  for (const e of loaded.errors) problems.push({ section: 'metrics', message: `History of ${e.metricKey}: ${e.message}` });
  return metrics;
}

async function modelVersionsOf(
  client: Pick<MlflowRestClient, 'searchModelVersions' | 'getRegisteredModel'>,
  runId: string,
  signal?: AbortSignal,
): Promise<RunModelVersion[]> {
  const found = await collectAll(
    (pageToken) => client.searchModelVersions({ filter: `run_id='${runId.replace(/'/g, '')}'`, pageToken, signal }),
    MAX_MODEL_VERSIONS,
  );
  const versions = found.filter((v) => v.run_id === undefined || v.run_id === runId);
  // model-versions/search leaves aliases out on some servers: the registered model lists them all.
  const aliases = new Map<string, string[]>();
  if (versions.some((v) => v.aliases === undefined || v.aliases.length === 0)) {
    await mapLimit([...new Set(versions.map((v) => v.name))], 4, async (name) => {
      const model = await client.getRegisteredModel(name, { signal });
      for (const a of model.aliases ?? []) {
        const key = `${name}\n${a.version}`;
        aliases.set(key, [...(aliases.get(key) ?? []), a.alias]);
      }
    });
  }
  return versions
    .map((v) => ({
      name: v.name,
      version: String(v.version),
      stage: v.current_stage || undefined,
      aliases: [...new Set([...(v.aliases ?? []), ...(aliases.get(`${v.name}\n${v.version}`) ?? [])])].sort(),
      status: v.status || undefined,
      source: v.source || undefined,
      creationTimestamp: v.creation_timestamp ? Number(v.creation_timestamp) : undefined,
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version));
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** A repository URL as shown: any user:password@ removed. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}
