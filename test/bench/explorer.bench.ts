// Run explorer benchmark: 10,000 runs in one experiment on a real `mlflow server` (sqlite).
// - explorer_first_page: the first 100 runs, newest first (what the Runs view shows first), through
//   MlflowRestClient vs a bare node:http request with the same body (+ JSON.parse).
// - explorer_page_all_10000: every run, 1000 per page (the largest page the explorer asks for when
//   it loads a whole experiment), vs bare node:http and vs MLflow's Python MlflowClient.search_runs.
// The seeded sqlite file is cached under $MLFLOW_WB_CACHE (or ~/.cache/mlflow-workbench)/bench/.
import * as fs from 'node:fs';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { venvPython } from '../support/repoPaths';
import { seedScript } from '../support/seedRunsTable';
import { runVenvPython } from '../support/venvPythonRun';
import { cachedSeededDatabase, copyOfDatabase, keepAliveAgent, median, rawRunsSearch, rawRunsSearchAll, reportBench, time } from './benchSetup';

const RUNS = 10_000;
/** Bump when seedRuns.py changes what it writes. */
const SEED_VERSION = 1;
const FIRST_PAGE = 100;
const PAGE_ALL = 1000;
const ORDER = ['attributes.start_time DESC'];

function seededDatabase(): Promise<{ db: string; seeded: { experiment_id: string } }> {
  return cachedSeededDatabase(`explorer-v${SEED_VERSION}-runs${RUNS}`, (db) => runVenvPython([seedScript, 'seed', db, String(RUNS)]));
}

async function main(): Promise<void> {
  const { db, seeded } = await seededDatabase();
  const experimentId = seeded.experiment_id;
  const dataDir = copyOfDatabase(db, 'bench-explorer');
  const server = await startLocalTrackingServer({ python: venvPython, dataDir });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 120_000 });
    const firstPageBody = { experiment_ids: [experimentId], max_results: FIRST_PAGE, order_by: ORDER };

    // Warm-up: connections, the server's first queries.
    for (let i = 0; i < 2; i++) {
      await rawRunsSearch(server.url, firstPageBody);
      await client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER });
    }

    const first = await client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER });
    if (first.items.length !== FIRST_PAGE || first.items[0].info.run_name !== `run-${String(RUNS - 1).padStart(5, '0')}`) {
      throw new Error(`unexpected first page: ${first.items.length} runs, first ${first.items[0]?.info.run_name}`);
    }
    // Interleave the two so drift in the server (caches, GC) hits both alike.
    const clientTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < 9; i++) {
      clientTimes.push(await time(() => client.searchRuns({ experimentIds: [experimentId], maxResults: FIRST_PAGE, orderBy: ORDER })));
      rawTimes.push(await time(() => rawRunsSearch(server.url, firstPageBody)));
    }
    reportBench('explorer_first_page', median(clientTimes), median(rawTimes), 'raw_http');

    const pageAllClient = async () => {
      let count = 0;
      let pageToken: string | undefined;
      do {
        const page = await client.searchRuns({ experimentIds: [experimentId], maxResults: PAGE_ALL, orderBy: ORDER, pageToken });
        count += page.items.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (count !== RUNS) throw new Error(`client paged ${count} runs, expected ${RUNS}`);
    };
    const pageAllRaw = async () => {
      const count = await rawRunsSearchAll(server.url, (token) => ({ ...firstPageBody, max_results: PAGE_ALL, page_token: token }));
      if (count !== RUNS) throw new Error(`raw paged ${count} runs, expected ${RUNS}`);
    };
    const allClient: number[] = [];
    const allRaw: number[] = [];
    // Each full pass costs ~10 s of server time (sqlite, 10 pages): two passes each keep the bench near 2 minutes.
    for (let i = 0; i < 2; i++) {
      allClient.push(await time(pageAllClient));
      allRaw.push(await time(pageAllRaw));
    }
    const pyResult = JSON.parse(await runVenvPython([seedScript, 'page', server.url, experimentId, String(PAGE_ALL), '2'])) as {
      seconds: number[];
      runs: number;
    };
    if (pyResult.runs !== RUNS) throw new Error(`python paged ${pyResult.runs} runs, expected ${RUNS}`);
    const clientAll = median(allClient);
    reportBench('explorer_page_all_10000', clientAll, median(allRaw), 'raw_http');
    reportBench('explorer_page_all_10000', clientAll, median(pyResult.seconds) * 1000, 'mlflow_python_client');
  } finally {
    keepAliveAgent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
