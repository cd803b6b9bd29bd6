import { MlflowApiError, collectAll, isCancelled, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowRun } from '../mlflow/mlflowTypes';
import { PARENT_RUN_TAG } from '../explorer/runListing';
import { mapLimit } from './loadHistories';

export interface FetchedRuns {
  /** In the order asked, without the missing ones. */
  runs: MlflowRun[];
  /** Run ids the server does not know (deleted for good, or from another server). */
  missing: string[];
}

/** The runs with these ids (runs/get, `concurrency` at a time). Unknown ids are listed, other errors thrown. */
export async function fetchRuns(client: Pick<MlflowRestClient, 'getRun'>, runIds: readonly string[], o: { concurrency?: number; signal?: AbortSignal } = {}): Promise<FetchedRuns> {
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
export function isActive(run: MlflowRun): boolean {
  return run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED';
}

/**
 * The runs to compare for "compare with parent's children": the children of the run's parent, or
 * the run's own children when it has no parent. Oldest first, so columns follow the order they ran.
 */
export async function siblingRuns(client: Pick<MlflowRestClient, 'searchRuns'>, run: MlflowRun, o: { signal?: AbortSignal } = {}): Promise<{ parentId: string; runs: MlflowRun[] }> {
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
