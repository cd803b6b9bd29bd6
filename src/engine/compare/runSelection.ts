import { MlflowApiError, collectAll, isCancelled, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowRun } from '../mlflow/mlflowTypes';
import { PARENT_RUN_TAG, parentRunId } from '../explorer/runListing';
import { mapLimit } from './loadHistories';

export interface FetchedRuns {
  /** In the order asked, without the missing ones. */
  runs: MlflowRun[];
  /** Run ids the server does not know (deleted for good, or from another server). */
  missing: string[];
}

/** The runs with these ids (runs/get, `concurrency` at a time). Unknown ids are listed, other errors thrown. */
export async function fetchRuns(
  client: Pick<MlflowRestClient, 'getRun'>,
  runIds: readonly string[],
  o: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<FetchedRuns> {
  const found = new Map<string, MlflowRun>();
  const missing: string[] = [];
  await mapLimit([...new Set(runIds)], o.concurrency ?? 8, async (runId) => {
    try {
      found.set(runId, await client.getRun(runId, { signal: o.signal }));
    } catch (err) {
      if (!isCancelled(err) && err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') missing.push(runId);
      else throw err;
    }
  });
  return { runs: runIds.flatMap((id) => found.get(id) ?? []), missing };
}

/** Runs that are not over yet: the compare panel keeps polling while there are some. */
export function isActive(run: { info: { status: string } }): boolean {
  return run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED';
}

/**
 * The runs to compare for "compare with parent's children": the children of the run's parent, or
 * the run's own children when it has no parent. Oldest first, so columns follow the order they ran.
 */
export async function siblingRuns(
  client: Pick<MlflowRestClient, 'searchRuns'>,
  run: MlflowRun,
  o: { signal?: AbortSignal } = {},
): Promise<{ parentId: string; runs: MlflowRun[] }> {
  const parentId = run.data.tags?.find((t) => t.key === PARENT_RUN_TAG)?.value || run.info.run_id;
  const runs = await collectAll(
    (pageToken) =>
      client.searchRuns({
        experimentIds: [run.info.experiment_id],
        filter: `tags.\`${PARENT_RUN_TAG}\` = '${parentId.replace(/'/g, '')}'`,
        orderBy: ['attributes.start_time ASC'],
        maxResults: 1000,
        pageToken,
        signal: o.signal,
      }),
    1000,
  );
  return { parentId, runs };
}

/**
 * For "compare with previous run": the run of the same experiment that started just before `run`,
 * at the same level (a top-level run's previous top-level run; a child run's previous sibling), so a
 * sweep's children are not compared with the runs around the sweep. Undefined when there is none.
 * Deleted runs are skipped. Runs are read newest first, a page at a time, until one fits.
 */
export async function previousRun(
  client: Pick<MlflowRestClient, 'searchRuns'>,
  run: MlflowRun,
  o: { signal?: AbortSignal; pageSize?: number; maxRuns?: number } = {},
): Promise<MlflowRun | undefined> {
  const start = Number(run.info.start_time);
  if (!start) return undefined;
  const parent = parentRunId(run) || undefined;
  const limit = o.maxRuns ?? 5000;
  let pageToken: string | undefined;
  let seen = 0;
  do {
    const page = await client.searchRuns({
      experimentIds: [run.info.experiment_id],
      filter: `attributes.start_time < ${Math.floor(start)}`,
      orderBy: ['attributes.start_time DESC'],
      maxResults: o.pageSize ?? 100,
      pageToken,
      signal: o.signal,
    });
    for (const candidate of page.items) {
      if (candidate.info.run_id !== run.info.run_id && (parentRunId(candidate) || undefined) === parent) return candidate;
    }
    seen += page.items.length;
    pageToken = page.nextPageToken || undefined;
  } while (pageToken && seen < limit);
  return undefined;
}
