import * as path from 'node:path';
import { startLocalTrackingServer, type LocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { makeTempDir, repoRoot, venvPython } from './repoPaths';
import { runVenvPython } from './venvPythonRun';

export const seedScript = path.join(repoRoot, 'test', 'bench', 'seedRuns.py');

export interface RunsTableFixture {
  server: LocalTrackingServer;
  experimentId: string;
  experimentName: string;
  /** MlflowClient.search_runs on this server: the run ids, in order. */
  searchRunIds(orderBy: string[], filter?: string, maxResults?: number): Promise<string[]>;
}

/**
 * A real `mlflow server` on a sqlite file seeded with `runs` runs of the runs table's fixture
 * (seedRuns.py `table`: written with MLflow's own store, ~1 s for thousands of runs, instead of
 * minutes through the REST API). `dataDir` reuses a seeded folder (the benchmarks cache it).
 */
export async function startRunsTableServer(o: {
  runs: number;
  params?: number;
  metrics?: number;
  experimentName?: string;
  dataDir?: string;
  seeded?: string;
}): Promise<RunsTableFixture> {
  const dataDir = o.dataDir ?? makeTempDir('runs-table');
  const experimentName = o.experimentName ?? 'runs-table';
  let experimentId = o.seeded;
  if (!experimentId) {
    const seeded = JSON.parse(
      await runVenvPython([
        seedScript,
        'table',
        path.join(dataDir, 'mlflow.db'),
        String(o.runs),
        String(o.params ?? 5),
        String(o.metrics ?? 4),
        experimentName,
      ]),
    ) as { experiment_id: string };
    experimentId = seeded.experiment_id;
  }
  // Generous: on a machine shared by many test runs, mlflow server can take minutes to start.
  const server = await startLocalTrackingServer({ python: venvPython, dataDir, startTimeoutMs: 300_000 });
  const id = experimentId;
  return {
    server,
    experimentId: id,
    experimentName,
    async searchRunIds(orderBy, filter = '', maxResults = 10) {
      return JSON.parse(await runVenvPython([seedScript, 'search', server.url, id, JSON.stringify(orderBy), filter, String(maxResults)])) as string[];
    },
  };
}
